package runreport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
	"github.com/kubehop/kubehop/internal/scan"
	"github.com/kubehop/kubehop/internal/verify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixturePools are the pools of the fixture, in plan order.
var fixturePools = []string{"mongodb", "keycloak", "vantiq"}

// at is a time of the fixture's run day.
func at(clock string) time.Time {
	t, err := time.Parse(time.RFC3339, "2026-03-14T"+clock+"Z")
	if err != nil {
		panic(err)
	}
	return t
}

// fixture is a failed run of a three-pool AKS cluster from 1.35 to 1.36:
// the relaxed telegraf budget, the control plane, an in-place pool and two
// surge pools that must not move together, the restore and a verification
// that found a StatefulSet short of replicas.
func fixture() *Report {
	const relax, restore = "relax/deployment/shared/telegraf-prom", "restore/deployment/shared/telegraf-prom"
	cp := "hop1/control-plane"
	pools := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, "hop1/pool/"+n)
		}
		return out
	}
	minutes := func(n int) plan.Duration { return plan.Duration{Duration: time.Duration(n) * time.Minute} }
	pl := &plan.Plan{
		APIVersion: plan.APIVersion, Cluster: profile.Cluster{Name: "prod-eu-1", UID: "5c1d6a0e-7f0b-4d5e-9a54-3f2b8f6f0c11"},
		Provider: "aks", From: "1.35.4", Target: "1.36", Hops: []string{"1.35→1.36"},
		Steps: []plan.Step{
			{ID: relax, Phase: "relax", Kind: plan.KindScaleDown, Object: "Deployment shared/telegraf-prom",
				Title: "Scale Deployment shared/telegraf-prom to 0: PodDisruptionBudget shared/telegraf-prom (minAvailable 1) blocks every drain", Estimate: minutes(1)},
			{ID: cp, Hop: "1.35→1.36", Phase: "control-plane", Kind: plan.KindControlPlane, Version: "1.36",
				Title: "Upgrade the control plane to 1.36 (the nodes stay; kubelets may lag)", Estimate: minutes(10)},
			{ID: "hop1/pool/mongodb", Hop: "1.35→1.36", Phase: "node-pools", Kind: plan.KindPoolInPlace, Version: "1.36", Pool: "mongodb",
				MaxSurge: 1, MaxUnavailable: 1, Nodes: []string{"aks-mongodb-0", "aks-mongodb-1", "aks-mongodb-2"}, After: []string{cp, relax},
				Title: "Upgrade pool mongodb in place to 1.36: cordon, drain, upgrade and uncordon 3 node(s), 1 at a time", Estimate: minutes(15)},
			{ID: "hop1/pool/keycloak", Hop: "1.35→1.36", Phase: "node-pools", Kind: plan.KindPoolSurge, Version: "1.36", Pool: "keycloak",
				MaxSurge: 1, Nodes: []string{"aks-keycloak-1", "aks-keycloak-2"}, After: []string{cp, relax}, NotWith: pools("vantiq"),
				Title: "Upgrade pool keycloak by surge to 1.36: up to 1 new node(s) beyond its size, drain 1 of the 2 old at a time and delete them", Estimate: minutes(10)},
			{ID: "hop1/pool/vantiq", Hop: "1.35→1.36", Phase: "node-pools", Kind: plan.KindPoolSurge, Version: "1.36", Pool: "vantiq",
				MaxSurge: 1, Nodes: []string{"aks-vantiq-0", "aks-vantiq-1", "aks-vantiq-2"}, After: []string{cp, relax}, NotWith: pools("keycloak"),
				Title: "Upgrade pool vantiq by surge to 1.36: up to 1 new node(s) beyond its size, drain 1 of the 3 old at a time and delete them", Estimate: minutes(15)},
			{ID: restore, Phase: "restore", Kind: plan.KindScaleRestore, Object: "Deployment shared/telegraf-prom", After: pools(fixturePools...),
				Title: "Scale Deployment shared/telegraf-prom back to its recorded replicas", Estimate: minutes(1)},
			{ID: "verify", Phase: "verify", Kind: plan.KindVerify, Version: "1.36", After: append(pools(fixturePools...), restore),
				Title: "Verify: every node Ready at the target, every workload fully available, nothing left cordoned", Estimate: minutes(2)},
		},
		Estimate: minutes(37), CriticalPath: []string{cp, "hop1/pool/keycloak", "hop1/pool/vantiq", restore, "verify"},
	}
	r := &Report{
		GeneratedAt: at("09:41:00"), Cluster: "prod-eu-1", Provider: "aks", From: "1.35.4", Target: "1.36",
		Status: "failed", Started: at("09:00:00"), Finished: at("09:40:02"),
		Error:   "verify: 1 problem fails the verification",
		Journal: "/var/lib/kubehop/prod-eu-1/run-20260314T090000Z.jsonl",
		Plan:    pl,
	}
	spans := map[string][2]string{
		relax:                {"09:00:05", "09:00:20"},
		cp:                   {"09:00:05", "09:12:40"},
		"hop1/pool/mongodb":  {"09:12:45", "09:31:10"},
		"hop1/pool/keycloak": {"09:12:45", "09:20:15"},
		"hop1/pool/vantiq":   {"09:20:20", "09:38:00"},
		restore:              {"09:38:05", "09:38:12"},
		"verify":             {"09:38:15", "09:40:02"},
	}
	for _, st := range pl.Steps {
		span := spans[st.ID]
		run := StepRun{ID: st.ID, Title: st.Title, Phase: st.Phase, Pool: st.Pool, Status: "done", Start: at(span[0]), End: at(span[1])}
		if st.ID == "verify" {
			run.Status, run.Error = "failed", "1 problem fails the verification: StatefulSet vantiq/vantiq has 2 of 3 replicas ready"
		}
		r.Steps = append(r.Steps, run)
	}
	node := func(name, pool, outcome, start, end string, added ...string) NodeRun {
		return NodeRun{Node: name, Pool: pool, Step: "hop1/pool/" + pool, Start: at(start), End: at(end), Outcome: outcome, Added: added}
	}
	r.Nodes = []NodeRun{
		node("aks-mongodb-0", "mongodb", "upgraded", "09:12:50", "09:18:30"),
		node("aks-keycloak-1", "keycloak", "deleted", "09:14:30", "09:17:40", "aks-keycloak-3"),
		node("aks-keycloak-2", "keycloak", "deleted", "09:17:45", "09:20:10", "aks-keycloak-4"),
		node("aks-mongodb-1", "mongodb", "upgraded", "09:18:35", "09:25:00"),
		node("aks-vantiq-0", "vantiq", "deleted", "09:21:30", "09:26:50", "aks-vantiq-3"),
		node("aks-mongodb-2", "mongodb", "upgraded", "09:25:05", "09:31:05"),
		node("aks-vantiq-1", "vantiq", "deleted", "09:26:55", "09:32:10", "aks-vantiq-4"),
		node("aks-vantiq-2", "vantiq", "deleted", "09:32:15", "09:37:55", "aks-vantiq-5"),
	}
	wait := func(node, pod, budget, start, end string) Wait {
		return Wait{Node: node, Pod: pod, Budget: budget, Start: at(start), End: at(end)}
	}
	r.Waits = []Wait{
		wait("aks-keycloak-2", "keycloak/keycloak-1", "keycloak/keycloak", "09:18:00", "09:18:45"),
		wait("aks-mongodb-1", "mongodb/mongodb-rs-1", "mongodb/mongodb-pdb", "09:18:40", "09:21:10"),
		wait("aks-mongodb-2", "mongodb/mongodb-rs-2", "mongodb/mongodb-pdb", "09:25:10", "09:26:40"),
		wait("aks-vantiq-1", "vantiq/vantiq-2", "vantiq/vantiq-pdb", "09:27:00", "09:29:30"),
	}
	r.Findings = []check.Finding{
		{Check: "KH-DRAIN-001", Severity: check.Blocker, Object: "PodDisruptionBudget shared/telegraf-prom",
			Message: "minAvailable 1 over 1 pod(s) allows no disruption", Remedy: "kubehop plan scales the Deployment to 0 for the drains and back after them."},
		{Check: "KH-API-001", Severity: check.Warning, Hop: "1.35→1.36", Object: "HorizontalPodAutoscaler vantiq/vantiq",
			Location: &scan.Location{File: "deploy/vantiq/hpa.yaml", Line: 3},
			Message:  "autoscaling/v2beta2 HorizontalPodAutoscaler was removed in Kubernetes 1.26; use autoscaling/v2", Remedy: "Move the manifest to autoscaling/v2."},
	}
	baseline := at("08:55:00")
	r.Verify = &verify.Result{
		Time: at("09:40:00"), Target: "1.36", Baseline: &baseline,
		Checked: verify.Counts{Nodes: 8, Workloads: 23, Pods: 61, PDBs: 5, Skipped: 2},
		Problems: []verify.Problem{
			{Check: "workload-available", Severity: verify.Error, Object: "StatefulSet vantiq/vantiq", Reason: "2 of 3 replicas ready"},
		},
		Events: []verify.EventSummary{
			{Reason: "FailedScheduling", Kind: "Pod", Count: 4, Objects: []string{"vantiq/vantiq-2"},
				Message: "0/8 nodes are available: 3 Insufficient memory.", Last: at("09:39:40")},
		},
	}
	r.Checklist = []ChecklistItem{
		{Title: "Log in to Vantiq", Detail: "Open the Vantiq IDE as the ops user and run the health-check procedure."},
		{Title: "Keycloak realm reachable", Detail: "Sign in to the prod realm and check that tokens are issued."},
	}
	return r
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/runreport -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the golden file; run with -update and review (-want +got):\n%s", name, diff)
	}
}

func TestMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.md", buf.Bytes())
}

func TestJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", buf.Bytes())
}

// renderHTML renders r as HTML or fails the test.
func renderHTML(t *testing.T, r *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestHTMLPools(t *testing.T) {
	html := renderHTML(t, fixture())
	for _, p := range fixturePools {
		if !strings.Contains(html, `data-pool="`+p+`"`) {
			t.Errorf("no pool group data-pool=%q in the HTML", p)
		}
		if !strings.Contains(html, "pool "+p+"<title>") {
			t.Errorf("pool %q is not named in visible text", p)
		}
	}
	for _, want := range []string{
		"aks-vantiq-1", "vantiq/vantiq-pdb", `class="wait"`, "pod mongodb/mongodb-rs-1 waited on budget mongodb/mongodb-pdb for 2m30s",
		"FAILED", "2 of 3 replicas ready", "FailedScheduling", "KH-API-001", "deploy/vantiq/hpa.yaml:3",
		`<input type="checkbox">`, "Log in to Vantiq", "marker-end=", `class="notwith"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
}

func TestHTMLSelfContained(t *testing.T) {
	html := renderHTML(t, fixture())
	if strings.Contains(strings.ToLower(html), "http") {
		i := strings.Index(strings.ToLower(html), "http")
		t.Errorf("the HTML mentions http: …%s…", html[max(i-40, 0):min(i+40, len(html))])
	}
	// Nothing may be loaded: no src, and href only to a fragment.
	if m := regexp.MustCompile(`(?i)\ssrc\s*=`).FindString(html); m != "" {
		t.Errorf("the HTML loads something: %q", m)
	}
	for _, m := range regexp.MustCompile(`(?i)\shref\s*=\s*"([^"]*)"`).FindAllStringSubmatch(html, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("the HTML links outside itself: %q", m[0])
		}
	}
	for _, bad := range []string{"<script", "<link", "@import", "@font-face", "<iframe", "<img"} {
		if strings.Contains(strings.ToLower(html), bad) {
			t.Errorf("the HTML has %s", bad)
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	r := fixture()
	evil := `<script>alert("x")</script>`
	r.Plan.Steps[1].Title = "Upgrade " + evil
	r.Steps[1].Title = "Upgrade " + evil
	r.Steps[1].Error = evil
	r.Checklist[0].Detail = evil
	r.Nodes[0].Node = `<b onmouseover="x">`
	html := renderHTML(t, r)
	if strings.Contains(html, "<script") || strings.Contains(html, "<b onmouseover") {
		t.Fatal("a step title or node name reached the HTML unescaped")
	}
	if !strings.Contains(html, "&lt;script&gt;") {
		t.Error("the escaped title is missing from the HTML")
	}
}

func TestEmptyReport(t *testing.T) {
	for name, r := range map[string]*Report{
		"zero":   {},
		"failed": {Status: "failed", Error: "could not reach the cluster", Started: at("09:00:00"), Plan: &plan.Plan{}},
		"running": {Status: "in progress", Started: at("09:00:00"), GeneratedAt: at("09:05:00"),
			Steps: []StepRun{{ID: "hop1/pool/a", Pool: "a", Status: "running", Start: at("09:00:10")}, {ID: "verify", Status: "pending"}},
			Nodes: []NodeRun{{Node: "n1", Pool: "a", Start: at("09:01:00"), Outcome: "draining"}},
			Waits: []Wait{{Node: "n1", Pod: "ns/p", Budget: "ns/b", Start: at("09:02:00")}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := HTML(&buf, r); err != nil {
				t.Errorf("HTML: %v", err)
			}
			if name == "running" && !strings.Contains(buf.String(), `data-pool="a"`) {
				t.Error("the running pool is missing from the timeline")
			}
			buf.Reset()
			if err := Markdown(&buf, r); err != nil {
				t.Errorf("Markdown: %v", err)
			}
			buf.Reset()
			if err := JSON(&buf, r); err != nil {
				t.Errorf("JSON: %v", err)
			}
		})
	}
	for name, render := range map[string]func(*bytes.Buffer, *Report) error{
		"HTML":     func(b *bytes.Buffer, r *Report) error { return HTML(b, r) },
		"Markdown": func(b *bytes.Buffer, r *Report) error { return Markdown(b, r) },
		"JSON":     func(b *bytes.Buffer, r *Report) error { return JSON(b, r) },
	} {
		if err := render(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s of a nil report: no error", name)
		}
	}
}

func TestStepColumns(t *testing.T) {
	steps := fixture().Plan.Steps
	steps = append(steps, plan.Step{ID: "loop-a", After: []string{"loop-b"}}, plan.Step{ID: "loop-b", After: []string{"loop-a", "missing"}})
	got := stepColumns(steps)
	want := map[string]int{
		"relax/deployment/shared/telegraf-prom": 0, "hop1/control-plane": 0,
		"hop1/pool/mongodb": 1, "hop1/pool/keycloak": 1, "hop1/pool/vantiq": 1,
		"restore/deployment/shared/telegraf-prom": 2, "verify": 3,
		"loop-b": 0, "loop-a": 1,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		span  time.Duration
		first string
		last  string
	}{
		{40 * time.Minute, "0", "+40m"},
		{30 * time.Second, "0", "+30s"},
		{3 * time.Hour, "0", "+3h"},
	} {
		sc := scale{t0: at("09:00:00"), t1: at("09:00:00").Add(tc.span)}
		ticks := sc.ticks()
		if len(ticks) < 2 || len(ticks) > maxTicks {
			t.Errorf("%v: %d ticks", tc.span, len(ticks))
			continue
		}
		if ticks[0].Label != tc.first || ticks[len(ticks)-1].Label != tc.last {
			t.Errorf("%v: ticks %v, want %s … %s", tc.span, ticks, tc.first, tc.last)
		}
		if ticks[0].X != chartX0 || ticks[len(ticks)-1].X != chartX1 {
			t.Errorf("%v: ticks from x %d to %d, want %d to %d", tc.span, ticks[0].X, ticks[len(ticks)-1].X, chartX0, chartX1)
		}
	}
}
