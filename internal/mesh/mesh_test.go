package mesh

import (
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

func state() *State {
	return &State{
		Namespace: "istio-system", Revisions: map[string]string{"1-20-3": "1.20.3"}, Default: "1-20-3",
		DefaultWebhooks: []string{"rev.namespace.sidecar-injector.istio.io"},
		Namespaces:      map[string]string{"shop": "1-20-3", "pay": "1-20-3", "other": "1-19-0"},
		Gateways:        []string{"Deployment istio-system/istio-ingressgateway"},
		Workloads:       map[string][]string{"shop": {"Deployment shop/cart"}, "pay": {"Deployment pay/api"}, "other": {"Deployment other/x"}},
		Objects: map[string][]Object{"1-20-3": {
			{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "istio-system", Name: "istiod-1-20-3"},
			{APIVersion: "install.istio.io/v1alpha1", Kind: "IstioOperator", Namespace: "istio-system", Name: "installed-state-1-20-3"},
		}},
	}
}

func ids(pl *plan.Plan) []string {
	var out []string
	for _, st := range pl.Steps {
		out = append(out, st.ID)
	}
	return out
}

func index(pl *plan.Plan, id string) int {
	for i, st := range pl.Steps {
		if st.ID == id {
			return i
		}
	}
	return -1
}

// TestUpgradeInstallsAMissingRevision: a revision not running is
// installed with the profile's pinned installer first; without one the
// plan is refused.
func TestUpgradeInstallsAMissingRevision(t *testing.T) {
	p := &profile.Profile{Mesh: &profile.Mesh{Install: []string{"istioctl", "install", "-y"}, ApproveCleanup: true}}
	pl, err := Upgrade(p, state(), "1-21-0")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(ids(pl), " ")
	want := "install istiod-ready label/pay label/shop restart/Deployment istio-system/istio-ingressgateway restart/Deployment pay/api restart/Deployment shop/cart check-proxies " +
		"tag service approve-cleanup delete/Deployment/istiod-1-20-3 delete/IstioOperator/installed-state-1-20-3"
	if got != want {
		t.Errorf("steps:\n%s\nwant:\n%s", got, want)
	}
	if st := pl.Steps[0]; st.Kind != plan.KindExec || st.Action.Env[0] != "KUBEHOP_REVISION=1-21-0" {
		t.Errorf("install step %+v", st)
	}
	if st := pl.Steps[index(pl, "restart/Deployment pay/api")]; !strings.Contains(strings.Join(st.After, " "), "restart/Deployment istio-system/istio-ingressgateway") {
		t.Errorf("workloads restart before the gateways: %v", st.After)
	}
	p.Mesh.Install = nil
	if _, err := Upgrade(p, state(), "1-21-0"); err == nil || !strings.Contains(err.Error(), "not running in istio-system") {
		t.Errorf("no installer: %v", err)
	}
}

// TestRollbackMovesTheTagBeforeRestarting: namespaces back on
// istio-injection=enabled inject through the default tag, so it moves
// back before their pods restart.
func TestRollbackMovesTheTagBeforeRestarting(t *testing.T) {
	s := state()
	s.Revisions["1-21-0"] = "1.21.0"
	enabled := "enabled"
	pl, err := Rollback(&profile.Profile{Mesh: &profile.Mesh{}}, s, "1-20-3", map[string]map[string]*string{
		"shop": {"istio.io/rev": nil, "istio-injection": &enabled},
	})
	if err != nil {
		t.Fatal(err)
	}
	if index(pl, "tag") > index(pl, "restart/Deployment shop/cart") || index(pl, "service") > index(pl, "restart/Deployment shop/cart") {
		t.Errorf("rollback order: %v", ids(pl))
	}
	if st := pl.Steps[index(pl, "label/shop")]; st.Action.Labels["istio.io/rev"] != "" || st.Action.Labels["istio-injection"] != "enabled" {
		t.Errorf("shop labelled back with %v", st.Action.Labels)
	}
	delete(s.Revisions, "1-20-3")
	if _, err := Rollback(&profile.Profile{Mesh: &profile.Mesh{}}, s, "1-20-3", nil); err == nil || !strings.Contains(err.Error(), "not running any more") {
		t.Errorf("rollback to a deleted revision: %v", err)
	}
}
