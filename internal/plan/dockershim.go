package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

// Step kinds of the dockershim migration: Kubernetes 1.24 removed
// dockershim, and EKS's 1.23 node AMIs run docker by default, so before the
// control plane moves to 1.24 every node group still on docker moves its
// pods to a temporary containerd node group, is scaled to 0, upgraded,
// scaled back, takes its pods back, and the temporary group goes: the EKS
// runbook's ten steps.
const (
	// KindTempPoolCreate creates the temporary pool from the pool's own
	// settings and the containerd launch template, and waits for its
	// nodes.
	KindTempPoolCreate = "temp-pool-create"
	// KindPoolRetire drains a pool's nodes (its pods go to the temporary
	// pool) and scales it to 0, recording its size.
	KindPoolRetire = "pool-retire"
	// KindPoolReturn scales a retired pool back to its recorded size and
	// waits for its nodes.
	KindPoolReturn = "pool-return"
	// KindTempPoolRemove drains the temporary pool (its pods go back) and
	// deletes it.
	KindTempPoolRemove = "temp-pool-remove"
)

// TempPool is the temporary pool of a dockershim migration.
type TempPool struct {
	Name           string                 `json:"name"`
	From           string                 `json:"from"`
	LaunchTemplate profile.LaunchTemplate `json:"launchTemplate"`
}

// dockershimMinor is the first Kubernetes minor without dockershim.
var dockershimMinor = version.MajorMinor(1, 24)

// dockerPools lists the profile's pools with a node on docker, in profile
// order.
func dockerPools(p *profile.Profile, s *inventory.Snapshot, nodes map[string][]string) []profile.Pool {
	runtime := map[string]string{}
	for _, n := range s.Nodes {
		runtime[n.Name] = n.ContainerRuntime
	}
	var out []profile.Pool
	for _, pool := range p.Pools {
		if slices.ContainsFunc(nodes[pool.Name], func(n string) bool { return strings.HasPrefix(runtime[n], "docker://") }) {
			out = append(out, pool)
		}
	}
	return out
}

// migration are the dockershim steps of one hop: those before its control
// plane moves, and those after its pools have.
type migration struct {
	before, after []Step
}

// dockershimSteps plans the migration for the hop that reaches 1.24 or
// later while pools still run docker. Only EKS runs it: other providers'
// nodes get containerd from their upgrade itself, or need the operator.
func dockershimSteps(p *profile.Profile, hid, hop string, to *version.Version, pools []profile.Pool, relax []string, prev []string) (*migration, error) {
	if len(pools) == 0 || to.LessThan(dockershimMinor) {
		return nil, nil
	}
	var names []string
	for _, pool := range pools {
		names = append(names, pool.Name)
	}
	if p.Provider != "eks" {
		return nil, fmt.Errorf("%s: pools %s run docker, which Kubernetes %d.%d no longer supports: move them to containerd first (kubehop migrates EKS node groups; elsewhere recreate the nodes with containerd)",
			p.File(), strings.Join(names, ", "), to.Major(), to.Minor())
	}
	var missing []string
	for _, pool := range pools {
		if _, ok := p.EKS.ContainerdLaunchTemplates[pool.Name]; !ok {
			missing = append(missing, pool.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s: node groups %s run docker, which Kubernetes 1.24 removed: give eks.containerdLaunchTemplates.<node group> for each, a launch template copied from the group's own whose user data ends the bootstrap.sh line with --container-runtime containerd (and names the temporary node group %s-containerd in --kubelet-extra-args)",
			p.File(), strings.Join(missing, ", "), missing[0])
	}
	docker := map[string]bool{}
	for _, n := range names {
		docker[n] = true
	}
	id := func(pool, what string) string { return hid + "/dockershim/" + pool + "/" + what }
	m := &migration{}
	for _, pool := range pools {
		temp := pool.Name + "-containerd"
		create := Step{ID: id(pool.Name, "create"), Hop: hop, Phase: "dockershim", Kind: KindTempPoolCreate, Pool: temp, After: slices.Clone(prev),
			Temp:     &TempPool{Name: temp, From: pool.Name, LaunchTemplate: p.EKS.ContainerdLaunchTemplates[pool.Name]},
			Title:    fmt.Sprintf("Create node group %s like %s, with containerd (launch template %s), and wait for its nodes", temp, pool.Name, p.EKS.ContainerdLaunchTemplates[pool.Name]),
			Estimate: Duration{5 * time.Minute}}
		retire := Step{ID: id(pool.Name, "retire"), Hop: hop, Phase: "dockershim", Kind: KindPoolRetire, Pool: pool.Name, WaitFor: pool.WaitFor,
			After:    append([]string{create.ID}, relax...),
			Title:    fmt.Sprintf("Drain node group %s (docker) into %s, then scale it to 0, recording its size", pool.Name, temp),
			Estimate: Duration{perNodeEstimate}}
		ret := Step{ID: id(pool.Name, "return"), Hop: hop, Phase: "dockershim", Kind: KindPoolReturn, Pool: pool.Name, Version: fmt.Sprintf("%d.%d", to.Major(), to.Minor()),
			After:    []string{hid + "/pool/" + pool.Name},
			Title:    fmt.Sprintf("Scale node group %s back to its recorded size and wait for its containerd nodes", pool.Name),
			Estimate: Duration{5 * time.Minute}}
		remove := Step{ID: id(pool.Name, "remove"), Hop: hop, Phase: "dockershim", Kind: KindTempPoolRemove, Pool: temp, Temp: create.Temp, WaitFor: pool.WaitFor,
			After:    []string{ret.ID},
			Title:    fmt.Sprintf("Drain %s back into %s, then delete node group %s", temp, pool.Name, temp),
			Estimate: Duration{perNodeEstimate}}
		// The pools' order and exclusion rules hold for the drains too.
		for _, a := range pool.After {
			if docker[a] {
				retire.After = append(retire.After, id(a, "retire"))
				remove.After = append(remove.After, id(a, "remove"))
			}
		}
		for _, n := range pool.NotConcurrentWith {
			if docker[n] {
				retire.NotWith = append(retire.NotWith, id(n, "retire"))
				remove.NotWith = append(remove.NotWith, id(n, "remove"))
			}
		}
		m.before = append(m.before, create, retire)
		m.after = append(m.after, ret, remove)
	}
	return m, nil
}

// ids lists the steps' IDs whose kind is one of kinds.
func ids(steps []Step, kinds ...string) []string {
	var out []string
	for _, st := range steps {
		if slices.Contains(kinds, st.Kind) {
			out = append(out, st.ID)
		}
	}
	return out
}
