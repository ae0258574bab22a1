package check

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/apidata"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/scan"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// input builds an Input for a cluster at current going to target.
func input(t *testing.T, current, target string, s *inventory.Snapshot) *Input {
	t.Helper()
	in := &Input{Snapshot: s, Target: version.MustParseGeneric(target), Now: now, WindowEnd: now.Add(24 * time.Hour), CertWarn: 30 * 24 * time.Hour, Policy: DefaultPolicy()}
	if current != "" {
		in.Current = version.MustParseGeneric(current)
	}
	var err error
	if in.Hops, err = PlanHops(in.Current, in.Target); err != nil {
		t.Fatal(err)
	}
	return in
}

// only runs one check and returns "severity hop object" per finding.
func only(in *Input, c *Check) []string {
	var out []string
	for _, f := range Run(in, []*Check{c}).Findings {
		out = append(out, string(f.Severity)+" "+f.Hop+" "+f.Object)
	}
	return out
}

func equal(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestPlanHops(t *testing.T) {
	hops, err := PlanHops(version.MustParseGeneric("v1.34.2"), version.MustParseGeneric("1.37"))
	if err != nil || len(hops) != 3 || hops[0].String() != "1.34→1.35" || hops[2].String() != "1.36→1.37" {
		t.Fatalf("PlanHops 1.34 -> 1.37 = %v, %v", hops, err)
	}
	if _, err := PlanHops(version.MustParseGeneric("1.36.3"), version.MustParseGeneric("1.35")); err == nil || !strings.Contains(err.Error(), "downgrade") {
		t.Errorf("a downgrade must be refused, got %v", err)
	}
	if hops, _ := PlanHops(version.MustParseGeneric("1.37.1"), version.MustParseGeneric("1.37")); len(hops) != 0 {
		t.Errorf("same minor: %v hops", hops)
	}
	for _, bad := range []string{"1.99", "2.0", "banana", "1.15"} {
		if _, err := DefaultPolicy().ParseMinor(bad); err == nil {
			t.Errorf("ParseMinor(%q) accepted", bad)
		}
	}
}

func node(name, pool, kubelet, runtime string, ready bool) inventory.Node {
	return inventory.Node{Name: name, Pool: pool, KubeletVersion: kubelet, ContainerRuntime: runtime, Ready: ready}
}

func TestKubeletSkew(t *testing.T) {
	s := &inventory.Snapshot{Nodes: []inventory.Node{
		node("a", "p", "v1.34.1", "containerd://2.1", true),
		node("b", "p", "v1.33.0", "containerd://2.1", true),
		node("c", "q", "v1.37.0", "containerd://2.1", true),
	}}
	equal(t, only(input(t, "1.36.3", "1.37", s), kubeletSkewCheck),
		"blocker baseline node c",
		"blocker 1.36→1.37 node b (pool p)")
	// Before 1.28 the skew was two minors.
	old := &inventory.Snapshot{Nodes: []inventory.Node{node("d", "", "v1.23.4", "docker://20.10", true)}}
	equal(t, only(input(t, "1.25.0", "1.26", old), kubeletSkewCheck), "blocker 1.25→1.26 node d")
}

func TestHopPath(t *testing.T) {
	equal(t, only(input(t, "1.34.0", "1.37", &inventory.Snapshot{}), hopPathCheck), "info baseline cluster")
	equal(t, only(input(t, "1.36.0", "1.37", &inventory.Snapshot{}), hopPathCheck))
}

func TestHealth(t *testing.T) {
	s := &inventory.Snapshot{
		Nodes: []inventory.Node{node("ok", "p", "v1.36.0", "", true), node("sick", "p", "v1.36.0", "", false)},
		Pods: []inventory.Pod{
			{Namespace: "a", Name: "running", Phase: "Running", Ready: true, Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: "x"}},
			{Namespace: "a", Name: "crash", Phase: "Running", Waiting: "CrashLoopBackOff", Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: "x"}},
			{Namespace: "a", Name: "pending", Phase: "Pending", Owner: &inventory.OwnerRef{Kind: "StatefulSet", Name: "y"}},
			{Namespace: "a", Name: "backup-1", Phase: "Running", Owner: &inventory.OwnerRef{Kind: "Job", Name: "backup"}},
			{Namespace: "a", Name: "done", Phase: "Succeeded"},
		},
	}
	in := input(t, "1.36.0", "1.37", s)
	equal(t, only(in, nodesNotReadyCheck), "blocker baseline node sick (pool p)")
	equal(t, only(in, podsNotRunningCheck), "warning baseline pod a/crash", "warning baseline pod a/pending")
}

