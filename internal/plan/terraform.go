package plan

import (
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
	"github.com/kubehop/kubehop/internal/terraform"
)

// Terraform step kinds: a provider: terraform run changes the cluster's
// Terraform configuration and applies it, the runbook's edit constants.tf,
// terraform plan, read the plan, terraform apply.
const (
	// KindTFBump edits the version attributes of one role in place.
	KindTFBump = "terraform-bump"
	// KindTFPlan runs terraform plan into a plan file and its JSON.
	KindTFPlan = "terraform-plan"
	// KindTFGuard fails unless the plan changes only version attributes.
	KindTFGuard = "terraform-guard"
	// KindTFApply applies the guarded plan file.
	KindTFApply = "terraform-apply"
	// KindTFIgnore adds or removes a resource's temporary
	// lifecycle ignore_changes entries.
	KindTFIgnore = "terraform-ignore-changes"
)

// TerraformStep is what a Terraform step works on.
type TerraformStep struct {
	// Role is control-plane or nodes: which version attributes a bump
	// edits, and which phase a plan, guard or apply belongs to.
	Role string `json:"role,omitempty"`
	// Kubectl, on a control-plane bump, is the operator machines' kubectl
	// version to set too.
	Kubectl string `json:"kubectl,omitempty"`
	// Resource and Attributes, with Present, are an ignore_changes edit:
	// Present adds the attributes, !Present removes them.
	Resource   string   `json:"resource,omitempty"`
	Attributes []string `json:"attributes,omitempty"`
	Present    bool     `json:"present,omitempty"`
}

// Terraform roles.
const (
	RoleControlPlane = "control-plane"
	RoleNodes        = "nodes"
)

var terraformEstimate = map[string]time.Duration{KindTFBump: 0, KindTFPlan: time.Minute, KindTFGuard: 0, KindTFApply: 20 * time.Minute, KindTFIgnore: 0}

// buildTerraform plans a provider: terraform run. The hops start from the
// control plane version the configuration pins (Terraform is the source
// of truth; the cluster follows each apply): per hop, the control plane's
// bump, plan, guard and apply, then the nodes'. The profile's temporary
// ignore_changes are added before the control plane moves and removed
// before the nodes do, as the EKS runbook does.
func buildTerraform(p *profile.Profile, s *inventory.Snapshot) (*Plan, error) {
	dir := p.Path(p.Terraform.Dir)
	pinned, err := terraform.CurrentVersions(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: terraform.dir %s: %w", p.File(), dir, err)
	}
	if pinned.ControlPlane == "" {
		return nil, fmt.Errorf("%s: terraform.dir %s: no cluster_version or cluster kubernetes_version attribute found to start from", p.File(), dir)
	}
	current, err := version.ParseGeneric(pinned.ControlPlane)
	if err != nil {
		return nil, fmt.Errorf("%s: terraform.dir %s: the control plane version %q: %w", p.File(), dir, pinned.ControlPlane, err)
	}
	target, err := check.DefaultPolicy().ParseMinor(p.Target)
	if err != nil {
		return nil, err
	}
	hops, err := check.PlanHops(current, target)
	if err != nil {
		return nil, err
	}
	pl := &Plan{APIVersion: APIVersion, Cluster: p.Cluster, Provider: p.Provider, From: pinned.ControlPlane, Target: p.Target}
	var prev []string
	add := func(st Step) {
		st.After = slices.Clone(prev)
		if d, ok := terraformEstimate[st.Kind]; ok {
			st.Estimate = Duration{d}
		}
		pl.Steps = append(pl.Steps, st)
		prev = []string{st.ID}
	}
	ignore := func(hid, hop string, present bool) {
		verb, word := "Remove", "removed"
		if present {
			verb, word = "Add", "added"
		}
		for _, ic := range p.Terraform.IgnoreChanges {
			add(Step{ID: fmt.Sprintf("%s/ignore-changes/%s/%s", hid, map[bool]string{true: "add", false: "remove"}[present], ic.Resource), Hop: hop, Phase: "terraform",
				Kind: KindTFIgnore, Terraform: &TerraformStep{Resource: ic.Resource, Attributes: ic.Attributes, Present: present},
				Title: fmt.Sprintf("%s lifecycle ignore_changes %v on %s (temporary; %s by this run)", verb, ic.Attributes, ic.Resource, word)})
		}
	}
	phase := func(hid, hop, to, role, kubectl string) {
		what := map[string]string{RoleControlPlane: "the control plane (cluster_version)", RoleNodes: "the node pools (kubernetes_version, orchestrator_version)"}[role]
		base := hid + "/" + role
		ts := func() *TerraformStep { return &TerraformStep{Role: role} }
		bump := Step{ID: base + "/bump", Hop: hop, Phase: "terraform", Kind: KindTFBump, Version: to, Terraform: ts(),
			Title: fmt.Sprintf("Set %s to %s in the Terraform configuration, in place", what, to)}
		if kubectl != "" {
			bump.Terraform.Kubectl = kubectl
			bump.Title += fmt.Sprintf(", and the operator machines' kubectl to %s", kubectl)
		}
		add(bump)
		add(Step{ID: base + "/plan", Hop: hop, Phase: "terraform", Kind: KindTFPlan, Version: to, Terraform: ts(),
			Title: fmt.Sprintf("terraform plan for %s at %s, saved to a plan file", what, to)})
		add(Step{ID: base + "/guard", Hop: hop, Phase: "terraform", Kind: KindTFGuard, Version: to, Terraform: ts(),
			Title: "Guard the plan: stop unless it changes only version attributes (no drift, create, destroy or replacement)"})
		add(Step{ID: base + "/apply", Hop: hop, Phase: "terraform", Kind: KindTFApply, Version: to, Terraform: ts(),
			Title: fmt.Sprintf("terraform apply the guarded plan: %s to %s", what, to)})
	}
	for i, h := range hops {
		hop := h.String()
		pl.Hops = append(pl.Hops, hop)
		to := fmt.Sprintf("%d.%d", h.To.Major(), h.To.Minor())
		hid := fmt.Sprintf("hop%d", i+1)
		kubectl := ""
		if i == len(hops)-1 {
			kubectl = p.Terraform.Kubectl
		}
		ignore(hid, hop, true)
		phase(hid, hop, to, RoleControlPlane, kubectl)
		ignore(hid, hop, false)
		phase(hid, hop, to, RoleNodes, "")
	}
	// The configuration may pin the control plane at the target while its
	// pools lag: they still move.
	if len(hops) == 0 && pinned.Nodes != "" {
		if nodes, err := version.ParseGeneric(pinned.Nodes); err == nil && nodes.LessThan(target) {
			phase("nodes", "", p.Target, RoleNodes, p.Terraform.Kubectl)
		}
	}
	add(Step{ID: "verify", Phase: "verify", Kind: KindVerify, Version: p.Target,
		Title: "Verify: every node Ready at the target, every workload fully available, nothing left cordoned", Estimate: Duration{verifyEstimate}})
	pl.Estimate.Duration, pl.CriticalPath = criticalPath(pl.Steps)
	return pl, nil
}
