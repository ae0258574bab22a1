package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

// boundCluster has two pools of four nodes at 1.36 under a 1.37 control
// plane, a ten-pod Deployment whose budget lets one go at a time, and a
// six-pod one whose 25% budget lets two go.
func boundCluster() *inventory.Snapshot {
	s := &inventory.Snapshot{Cluster: inventory.Cluster{Version: "v1.37.2"}}
	for _, pool := range []string{"a", "b"} {
		for i := range 4 {
			s.Nodes = append(s.Nodes, inventory.Node{Name: fmt.Sprintf("%s-%d", pool, i), Pool: pool, KubeletVersion: "v1.36.3", Ready: true})
		}
	}
	one, quarter := intstr.FromInt32(1), intstr.FromString("25%")
	for _, w := range []struct {
		name   string
		pods   int
		budget *intstr.IntOrString
	}{{"ten", 10, &one}, {"six", 6, &quarter}} {
		s.PDBs = append(s.PDBs, inventory.PDB{Namespace: "x", Name: w.name, MaxUnavailable: w.budget, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": w.name}}})
		for i := range w.pods {
			s.Pods = append(s.Pods, inventory.Pod{Namespace: "x", Name: fmt.Sprintf("%s-%d", w.name, i), Node: s.Nodes[i%len(s.Nodes)].Name,
				Phase: "Running", Ready: true, Labels: map[string]string{"app": w.name}, Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: w.name}})
		}
	}
	s.Sort()
	return s
}

func TestLowerBound(t *testing.T) {
	timing := Timing{PodReady: 5 * time.Second, NodeReady: 10 * time.Second}
	for _, tc := range []struct {
		name        string
		pools       string
		parallelism int
		want        time.Duration
		wantNodes   time.Duration
	}{
		// Ten moves one at a time after the first new node: 10s + 10*5s.
		{"surge together", "[{name: a, strategy: surge, maxSurge: 2}, {name: b, strategy: surge, maxSurge: 2}]", 2, 60 * time.Second, 20 * time.Second},
		// One pool at a time: the other pool's old nodes take pods at once.
		{"surge one pool at a time", "[{name: a, strategy: surge, maxSurge: 4}, {name: b, strategy: surge, maxSurge: 4}]", 1, 50 * time.Second, 10 * time.Second},
		// In place: no node to wait for.
		{"in place", "[{name: a, strategy: inplace}, {name: b, strategy: inplace}]", 2, 50 * time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := profile.Parse("kubehop.yaml", []byte("apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: c, uid: u}\nprovider: local\ntarget: \"1.37\"\npools: "+tc.pools+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			s := boundCluster()
			pl, err := Build(p, s)
			if err != nil {
				t.Fatal(err)
			}
			b := LowerBound(pl, s, timing, tc.parallelism, "")
			if b.Total.Duration != tc.want || b.Nodes.Duration != tc.wantNodes || b.BudgetName != "x/ten" || b.Moves != 10 || b.Allowed != 1 {
				t.Errorf("bound %s, want total %s, nodes %s, budget x/ten over 10 pods one at a time", b, tc.want, tc.wantNodes)
			}
		})
	}
}

// TestManagedProvidersUpgradeWholePools: on EKS, AKS, GKE and Anthos on
// bare metal the service (bmctl) upgrades a pool itself; the plan says so.
// bmctl takes the Anthos release, which the steps carry.
func TestManagedProvidersUpgradeWholePools(t *testing.T) {
	sections := map[string]string{"eks": "eks: {region: r}", "aks": "aks: {subscription: s, resourceGroup: g}",
		"gke": "gke: {project: p, location: l}", "anthos-bm": "anthosBM: {version: 1.16.0}"}
	for prov, section := range sections {
		p, err := profile.Parse("kubehop.yaml", []byte("apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: c, uid: u}\nprovider: "+prov+
			"\n"+section+"\ntarget: \"1.37\"\npools: [{name: a, strategy: surge, maxSurge: 2}, {name: b, strategy: surge}]\n"))
		if err != nil {
			t.Fatal(err)
		}
		pl, err := Build(p, boundCluster())
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range pl.Steps {
			if st.Pool != "" && st.Kind != KindPoolManaged {
				t.Errorf("%s: step %s is %s, want %s", prov, st.ID, st.Kind, KindPoolManaged)
			}
			wantRelease := ""
			if prov == "anthos-bm" && (st.Pool != "" || st.Kind == KindControlPlane) {
				wantRelease = "1.16.0"
			}
			if st.Release != wantRelease {
				t.Errorf("%s: step %s has release %q, want %q", prov, st.ID, st.Release, wantRelease)
			}
		}
	}
}

// TestAnthosMovesOneReleaseAtATime: bmctl cannot skip a release.
func TestAnthosMovesOneReleaseAtATime(t *testing.T) {
	p, err := profile.Parse("kubehop.yaml", []byte("apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: c, uid: u}\nprovider: anthos-bm\n"+
		"anthosBM: {version: 1.16.0}\ntarget: \"1.37\"\npools: [{name: a, strategy: surge}, {name: b, strategy: surge}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := boundCluster()
	s.Cluster.Version = "v1.35.4"
	if _, err := Build(p, s); err == nil || !strings.Contains(err.Error(), "one Anthos release, one Kubernetes minor, at a time") {
		t.Errorf("err = %v", err)
	}
}
