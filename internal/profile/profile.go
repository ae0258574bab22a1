package profile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/version"
)

// APIVersion and Kind identify a profile file.
const (
	APIVersion = "kubehop.dev/v1alpha1"
	Kind       = "Profile"
)

// Strategies a pool can be upgraded with.
const (
	InPlace   = "inplace"
	Surge     = "surge"
	BlueGreen = "bluegreen"
)

// Profile is a kubehop.yaml file.
type Profile struct {
	APIVersion string  `yaml:"apiVersion"`
	Kind       string  `yaml:"kind"`
	Cluster    Cluster `yaml:"cluster"`
	// Provider is local, eks, aks, gke, anthos-bm, kubeadm or terraform;
	// each but local has its settings in the section of its name.
	Provider  string     `yaml:"provider"`
	EKS       *EKS       `yaml:"eks,omitempty"`
	AKS       *AKS       `yaml:"aks,omitempty"`
	GKE       *GKE       `yaml:"gke,omitempty"`
	AnthosBM  *AnthosBM  `yaml:"anthosBM,omitempty"`
	Kubeadm   *Kubeadm   `yaml:"kubeadm,omitempty"`
	Terraform *Terraform `yaml:"terraform,omitempty"`
	// Target is the Kubernetes version to reach, such as "1.37".
	Target string `yaml:"target"`
	// PoolLabel names the node label that holds the pool; the providers'
	// well-known labels when empty.
	PoolLabel string `yaml:"poolLabel,omitempty"`
	Pools     []Pool `yaml:"pools"`
	Drain     Drain  `yaml:"drain,omitempty"`
	// Parallelism bounds the pools upgraded at once (default 2).
	Parallelism int `yaml:"parallelism,omitempty"`
	// App is the stateful application kubehop app upgrades.
	App *App `yaml:"app,omitempty"`
	// Certificates and Licenses are what kubehop cert renew and license
	// renew renew.
	Certificates []Renewal `yaml:"certificates,omitempty"`
	Licenses     []Renewal `yaml:"licenses,omitempty"`
	// Mesh is the service mesh kubehop mesh upgrades.
	Mesh *Mesh `yaml:"mesh,omitempty"`
	// Credentials and Planned feed kubehop calendar, with the
	// certificates, licences and the provider's end of support.
	Credentials []Credential `yaml:"credentials,omitempty"`
	Planned     []Planned    `yaml:"planned,omitempty"`
	// Checklist lists what a person checks by hand afterwards.
	Checklist []string `yaml:"checklist,omitempty"`

	file string
}

// Cluster says which cluster the profile is for. kubehop refuses to act
// when the kubeconfig points anywhere else.
type Cluster struct {
	Name string `yaml:"name"`
	// Context is the kubeconfig context the profile expects, if set.
	Context string `yaml:"context,omitempty"`
	// UID is the UID of the cluster's kube-system namespace: the cluster's
	// identity, which no other cluster shares.
	UID string `yaml:"uid"`
}

// Pool is one node pool and how it moves.
type Pool struct {
	Name     string `yaml:"name"`
	Strategy string `yaml:"strategy"`
	// MaxSurge is how many nodes a surge upgrade may add beyond the
	// pool's size (default 1). MaxUnavailable is how many old nodes drain
	// at once in place or blue/green (default 1); in a surge it is how many
	// more may drain than new nodes cover (default 0), as in Cluster API's
	// rolling updates: maxSurge + maxUnavailable drain at once.
	MaxSurge       int `yaml:"maxSurge,omitempty"`
	MaxUnavailable int `yaml:"maxUnavailable,omitempty"`
	// After lists pools that must be finished before this one starts.
	After []string `yaml:"after,omitempty"`
	// NotConcurrentWith lists pools that must never move at the same time
	// as this one.
	NotConcurrentWith []string `yaml:"notConcurrentWith,omitempty"`
	// WaitFor are gates that must hold before the pool starts.
	WaitFor []Gate `yaml:"waitFor,omitempty"`
}

// Gate waits until the pods a selector picks in a namespace are Running
// and Ready.
type Gate struct {
	Namespace string `yaml:"namespace"`
	Selector  string `yaml:"selector"`
	// MinReady is how many must be ready (default 1).
	MinReady int `yaml:"minReady,omitempty"`
}

// Drain says how nodes are drained.
type Drain struct {
	DeleteEmptyDir bool `yaml:"deleteEmptyDir,omitempty"`
	EvictNaked     bool `yaml:"evictNaked,omitempty"`
	// Timeout pauses the plan when a node is not drained in time (default
	// 10m), naming what blocks.
	Timeout Duration `yaml:"timeout,omitempty"`
}

// Duration is a time.Duration written as "10m".
type Duration struct{ time.Duration }

// UnmarshalYAML reads a duration such as "90s" or "10m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration such as 10m", n.Line, n.Value)
	}
	d.Duration = v
	return nil
}

// MarshalYAML writes the duration as "10m0s".
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// ErrInvalid is returned for a profile kubehop cannot use.
var ErrInvalid = errors.New("invalid profile")

