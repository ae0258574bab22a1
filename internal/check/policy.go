package check

import (
	_ "embed"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/yaml"
)

//go:embed data/policy.yaml
var policyYAML []byte

// Policy is the version policy of data/policy.yaml.
type Policy struct {
	OldestMinor      string `json:"oldestMinor"`
	NewestMinor      string `json:"newestMinor"`
	KubeletSkewRules []struct {
		Since  string `json:"since"`
		Minors int    `json:"minors"`
	} `json:"kubeletSkew"`
	DockershimRemovedIn   string            `json:"dockershimRemovedIn"`
	EKSEBSCSIRequiredFrom string            `json:"eksEBSCSIRequiredFrom"`
	EBSCSIDriver          string            `json:"ebsCSIDriver"`
	CoreDNS               map[string]string `json:"coreDNS"`
}

var defaultPolicy = sync.OnceValue(func() *Policy {
	var p Policy
	if err := yaml.UnmarshalStrict(policyYAML, &p); err != nil {
		panic(fmt.Sprintf("embedded data/policy.yaml: %v", err))
	}
	return &p
})

// DefaultPolicy returns the embedded version policy.
func DefaultPolicy() *Policy { return defaultPolicy() }

// KubeletSkew is how many minors a kubelet may lag an API server at v.
func (p *Policy) KubeletSkew(v *version.Version) int {
	skew := 2
	for _, s := range p.KubeletSkewRules {
		if v.AtLeast(version.MustParseGeneric(s.Since)) {
			skew = s.Minors
		}
	}
	return skew
}

// ErrVersion is returned for a target version kubehop cannot plan for.
var ErrVersion = errors.New("bad version")

// ParseMinor parses a version such as "1.37", "v1.37" or "v1.37.2" and
// checks it is a Kubernetes minor kubehop knows.
func (p *Policy) ParseMinor(s string) (*version.Version, error) {
	v, err := version.ParseGeneric(s)
	if err != nil {
		return nil, fmt.Errorf("%w %q: want a Kubernetes version such as 1.37", ErrVersion, s)
	}
	oldest, newest := version.MustParseGeneric(p.OldestMinor), version.MustParseGeneric(p.NewestMinor)
	m := version.MajorMinor(v.Major(), v.Minor())
	if m.LessThan(oldest) || newest.LessThan(m) {
		return nil, fmt.Errorf("%w %q: kubehop knows Kubernetes %s to %s", ErrVersion, s, p.OldestMinor, p.NewestMinor)
	}
	return v, nil
}

// PlanHops returns the hops from current to target, one minor at a time.
// A target older than current is a downgrade, which Kubernetes does not
// support.
func PlanHops(current, target *version.Version) ([]Hop, error) {
	if current == nil {
		return nil, nil
	}
	if target.Major() != current.Major() {
		return nil, fmt.Errorf("%w: cannot move from major %d to %d", ErrVersion, current.Major(), target.Major())
	}
	if target.Minor() < current.Minor() {
		return nil, fmt.Errorf("%w: target %s is older than the cluster's %s: Kubernetes does not support downgrades", ErrVersion, minor(target), current)
	}
	var hops []Hop
	for m := current.Minor(); m < target.Minor(); m++ {
		hops = append(hops, Hop{From: version.MajorMinor(current.Major(), m), To: version.MajorMinor(current.Major(), m+1)})
	}
	return hops, nil
}

// hopTo returns the name of the hop that arrives at minor m, Baseline if
// the cluster is already past it, or "" if no hop reaches it.
func (in *Input) hopTo(m *version.Version) string {
	if in.Current != nil && !in.Current.LessThan(version.MajorMinor(m.Major(), m.Minor())) {
		return Baseline
	}
	for _, h := range in.Hops {
		if h.To.Major() == m.Major() && h.To.Minor() == m.Minor() {
			return h.String()
		}
	}
	if in.Current == nil && !in.Target.LessThan(version.MajorMinor(m.Major(), m.Minor())) {
		return "→" + minor(m) // no cluster version: name the minor only
	}
	return ""
}