func pdb(ns, name string, minAvailable, maxUnavailable *intstr.IntOrString, app string) inventory.PDB {
	return inventory.PDB{Namespace: ns, Name: name, MinAvailable: minAvailable, MaxUnavailable: maxUnavailable,
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}
}

func pods(ns, app, owner string, n int) []inventory.Pod {
	var out []inventory.Pod
	for i := range n {
		out = append(out, inventory.Pod{Namespace: ns, Name: app + "-" + string(rune('a'+i)), Node: "n" + string(rune('0'+i)), Phase: "Running", Ready: true,
			Labels: map[string]string{"app": app}, Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: owner}})
	}
	return out
}

func TestBlockingPDB(t *testing.T) {
	one, two, zero := intstr.FromInt32(1), intstr.FromInt32(2), intstr.FromInt32(0)
	all, half := intstr.FromString("100%"), intstr.FromString("50%")
	s := &inventory.Snapshot{
		Workloads: []inventory.Workload{{Kind: "ReplicaSet", Namespace: "shared", Name: "telegraf-prom-7d9", Owner: &inventory.OwnerRef{Kind: "Deployment", Name: "telegraf-prom"}}},
		PDBs: []inventory.PDB{
			pdb("shared", "telegraf-prom", &one, nil, "telegraf-prom"), // 1 of 1: blocks
			pdb("shared", "keycloak", &one, nil, "keycloak"),           // 1 of 2: fine
			pdb("shared", "strict", nil, &zero, "strict"),              // maxUnavailable 0: blocks
			pdb("shared", "all", &all, nil, "all"),                     // 100%: blocks
			pdb("shared", "half", &half, nil, "half"),                  // 50% of 3 rounds up to 2: allows 1
			pdb("shared", "both", &two, nil, "both"),                   // 2 of 2: blocks
			pdb("shared", "orphan", &one, nil, "nothing"),              // selects nothing
		},
	}
	s.Pods = append(s.Pods, pods("shared", "telegraf-prom", "telegraf-prom-7d9", 1)...)
	s.Pods = append(s.Pods, pods("shared", "keycloak", "keycloak", 2)...)
	s.Pods = append(s.Pods, pods("shared", "strict", "strict", 3)...)
	s.Pods = append(s.Pods, pods("shared", "all", "all", 2)...)
	s.Pods = append(s.Pods, pods("shared", "half", "half", 3)...)
	s.Pods = append(s.Pods, pods("shared", "both", "both", 2)...)
	in := input(t, "1.36.0", "1.37", s)
	equal(t, only(in, blockingPDBCheck),
		"blocker  PodDisruptionBudget shared/all",
		"blocker  PodDisruptionBudget shared/both",
		"blocker  PodDisruptionBudget shared/strict",
		"blocker  PodDisruptionBudget shared/telegraf-prom")
	f := Run(in, []*Check{blockingPDBCheck}).Findings[3]
	if !strings.Contains(f.Message, "Deployment shared/telegraf-prom") || !strings.Contains(f.Message, "minAvailable 1") || !strings.Contains(f.Message, "n0") {
		t.Errorf("message should name the rule, the workload and the node: %s", f.Message)
	}
}

func TestDrainBlockersOfPods(t *testing.T) {
	s := &inventory.Snapshot{
		Pods: []inventory.Pod{
			{Namespace: "default", Name: "naked", Node: "n1", Phase: "Running", Ready: true},
			{Namespace: "kube-system", Name: "static", Node: "n1", Phase: "Running", Ready: true, Mirror: true},
			{Namespace: "a", Name: "cache", Node: "n2", Phase: "Running", Ready: true, LocalStorage: []string{"tmp"}, Owner: &inventory.OwnerRef{Kind: "ReplicaSet", Name: "c"}},
			{Namespace: "a", Name: "agent", Node: "n2", Phase: "Running", Ready: true, LocalStorage: []string{"buf"}, Owner: &inventory.OwnerRef{Kind: "DaemonSet", Name: "d"}},
		},
		Workloads: []inventory.Workload{
			{Kind: "Deployment", Namespace: "a", Name: "single", Replicas: 1},
			{Kind: "StatefulSet", Namespace: "a", Name: "three", Replicas: 3},
			{Kind: "DaemonSet", Namespace: "a", Name: "d", Replicas: 1},
		},
	}
	in := input(t, "1.36.0", "1.37", s)
	equal(t, only(in, nakedPodCheck), "blocker  pod default/naked")
	equal(t, only(in, localStorageCheck), "warning  pod a/cache")
	equal(t, only(in, singleReplicaCheck), "warning  Deployment a/single")
}

