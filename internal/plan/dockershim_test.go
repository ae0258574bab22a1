package plan

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

// dockerCluster is an EKS cluster at 1.23 whose VANTIQ and MongoDB node
// groups run docker and whose grafana group runs containerd already.
func dockerCluster() *inventory.Snapshot {
	s := &inventory.Snapshot{Cluster: inventory.Cluster{Version: "v1.23.17"}}
	for _, g := range []struct{ pool, runtime string }{{"VANTIQ", "docker://20.10.17"}, {"MongoDB", "docker://20.10.17"}, {"grafana", "containerd://1.6.6"}} {
		for i := range 2 {
			s.Nodes = append(s.Nodes, inventory.Node{Name: fmt.Sprintf("%s-%d", strings.ToLower(g.pool), i), Pool: g.pool, KubeletVersion: "v1.23.17", ContainerRuntime: g.runtime, Ready: true})
		}
	}
	return s
}

func dockerProfile(t *testing.T, templates string) *profile.Profile {
	t.Helper()
	p, err := profile.Parse("kubehop.yaml", []byte(`apiVersion: kubehop.dev/v1alpha1
kind: Profile
cluster: {name: vantiq-prod, uid: u}
provider: eks
eks:
  region: ap-northeast-1
`+templates+`
target: "1.24"
pools:
  - {name: MongoDB, strategy: surge, notConcurrentWith: [VANTIQ]}
  - {name: VANTIQ, strategy: surge, after: [MongoDB]}
  - {name: grafana, strategy: surge}
`))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDockershimMigration: the plan for 1.23 -> 1.24 with docker node
// groups is the runbook's: temporary containerd groups, drains into them
// and the old groups at 0 before the control plane moves; the groups
// upgraded, scaled back, drained back and the temporary ones deleted
// before verification; the pools' order rules hold for the drains.
func TestDockershimMigration(t *testing.T) {
	p := dockerProfile(t, `  containerdLaunchTemplates:
    VANTIQ: {name: vantiq-containerd, version: "2"}
    MongoDB: {id: lt-0abc}`)
	pl, err := Build(p, dockerCluster())
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	byID := map[string]Step{}
	for i, st := range pl.Steps {
		index[st.ID] = i
		byID[st.ID] = st
	}
	// every step's After must come first in the list, and exist
	for _, st := range pl.Steps {
		for _, a := range st.After {
			if j, ok := index[a]; !ok || j > index[st.ID] {
				t.Errorf("step %s runs after %s, which is missing or later", st.ID, a)
			}
		}
	}
	dependsOn := func(a, b string) bool { // a runs only after b, directly or not
		seen := map[string]bool{}
		var walk func(id string) bool
		walk = func(id string) bool {
			if id == b {
				return true
			}
			if seen[id] {
				return false
			}
			seen[id] = true
			return slices.ContainsFunc(byID[id].After, walk)
		}
		return walk(a)
	}
	for _, pair := range [][2]string{
		{"hop1/dockershim/VANTIQ/retire", "hop1/dockershim/VANTIQ/create"},
		{"hop1/control-plane", "hop1/dockershim/VANTIQ/retire"},
		{"hop1/control-plane", "hop1/dockershim/MongoDB/retire"},
		{"hop1/dockershim/VANTIQ/retire", "hop1/dockershim/MongoDB/retire"},
		{"hop1/dockershim/VANTIQ/return", "hop1/pool/VANTIQ"},
		{"hop1/dockershim/VANTIQ/remove", "hop1/dockershim/VANTIQ/return"},
		{"hop1/dockershim/VANTIQ/remove", "hop1/dockershim/MongoDB/remove"},
		{"verify", "hop1/dockershim/VANTIQ/remove"},
		{"verify", "hop1/dockershim/MongoDB/remove"},
		{"verify", "hop1/pool/grafana"},
	} {
		if !dependsOn(pair[0], pair[1]) {
			t.Errorf("%s does not wait for %s", pair[0], pair[1])
		}
	}
	if _, ok := index["hop1/dockershim/grafana/create"]; ok {
		t.Error("grafana runs containerd already, yet it migrates")
	}
	if !slices.Contains(byID["hop1/dockershim/VANTIQ/retire"].NotWith, "hop1/dockershim/MongoDB/retire") {
		t.Errorf("the VANTIQ and MongoDB drains may run together: %v", byID["hop1/dockershim/VANTIQ/retire"].NotWith)
	}
	create := byID["hop1/dockershim/MongoDB/create"]
	if create.Temp == nil || create.Temp.Name != "MongoDB-containerd" || create.Temp.LaunchTemplate.ID != "lt-0abc" || create.Pool != "MongoDB-containerd" {
		t.Errorf("create step %+v", create)
	}
}

func TestDockershimNeedsLaunchTemplates(t *testing.T) {
	p := dockerProfile(t, `  containerdLaunchTemplates:
    VANTIQ: {name: vantiq-containerd}`)
	_, err := Build(p, dockerCluster())
	if err == nil || !strings.Contains(err.Error(), "node groups MongoDB run docker") || !strings.Contains(err.Error(), "--container-runtime containerd") {
		t.Errorf("err = %v", err)
	}
	if _, err := profile.Parse("kubehop.yaml", []byte("apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: c, uid: u}\nprovider: eks\n"+
		"eks: {region: r, containerdLaunchTemplates: {VANTIQ: {id: lt-1, name: x}}}\ntarget: \"1.24\"\npools: []\n")); err == nil || !strings.Contains(err.Error(), "eks.containerdLaunchTemplates.VANTIQ: give the launch template's id or its name, not both") {
		t.Errorf("both id and name: %v", err)
	}
	aks, err := profile.Parse("kubehop.yaml", []byte("apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: c, uid: u}\nprovider: aks\n"+
		"aks: {subscription: s, resourceGroup: g}\ntarget: \"1.24\"\npools: [{name: VANTIQ, strategy: surge}, {name: MongoDB, strategy: surge}, {name: grafana, strategy: surge}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(aks, dockerCluster()); err == nil || !strings.Contains(err.Error(), "run docker, which Kubernetes 1.24 no longer supports") {
		t.Errorf("aks with docker nodes: %v", err)
	}
}