// Load reads and validates a profile file.
func Load(path string) (*Profile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read profile: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates a profile; name is used in errors, which
// name the line and the field.
func Parse(name string, data []byte) (*Profile, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %s: the file is empty", ErrInvalid, name)
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%w: %s: %s", ErrInvalid, name, strings.Join(te.Errors, "; "))
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	p.file = name
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	if err := p.validate(lines(&root)); err != nil {
		return nil, err
	}
	return &p, nil
}

// File is where the profile was read from.
func (p *Profile) File() string { return p.file }

// lines maps dotted field paths ("pools[1].strategy") to their line.
func lines(root *yaml.Node) map[string]int {
	out := map[string]int{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				out[p] = n.Content[i].Line
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				out[p] = c.Line
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return out
}

func (p *Profile) validate(at map[string]int) error {
	fail := func(field, format string, args ...any) error {
		line := at[field]
		for f := field; line == 0 && f != ""; {
			if i := strings.LastIndexAny(f, ".["); i > 0 {
				f = f[:i]
			} else {
				f = ""
			}
			line = at[f]
		}
		// A field that is missing altogether is the document's to add.
		line = max(line, 1)
		return fmt.Errorf("%w: %s:%d: %s: %s", ErrInvalid, p.file, line, field, fmt.Sprintf(format, args...))
	}
	if p.APIVersion != APIVersion || p.Kind != Kind {
		return fail("apiVersion", "want apiVersion %s and kind %s, got %q and %q", APIVersion, Kind, p.APIVersion, p.Kind)
	}
	if p.Cluster.Name == "" || p.Cluster.UID == "" {
		return fail("cluster", "name and uid are required (kubehop init fills them in from the cluster)")
	}
	if !slices.Contains(providers, p.Provider) {
		return fail("provider", "%q is not one of %s", p.Provider, strings.Join(providers, ", "))
	}
	if _, err := version.ParseGeneric(p.Target); err != nil {
		return fail("target", "%q is not a Kubernetes version such as 1.37", p.Target)
	}
	if p.Parallelism < 0 {
		return fail("parallelism", "must not be negative")
	}
	names := map[string]bool{}
	for i, pool := range p.Pools {
		field := fmt.Sprintf("pools[%d]", i)
		if pool.Name == "" {
			return fail(field+".name", "is required")
		}
		if names[pool.Name] {
			return fail(field+".name", "pool %q is listed twice", pool.Name)
		}
		names[pool.Name] = true
		if !slices.Contains([]string{InPlace, Surge, BlueGreen}, pool.Strategy) {
			return fail(field+".strategy", "%q is not one of inplace, surge, bluegreen", pool.Strategy)
		}
		if pool.MaxSurge < 0 || pool.MaxUnavailable < 0 {
			return fail(field, "maxSurge and maxUnavailable must not be negative")
		}
		for j, g := range pool.WaitFor {
			gf := fmt.Sprintf("%s.waitFor[%d]", field, j)
			if g.Namespace == "" {
				return fail(gf+".namespace", "is required")
			}
			if _, err := labels.Parse(g.Selector); err != nil || g.Selector == "" {
				return fail(gf+".selector", "%q is not a label selector such as app=mongodb", g.Selector)
			}
		}
	}
	for i, pool := range p.Pools {
		for j, other := range pool.After {
			if !names[other] || other == pool.Name {
				return fail(fmt.Sprintf("pools[%d].after[%d]", i, j), "%q is not another pool of this profile", other)
			}
		}
		for j, other := range pool.NotConcurrentWith {
			if !names[other] || other == pool.Name {
				return fail(fmt.Sprintf("pools[%d].notConcurrentWith[%d]", i, j), "%q is not another pool of this profile", other)
			}
		}
	}
	if cycle := p.afterCycle(); cycle != "" {
		return fail("pools", "the after rules form a cycle: %s", cycle)
	}
	if err := p.validateApp(fail); err != nil {
		return err
	}
	if err := p.validateRenewals(fail); err != nil {
		return err
	}
	if err := p.validateDates(fail); err != nil {
		return err
	}
	if err := p.validateMesh(fail); err != nil {
		return err
	}
	return p.validateProvider(fail)
}

// Path resolves a path the profile gives relative to the profile's own
// directory.
func (p *Profile) Path(rel string) string {
	if rel == "" || filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(filepath.Dir(p.file), rel)
}

// afterCycle returns a cycle in the after rules, if any.
func (p *Profile) afterCycle() string {
	after := map[string][]string{}
	for _, pool := range p.Pools {
		after[pool.Name] = pool.After
	}
	state := map[string]int{} // 1 visiting, 2 done
	var path []string
	var visit func(n string) string
	visit = func(n string) string {
		switch state[n] {
		case 1:
			return strings.Join(append(path, n), " after ")
		case 2:
			return ""
		}
		state[n] = 1
		path = append(path, n)
		for _, m := range after[n] {
			if c := visit(m); c != "" {
				return c
			}
		}
		path = path[:len(path)-1]
		state[n] = 2
		return ""
	}
	for _, pool := range p.Pools {
		if c := visit(pool.Name); c != "" {
			return c
		}
	}
	return ""
}

// Pool returns the pool named name.
func (p *Profile) Pool(name string) (Pool, bool) {
	for _, pool := range p.Pools {
		if pool.Name == name {
			return pool, true
		}
	}
	return Pool{}, false
}
