package profile

import (
	"bytes"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/kubehop/kubehop/internal/inventory"
)

// FromSnapshot writes a starting profile for a cluster: its identity, the
// target, and every pool with the surge strategy. uid is the kube-system
// namespace's UID.
func FromSnapshot(s *inventory.Snapshot, name, uid, provider, target string) *Profile {
	p := &Profile{APIVersion: APIVersion, Kind: Kind, Cluster: Cluster{Name: name, Context: s.Cluster.Context, UID: uid},
		Provider: provider, Target: target}
	var pools []string
	for _, n := range s.Nodes {
		if n.Pool != "" && !slices.Contains(pools, n.Pool) {
			pools = append(pools, n.Pool)
		}
	}
	slices.Sort(pools)
	for _, pool := range pools {
		p.Pools = append(p.Pools, Pool{Name: pool, Strategy: Surge, MaxSurge: 1})
	}
	return p
}

// YAML renders the profile with a comment that says what to review.
func (p *Profile) YAML() ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# kubehop profile for cluster %s, written by kubehop init.\n", p.Cluster.Name)
	buf.WriteString("# Review the pools: their strategy (surge, inplace, bluegreen), the order\n")
	buf.WriteString("# rules (after, notConcurrentWith) and the gates (waitFor). See\n")
	buf.WriteString("# docs/kubehop.example.yaml for every field.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}
