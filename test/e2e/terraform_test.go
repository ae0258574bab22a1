package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/localcluster"
)

// terraformCluster is a cluster at 1.36 whose Terraform configuration (the
// seeds' constants.tf layout, terraform_data standing in for the EKS
// cluster, its node groups and the bastion) still pins 1.35, applied once
// with the pinned OpenTofu as the cluster's creation would have been; and
// a provider: terraform profile for it. The runbook's temporary
// ignore_changes on the node groups is part of the profile.
func terraformCluster(t *testing.T) (c *localcluster.Cluster, profile, infra, tofu string) {
	t.Helper()
	tofu, err := localcluster.FindTofu()
	if err != nil {
		t.Fatal(err)
	}
	c = startCluster(t, "1.36")
	ctx := testContext(t, 3*time.Minute)
	if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: "vantiq", Count: 2}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	infra = filepath.Join(dir, "infra")
	if err := os.MkdirAll(infra, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, from := range map[string]string{"constants.tf": "eks", "main.tf": "tofu"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "internal", "terraform", "testdata", from, f))
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.NewReplacer(`"1.23"`, `"1.35"`, `"1.23.7"`, `"1.35.2"`, "1.22 -> 1.23", "1.34 -> 1.35").Replace(string(data)))
		if err := os.WriteFile(filepath.Join(infra, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runTofu(ctx, t, tofu, infra, "init", "-input=false", "-no-color")
	runTofu(ctx, t, tofu, infra, "apply", "-input=false", "-no-color", "-auto-approve")
	ns, err := c.Client().CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	profile = filepath.Join(dir, "kubehop.yaml")
	writeFile(t, profile, `apiVersion: kubehop.dev/v1alpha1
kind: Profile
cluster: {name: tf-e2e, uid: `+string(ns.UID)+`}
provider: terraform
terraform:
  dir: infra
  binary: `+tofu+`
  kubectl: 1.36.3
  # terraform_data's version attribute stands in for aws_eks_cluster's and
  # aws_eks_node_group's, kubectl_version for the bastion's kubectl; its
  # output copies its input.
  allow: [terraform_data.version, terraform_data.kubectl_version, terraform_data.output]
  ignoreChanges:
    - resource: terraform_data.node_group
      attributes: [input]
target: "1.36"
pools: []
`)
	return c, profile, infra, tofu
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runTofu(ctx context.Context, t *testing.T, tofu, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, tofu, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TF_IN_AUTOMATION=1", "TF_CLI_CONFIG_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tofu %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// stateVersions reads the versions the Terraform state holds.
func stateVersions(ctx context.Context, t *testing.T, tofu, dir string) map[string]string {
	t.Helper()
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string `json:"address"`
					Values  struct {
						Input map[string]any `json:"input"`
					} `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(runTofu(ctx, t, tofu, dir, "show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range state.Values.RootModule.Resources {
		for _, k := range []string{"version", "kubectl_version", "desired_size"} {
			if v, ok := r.Values.Input[k]; ok {
				out[r.Address+"."+k] = strings.Trim(strings.TrimSpace(jsonString(v)), `"`)
			}
		}
	}
	return out
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTerraformRunBumpsPlansGuardsApplies: a provider: terraform profile
// runs the runbook: ignore_changes added, the control plane bumped,
// planned, guarded and applied, ignore_changes removed, the node groups
// bumped, planned, guarded and applied, then the cluster verified. The
// state holds the new versions, the configuration differs from before only
// in its version literals, and every edit was journalled before it was
// made.
func TestTerraformRunBumpsPlansGuardsApplies(t *testing.T) {
	t.Parallel()
	c, profile, infra, tofu := terraformCluster(t)
	ctx := testContext(t, 5*time.Minute)
	before := map[string][]byte{}
	for _, f := range []string{"constants.tf", "main.tf"} {
		before[f], _ = os.ReadFile(filepath.Join(infra, f))
	}

	code, out, errOut := kubehop(ctx, "plan", "--kubeconfig", c.Kubeconfig(), "--profile", profile)
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"1.35→1.36", "hop1/control-plane/bump", "Guard the plan", "ignore_changes [input]", "hop1/nodes/apply"} {
		if !strings.Contains(out+errOut, want) {
			t.Errorf("plan lacks %q:\n%s%s", want, out, errOut)
		}
	}

	code, out, errOut = kubehop(ctx, "apply", "--kubeconfig", c.Kubeconfig(), "--profile", profile, "--yes")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	got := stateVersions(ctx, t, tofu, infra)
	for _, addr := range []string{`terraform_data.cluster.version`, `terraform_data.node_group["VANTIQ"].version`, `terraform_data.node_group["MongoDB"].version`} {
		if got[addr] != "1.36" {
			t.Errorf("state %s = %q, want 1.36 (state: %v)", addr, got[addr], got)
		}
	}
	if got["terraform_data.bastion.kubectl_version"] != "1.36.3" {
		t.Errorf("bastion kubectl %q, want 1.36.3", got["terraform_data.bastion.kubectl_version"])
	}

	// Only the version literals changed; ignore_changes came and went.
	after, _ := os.ReadFile(filepath.Join(infra, "main.tf"))
	if string(after) != string(before["main.tf"]) {
		t.Errorf("main.tf is not as it was after ignore_changes was removed:\n%s", after)
	}
	constants, _ := os.ReadFile(filepath.Join(infra, "constants.tf"))
	wantConstants := strings.NewReplacer(`"1.35"`, `"1.36"`, `"1.35.2"`, `"1.36.3"`).Replace(string(before["constants.tf"]))
	if string(constants) != wantConstants {
		t.Errorf("constants.tf changed beyond its versions:\n%s", constants)
	}

	// The journal has each file's content before every edit, and the
	// intent of each apply before it ran.
	entries, err := journal.ReadFile(filepath.Join(filepath.Dir(profile), ".kubehop", "tf-e2e.journal"))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range entries {
		if e.Type == journal.Intent || e.Type == journal.Done {
			order = append(order, e.Type+" "+e.Step)
		}
	}
	for _, pair := range [][2]string{
		{"intent hop1/ignore-changes/add/terraform_data.node_group", "done hop1/ignore-changes/add/terraform_data.node_group"},
		{"intent hop1/control-plane/bump", "done hop1/control-plane/bump"},
		{"done hop1/control-plane/guard", "intent hop1/control-plane/apply"},
		{"intent hop1/control-plane/apply", "done hop1/control-plane/apply"},
		{"done hop1/control-plane/apply", "intent hop1/ignore-changes/remove/terraform_data.node_group"},
		{"done hop1/nodes/guard", "intent hop1/nodes/apply"},
		{"done hop1/nodes/apply", "done verify"},
	} {
		i, j := indexOf(order, pair[0]), indexOf(order, pair[1])
		if i < 0 || j < 0 || i > j {
			t.Errorf("journal order: want %q before %q in\n%s", pair[0], pair[1], strings.Join(order, "\n"))
		}
	}
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// TestTerraformGuardStopsDrift: the bastion's instance type was changed
// outside Terraform (the state says t3.small, the configuration t2.micro).
// The guard stops the run
// before anything is applied, naming the resource and the attribute; the
// state keeps its versions; exit code 4.
func TestTerraformGuardStopsDrift(t *testing.T) {
	t.Parallel()
	c, profile, infra, tofu := terraformCluster(t)
	ctx := testContext(t, 5*time.Minute)
	// Drift: the bastion was resized by hand.
	statePath := filepath.Join(infra, "terraform.tfstate")
	var state map[string]any
	data, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &state); err != nil {
		t.Fatal(err)
	}
	state["serial"] = state["serial"].(float64) + 1
	for _, r := range state["resources"].([]any) {
		res := r.(map[string]any)
		if res["type"] != "terraform_data" || res["name"] != "bastion" {
			continue
		}
		for _, inst := range res["instances"].([]any) {
			inst.(map[string]any)["attributes"].(map[string]any)["input"].(map[string]any)["value"].(map[string]any)["instance_type"] = "t3.small"
		}
	}
	data, _ = json.MarshalIndent(state, "", "  ")
	writeFile(t, statePath, string(data))

	code, out, errOut := kubehop(ctx, "apply", "--kubeconfig", c.Kubeconfig(), "--profile", profile, "--yes")
	if code != exitcode.Blockers {
		t.Fatalf("apply with drift: exit %d, want %d\n%s%s", code, exitcode.Blockers, out, errOut)
	}
	for _, want := range []string{"terraform_data.bastion", "input.instance_type", "nothing was applied"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("apply's error lacks %q:\n%s", want, errOut)
		}
	}
	got := stateVersions(ctx, t, tofu, infra)
	if got["terraform_data.cluster.version"] != "1.35" || got[`terraform_data.node_group["MongoDB"].version`] != "1.35" {
		t.Errorf("the state changed: %v", got)
	}
	entries, err := journal.ReadFile(filepath.Join(filepath.Dir(profile), ".kubehop", "tf-e2e.journal"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Step, "/apply") {
			t.Errorf("the journal holds an apply: %+v", e)
		}
	}
}
