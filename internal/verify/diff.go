package verify

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"

	"github.com/kubehop/kubehop/internal/inventory"
)

// diff compares the cluster with the snapshot taken before the upgrade.
func (r *Result) diff(before, now *inventory.Snapshot) {
	nowWorkloads := map[string]inventory.Workload{}
	for _, w := range now.Workloads {
		nowWorkloads[w.Key()] = w
	}
	for _, b := range before.Workloads {
		switch b.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "CronJob":
		default:
			continue // ReplicaSets and Jobs come and go with their owners
		}
		object := b.Kind + " " + b.Namespace + "/" + b.Name
		a, ok := nowWorkloads[b.Key()]
		if !ok {
			r.add("disappeared", Error, object, "existed before the upgrade and is gone")
			continue
		}
		if b.Kind != "CronJob" && b.Kind != "DaemonSet" && a.Replicas < b.Replicas {
			r.add("lost-replicas", Error, object, "%d desired replicas, %d before the upgrade", a.Replicas, b.Replicas)
		}
		if !slices.Equal(a.Images, b.Images) {
			r.add("image-changed", Info, object, "images %s, before the upgrade %s", strings.Join(a.Images, ", "), strings.Join(b.Images, ", "))
		}
	}
	nowPDBs := map[string]bool{}
	for _, p := range now.PDBs {
		nowPDBs[p.Namespace+"/"+p.Name] = true
	}
	for _, p := range before.PDBs {
		if !nowPDBs[p.Namespace+"/"+p.Name] {
			r.add("disappeared", Error, "PodDisruptionBudget "+p.Namespace+"/"+p.Name, "existed before the upgrade and is gone")
		}
	}
	r.movedPools(before, now)
}

// movedPools finds pods in another node pool than before: a StatefulSet's
// pod by its stable name, any other workload's pods by the pools its pods
// used. DaemonSets run everywhere and are left out.
func (r *Result) movedPools(before, now *inventory.Snapshot) {
	poolBefore := nodePools(before)
	poolNow := nodePools(now)
	podPool := map[string]string{}         // StatefulSet pods: namespace/name → pool
	workloadPools := map[string][]string{} // top owner → pools
	for _, p := range before.Pods {
		pool := poolBefore[p.Node]
		owner := before.TopOwner(p)
		if pool == "" || owner == "" || strings.HasPrefix(owner, "DaemonSet ") {
			continue
		}
		podPool[p.Namespace+"/"+p.Name] = pool
		if !slices.Contains(workloadPools[owner], pool) {
			workloadPools[owner] = append(workloadPools[owner], pool)
		}
	}
	for _, p := range now.Pods {
		pool := poolNow[p.Node]
		owner := now.TopOwner(p)
		if pool == "" || owner == "" || strings.HasPrefix(owner, "DaemonSet ") {
			continue
		}
		key := p.Namespace + "/" + p.Name
		if was, ok := podPool[key]; ok && strings.HasPrefix(owner, "StatefulSet ") {
			// A StatefulSet's pod keeps its name, identity and often its
			// data's locality: another pool is a problem when its node
			// affinity says where it belongs, and worth a note otherwise.
			if was != pool {
				sev := Info
				if len(p.PreferredNodes) > 0 {
					sev = Error
				}
				pr := r.add("moved-pool", sev, "Pod "+key, "now on node %s in pool %s; before the upgrade it ran in pool %s (%s)", p.Node, pool, was, owner)
				pr.Pod, pr.Node = key, p.Node
			}
		} else if pools, ok := workloadPools[owner]; ok && !slices.Contains(pools, pool) {
			// Other pods are interchangeable: worth a look, not a failure
			// unless their affinity says so (see checkPlacement).
			slices.Sort(pools)
			r.add("moved-pool", Info, "Pod "+key, "now on node %s in pool %s; before the upgrade %s ran only in pool(s) %s", p.Node, pool, owner, strings.Join(pools, ", "))
		}
	}
}

func nodePools(s *inventory.Snapshot) map[string]string {
	out := map[string]string{}
	for _, n := range s.Nodes {
		out[n.Name] = n.Pool
	}
	return out
}

// checkPlacement finds pods whose preferred node affinity favours other
// nodes that could take them (Ready, schedulable, taints tolerated) over
// the node they run on: the runbooks' "pods landed on unintended nodes".
func (r *Result) checkPlacement(now *inventory.Snapshot) {
	nodes := map[string]*corev1.Node{}
	var candidates []*corev1.Node
	for _, n := range now.Nodes {
		node := &corev1.Node{}
		node.Name, node.Labels, node.Spec.Taints = n.Name, n.Labels, n.Taints
		nodes[n.Name] = node
		if n.Ready && !n.Unschedulable {
			candidates = append(candidates, node)
		}
	}
	for _, p := range now.Pods {
		if len(p.PreferredNodes) == 0 || p.Node == "" || nodes[p.Node] == nil || p.Deleting || p.Phase == "Succeeded" || p.Phase == "Failed" {
			continue
		}
		terms, err := nodeaffinity.NewPreferredSchedulingTerms(p.PreferredNodes)
		if err != nil {
			continue
		}
		here := terms.Score(nodes[p.Node])
		best, bestNode := here, ""
		for _, n := range candidates {
			if _, untolerated := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), n.Spec.Taints, p.Tolerations, func(t *corev1.Taint) bool {
				return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
			}, false); untolerated {
				continue
			}
			if s := terms.Score(n); s > best {
				best, bestNode = s, n.Name
			}
		}
		if bestNode == "" {
			continue
		}
		pr := r.add("placement", Error, "Pod "+p.Namespace+"/"+p.Name,
			"runs on node %s (preferred-affinity score %d) although its preferred node affinity favours nodes such as %s (score %d)%s",
			p.Node, here, bestNode, best, poolOf(now, bestNode))
		pr.Pod, pr.Node = p.Namespace+"/"+p.Name, p.Node
	}
}

func poolOf(s *inventory.Snapshot, node string) string {
	for _, n := range s.Nodes {
		if n.Name == node && n.Pool != "" {
			return " in pool " + n.Pool
		}
	}
	return ""
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
