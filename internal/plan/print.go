package plan

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Outline prints the plan for review on a terminal.
func (p *Plan) Outline(w io.Writer) {
	fmt.Fprintf(w, "Plan for cluster %s (%s): %s → %s", p.Cluster.Name, p.Provider, p.From, p.Target)
	if len(p.Hops) > 0 {
		fmt.Fprintf(w, " in %d hop(s): %s", len(p.Hops), strings.Join(p.Hops, ", "))
	}
	fmt.Fprintf(w, "\nEstimated duration %s along the critical path: %s\n", p.Estimate, strings.Join(p.CriticalPath, " → "))
	phase := ""
	for i, st := range p.Steps {
		group := st.Phase
		if st.Hop != "" {
			group = "hop " + st.Hop
		}
		if group != phase {
			fmt.Fprintf(w, "\n%s\n", strings.ToUpper(group))
			phase = group
		}
		fmt.Fprintf(w, "  %2d. %-28s %s\n", i+1, st.ID, st.Title)
		if len(st.After) > 0 {
			fmt.Fprintf(w, "      after %s\n", strings.Join(st.After, ", "))
		}
		if len(st.NotWith) > 0 {
			fmt.Fprintf(w, "      never at the same time as %s\n", strings.Join(st.NotWith, ", "))
		}
	}
}

// Markdown prints the plan as a runbook a person could follow by hand.
func (p *Plan) Markdown(w io.Writer) {
	fmt.Fprintf(w, "# Upgrade runbook: %s, %s → %s\n\n", p.Cluster.Name, p.From, p.Target)
	fmt.Fprintf(w, "Provider: %s. Hops: %s. Estimated duration: %s.\n\n", p.Provider, orNone(p.Hops), p.Estimate)
	fmt.Fprintf(w, "Before anything: check that `kubectl get namespace kube-system -o jsonpath='{.metadata.uid}'` prints `%s`; otherwise this is the wrong cluster.\n", p.Cluster.UID)
	for i, st := range p.Steps {
		fmt.Fprintf(w, "\n## %d. %s\n\n", i+1, st.Title)
		if len(st.After) > 0 {
			fmt.Fprintf(w, "- Only after: %s\n", strings.Join(st.After, ", "))
		}
		if len(st.NotWith) > 0 {
			fmt.Fprintf(w, "- Never while running: %s\n", strings.Join(st.NotWith, ", "))
		}
		for _, line := range manual(st) {
			fmt.Fprintf(w, "- %s\n", line)
		}
	}
}

// manual says how a person would do a step by hand.
func manual(st Step) []string {
	ns, kind, name := splitObject(st.Object)
	switch st.Kind {
	case KindScaleDown:
		return []string{
			fmt.Sprintf("Write down the replicas: `kubectl get %s -n %s %s -o jsonpath='{.spec.replicas}'`", strings.ToLower(kind), ns, name),
			fmt.Sprintf("`kubectl scale %s -n %s %s --replicas 0`", strings.ToLower(kind), ns, name),
		}
	case KindScaleRestore:
		return []string{fmt.Sprintf("`kubectl scale %s -n %s %s --replicas <the number written down>`", strings.ToLower(kind), ns, name)}
	case KindControlPlane:
		return []string{fmt.Sprintf("Upgrade the control plane only (not the node pools) to %s with the provider's tool, and wait until `kubectl version` reports it.", st.Version)}
	case KindPoolSurge, KindPoolInPlace, KindPoolBlueGreen:
		var out []string
		for _, g := range st.WaitFor {
			out = append(out, fmt.Sprintf("Wait until `kubectl get pods -n %s -l %s` shows every pod Running and Ready.", g.Namespace, g.Selector))
		}
		for _, n := range st.Nodes {
			out = append(out, fmt.Sprintf("`kubectl cordon %s && kubectl drain %s --ignore-daemonsets --delete-emptydir-data`, then upgrade or replace it.", n, n))
		}
		if len(st.Nodes) == 0 {
			out = append(out, fmt.Sprintf("For each node of pool %s as it is then: `kubectl cordon NODE && kubectl drain NODE --ignore-daemonsets --delete-emptydir-data`, then upgrade or replace it.", st.Pool))
		}
		return out
	case KindTempPoolCreate:
		return []string{fmt.Sprintf("Create node group %s with %s's settings and launch template %s; wait until `kubectl get nodes -o wide -l eks.amazonaws.com/nodegroup=%s` shows them Ready on containerd.", st.Temp.Name, st.Temp.From, st.Temp.LaunchTemplate, st.Temp.Name)}
	case KindPoolRetire:
		return []string{
			fmt.Sprintf("Write down node group %s's min, max and desired size.", st.Pool),
			fmt.Sprintf("`kubectl drain -l eks.amazonaws.com/nodegroup=%s --ignore-daemonsets --delete-emptydir-data`", st.Pool),
			fmt.Sprintf("`aws eks update-nodegroup-config --nodegroup-name %s --scaling-config minSize=0,desiredSize=0,maxSize=<max>`", st.Pool),
		}
	case KindPoolReturn:
		return []string{fmt.Sprintf("`aws eks update-nodegroup-config --nodegroup-name %s --scaling-config <the sizes written down>`; wait for its nodes Ready.", st.Pool)}
	case KindTempPoolRemove:
		return []string{
			fmt.Sprintf("`kubectl drain -l eks.amazonaws.com/nodegroup=%s --ignore-daemonsets --delete-emptydir-data`", st.Pool),
			fmt.Sprintf("`aws eks delete-nodegroup --nodegroup-name %s`", st.Pool),
		}
	case KindTFIgnore:
		verb := "Remove"
		if st.Terraform.Present {
			verb = "Add"
		}
		return []string{fmt.Sprintf("%s %v in `lifecycle { ignore_changes = [...] }` of `resource %q`.", verb, st.Terraform.Attributes, st.Terraform.Resource)}
	case KindTFBump:
		return []string{fmt.Sprintf("Edit the version attributes of %s to %q (`kubehop tf bump --dir DIR --%s %s` does it in place).", st.Terraform.Role, st.Version, st.Terraform.Role, st.Version)}
	case KindTFPlan:
		return []string{"`terraform plan -out=upgrade.tfplan`"}
	case KindTFGuard:
		return []string{"`terraform show -json upgrade.tfplan > plan.json && kubehop tf guard plan.json`: only version attributes may change."}
	case KindTFApply:
		return []string{"`terraform apply upgrade.tfplan`"}
	case KindVerify:
		return []string{"`kubectl get nodes` shows every node Ready at the target; `kubectl get deploy,sts,ds -A` shows every workload fully available; no node is SchedulingDisabled."}
	}
	return nil
}

// splitObject splits "Deployment ns/name".
func splitObject(o string) (ns, kind, name string) {
	kind, rest, _ := strings.Cut(o, " ")
	ns, name, _ = strings.Cut(rest, "/")
	return ns, kind, name
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(slices.Clone(s), ", ")
}
