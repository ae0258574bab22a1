package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// demoSnapshot is the demo platform at 1.35, with telegraf-prom's blocking
// budget.
func demoSnapshot() *inventory.Snapshot {
	s := &inventory.Snapshot{Cluster: inventory.Cluster{Version: "v1.35.4"}}
	for pool, n := range map[string]int{"mongodb": 3, "keycloak": 2, "vantiq": 3, "grafana": 1, "metrics": 1} {
		for i := range n {
			s.Nodes = append(s.Nodes, inventory.Node{Name: pool + "-" + string(rune('0'+i)), Pool: pool, KubeletVersion: "v1.35.4", Ready: true})
		}
	}
	one := intstr.FromInt32(1)
	s.PDBs = []inventory.PDB{{Namespace: "shared", Name: "telegraf-prom", MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "telegraf-prom"}}}}
	s.Workloads = []inventory.Workload{{Kind: "ReplicaSet", Namespace: "shared", Name: "telegraf-prom-5f", Owner: &inventory.OwnerRef{Kind: "Deployment", Name: "telegraf-prom"}}}
	s.Pods = []inventory.Pod{{Namespace: "shared", Name: "telegraf-prom-5f-x", Node: "keycloak-0", Phase: "Running", Ready: true,
		Labels: map[string]string{"app": "telegraf-prom"}, Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: "telegraf-prom-5f"}}}
	s.Sort()
	return s
}

func demoProfile(t *testing.T) *profile.Profile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "demo", "platform", "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("__CLUSTER_UID__", "uid-1", "__TARGET__", "1.37").Replace(string(data))
	p, err := profile.Parse("profile.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanGolden builds the demo platform's two-hop plan and compares its
// outline, runbook and JSON with testdata; -update rewrites them.
func TestPlanGolden(t *testing.T) {
	pl, err := Build(demoProfile(t), demoSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	var outline, runbook, js bytes.Buffer
	pl.Outline(&outline)
	pl.Markdown(&runbook)
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(pl); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"demo.txt": outline.Bytes(), "demo.md": runbook.Bytes(), "demo.json": js.Bytes()} {
		path := filepath.Join("testdata", name)
		if *update {
			os.WriteFile(path, got, 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./internal/plan -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the golden file; run with -update and review the diff:\n%s", name, got)
		}
	}
}

func TestPlanRules(t *testing.T) {
	pl, err := Build(demoProfile(t), demoSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(pl.Hops, ",") != "1.35→1.36,1.36→1.37" {
		t.Fatalf("hops %v", pl.Hops)
	}
	step := func(id string) Step {
		st, ok := pl.Step(id)
		if !ok {
			t.Fatalf("no step %s", id)
		}
		return st
	}
	vantiq := step("hop2/pool/vantiq")
	for _, want := range []string{"hop2/control-plane", "hop2/pool/mongodb", "hop2/pool/keycloak", "relax/deployment/shared/telegraf-prom"} {
		if !slices.Contains(vantiq.After, want) {
			t.Errorf("vantiq pool should follow %s: after %v", want, vantiq.After)
		}
	}
	if !slices.Contains(step("hop1/pool/mongodb").NotWith, "hop1/pool/vantiq") || !slices.Contains(vantiq.NotWith, "hop2/pool/mongodb") {
		t.Error("mongodb and vantiq must exclude each other both ways")
	}
	// The second hop's control plane waits for every pool of the first.
	if cp := step("hop2/control-plane"); !slices.Contains(cp.After, "hop1/pool/grafana") || !slices.Contains(cp.After, "hop1/pool/vantiq") {
		t.Errorf("hop 2 control plane after %v", cp.After)
	}
	if r := step("restore/deployment/shared/telegraf-prom"); !slices.Contains(r.After, "hop2/pool/vantiq") {
		t.Errorf("restore after %v: want after the last hop's pools", r.After)
	}
	if pl.CriticalPath[len(pl.CriticalPath)-1] != "verify" || pl.Estimate.Duration <= 0 {
		t.Errorf("critical path %v, estimate %s", pl.CriticalPath, pl.Estimate)
	}
}

// The control plane upgraded alone first (the AKS runbook's way): the
// plan still moves the pools.
func TestPlanMovesLaggingPoolsWithoutAHop(t *testing.T) {
	s := demoSnapshot()
	s.Cluster.Version = "v1.37.2"
	pl, err := Build(demoProfile(t), s)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, st := range pl.Steps {
		ids = append(ids, st.ID)
	}
	if len(pl.Hops) != 0 || !slices.Contains(ids, "nodes/pool/vantiq") || !slices.Contains(ids, "relax/deployment/shared/telegraf-prom") {
		t.Fatalf("steps %v", ids)
	}
	if v, _ := pl.Step("nodes/pool/vantiq"); !slices.Contains(v.After, "nodes/pool/mongodb") || !slices.Contains(v.NotWith, "nodes/pool/mongodb") {
		t.Errorf("vantiq step %+v", v)
	}
	// Everything at the target: only the verification remains.
	for i := range s.Nodes {
		s.Nodes[i].KubeletVersion = "v1.37.2"
	}
	if pl, err = Build(demoProfile(t), s); err != nil || len(pl.Steps) != 1 || pl.Steps[0].ID != "verify" {
		t.Errorf("nothing to do: %+v, %v", pl, err)
	}
}

func TestPlanRefusesMissingPools(t *testing.T) {
	s := demoSnapshot()
	s.Nodes = append(s.Nodes, inventory.Node{Name: "gpu-0", Pool: "gpu", KubeletVersion: "v1.35.4"})
	if _, err := Build(demoProfile(t), s); err == nil || !strings.Contains(err.Error(), `pool "gpu" is not in the profile`) {
		t.Errorf("a pool missing from the profile: %v", err)
	}
	s = demoSnapshot()
	s.Cluster.Version = "v1.37.1"
	p := demoProfile(t)
	p.Target = "1.36"
	if _, err := Build(p, s); err == nil || !strings.Contains(err.Error(), "downgrade") {
		t.Errorf("a downgrade: %v", err)
	}
}
