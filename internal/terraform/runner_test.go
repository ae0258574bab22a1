package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/localcluster"
)

// tofuBinary returns the OpenTofu that hack/build-bins.sh tofu builds into
// the kubehop cache. A missing one fails the test; KUBEHOP_SKIP_TOFU=1
// skips it instead.
func tofuBinary(t *testing.T) string {
	t.Helper()
	if os.Getenv("KUBEHOP_SKIP_TOFU") == "1" {
		t.Skip("KUBEHOP_SKIP_TOFU=1: not running OpenTofu")
	}
	path, err := localcluster.FindTofu()
	if err != nil {
		t.Fatalf("%v (or set KUBEHOP_SKIP_TOFU=1 to skip these tests)", err)
	}
	return path
}

// offline returns a command that runs bin without network: in a network
// namespace of its own where the kernel allows one (unshare -rn), so that
// any attempt to reach a registry fails. Everywhere, testRunner also points
// the proxies at a closed port.
func offline(t *testing.T, bin string) string {
	t.Helper()
	if runtime.GOOS != "linux" || exec.Command("unshare", "-rn", "true").Run() != nil {
		t.Log("no network namespace (unshare -rn fails): tofu runs with its proxies at a closed port instead")
		return bin
	}
	wrapper := filepath.Join(t.TempDir(), "tofu-offline")
	script := "#!/bin/sh\nexec unshare -rn " + commandLine(bin, nil) + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapper
}

// lines records what a Runner writes to its Output, a line a call.
type lines struct {
	t     *testing.T
	mu    sync.Mutex
	calls []string
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, string(p))
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.calls, "")
}

// testRunner copies testdata/tofu, with the seed's constants.tf of
// testdata/eks, into a new directory and returns a
// Runner for it that runs OpenTofu offline, with an empty CLI
// configuration (no plugin cache or provider mirror of the user's).
func testRunner(t *testing.T) (*Runner, *lines) {
	t.Helper()
	bin := offline(t, tofuBinary(t))
	dir := copyDir(t, "testdata/tofu")
	if err := os.WriteFile(filepath.Join(dir, "constants.tf"), readFile(t, "testdata/eks/constants.tf"), 0o644); err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(t.TempDir(), "tofurc")
	if err := os.WriteFile(rc, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out := &lines{t: t}
	closed := "http://127.0.0.1:9"
	return &Runner{Binary: bin, Dir: dir, Output: out, Env: []string{
		"TF_CLI_CONFIG_FILE=" + rc, "HTTP_PROXY=" + closed, "HTTPS_PROXY=" + closed, "NO_PROXY=",
	}}, out
}

// applied inits the module and applies it as it is: the clusters at 1.23.
func applied(t *testing.T, r *Runner) {
	t.Helper()
	ctx := t.Context()
	if err := r.Init(ctx); err != nil {
		t.Fatal(err)
	}
	changes, err := r.Plan(ctx, "create.tfplan")
	if err != nil || !changes {
		t.Fatalf("plan: changes %v, %v", changes, err)
	}
	if err := r.Apply(ctx, "create.tfplan"); err != nil {
		t.Fatal(err)
	}
}

// inputs maps each resource address in the state to its input.
func inputs(t *testing.T, r *Runner) map[string]map[string]any {
	t.Helper()
	s, err := r.ShowState(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]any{}
	if s.Values == nil || s.Values.RootModule == nil {
		return m
	}
	for _, res := range s.Values.RootModule.Resources {
		in, _ := res.AttributeValues["input"].(map[string]any)
		m[res.Address] = in
	}
	return m
}

// versions is the cluster's and the node groups' versions in the state.
func versions(t *testing.T, r *Runner) map[string]any {
	t.Helper()
	v := map[string]any{}
	for addr, in := range inputs(t, r) {
		if addr != "terraform_data.bastion" {
			v[addr] = in["version"]
		}
	}
	return v
}

func allAt(version string) map[string]any {
	return map[string]any{
		"terraform_data.cluster":               version,
		`terraform_data.node_group["VANTIQ"]`:  version,
		`terraform_data.node_group["MongoDB"]`: version,
		`terraform_data.node_group["grafana"]`: version,
	}
}

// standInAllowed are the version attributes of the stand-ins: the
// input.version of the cluster and the node groups (as DefaultAllowed has
// aws_eks_cluster.version and aws_eks_node_group.version), and the output
// of every terraform_data, which is unknown until apply whenever its input
// changes. The input is judged attribute by attribute, so the output, a
// copy of it, hides nothing.
func standInAllowed() Allowed {
	return DefaultAllowed().With("terraform_data.version", "terraform_data.output")
}

func checked(t *testing.T, r *Runner, planFile string) *GuardResult {
	t.Helper()
	plan, err := r.Show(t.Context(), planFile)
	if err != nil {
		t.Fatal(err)
	}
	return CheckPlan(plan, standInAllowed())
}

func changeStrings[T interface{ String() string }](xs []T) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, x.String())
	}
	return out
}

