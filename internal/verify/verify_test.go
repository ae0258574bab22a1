package verify

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubehop/kubehop/internal/inventory"
)

func healthy() *inventory.Snapshot {
	s := &inventory.Snapshot{TakenAt: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}
	for _, n := range []struct{ name, pool string }{{"db-0", "db"}, {"db-1", "db"}, {"app-0", "app"}} {
		s.Nodes = append(s.Nodes, inventory.Node{Name: n.name, Pool: n.pool, Labels: map[string]string{"pool": n.pool}, KubeletVersion: "v1.37.2", Ready: true})
	}
	s.Workloads = []inventory.Workload{
		{Kind: "StatefulSet", Namespace: "x", Name: "mongo", Replicas: 2, ReadyReplicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2, Images: []string{"mongo:7"}},
		{Kind: "Deployment", Namespace: "x", Name: "web", Replicas: 1, ReadyReplicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1, Images: []string{"web:1"}},
		{Kind: "ReplicaSet", Namespace: "x", Name: "web-5f", Owner: &inventory.OwnerRef{Kind: "Deployment", Name: "web"}},
		{Kind: "Job", Namespace: "x", Name: "backup-1", Owner: &inventory.OwnerRef{Kind: "CronJob", Name: "backup"}},
	}
	prefers := func(pool string) []corev1.PreferredSchedulingTerm {
		return []corev1.PreferredSchedulingTerm{{Weight: 100, Preference: corev1.NodeSelectorTerm{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "pool", Operator: corev1.NodeSelectorOpIn, Values: []string{pool}}}}}}
	}
	s.Pods = []inventory.Pod{
		{Namespace: "x", Name: "mongo-0", Node: "db-0", Phase: "Running", Ready: true, Owner: &inventory.OwnerRef{Kind: "StatefulSet", Name: "mongo"}, PreferredNodes: prefers("db")},
		{Namespace: "x", Name: "mongo-1", Node: "db-1", Phase: "Running", Ready: true, Owner: &inventory.OwnerRef{Kind: "StatefulSet", Name: "mongo"}, PreferredNodes: prefers("db")},
		{Namespace: "x", Name: "web-5f-a", Node: "app-0", Phase: "Running", Ready: true, Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: "web-5f"}, PreferredNodes: prefers("app")},
		// A finished backup Job's pod is not a problem.
		{Namespace: "x", Name: "backup-1-z", Node: "db-0", Phase: "Succeeded", Owner: &inventory.OwnerRef{Kind: "Job", Name: "backup-1"}},
	}
	return s
}

func TestCheckHealthyClusterIsClean(t *testing.T) {
	r, err := Check(healthy(), Options{Target: "1.37", Baseline: healthy()})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Problems) != 0 {
		t.Errorf("problems on a healthy cluster: %+v", r.Problems)
	}
	if r.Checked.Nodes != 3 || r.Checked.Pods != 3 || r.Checked.Skipped != 1 || r.Checked.Workloads != 2 {
		t.Errorf("checked %+v", r.Checked)
	}
}

func TestCheckFindsEachFault(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(s *inventory.Snapshot)
		check  string
		object string
		reason string
	}{
		{"node not ready", func(s *inventory.Snapshot) {
			s.Nodes[0].Ready = false
			s.Nodes[0].Conditions = []inventory.Condition{{Type: "Ready", Status: "False", Reason: "KubeletNotReady"}}
		}, "node-ready", "Node db-0", "Ready=False KubeletNotReady"},
		{"node at the old version", func(s *inventory.Snapshot) { s.Nodes[1].KubeletVersion = "v1.36.3" }, "node-version", "Node db-1", "kubelet v1.36.3, want 1.37"},
		{"node left cordoned", func(s *inventory.Snapshot) { s.Nodes[2].Unschedulable = true }, "node-cordoned", "Node app-0", "cordoned"},
		{"crash loop", func(s *inventory.Snapshot) {
			s.Pods[0].Ready, s.Pods[0].Waiting, s.Pods[0].Restarts = false, "CrashLoopBackOff", 7
		}, "pod-ready", "Pod x/mongo-0", "CrashLoopBackOff (7 restarts) (StatefulSet x/mongo)"},
		{"unschedulable pod", func(s *inventory.Snapshot) {
			s.Pods = append(s.Pods, inventory.Pod{Namespace: "x", Name: "web-5f-b", Phase: "Pending", Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: "web-5f"},
				Unschedulable: "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu."})
		}, "pod-ready", "Pod x/web-5f-b", "cannot be scheduled: Unschedulable: 0/3 nodes are available"},
		{"pods never created", func(s *inventory.Snapshot) { s.Workloads[1].Replicas = 3 }, "workload-rollout", "Deployment x/web", "3 desired, 1 updated, 1 ready, 1 available"},
		{"spec not observed", func(s *inventory.Snapshot) { s.Workloads[1].Generation = 2; s.Workloads[1].ObservedGen = 1 }, "workload-rollout", "Deployment x/web", "generation 2"},
		{"budget unhealthy", func(s *inventory.Snapshot) {
			s.PDBs = append(s.PDBs, inventory.PDB{Namespace: "x", Name: "mongo", CurrentHealthy: 1, DesiredHealthy: 2, ExpectedPods: 2})
		}, "pdb-healthy", "PodDisruptionBudget x/mongo", "1 of 2 pods healthy, the budget needs 2"},
		{"StatefulSet pod in another pool", func(s *inventory.Snapshot) { s.Pods[1].Node = "app-0" }, "moved-pool", "Pod x/mongo-1", "in pool app; before the upgrade it ran in pool db"},
		{"pod not where its affinity prefers", func(s *inventory.Snapshot) { s.Pods[2].Node = "db-1" }, "placement", "Pod x/web-5f-a", "favours nodes such as app-0"},
		{"replicas lost", func(s *inventory.Snapshot) { s.Workloads[0].Replicas, s.Workloads[0].ReadyReplicas = 1, 1 }, "lost-replicas", "StatefulSet x/mongo", "1 desired replicas, 2 before"},
		{"workload gone", func(s *inventory.Snapshot) { s.Workloads = s.Workloads[1:] }, "disappeared", "StatefulSet x/mongo", "is gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := healthy()
			tc.inject(now)
			r, err := Check(now, Options{Target: "1.37", Baseline: healthy()})
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() {
				t.Fatalf("verification passed; problems %+v", r.Problems)
			}
			for _, p := range r.Errors() {
				if p.Check == tc.check && p.Object == tc.object && strings.Contains(p.Reason, tc.reason) {
					return
				}
			}
			t.Errorf("no %s problem on %s with %q in %+v", tc.check, tc.object, tc.reason, r.Errors())
		})
	}
}

func TestUnconstrainedStatefulSetPodInAnotherPoolIsANote(t *testing.T) {
	now, before := healthy(), healthy()
	for _, s := range []*inventory.Snapshot{now, before} {
		s.Pods[1].PreferredNodes = nil
	}
	now.Pods[1].Node = "app-0"
	r, err := Check(now, Options{Baseline: before})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Problems) != 1 || r.Problems[0].Check != "moved-pool" || r.Problems[0].Severity != Info {
		t.Errorf("want one moved-pool note, got %+v", r.Problems)
	}
}

func TestImageChangeIsInformation(t *testing.T) {
	now := healthy()
	now.Workloads[1].Images = []string{"web:2"}
	r, err := Check(now, Options{Baseline: healthy()})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Problems) != 1 || r.Problems[0].Check != "image-changed" {
		t.Errorf("want one image-changed note, got %+v", r.Problems)
	}
}
