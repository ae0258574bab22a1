package anthosbm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"go.yaml.in/yaml/v3"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/kubeadm"
)

// ErrAlreadyAtTarget is returned (wrapped) by Preflight when the cluster
// already runs the target: there is nothing to upgrade.
var ErrAlreadyAtTarget = errors.New("the cluster is already at the target version")

// Preflight checks what the runbook checks before `bmctl upgrade
// cluster`, and returns every failure, each naming its cause:
//   - `bmctl version` is the target's release (bmctl upgrades to its own
//     version);
//   - the Cluster resource is older than the target by at most one minor,
//     and not in the middle of another upgrade (spec and status agree);
//   - the cluster config bmctl reads
//     (bmctl-workspace/CLUSTER/CLUSTER.yaml under Workdir), when present,
//     asks for the target;
//   - the docker daemon answers (bmctl's bootstrap cluster runs in kind).
func (b *BareMetal) Preflight(ctx context.Context, target string) error {
	if err := b.configured(); err != nil {
		return err
	}
	t, err := parseRelease(target)
	if err != nil {
		return b.errorf("preflight: target %w", err)
	}
	errs := []error{b.checkBmctl(ctx, t), b.checkCluster(ctx, t), b.checkConfig(t), b.checkDocker(ctx)}
	if err := errors.Join(errs...); err != nil {
		return b.errorf("preflight for %s: %w", t, err)
	}
	return nil
}

// bmctlVersionRE reads "bmctl version: 1.12.1-gke.44, git commit: ...".
var bmctlVersionRE = regexp.MustCompile(`bmctl version:\s*([^\s,]+)`)

// BmctlVersion runs `bmctl version` and returns the version it reports
// ("1.12.1-gke.44").
func (b *BareMetal) BmctlVersion(ctx context.Context) (string, error) {
	argv := []string{b.bmctl(), "version"}
	res, err := b.Runner.Run(ctx, "", argv, kubeadm.RunOptions{Dir: b.Workdir})
	if err != nil {
		return "", err
	}
	m := bmctlVersionRE.FindStringSubmatch(res.Stdout)
	if m == nil {
		return "", fmt.Errorf("%q printed no \"bmctl version:\" line: %q", kubeadm.CommandLine(argv), firstLine(res.Stdout))
	}
	return m[1], nil
}

func (b *BareMetal) checkBmctl(ctx context.Context, t release) error {
	got, err := b.BmctlVersion(ctx)
	if err != nil {
		return fmt.Errorf("bmctl: %w", err)
	}
	if !sameRelease(got, t.raw) {
		return fmt.Errorf("bmctl %s is version %s, not the target %s: install the bmctl of %s (gsutil cp gs://anthos-baremetal-release/bmctl/%s/linux-amd64/bmctl .) and point kubehop at it", b.bmctl(), got, t, t, t)
	}
	return nil
}

// checkCluster checks the Cluster resource's versions against the target.
func (b *BareMetal) checkCluster(ctx context.Context, t release) error {
	spec, status, err := b.clusterVersion(ctx)
	if err != nil {
		return err
	}
	if status != "" && !sameRelease(spec, status) {
		return fmt.Errorf("Cluster %s/%s is being upgraded already (spec.anthosBareMetalVersion %s, status.anthosBareMetalVersion %s): %w", b.namespace(), b.Cluster, spec, status, provider.ErrOperationInProgress)
	}
	current := status
	if current == "" {
		current = spec
	}
	cur, err := parseRelease(current)
	if err != nil {
		return fmt.Errorf("Cluster %s/%s: anthosBareMetalVersion %w", b.namespace(), b.Cluster, err)
	}
	return skew(cur, t)
}

// skew checks that cur may be upgraded to t: older, same major, at most
// one minor apart.
func skew(cur, t release) error {
	switch {
	case sameRelease(cur.raw, t.raw):
		return fmt.Errorf("the cluster runs %s: %w", cur, ErrAlreadyAtTarget)
	case cur.v.GreaterThan(t.v):
		return fmt.Errorf("the cluster runs %s, newer than the target %s: bmctl cannot downgrade", cur, t)
	}
	if cur.v.Major() != t.v.Major() || t.v.Minor() > cur.v.Minor()+1 {
		next := fmt.Sprintf("%d.%d", cur.v.Major(), cur.v.Minor()+1)
		return fmt.Errorf("the cluster runs %s and the target %s is more than one minor ahead: upgrade one minor at a time (to a %s release first)", cur, t, next)
	}
	return nil
}

// ConfigPath is the cluster config bmctl reads:
// Workdir/bmctl-workspace/CLUSTER/CLUSTER.yaml.
func (b *BareMetal) ConfigPath() string {
	return filepath.Join(b.Workdir, "bmctl-workspace", b.Cluster, b.Cluster+".yaml")
}

// checkConfig checks the Cluster document of the cluster config, when the
// file exists: bmctl upgrades to the anthosBareMetalVersion it names.
func (b *BareMetal) checkConfig(t release) error {
	path := b.ConfigPath()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cluster config: %w", err)
	}
	v, err := configVersion(data, b.Cluster)
	if err != nil {
		return fmt.Errorf("cluster config %s: %w", path, err)
	}
	if !sameRelease(v, t.raw) {
		return fmt.Errorf("cluster config %s: spec.anthosBareMetalVersion is %s; set it to %s before the upgrade (bmctl upgrade cluster reads it)", path, orNone(v), t)
	}
	return nil
}

// configDoc is what checkConfig reads of each document of the config.
type configDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		AnthosBareMetalVersion string `yaml:"anthosBareMetalVersion"`
	} `yaml:"spec"`
}

// configVersion finds the Cluster document named cluster in a cluster
// config (several YAML documents) and returns its version.
func configVersion(data []byte, cluster string) (string, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc configDoc
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("no %s Cluster document named %s", ClusterGVR.GroupVersion(), cluster)
		}
		if err != nil {
			return "", err
		}
		if doc.APIVersion == ClusterGVR.GroupVersion().String() && doc.Kind == "Cluster" && doc.Metadata.Name == cluster {
			return doc.Spec.AnthosBareMetalVersion, nil
		}
	}
}

// checkDocker runs Docker.
func (b *BareMetal) checkDocker(ctx context.Context) error {
	argv := b.docker()
	if len(argv) == 0 {
		return nil
	}
	if _, err := b.Runner.Run(ctx, "", argv, kubeadm.RunOptions{}); err != nil {
		return fmt.Errorf("the docker daemon does not answer (bmctl runs its bootstrap cluster in kind, which needs docker; check `systemctl status docker`): %w", err)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := bytes.Cut([]byte(s), []byte("\n"))
	return string(line)
}
