package tf_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/kubehop/kubehop/internal/cli"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
)

const testdata = "../../terraform/testdata"

func run(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = cli.Run(context.Background(), cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, args)
	return code, out.String(), errOut.String()
}

// copyFiles copies the named files of a testdata directory into a new
// temporary directory.
func copyFiles(t *testing.T, from string, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(from, n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestBumpDryRunThenWrite(t *testing.T) {
	dir := copyFiles(t, filepath.Join(testdata, "eks"), "constants.tf", "main.tf")
	constants := filepath.Join(dir, "constants.tf")
	before := read(t, constants)

	code, out, errOut := run("", "tf", "bump", "--dir", dir, "--control-plane", "1.24", "--kubectl", "1.24.7", "--dry-run")
	if code != exitcode.OK {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	for _, want := range []string{
		constants + `:7 locals.common_config.cluster_version "1.23" → "1.24"`,
		constants + `:8 locals.common_config.bastion_kubectl_version "1.23.7" → "1.24.7"`,
		`note: ` + filepath.Join(dir, "main.tf") + `:8 module.eks.cluster_version follows locals.common_config.cluster_version ("1.24")`,
		`-    cluster_version                = "1.23"    # 1.22 -> 1.23`,
		`+    cluster_version                = "1.24"    # 1.22 -> 1.23`,
		"Dry run: 2 values in 1 file would change; nothing was written.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if read(t, constants) != before {
		t.Fatal("--dry-run wrote")
	}

	code, out, errOut = run("", "tf", "bump", "--dir", dir, "--control-plane", "1.24", "--nodes", "1.24", "-o", "json")
	if code != exitcode.OK {
		t.Fatalf("exit code %d: %s", code, errOut)
	}
	var rep struct {
		Edits []struct {
			File, Attribute, Old, New string
			Line                      int
		}
		Files []string
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(rep.Edits) != 4 || len(rep.Files) != 1 || rep.Edits[1].Attribute != "locals.eks_config.managed_node_group_config.VANTIQ.kubernetes_version" {
		t.Errorf("report: %+v", rep)
	}
	if after := read(t, constants); strings.Count(after, `"1.24"`) != 4 || len(after) != len(before) {
		t.Errorf("constants.tf after the bump:\n%s", after)
	}

	code, out, _ = run("", "tf", "bump", "--dir", dir, "--control-plane", "1.24", "--nodes", "1.24")
	if code != exitcode.OK || !strings.Contains(out, "Nothing to change") {
		t.Errorf("again: exit code %d, %s", code, out)
	}
}

func TestBumpBadInputWritesNothing(t *testing.T) {
	dir := copyFiles(t, filepath.Join(testdata, "eks"), "constants.tf", "main.tf")
	blue := "module \"eks_blue\" {\n  cluster_version = var.blue_version\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "blue.tf"), []byte(blue), 0o644); err != nil {
		t.Fatal(err)
	}
	before := read(t, filepath.Join(dir, "constants.tf"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--dir", dir, "--control-plane", "1.24"}, filepath.Join(dir, "blue.tf") + ":2: module.eks_blue.cluster_version: not a literal (var.blue_version); change it where it is defined"},
		{[]string{"--dir", dir}, "nothing to bump"},
		{[]string{"--dir", dir, "--control-plane", "1.24.x"}, `--control-plane: "1.24.x" is not a Kubernetes version`},
		{[]string{"--dir", dir, "--control-plane", "1.24", filepath.Join(dir, "constants.tf")}, "give either --dir or files, not both"},
		{[]string{filepath.Join(dir, "constants.tf"), "--control-plane", "1.22"}, "skips"}, // the literal is 1.23: a downgrade
		{[]string{"--dir", filepath.Join(dir, "nowhere"), "--control-plane", "1.24"}, "--dir"},
		{[]string{"--dir", dir, "--control-plane", "1.24", "-o", "yaml"}, `--output "yaml"`},
	} {
		code, out, errOut := run("", append([]string{"tf", "bump"}, tc.args...)...)
		if code != exitcode.BadInput {
			t.Errorf("%v: exit code %d, want %d", tc.args, code, exitcode.BadInput)
		}
		if out != "" || !strings.HasPrefix(errOut, "Error: ") || !strings.Contains(errOut, strings.TrimSuffix(tc.want, "skips")) {
			t.Errorf("%v: stdout %q, stderr %q; want an error with %q", tc.args, out, errOut, tc.want)
		}
	}
	if read(t, filepath.Join(dir, "constants.tf")) != before {
		t.Error("a failed bump wrote constants.tf")
	}
}

func writePlan(t *testing.T, p *tfjson.Plan) string {
	t.Helper()
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGuard(t *testing.T) {
	fixture := filepath.Join(testdata, "plan", "aks-upgrade.json")
	code, out, errOut := run("", "tf", "guard", fixture)
	if code != exitcode.OK {
		t.Fatalf("exit code %d: %s%s", code, out, errOut)
	}
	if !strings.Contains(out, `module.aks.azurerm_kubernetes_cluster_node_pool.mongodbnp[0]: orchestrator_version "1.20.9" → "1.21.2"`) || !strings.Contains(out, "PASSED") {
		t.Errorf("output:\n%s", out)
	}
	// The same plan on standard input, as JSON.
	code, out, _ = run(read(t, fixture), "tf", "guard", "-", "-o", "json")
	var rep struct {
		OK      bool
		Allowed []struct{ Address, Attribute string }
	}
	if err := json.Unmarshal([]byte(out), &rep); code != exitcode.OK || err != nil || !rep.OK || len(rep.Allowed) != 3 {
		t.Errorf("exit code %d, %v, %+v", code, err, rep)
	}

	// An EKS node group plan: the AMI release moves with the version.
	ng := func(v, release string, size float64) map[string]any {
		return map[string]any{"version": v, "release_version": release, "scaling_config": []any{map[string]any{"desired_size": size}}}
	}
	addr := `module.eks.aws_eks_node_group.vantiq-nodegroup["VANTIQ"]`
	plan := writePlan(t, &tfjson.Plan{FormatVersion: "1.2", ResourceChanges: []*tfjson.ResourceChange{{
		Address: addr, Mode: tfjson.ManagedResourceMode, Type: "aws_eks_node_group",
		Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionUpdate}, Before: ng("1.23", "1.23.17-20230607", 3), After: ng("1.24", "1.24.13-20230607", 3)},
	}}})
	code, out, _ = run("", "tf", "guard", plan)
	want := "  " + addr + `: update release_version "1.23.17-20230607" → "1.24.13-20230607" (not an allowed version attribute)` + "\n"
	if code != exitcode.Blockers || !strings.Contains(out, want) || !strings.Contains(out, "BLOCKED: 1 change(s)") {
		t.Errorf("exit code %d, want %d; output:\n%s", code, exitcode.Blockers, out)
	}
	if code, out, _ = run("", "tf", "guard", plan, "--allow", "release_version"); code != exitcode.OK {
		t.Errorf("--allow release_version: exit code %d\n%s", code, out)
	}

	// A replacement and drift: one line each.
	plan = writePlan(t, &tfjson.Plan{FormatVersion: "1.2",
		ResourceDrift: []*tfjson.ResourceChange{{Address: addr, Mode: tfjson.ManagedResourceMode, Type: "aws_eks_node_group",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionUpdate}, Before: ng("1.23", "r", 3), After: ng("1.23", "r", 5)}}},
		ResourceChanges: []*tfjson.ResourceChange{{Address: "module.eks.aws_launch_template.containerd", Mode: tfjson.ManagedResourceMode, Type: "aws_launch_template",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionDelete, tfjson.ActionCreate}, Before: map[string]any{"image_id": "ami-1"}, After: map[string]any{"image_id": "ami-2"}, ReplacePaths: []any{[]any{"image_id"}}}}},
	})
	code, out, _ = run("", "tf", "guard", plan)
	for _, want := range []string{
		"  " + addr + ": drift scaling_config.0.desired_size 3 → 5 (changed outside Terraform; make the configuration match or revert the change first)\n",
		`  module.eks.aws_launch_template.containerd: replace image_id "ami-1" → "ami-2" (the resource would be destroyed, then created again)` + "\n",
	} {
		if code != exitcode.Blockers || !strings.Contains(out, want) {
			t.Errorf("exit code %d; output lacks %q:\n%s", code, want, out)
		}
	}
}

