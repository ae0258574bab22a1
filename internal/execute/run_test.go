package execute

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/kubehop/kubehop/internal/plan"
)

func TestReady(t *testing.T) {
	st := plan.Step{ID: "hop1/pool/vantiq", After: []string{"hop1/pool/mongodb"}, NotWith: []string{"hop1/pool/mongodb", "hop1/pool/x"}}
	for _, tc := range []struct {
		done, running map[string]bool
		want          bool
	}{
		{map[string]bool{}, map[string]bool{}, false},
		{map[string]bool{"hop1/pool/mongodb": true}, map[string]bool{}, true},
		{map[string]bool{"hop1/pool/mongodb": true}, map[string]bool{"hop1/pool/x": true}, false},
	} {
		if got := ready(st, tc.done, tc.running); got != tc.want {
			t.Errorf("ready(done %v, running %v) = %t", tc.done, tc.running, got)
		}
	}
}

func TestTransient(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	for err, want := range map[error]bool{
		fmt.Errorf("get: %w", syscall.ECONNREFUSED):         true,
		apierrors.NewServiceUnavailable("restarting"):       true,
		apierrors.NewTooManyRequests("slow down", 1):        true,
		apierrors.NewNotFound(gr, "x"):                      false,
		apierrors.NewForbidden(gr, "x", errors.New("rbac")): false,
		errors.New("disruption budget"):                     false,
	} {
		if got := Transient(err); got != want {
			t.Errorf("Transient(%v) = %t, want %t", err, got, want)
		}
	}
}

func TestCutObject(t *testing.T) {
	for in, want := range map[string][3]string{
		"Deployment shared/telegraf-prom": {"Deployment", "shared", "telegraf-prom"},
		"node vantiq-0":                   {"node", "", "vantiq-0"},
		"pool mongodb":                    {"pool", "", "mongodb"},
	} {
		k, ns, n := cutObject(in)
		if [3]string{k, ns, n} != want {
			t.Errorf("cutObject(%q) = %q %q %q", in, k, ns, n)
		}
	}
}