// The runbook's upgrade on stand-ins: apply at 1.23, bump, plan, guard,
// apply, and the state is at 1.24.
func TestRunnerUpgrade(t *testing.T) {
	r, out := testRunner(t)
	ctx := t.Context()
	if got := inputs(t, r); len(got) != 0 {
		t.Fatalf("state before the first apply: %v", got)
	}
	for range 2 { // init is idempotent
		if err := r.Init(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// terraform_data is built in: init installs no provider and writes no
	// lock file, so nothing here needs the network.
	for _, p := range []string{".terraform/providers", ".terraform.lock.hcl"} {
		if _, err := os.Stat(filepath.Join(r.Dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("init wrote %s: the test module must need no provider download (%v)", p, err)
		}
	}
	changes, err := r.Plan(ctx, "create.tfplan")
	if err != nil || !changes {
		t.Fatalf("plan: changes %v, %v", changes, err)
	}
	plan, err := r.Show(ctx, "create.tfplan")
	if err != nil {
		t.Fatal(err)
	}
	if v := Guard(plan, standInAllowed()); len(v) != 5 || v[0].Action != "create" {
		t.Errorf("the first plan creates the five stand-ins, which the guard refuses: %v", v)
	}
	if err := r.Apply(ctx, "create.tfplan"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allAt("1.23"), versions(t, r)); diff != "" {
		t.Errorf("state after the first apply (-want +got):\n%s", diff)
	}
	if changes, err := r.Plan(ctx, "again.tfplan"); err != nil || changes {
		t.Fatalf("plan after apply: changes %v, %v; want none", changes, err)
	}

	if _, err := BumpDir(r.Dir, Versions{ControlPlane: "1.24", Nodes: "1.24"}, false); err != nil {
		t.Fatal(err)
	}
	changes, err = r.Plan(ctx, "upgrade.tfplan")
	if err != nil || !changes {
		t.Fatalf("plan: changes %v, %v", changes, err)
	}
	plan, err = r.Show(ctx, "upgrade.tfplan")
	if err != nil {
		t.Fatal(err)
	}
	g := CheckPlan(plan, standInAllowed())
	if !g.OK() {
		t.Fatalf("violations: %v", g.Violations)
	}
	const unknown = "(known after apply)"
	wantAllowed := []string{
		`terraform_data.cluster: input.version "1.23" → "1.24"`,
		`terraform_data.cluster: output {"name":"<INPUT-YOUR-CLUSTER-NAME>","version":"1.23"} → ` + unknown,
	}
	for _, ng := range []string{"MongoDB", "VANTIQ", "grafana"} {
		addr := `terraform_data.node_group["` + ng + `"]`
		wantAllowed = append(wantAllowed, addr+`: input.version "1.23" → "1.24"`)
		wantAllowed = append(wantAllowed, addr+": output ")
	}
	got := changeStrings(g.Allowed)
	for i := range got { // the node groups' outputs are long
		if strings.HasSuffix(got[i], "→ "+unknown) && strings.Contains(got[i], "node_group") {
			got[i] = got[i][:strings.Index(got[i], ": output ")+len(": output ")]
		}
	}
	if diff := cmp.Diff(wantAllowed, got); diff != "" {
		t.Errorf("allowed changes (-want +got):\n%s", diff)
	}
	// With the defaults alone, the stand-ins' versions and outputs are
	// violations: terraform_data is no cluster.
	var defaults []string
	for _, v := range Guard(plan, DefaultAllowed()) {
		defaults = append(defaults, v.Attribute)
	}
	if want := slices.Repeat([]string{"input.version", "output"}, 4); !cmp.Equal(want, defaults) {
		t.Errorf("violations with DefaultAllowed: %v, want %v", defaults, want)
	}
	if err := r.Apply(ctx, "upgrade.tfplan"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(allAt("1.24"), versions(t, r)); diff != "" {
		t.Errorf("state after the upgrade (-want +got):\n%s", diff)
	}
	if cur, err := CurrentVersions(r.Dir); err != nil || cur != (Versions{ControlPlane: "1.24", Nodes: "1.24", Kubectl: "1.23.7"}) {
		t.Errorf("CurrentVersions: %+v, %v", cur, err)
	}

	text := out.String()
	for _, want := range []string{"OpenTofu has been successfully initialized!", "Plan: 5 to add, 0 to change, 0 to destroy.", "Apply complete! Resources: 0 added, 4 changed, 0 destroyed."} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("the output has no line %q", want)
		}
	}
	if strings.Contains(text, `"format_version"`) {
		t.Error("the JSON of show went to Output")
	}
	for _, c := range out.calls {
		if strings.Count(c, "\n") != 1 || !strings.HasSuffix(c, "\n") {
			t.Errorf("Output got %q, not one whole line", c)
		}
	}
}

// editState changes the state file of the local backend as a change made
// outside Terraform would: set the node group's desired size, in its input
// and output.
func editState(t *testing.T, dir, nodeGroup string, desired int) {
	t.Helper()
	path := filepath.Join(dir, "terraform.tfstate")
	var st map[string]any
	if err := json.Unmarshal(readFile(t, path), &st); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, res := range st["resources"].([]any) {
		res := res.(map[string]any)
		if res["name"] != "node_group" {
			continue
		}
		for _, inst := range res["instances"].([]any) {
			inst := inst.(map[string]any)
			if inst["index_key"] != nodeGroup {
				continue
			}
			attrs := inst["attributes"].(map[string]any)
			for _, a := range []string{"input", "output"} {
				attrs[a].(map[string]any)["value"].(map[string]any)["desired_size"] = desired
			}
			found = true
		}
	}
	if !found {
		t.Fatalf("no node group %s in %s", nodeGroup, path)
	}
	st["serial"] = st["serial"].(float64) + 1
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A node group scaled outside Terraform: the upgrade's plan would scale
// it back, and the guard says so, naming the resource and the attribute.
func TestRunnerGuardFindsChangesMadeOutside(t *testing.T) {
	r, _ := testRunner(t)
	applied(t, r)
	editState(t, r.Dir, "VANTIQ", 5)
	if _, err := BumpDir(r.Dir, Versions{ControlPlane: "1.24", Nodes: "1.24"}, false); err != nil {
		t.Fatal(err)
	}
	if changes, err := r.Plan(t.Context(), "upgrade.tfplan"); err != nil || !changes {
		t.Fatalf("plan: changes %v, %v", changes, err)
	}
	g := checked(t, r, "upgrade.tfplan")
	// terraform_data reads back what the state holds, so OpenTofu finds no
	// drift on refresh: the change shows as the update that undoes it.
	want := []string{`terraform_data.node_group["VANTIQ"]: update input.desired_size 5 → 3 (not an allowed version attribute)`}
	if diff := cmp.Diff(want, changeStrings(g.Violations)); diff != "" {
		t.Errorf("violations (-want +got):\n%s", diff)
	}
	if len(g.Allowed) != 8 {
		t.Errorf("the version changes are still allowed: %v", g.Allowed)
	}
}

// A plan made before another apply changed the state cannot be applied.
func TestRunnerStalePlan(t *testing.T) {
	r, _ := testRunner(t)
	applied(t, r)
	ctx := t.Context()
	if _, err := BumpDir(r.Dir, Versions{ControlPlane: "1.24", Nodes: "1.24"}, false); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"first.tfplan", "second.tfplan"} {
		if changes, err := r.Plan(ctx, f); err != nil || !changes {
			t.Fatalf("plan %s: changes %v, %v", f, changes, err)
		}
	}
	if err := r.Apply(ctx, "second.tfplan"); err != nil {
		t.Fatal(err)
	}
	err := r.Apply(ctx, "first.tfplan")
	if !errors.Is(err, ErrStalePlan) {
		t.Fatalf("apply of the first plan: %v, want ErrStalePlan", err)
	}
	var ce *CommandError
	if !errors.As(err, &ce) || ce.ExitCode != 1 || !strings.Contains(ce.Tail, "Error: Saved plan is stale") {
		t.Errorf("error %#v", err)
	}
	for _, want := range []string{"apply -input=false -no-color -auto-approve first.tfplan (in " + r.Dir + ")", "Saved plan is stale"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	// Planning again finds the upgrade done.
	if changes, err := r.Plan(ctx, "again.tfplan"); err != nil || changes {
		t.Errorf("plan again: changes %v, %v", changes, err)
	}
}

func TestRunnerErrors(t *testing.T) {
	r, _ := testRunner(t)
	ctx := t.Context()
	if err := os.WriteFile(filepath.Join(r.Dir, "broken.tf"), []byte("resource \"terraform_data\" \"x\" {\n  input = local.nope\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.Init(ctx); err != nil {
		t.Fatal(err)
	}
	changes, err := r.Plan(ctx, "broken.tfplan")
	var ce *CommandError
	if changes || !errors.As(err, &ce) || ce.ExitCode != 1 {
		t.Fatalf("plan of a broken module: changes %v, %#v", changes, err)
	}
	for _, want := range []string{
		"plan -input=false -no-color -detailed-exitcode -out=broken.tfplan (in " + r.Dir + "): exit status 1\n",
		"Error: Reference to undeclared local value",
		"broken.tf line 2",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	if n := strings.Count(ce.Tail, "\n") + 1; n > tailLines {
		t.Errorf("the tail has %d lines", n)
	}
	if _, err := r.Show(ctx, "missing.tfplan"); err == nil || !strings.Contains(err.Error(), "show -json missing.tfplan") {
		t.Errorf("show of a missing plan: %v", err)
	}
	r.Binary = filepath.Join(t.TempDir(), "no-tofu")
	if err := r.Init(ctx); !errors.As(err, &ce) || ce.ExitCode != -1 || !strings.Contains(err.Error(), "no-tofu init -input=false -no-color (in "+r.Dir+")") {
		t.Errorf("a missing binary: %#v", err)
	}
}

func TestFindBinary(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("fake binaries are shell scripts")
	}
	fake := func(dir, name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	both, onlyTerraform, none := t.TempDir(), t.TempDir(), t.TempDir()
	tofu := fake(both, "tofu")
	fake(both, "terraform")
	terraform := fake(onlyTerraform, "terraform")
	explicit := fake(t.TempDir(), "terraform-1.5")

	t.Setenv("PATH", both)
	if got, err := FindBinary(""); err != nil || got != tofu {
		t.Errorf("tofu and terraform on PATH: %q, %v; want tofu", got, err)
	}
	if got, err := FindBinary(explicit); err != nil || got != explicit {
		t.Errorf("explicit: %q, %v", got, err)
	}
	if got, err := FindBinary("terraform"); err != nil || got != filepath.Join(both, "terraform") {
		t.Errorf("explicit name: %q, %v", got, err)
	}
	t.Setenv("PATH", onlyTerraform)
	if got, err := FindBinary(""); err != nil || got != terraform {
		t.Errorf("terraform on PATH: %q, %v", got, err)
	}
	t.Setenv("PATH", none)
	if _, err := FindBinary(""); err == nil || !strings.Contains(err.Error(), "neither tofu nor terraform is on PATH") {
		t.Errorf("none on PATH: %v", err)
	}
	if _, err := FindBinary(filepath.Join(none, "tofu")); err == nil || !strings.Contains(err.Error(), filepath.Join(none, "tofu")) {
		t.Errorf("a missing explicit binary: %v", err)
	}
}

func TestLineWriter(t *testing.T) {
	var mu sync.Mutex
	var keep, out bytes.Buffer
	var calls []string
	w := &lineWriter{mu: &mu, keep: &keep, out: writerFunc(func(p []byte) (int, error) {
		calls = append(calls, string(p))
		return out.Write(p)
	})}
	for _, s := range []string{"one\ntw", "o\n", "", "three\nfour\nfi", "ve"} {
		w.Write([]byte(s))
	}
	w.flush()
	if want := []string{"one\n", "two\n", "three\n", "four\n", "five\n"}; !cmp.Equal(want, calls) {
		t.Errorf("lines %q, want %q", calls, want)
	}
	if keep.String() != "one\ntwo\nthree\nfour\nfive" {
		t.Errorf("kept %q", keep.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestCommandLine(t *testing.T) {
	got := commandLine("/opt/my tools/tofu", []string{"plan", "-out=it's.tfplan", ""})
	if want := `'/opt/my tools/tofu' plan '-out=it'\''s.tfplan' ''`; got != want {
		t.Errorf("%s, want %s", got, want)
	}
}

// A run whose context ends is interrupted, as at a terminal, so that the
// tool can stop cleanly (write its state, release its lock); it is not
// killed outright.
func TestRunnerInterruptsOnCancel(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake tool is a shell script")
	}
	bin := filepath.Join(t.TempDir(), "fake-tofu")
	script := "#!/bin/sh\ntrap 'echo Interrupt received, stopping; exit 1' INT\necho started\nwhile :; do sleep 0.05; done\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := writerFunc(func(p []byte) (int, error) {
		if string(p) == "started\n" {
			cancel()
		}
		return len(p), nil
	})
	r := &Runner{Binary: bin, Dir: t.TempDir(), Output: out}
	err := r.Init(ctx)
	var ce *CommandError
	if !errors.As(err, &ce) || !errors.Is(err, context.Canceled) || ce.ExitCode != 1 || ce.Tail != "started\nInterrupt received, stopping" {
		t.Fatalf("error %#v", err)
	}
	if !strings.Contains(err.Error(), "init -input=false -no-color (in "+r.Dir+"): stopped: context canceled") {
		t.Errorf("error %v", err)
	}
}

// TestJSONDocumentSkipsWarnings: with TF_CLI_CONFIG_FILE naming a missing
// file, tofu writes a warning before show -json's document on stdout.
func TestJSONDocumentSkipsWarnings(t *testing.T) {
	doc := `{"format_version":"1.2"}`
	for _, out := range []string{doc, doc + "\n", "\nWarning: Unable to open CLI configuration file\n\nThe CLI configuration file at \"/root/.terraformrc\" does not exist.\n" + doc + "\n"} {
		if got := strings.TrimSpace(string(jsonDocument([]byte(out)))); got != doc {
			t.Errorf("jsonDocument(%q) = %q", out, got)
		}
	}
}