func TestDockershim(t *testing.T) {
	s := &inventory.Snapshot{Nodes: []inventory.Node{node("d", "old", "v1.22.3", "docker://20.10.7", true), node("c", "new", "v1.22.3", "containerd://1.6.4", true)}}
	equal(t, only(input(t, "1.22.0", "1.25", s), dockershimCheck), "blocker 1.23→1.24 node d (pool old)")
	equal(t, only(input(t, "1.22.0", "1.23", s), dockershimCheck))
	// Past 1.24, docker:// means cri-dockerd: a warning.
	equal(t, only(input(t, "1.36.0", "1.37", s), dockershimCheck), "warning baseline node d (pool old)")
}

func TestEBSCSI(t *testing.T) {
	s := &inventory.Snapshot{}
	in := input(t, "1.22.0", "1.24", s)
	in.Provider = "eks"
	equal(t, only(in, ebsCSICheck), "blocker 1.22→1.23 CSIDriver ebs.csi.aws.com")
	s.CSIDrivers = []string{"ebs.csi.aws.com"}
	equal(t, only(in, ebsCSICheck))
	in.Provider, s.CSIDrivers = "aks", nil
	equal(t, only(in, ebsCSICheck)) // EKS only
}

func TestAddons(t *testing.T) {
	s := &inventory.Snapshot{Workloads: []inventory.Workload{
		{Kind: "DaemonSet", Namespace: "kube-system", Name: "kube-proxy", Images: []string{"registry.k8s.io/kube-proxy:v1.36.3"}},
		{Kind: "Deployment", Namespace: "kube-system", Name: "coredns", Images: []string{"registry.k8s.io/coredns/coredns:v1.12.1"}},
		{Kind: "Deployment", Namespace: "apps", Name: "kube-proxy-lookalike", Images: []string{"example/kube-proxy:v1.20.0"}},
	}}
	equal(t, only(input(t, "1.36.3", "1.37", s), addonsCheck),
		"warning 1.36→1.37 DaemonSet kube-system/kube-proxy",
		"warning 1.36→1.37 Deployment kube-system/coredns")
}

func TestCertificates(t *testing.T) {
	s := &inventory.Snapshot{Certificates: []inventory.Certificate{
		{Namespace: "shared", Secret: "expired", NotAfter: now.Add(-time.Hour)},
		{Namespace: "shared", Secret: "during", NotAfter: now.Add(12 * time.Hour)},
		{Namespace: "shared", Secret: "soon", NotAfter: now.Add(10 * 24 * time.Hour)},
		{Namespace: "shared", Secret: "fine", NotAfter: now.Add(365 * 24 * time.Hour)},
		{Namespace: "shared", Secret: "broken", Error: "tls.crt holds no PEM certificate"},
	}}
	equal(t, only(input(t, "1.36.0", "1.37", s), certificateCheck),
		"blocker baseline Secret shared/during",
		"blocker baseline Secret shared/expired",
		"warning baseline Secret shared/broken",
		"warning baseline Secret shared/soon")
}

func TestAppCompat(t *testing.T) {
	rm, err := ParseReleaseMap("map.yaml", []byte(`apps:
- name: vantiq
  image: vantiq/vantiq-server
  releases:
  - version: "1.40"
    kubernetes: ["1.35", "1.36"]
  - version: "1.41"
    kubernetes: ["1.36", "1.37"]
- name: ghost
  image: example/ghost
  releases:
  - version: "1"
    kubernetes: ["1.37"]
`))
	if err != nil {
		t.Fatal(err)
	}
	s := &inventory.Snapshot{Workloads: []inventory.Workload{{Kind: "StatefulSet", Namespace: "vantiq", Name: "vantiq", Images: []string{"vantiq/vantiq-server:1.40.5"}}}}
	in := input(t, "1.36.3", "1.37", s)
	in.ReleaseMap = rm
	findings := Run(in, []*Check{appCompatCheck}).Findings
	equal(t, only(in, appCompatCheck), "warning baseline application ghost", "blocker 1.36→1.37 application vantiq")
	if !strings.Contains(findings[1].Remedy, "1.41") {
		t.Errorf("remedy should name the release that supports 1.37: %s", findings[0].Remedy)
	}
	s.Workloads[0].Images[0] = "vantiq/vantiq-server:1.41.0"
	equal(t, only(in, appCompatCheck), "warning baseline application ghost")
}

