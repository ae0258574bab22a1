package aks

import (
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"
	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.23", "1.23"},
		{"v1.23", "1.23"},
		{" 1.23.12 ", "1.23.12"},
		{"1", ""},
		{"1.23.12.1", ""},
		{"1.x", ""},
		{"1.23-eks", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := normalize(tt.in)
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1.23.15", "1.23", true},
		{"1.23", "1.23.12", true},
		{"1.23.15", "1.23.15", true},
		{"1.23.15", "1.23.12", false},
		{"1.22.15", "1.23", false},
		{"", "1.23", false},
	}
	for _, tt := range tests {
		if got := matches(tt.a, tt.b); got != tt.want {
			t.Errorf("matches(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestUpgradeSettings(t *testing.T) {
	pool := &armcontainerservice.AgentPoolUpgradeSettings{MaxSurge: to.Ptr("33%"), NodeSoakDurationInMinutes: to.Ptr[int32](5)}
	tests := []struct {
		name string
		cur  *armcontainerservice.AgentPoolUpgradeSettings
		opts provider.PoolUpgrade
		want *armcontainerservice.AgentPoolUpgradeSettings
	}{
		{name: "nothing asked", cur: pool, want: pool},
		{name: "nothing asked, none set", want: nil},
		{name: "surge", cur: pool, opts: provider.PoolUpgrade{MaxSurge: 3},
			want: &armcontainerservice.AgentPoolUpgradeSettings{MaxSurge: to.Ptr("3"), NodeSoakDurationInMinutes: to.Ptr[int32](5)}},
		{name: "drain rounded up", opts: provider.PoolUpgrade{DrainTimeout: 61 * time.Second},
			want: &armcontainerservice.AgentPoolUpgradeSettings{DrainTimeoutInMinutes: to.Ptr[int32](2)}},
		{name: "both", cur: pool, opts: provider.PoolUpgrade{MaxSurge: 1, DrainTimeout: time.Hour},
			want: &armcontainerservice.AgentPoolUpgradeSettings{MaxSurge: to.Ptr("1"), DrainTimeoutInMinutes: to.Ptr[int32](60), NodeSoakDurationInMinutes: to.Ptr[int32](5)}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, upgradeSettings(tt.cur, tt.opts)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	if *pool.MaxSurge != "33%" {
		t.Errorf("upgradeSettings changed the pool's settings")
	}
}

func TestAppendGA(t *testing.T) {
	var out []string
	for _, u := range []struct {
		v       string
		preview bool
	}{{"1.25.5", true}, {"1.24.10", false}, {"1.24.9", false}, {"1.24.9", false}, {"", false}} {
		out = appendGA(out, to.Ptr(u.v), to.Ptr(u.preview))
	}
	if diff := cmp.Diff([]string{"1.24.9", "1.24.10"}, sortVersions(out)); diff != "" {
		t.Errorf("GA versions (-want +got):\n%s", diff)
	}
}

func TestOutcome(t *testing.T) {
	status, errs, err := outcome(&watchedEnd{State: "Canceled"})
	if err != nil || status != provider.OpCancelled || len(errs) != 1 || !strings.Contains(errs[0], "Canceled") {
		t.Errorf("watched cancel: %s %v %v", status, errs, err)
	}
	status, _, err = outcome(nil)
	if err != nil || status != provider.OpSuccessful {
		t.Errorf("success: %s %v", status, err)
	}
	if _, _, err = outcome(errNoProperties); err != errNoProperties {
		t.Errorf("a read error is returned as it is: %v", err)
	}
}

func TestOpLabel(t *testing.T) {
	tests := []struct{ token, want string }{
		{`{"type":"X","token":{"asyncURL":"https://management.azure.com/subscriptions/s/providers/Microsoft.ContainerService/locations/japaneast/operations/abc-123?api-version=2025-02-01"}}`, "operation abc-123"},
		{`{"type":"X","token":{"watch":"agentPool","provisioningState":"Upgrading"}}`, "followed through the agentPool's provisioning state"},
		{`opaque`, "token digest "},
		{"", "operation"},
	}
	for _, tt := range tests {
		if got := opLabel(tt.token); !strings.Contains(got, tt.want) {
			t.Errorf("opLabel(%s) = %q, want %q in it", tt.token, got, tt.want)
		}
	}
}