func TestGuardUnreadablePlan(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		path, want string
	}{
		{write("syntax.json", "{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": [,]\n}\n"), "syntax.json:3:24: invalid character ','"},
		{write("types.json", "{\n  \"format_version\": \"1.2\",\n  \"resource_changes\": {}\n}\n"), "types.json:3:"},
		{write("noversion.json", `{"resource_changes": []}`), "format version is missing"},
		{write("plan.out", "PK\x03\x04binary"), "is a saved binary plan, not JSON: run terraform show -json"},
		{write("state.json", `{"format_version": "1.0", "values": {}}`), "is Terraform state, not a plan"},
		{write("empty.json", ""), "is empty"},
		{filepath.Join(dir, "missing.json"), "missing.json: no such file"},
	} {
		code, out, errOut := run("", "tf", "guard", tc.path)
		if code != exitcode.BadInput || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit code %d, stdout %q, stderr %q; want exit code 2 and %q", filepath.Base(tc.path), code, out, errOut, tc.want)
		}
	}
	for _, args := range [][]string{{"tf", "guard"}, {"tf", "guard", "a.json", "b.json"}, {"tf", "nosuch"}, {"tf", "ignore-changes", "toggle"}} {
		if code, _, errOut := run("", args...); code != exitcode.BadInput {
			t.Errorf("%v: exit code %d, stderr %q", args, code, errOut)
		}
	}
}

