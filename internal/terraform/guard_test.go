package terraform

import (
	"encoding/json"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

func loadPlan(t *testing.T, path string) *tfjson.Plan {
	t.Helper()
	var p tfjson.Plan
	if err := json.Unmarshal(readFile(t, path), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestGuardAcceptsTheRunbooksAKSUpgradePlan(t *testing.T) {
	plan := loadPlan(t, "testdata/plan/aks-upgrade.json")
	r := CheckPlan(plan, DefaultAllowed())
	if !r.OK() {
		t.Fatalf("violations: %v", r.Violations)
	}
	var got []string
	for _, c := range r.Allowed {
		got = append(got, c.String())
	}
	want := []string{
		`module.aks.azurerm_kubernetes_cluster.aks-vantiq: default_node_pool.0.orchestrator_version "1.20.9" → "1.21.2"`,
		`module.aks.azurerm_kubernetes_cluster.aks-vantiq: kubernetes_version "1.20.9" → "1.21.2"`,
		`module.aks.azurerm_kubernetes_cluster_node_pool.mongodbnp[0]: orchestrator_version "1.20.9" → "1.21.2"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("allowed changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Without orchestrator_version among the allowed, the node pools'
	// changes are violations.
	violations := Guard(plan, Allowed{Attributes: []string{"kubernetes_version"}})
	if len(violations) != 2 || violations[0].Attribute != "default_node_pool.0.orchestrator_version" {
		t.Errorf("violations: %v", violations)
	}
}

// nodeGroup is an EKS managed node group's attributes.
func nodeGroup(version, release string, desired float64) map[string]any {
	return map[string]any{
		"cluster_name": "vantiq-prod", "node_group_name": "VANTIQ-nodegroup", "version": version,
		"release_version": release, "instance_types": []any{"c5.xlarge"}, "disk_size": float64(40),
		"labels":         map[string]any{"vantiq.com/workload-preference": "compute"},
		"scaling_config": []any{map[string]any{"desired_size": desired, "max_size": float64(6), "min_size": float64(0)}},
		"tags":           map[string]any{},
	}
}

func planOf(changes ...*tfjson.ResourceChange) *tfjson.Plan {
	return &tfjson.Plan{FormatVersion: "1.2", ResourceChanges: changes}
}

func updateChange(addr, typ string, before, after any, unknown any) *tfjson.ResourceChange {
	return &tfjson.ResourceChange{Address: addr, Mode: tfjson.ManagedResourceMode, Type: typ,
		Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionUpdate}, Before: before, After: after, AfterUnknown: unknown}}
}

const ngAddr = `module.eks.aws_eks_node_group.vantiq-nodegroup["VANTIQ"]`

func TestGuardNodeGroupVersion(t *testing.T) {
	// The node group moves to 1.24 and its AMI release is not known until
	// apply: release_version is a violation unless allowed.
	plan := planOf(updateChange(ngAddr, "aws_eks_node_group",
		nodeGroup("1.23", "1.23.17-20230607", 3), nodeGroup("1.24", "", 3), map[string]any{"release_version": true}))
	violations := Guard(plan, DefaultAllowed())
	want := ngAddr + `: update release_version "1.23.17-20230607" → (known after apply) (not an allowed version attribute)`
	if len(violations) != 1 || violations[0].String() != want {
		t.Fatalf("violations %v, want %s", violations, want)
	}
	if v := Guard(plan, DefaultAllowed().With("release_version")); len(v) != 0 {
		t.Errorf("with release_version allowed: %v", v)
	}
	// version is allowed on node groups only, not on, say, a Helm release.
	helm := planOf(updateChange("helm_release.argocd", "helm_release",
		map[string]any{"version": "5.1.0"}, map[string]any{"version": "6.0.0"}, map[string]any{}))
	if v := Guard(helm, DefaultAllowed()); len(v) != 1 || v[0].Attribute != "version" {
		t.Errorf("helm_release version: %v", v)
	}
}

func TestGuardRejects(t *testing.T) {
	cluster := func(version string, tags map[string]any) map[string]any {
		return map[string]any{"name": "vantiq-prod", "version": version, "tags": tags,
			"vpc_config": []any{map[string]any{"endpoint_public_access": true, "subnet_ids": []any{"subnet-1", "subnet-2"}}}}
	}
	prodTags := map[string]any{"env": "prod"}
	for _, tc := range []struct {
		name string
		plan *tfjson.Plan
		want []string
	}{
		{"a replacement", planOf(&tfjson.ResourceChange{
			Address: ngAddr, Mode: tfjson.ManagedResourceMode, Type: "aws_eks_node_group", ActionReason: tfjson.ActionReasonReplaceBecauseCannotUpdate,
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionDelete, tfjson.ActionCreate},
				Before: nodeGroup("1.23", "r1", 3), After: map[string]any{"instance_types": []any{"c5.2xlarge"}},
				ReplacePaths: []any{[]any{"instance_types"}}}}),
			[]string{ngAddr + ": replace instance_types (the resource would be destroyed, then created again: replace_because_cannot_update)"}},
		{"a create-before-destroy replacement", planOf(&tfjson.ResourceChange{
			Address: "aws_launch_template.containerd", Mode: tfjson.ManagedResourceMode, Type: "aws_launch_template",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionCreate, tfjson.ActionDelete},
				Before: map[string]any{"image_id": "ami-1"}, After: map[string]any{"image_id": "ami-2"},
				ReplacePaths: []any{[]any{"image_id"}}}}),
			[]string{`aws_launch_template.containerd: replace image_id "ami-1" → "ami-2" (the resource would be created before the old one is destroyed)`}},
		{"a destroy", planOf(&tfjson.ResourceChange{
			Address: "module.eks.aws_eks_addon.ebs_csi", Mode: tfjson.ManagedResourceMode, Type: "aws_eks_addon", ActionReason: tfjson.ActionReasonDeleteBecauseNoResourceConfig,
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionDelete}, Before: map[string]any{"addon_name": "aws-ebs-csi-driver"}}}),
			[]string{"module.eks.aws_eks_addon.ebs_csi: delete (the resource would be destroyed: delete_because_no_resource_config)"}},
		{"a create", planOf(&tfjson.ResourceChange{
			Address: `module.eks.aws_eks_node_group.vantiq-nodegroup["temp"]`, Mode: tfjson.ManagedResourceMode, Type: "aws_eks_node_group",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionCreate}, After: nodeGroup("1.24", "r2", 3)}}),
			[]string{`module.eks.aws_eks_node_group.vantiq-nodegroup["temp"]: create (a new resource would be created)`}},
		{"an unexpected attribute change beside the version", planOf(updateChange("module.eks.aws_eks_cluster.vantiq-eks", "aws_eks_cluster",
			cluster("1.23", prodTags), cluster("1.24", map[string]any{"env": "staging"}), map[string]any{})),
			[]string{`module.eks.aws_eks_cluster.vantiq-eks: update tags.env "prod" → "staging" (not an allowed version attribute)`}},
		{"a change deep in a nested block", planOf(updateChange("module.eks.aws_eks_cluster.vantiq-eks", "aws_eks_cluster",
			cluster("1.23", prodTags), map[string]any{"name": "vantiq-prod", "version": "1.24", "tags": prodTags,
				"vpc_config": []any{map[string]any{"endpoint_public_access": false, "subnet_ids": []any{"subnet-1", "subnet-3"}}}}, map[string]any{})),
			[]string{
				`module.eks.aws_eks_cluster.vantiq-eks: update vpc_config.0.endpoint_public_access true → false (not an allowed version attribute)`,
				`module.eks.aws_eks_cluster.vantiq-eks: update vpc_config.0.subnet_ids.1 "subnet-2" → "subnet-3" (not an allowed version attribute)`,
			}},
		{"drift outside Terraform", &tfjson.Plan{FormatVersion: "1.2",
			ResourceDrift: []*tfjson.ResourceChange{updateChange(ngAddr, "aws_eks_node_group", nodeGroup("1.23", "r1", 3), nodeGroup("1.23", "r1", 5), nil)}},
			[]string{ngAddr + ": drift scaling_config.0.desired_size 3 → 5 (changed outside Terraform; make the configuration match or revert the change first)"}},
		{"a sensitive attribute", planOf(&tfjson.ResourceChange{
			Address: "module.aks.azurerm_kubernetes_cluster.aks-vantiq", Mode: tfjson.ManagedResourceMode, Type: "azurerm_kubernetes_cluster",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionUpdate},
				Before:          map[string]any{"kubernetes_version": "1.20.9", "service_principal": []any{map[string]any{"client_id": "abc", "client_secret": "hunter2"}}},
				After:           map[string]any{"kubernetes_version": "1.21.2", "service_principal": []any{map[string]any{"client_id": "abc", "client_secret": "swordfish"}}},
				BeforeSensitive: map[string]any{"service_principal": []any{map[string]any{"client_secret": true}}},
				AfterSensitive:  map[string]any{"service_principal": true}}}),
			[]string{"module.aks.azurerm_kubernetes_cluster.aks-vantiq: update service_principal.0.client_secret (sensitive value) → (sensitive value) (not an allowed version attribute)"}},
		{"a partial plan", &tfjson.Plan{FormatVersion: "1.2", Complete: new(bool)},
			[]string{"plan: incomplete (the plan is partial (made with -target, or with deferred changes); guard a full plan)"}},
		{"a removed output", &tfjson.Plan{FormatVersion: "1.2", OutputChanges: map[string]*tfjson.Change{
			"cluster_endpoint": {Actions: tfjson.Actions{tfjson.ActionDelete}, Before: "https://x"},
			"cluster_version":  {Actions: tfjson.Actions{tfjson.ActionUpdate}, Before: "1.23", After: "1.24"},
		}}, []string{"output.cluster_endpoint: output (the output would be removed; configurations that read it through remote state would break)"}},
		{"a moved resource", planOf(&tfjson.ResourceChange{
			Address: "module.eks.aws_eks_cluster.this", PreviousAddress: "module.eks.aws_eks_cluster.vantiq-eks", Mode: tfjson.ManagedResourceMode, Type: "aws_eks_cluster",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionNoop}, Before: cluster("1.23", prodTags), After: cluster("1.23", prodTags)}}),
			[]string{"module.eks.aws_eks_cluster.this: move (moved from module.eks.aws_eks_cluster.vantiq-eks; apply refactorings separately from the upgrade)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, v := range Guard(tc.plan, DefaultAllowed()) {
				got = append(got, v.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			for _, s := range got {
				if strings.Contains(s, "hunter2") || strings.Contains(s, "swordfish") {
					t.Errorf("a sensitive value shows: %s", s)
				}
			}
		})
	}
}

func TestGuardAcceptsNoOpsAndDataReads(t *testing.T) {
	plan := planOf(
		&tfjson.ResourceChange{Address: "data.aws_ssm_parameter.ami", Mode: tfjson.DataResourceMode, Type: "aws_ssm_parameter",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionRead}, After: map[string]any{"name": "/aws/service/eks/optimized-ami/1.24"}, AfterUnknown: map[string]any{"value": true}}},
		&tfjson.ResourceChange{Address: "aws_iam_role.worker", Mode: tfjson.ManagedResourceMode, Type: "aws_iam_role",
			Change: &tfjson.Change{Actions: tfjson.Actions{tfjson.ActionNoop}, Before: map[string]any{"name": "w"}, After: map[string]any{"name": "w"}}},
		updateChange("module.eks.aws_eks_cluster.vantiq-eks", "aws_eks_cluster", map[string]any{"version": "1.23"}, map[string]any{"version": "1.24"}, map[string]any{}),
	)
	r := CheckPlan(plan, DefaultAllowed())
	if !r.OK() || len(r.Allowed) != 1 {
		t.Errorf("violations %v, allowed %v", r.Violations, r.Allowed)
	}
}
