package plan

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/inventory"
)

// Timing is how long a cluster takes for what no plan can hurry.
type Timing struct {
	// PodReady is how long a new pod takes from scheduled to Ready.
	PodReady time.Duration
	// NodeReady is how long a new node takes from registered to Ready.
	NodeReady time.Duration
}

// Bound is a lower bound on how long a plan's node pools and restores take
// whatever the executor does, given the cluster's timing and the plan's
// disruption budgets and surge limits. The control plane's upgrade is the
// provider's and is not counted.
type Bound struct {
	Total Duration `json:"total"`
	// Nodes is the slowest pool's node provisioning. A surge pool's first
	// new nodes must be Ready before an old node goes; a pool larger than
	// its surge needs more new nodes, which can only be added once an old
	// node is deleted and must then become Ready too.
	Nodes     Duration `json:"nodes"`
	NodesPool string   `json:"nodesPool,omitempty"`
	// Budget is the longest chain of pod moves one disruption budget
	// allows: a budget that lets Allowed of Moves pods go at a time needs
	// ceil(Moves/Allowed) pod start-ups in a row. When every node is
	// replaced at once, the first of them waits for a new node.
	Budget     Duration `json:"budget"`
	BudgetName string   `json:"budgetName,omitempty"`
	Moves      int      `json:"moves,omitempty"`
	Allowed    int      `json:"allowed,omitempty"`
	// Restore is the start-up of the workloads scaled back after the pools.
	Restore Duration `json:"restore"`
}

// String explains the bound in one line.
func (b Bound) String() string {
	return fmt.Sprintf("%s = max(nodes %s [pool %s], budget %s [%s: %d pod(s), %d at a time]) per hop + restore %s",
		b.Total, b.Nodes, b.NodesPool, b.Budget, b.BudgetName, b.Moves, b.Allowed, b.Restore)
}

// LowerBound computes the plan's bound on the snapshot's cluster with
// parallelism pools moving at once.
func LowerBound(pl *Plan, s *inventory.Snapshot, t Timing, parallelism int, poolLabel string) Bound {
	var b Bound
	nodes := poolNodes(s, poolLabel)
	hops := map[string][]Step{}
	var order []string
	for _, st := range pl.Steps {
		if st.Pool == "" {
			continue
		}
		h, _, _ := strings.Cut(st.ID, "/")
		if _, ok := hops[h]; !ok {
			order = append(order, h)
		}
		hops[h] = append(hops[h], st)
	}
	budgets := check.Budgets(s)
	for _, h := range order {
		steps := hops[h]
		moving := map[string]bool{}
		together := parallelism >= len(steps)
		var hopNodes time.Duration
		for _, st := range steps {
			n := len(nodes[st.Pool])
			for _, name := range nodes[st.Pool] {
				moving[name] = true
			}
			var d time.Duration
			switch st.Kind {
			case KindPoolSurge:
				d = t.NodeReady
				if n > st.MaxSurge {
					d *= 2
				}
			case KindPoolBlueGreen:
				d = t.NodeReady
			default:
				together = false // old nodes keep taking pods
			}
			if len(st.NotWith) > 0 || len(st.After) > 0 && hasPoolStep(st.After, steps) {
				together = false
			}
			hopNodes = max(hopNodes, d)
			if d > b.Nodes.Duration {
				b.Nodes.Duration, b.NodesPool = d, st.Pool
			}
		}
		// Every node stops taking pods at the start only when every node
		// is replaced and all pools start together.
		for _, n := range s.Nodes {
			together = together && moving[n.Name]
		}
		hopBudget := Bound{}
		for _, bu := range budgets {
			if bu.Allowed < 1 {
				continue // relaxed by the plan
			}
			moves := 0
			for _, p := range bu.Pods {
				if moving[p.Node] && (p.Owner == nil || p.Owner.Kind != "DaemonSet") {
					moves++
				}
			}
			waves := (moves + int(bu.Allowed) - 1) / int(bu.Allowed)
			d := time.Duration(waves) * t.PodReady
			if together && moves > 0 {
				d += t.NodeReady
			}
			if d > hopBudget.Budget.Duration {
				hopBudget = Bound{Budget: Duration{d}, BudgetName: bu.Namespace + "/" + bu.Name, Moves: moves, Allowed: int(bu.Allowed)}
			}
		}
		if hopBudget.Budget.Duration > b.Budget.Duration {
			b.Budget, b.BudgetName, b.Moves, b.Allowed = hopBudget.Budget, hopBudget.BudgetName, hopBudget.Moves, hopBudget.Allowed
		}
		b.Total.Duration += max(hopNodes, hopBudget.Budget.Duration)
	}
	for _, st := range pl.Steps {
		if st.Kind == KindScaleRestore {
			b.Restore.Duration = t.PodReady
		}
	}
	b.Total.Duration += b.Restore.Duration
	return b
}

func hasPoolStep(ids []string, steps []Step) bool {
	return slices.ContainsFunc(steps, func(st Step) bool { return slices.Contains(ids, st.ID) })
}