func TestIgnoreChangesAddThenRemove(t *testing.T) {
	dir := copyFiles(t, filepath.Join(testdata, "eks", "modules", "eks"), "node_group.tf")
	file := filepath.Join(dir, "node_group.tf")
	original := read(t, file)
	args := func(verb string, more ...string) []string {
		return append([]string{"tf", "ignore-changes", verb, "--file", file, "--resource", `module.eks.aws_eks_node_group.vantiq-nodegroup["VANTIQ"]`, "--attr", "release_version"}, more...)
	}

	code, out, errOut := run("", args("add", "--dry-run")...)
	if code != exitcode.OK || !strings.Contains(out, "+  lifecycle {\n+    ignore_changes = [release_version]\n+  }\n") || read(t, file) != original {
		t.Fatalf("dry run: exit code %d, stderr %s, output:\n%s", code, errOut, out)
	}
	code, out, errOut = run("", args("add")...)
	if code != exitcode.OK || !strings.Contains(out, "aws_eks_node_group.vantiq-nodegroup now ignores changes to release_version") {
		t.Fatalf("add: exit code %d, stderr %s, output:\n%s", code, errOut, out)
	}
	if !strings.Contains(read(t, file), "ignore_changes = [release_version]") {
		t.Fatal("add wrote nothing")
	}
	if code, out, _ = run("", args("add")...); code != exitcode.OK || !strings.Contains(out, "already ignores") {
		t.Errorf("add again: exit code %d, %s", code, out)
	}
	code, out, errOut = run("", args("remove", "-o", "json")...)
	if code != exitcode.OK || !strings.Contains(out, `"changed": true`) {
		t.Fatalf("remove: exit code %d, stderr %s, output:\n%s", code, errOut, out)
	}
	if read(t, file) != original {
		t.Error("remove did not restore the file byte for byte")
	}

	for _, bad := range [][]string{
		{"tf", "ignore-changes", "add", "--file", file},
		{"tf", "ignore-changes", "add", "--file", file, "--resource", "aws_eks_node_group", "--attr", "release_version"},
		{"tf", "ignore-changes", "add", "--file", file, "--resource", "aws_eks_node_group.other", "--attr", "release_version"},
		{"tf", "ignore-changes", "remove", "--file", filepath.Join(dir, "missing.tf"), "--resource", "a.b", "--attr", "release_version"},
	} {
		if code, out, errOut := run("", bad...); code != exitcode.BadInput || out != "" || !strings.HasPrefix(errOut, "Error: ") {
			t.Errorf("%v: exit code %d, stdout %q, stderr %q", bad, code, out, errOut)
		}
	}
	if read(t, file) != original {
		t.Error("bad input changed the file")
	}
}

func TestHelpTeaches(t *testing.T) {
	for _, args := range [][]string{{"tf", "--help"}, {"tf"}, {"tf", "ignore-changes"}} {
		code, out, _ := run("", args...)
		if code != exitcode.OK || !strings.Contains(out, "kubehop tf") {
			t.Errorf("%v: exit code %d\n%s", args, code, out)
		}
	}
	_, out, _ := run("", "tf", "guard", "--help")
	for _, want := range []string{"terraform show -json", "release_version", "Exit codes", "orchestrator_version"} {
		if !strings.Contains(out, want) {
			t.Errorf("guard --help lacks %q", want)
		}
	}
}
