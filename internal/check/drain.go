package check

import (
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubehop/kubehop/internal/inventory"
)

var blockingPDBCheck = &Check{
	ID: "KH-DRAIN-001", Title: "PodDisruptionBudgets that block every drain", Severity: Blocker,
	Applies: "every hop that moves nodes",
	Remedy: "kubehop plan relaxes such a budget for you: it records the workload's replicas, scales it to 0 before its pool moves and back afterwards " +
		"(the runbooks' manual telegraf-prom step). To fix it for good, run a second replica or allow one disruption (maxUnavailable: 1).",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, b := range BlockingPDBs(in.Snapshot) {
			out = append(out, c.finding("", "PodDisruptionBudget "+b.Namespace+"/"+b.Name,
				"%s over %d pod(s) of %s allows no disruption even when every pod is healthy: draining %s will never finish",
				b.Rule, b.Pods, orNone(b.Workloads), orNone(b.Nodes)))
		}
		return out
	},
}

// BlockingPDB is a budget that allows no disruption even at full health.
type BlockingPDB struct {
	Namespace, Name string
	// Rule is the budget's rule in words, such as "minAvailable 1".
	Rule string
	Pods int32
	// Workloads name the controllers of the pods ("Deployment shared/x");
	// Nodes the nodes they run on.
	Workloads, Nodes []string
}

// Budget is a PodDisruptionBudget with the pods it covers and how many of
// them it lets go at once when all are healthy.
type Budget struct {
	Namespace, Name string
	// Rule is the budget's rule in words, such as "minAvailable 1".
	Rule    string
	Allowed int32
	Pods    []inventory.Pod
}

// Budgets reads every budget of a snapshot that covers at least one pod.
func Budgets(s *inventory.Snapshot) []Budget {
	var out []Budget
	for _, pdb := range s.PDBs {
		pods := selectPods(s, pdb.Namespace, pdb.Selector)
		if len(pods) == 0 {
			continue
		}
		allowed, rule := allowedAtFullHealth(pdb, int32(len(pods)))
		out = append(out, Budget{Namespace: pdb.Namespace, Name: pdb.Name, Rule: rule, Allowed: allowed, Pods: pods})
	}
	return out
}

// BlockingPDBs finds the budgets of a snapshot that block every drain.
func BlockingPDBs(s *inventory.Snapshot) []BlockingPDB {
	var out []BlockingPDB
	for _, bu := range Budgets(s) {
		if bu.Allowed > 0 {
			continue
		}
		b := BlockingPDB{Namespace: bu.Namespace, Name: bu.Name, Rule: bu.Rule, Pods: int32(len(bu.Pods))}
		for _, p := range bu.Pods {
			if p.Node != "" && !slices.Contains(b.Nodes, p.Node) {
				b.Nodes = append(b.Nodes, p.Node)
			}
			if o := s.TopOwner(p); o != "" && !slices.Contains(b.Workloads, o) {
				b.Workloads = append(b.Workloads, o)
			}
		}
		slices.Sort(b.Nodes)
		slices.Sort(b.Workloads)
		out = append(out, b)
	}
	return out
}

// allowedAtFullHealth is how many of expected pods a budget lets go when
// all are healthy, computed as the disruption controller does (percentages
// rounded up), and the rule in words.
func allowedAtFullHealth(pdb inventory.PDB, expected int32) (int32, string) {
	if pdb.MaxUnavailable != nil {
		v, err := intstr.GetScaledValueFromIntOrPercent(pdb.MaxUnavailable, int(expected), true)
		if err != nil {
			return 0, "maxUnavailable " + pdb.MaxUnavailable.String() + " (unreadable)"
		}
		return int32(v), "maxUnavailable " + pdb.MaxUnavailable.String()
	}
	if pdb.MinAvailable != nil {
		v, err := intstr.GetScaledValueFromIntOrPercent(pdb.MinAvailable, int(expected), true)
		if err != nil {
			return 0, "minAvailable " + pdb.MinAvailable.String() + " (unreadable)"
		}
		return expected - int32(v), "minAvailable " + pdb.MinAvailable.String()
	}
	return expected, "no rule"
}

// selectPods returns the live pods in namespace that selector matches.
func selectPods(s *inventory.Snapshot, namespace string, selector *metav1.LabelSelector) []inventory.Pod {
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil || sel.Empty() {
		return nil
	}
	var pods []inventory.Pod
	for _, p := range s.Pods {
		if p.Namespace == namespace && !p.Deleting && p.Phase != "Succeeded" && p.Phase != "Failed" && sel.Matches(labels.Set(p.Labels)) {
			pods = append(pods, p)
		}
	}
	return pods
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "(none)"
	}
	return strings.Join(items, ", ")
}

var nakedPodCheck = &Check{
	ID: "KH-DRAIN-002", Title: "Pods that no controller recreates", Severity: Blocker,
	Applies: "every hop that moves nodes",
	Remedy:  "Run the pod under a Deployment, StatefulSet or Job, or delete it before the upgrade: a drain refuses pods without a controller, and nothing would recreate it.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, p := range in.Snapshot.Pods {
			if p.Owner != nil || p.Mirror || p.Deleting || p.Phase == "Succeeded" || p.Phase == "Failed" {
				continue
			}
			out = append(out, c.finding("", "pod "+p.Namespace+"/"+p.Name, "pod on node %s has no controller: a drain cannot evict it safely", orNone(nonEmpty(p.Node))))
		}
		return out
	},
}

var localStorageCheck = &Check{
	ID: "KH-DRAIN-003", Title: "Pods with local storage (emptyDir)", Severity: Warning,
	Applies: "every hop that moves nodes",
	Remedy:  "Draining deletes emptyDir data. Make sure it is disposable (caches, scratch space); kubehop drains with emptyDir deletion only when the profile allows it.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, p := range in.Snapshot.Pods {
			if len(p.LocalStorage) == 0 || p.Deleting || (p.Owner != nil && p.Owner.Kind == "DaemonSet") {
				continue
			}
			out = append(out, c.finding("", "pod "+p.Namespace+"/"+p.Name, "emptyDir volume(s) %s are lost when node %s drains", strings.Join(p.LocalStorage, ", "), p.Node))
		}
		return out
	},
}

var singleReplicaCheck = &Check{
	ID: "KH-DRAIN-004", Title: "Single-replica workloads", Severity: Warning,
	Applies: "every hop that moves nodes",
	Remedy:  "The workload is down while its only pod moves to another node. Scale it to 2 replicas for the upgrade if it must stay up, or plan the downtime.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, w := range in.Snapshot.Workloads {
			if (w.Kind == "Deployment" || w.Kind == "StatefulSet") && w.Replicas == 1 {
				out = append(out, c.finding("", w.Kind+" "+w.Namespace+"/"+w.Name, "runs a single replica"))
			}
		}
		return out
	},
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