func TestReleaseMapErrorsNameFileLineField(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"unknown field": {"apps:\n- name: a\n  image: b\n  relases: []\n", "map.yaml: line 4: field relases not found"},
		"bad version":   {"apps:\n- name: a\n  image: b\n  releases:\n  - version: \"1\"\n    kubernetes: [\"one\"]\n", "map.yaml:2: apps[0].releases[0].kubernetes"},
		"no releases":   {"apps:\n- name: a\n  image: b\n", "map.yaml:2: apps[0] (a): field releases is empty"},
	} {
		_, err := ParseReleaseMap("map.yaml", []byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want it to contain %q", name, err, tc.want)
		}
	}
}

func TestRemovedAndDeprecatedAPIs(t *testing.T) {
	res := &scan.Result{Matches: []scan.Match{
		{APIVersion: "extensions/v1beta1", Kind: "Ingress", Namespace: "web", Name: "site", Location: scan.Location{File: "web.yaml", Line: 3},
			API: apidata.API{APIVersion: "extensions/v1beta1", Kind: "Ingress", DeprecatedIn: "1.14", RemovedIn: "1.22", Replacement: "networking.k8s.io/v1"}},
		{APIVersion: "example.k8s.io/v1beta1", Kind: "Widget", Name: "w", Location: scan.Location{File: "w.yaml", Line: 1},
			API: apidata.API{APIVersion: "example.k8s.io/v1beta1", Kind: "Widget", DeprecatedIn: "1.36", RemovedIn: "1.37", Replacement: "example.k8s.io/v1"}},
		{APIVersion: "example.k8s.io/v1beta2", Kind: "Gadget", Name: "g", Location: scan.Location{File: "g.yaml", Line: 1},
			API: apidata.API{APIVersion: "example.k8s.io/v1beta2", Kind: "Gadget", DeprecatedIn: "1.36", RemovedIn: "1.39"}},
		{APIVersion: "extensions/v1beta1", Kind: "Ingress", Namespace: "web", Name: "live", Location: scan.Location{Live: true, Via: "last-applied-configuration"},
			API: apidata.API{APIVersion: "extensions/v1beta1", Kind: "Ingress", DeprecatedIn: "1.14", RemovedIn: "1.22", Replacement: "networking.k8s.io/v1"}},
	}}
	in := input(t, "1.36.0", "1.37", &inventory.Snapshot{})
	in.Scan = res
	equal(t, only(in, removedAPICheck),
		"blocker baseline Ingress web/site",
		"warning baseline Ingress web/live",
		"blocker 1.36→1.37 Widget w")
	equal(t, only(in, deprecatedAPICheck), "warning baseline Gadget g")

	// Without a cluster, findings are grouped by the minor that removes them.
	files := input(t, "", "1.37", nil)
	files.Scan = res
	equal(t, only(files, removedAPICheck), "blocker →1.22 Ingress web/live", "blocker →1.22 Ingress web/site", "blocker →1.37 Widget w")
}

func TestRunSortsAndCounts(t *testing.T) {
	s := &inventory.Snapshot{
		Nodes: []inventory.Node{node("sick", "p", "v1.35.0", "containerd://2", false)},
		Pods:  []inventory.Pod{{Namespace: "default", Name: "naked", Node: "sick", Phase: "Running", Ready: true}},
	}
	r := Run(input(t, "1.35.0", "1.37", s), Registry())
	if r.Summary.Blockers != 2 || r.Summary.Info != 1 {
		t.Errorf("summary %+v, want 2 blockers and 1 note", r.Summary)
	}
	if r.Findings[0].Hop != Baseline || r.Findings[len(r.Findings)-1].Hop != "" {
		t.Errorf("findings not ordered baseline first, every-hop last: %+v", r.Findings)
	}
	if len(r.Checks) != len(Registry())-1 { // the EKS check is skipped
		t.Errorf("checks run %v", r.Checks)
	}
}
