package execute

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubehop/kubehop/internal/drain"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/terraform"
)

// DryRun walks the plan without changing anything: every first change a
// step would make is sent with server-side dry-run (scaling, cordoning,
// each eviction with its disruption budget), and what the API server says
// is reported, one line each. Steps the provider carries out (control
// plane, new nodes) are described.
func DryRun(ctx context.Context, env *Env, p *plan.Plan) ([]string, error) {
	var out []string
	say := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	dry := metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}}
	relaxed := map[string]bool{}
	for _, st := range p.Steps {
		switch st.Kind {
		case plan.KindScaleDown:
			n, err := env.getScale(ctx, st.Object)
			if err != nil {
				return out, err
			}
			kind, ns, name := cutObject(st.Object)
			patch := []byte(`{"spec":{"replicas":0}}`)
			var perr error
			if kind == "Deployment" {
				_, perr = env.Client.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch, dry, "scale")
			} else {
				_, perr = env.Client.AppsV1().StatefulSets(ns).Patch(ctx, name, types.MergePatchType, patch, dry, "scale")
			}
			if perr != nil {
				say("%s: scaling %s from %d to 0 would fail: %v", st.ID, st.Object, n, perr)
				continue
			}
			relaxed[ns+"/"+name] = true
			say("%s: would scale %s from %d to 0 (accepted by the API server)", st.ID, st.Object, n)
		case plan.KindControlPlane:
			say("%s: would ask provider %s to upgrade the control plane to %s", st.ID, env.providerName(), st.Version)
		case plan.KindPoolManaged:
			say("%s: would ask provider %s to upgrade pool %s to %s and wait on its operation", st.ID, env.providerName(), st.Pool, st.Version)
		case plan.KindPoolSurge, plan.KindPoolInPlace, plan.KindPoolBlueGreen:
			nodes, err := env.poolNodes(ctx, st.Pool)
			if err != nil {
				return out, err
			}
			say("%s: %s", st.ID, st.Title)
			for _, n := range nodes {
				if _, err := env.Client.CoreV1().Nodes().Patch(ctx, n.Name, types.StrategicMergePatchType, []byte(`{"spec":{"unschedulable":true}}`), dry); err != nil {
					say("  node %s: cordon would fail: %v", n.Name, err)
					continue
				}
				opts := env.Drain
				opts.DryRun = true
				r, err := drain.Pass(ctx, env.Client, n.Name, opts)
				if err != nil {
					return out, err
				}
				line := fmt.Sprintf("  node %s: cordon accepted; %d pod(s) would be evicted now", n.Name, len(r.Evicted))
				var notes []string
				for _, b := range r.Blocked {
					if isRelaxed(relaxed, b) {
						notes = append(notes, fmt.Sprintf("%s blocked now, freed by the relax step", b))
						continue
					}
					notes = append(notes, fmt.Sprintf("%s blocked now (%s); the drain waits for the budget", b, b.Reason))
				}
				for _, rf := range r.Refused {
					notes = append(notes, fmt.Sprintf("%s refused: %s", rf, rf.Reason))
				}
				if len(notes) > 0 {
					line += "; " + strings.Join(notes, "; ")
				}
				say("%s", line)
			}
		case plan.KindScaleRestore:
			say("%s: would scale %s back to its recorded replicas", st.ID, st.Object)
		case plan.KindVerify:
			say("%s: would wait until every node is Ready at %s and every workload fully available", st.ID, st.Version)
		case plan.KindTFBump, plan.KindTFIgnore:
			say("%s: would %s", st.ID, lowerFirst(st.Title))
			if st.Kind == plan.KindTFBump && env.Terraform != nil && env.Terraform.Runner != nil {
				to := terraform.Versions{Kubectl: st.Terraform.Kubectl}
				if st.Terraform.Role == plan.RoleControlPlane {
					to.ControlPlane = st.Version
				} else {
					to.Nodes = st.Version
				}
				// Later hops' bumps build on earlier ones, so only the
				// first of each role is shown against today's files.
				if res, err := terraform.BumpDir(env.Terraform.Runner.Dir, to, true); err == nil {
					for _, e := range res.Edits {
						say("  %s", e)
					}
				} else {
					say("  the bump would fail: %v", err)
				}
			}
		case plan.KindTFPlan, plan.KindTFGuard, plan.KindTFApply,
			plan.KindTempPoolCreate, plan.KindPoolRetire, plan.KindPoolReturn, plan.KindTempPoolRemove:
			say("%s: would %s", st.ID, lowerFirst(st.Title))
		}
	}
	return out, nil
}

// isRelaxed reports whether a blocked pod belongs to a workload the plan
// scales to 0 first: its name starts with the workload's.
func isRelaxed(relaxed map[string]bool, p drain.PodRef) bool {
	for w := range relaxed {
		ns, name, _ := strings.Cut(w, "/")
		if ns == p.Namespace && strings.HasPrefix(p.Name, name+"-") {
			return true
		}
	}
	return false
}

func (env *Env) providerName() string {
	switch {
	case env.Cloud != nil:
		return env.Cloud.Name()
	case env.Provider != nil:
		return env.Provider.Name()
	}
	return "none"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
