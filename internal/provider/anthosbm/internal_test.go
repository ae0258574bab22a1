package anthosbm

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMarkerOf(t *testing.T) {
	tests := []struct {
		line string
		want int
	}{
		{"[2023-01-01 12:00:00+0000] Error: failed to upgrade cluster: timed out", failureMarker},
		{"Error upgrading cluster: node not ready", failureMarker},
		{"[2023-01-01 12:00:00+0000] FATAL: cannot reach the admin cluster", failureMarker},
		{"[2023-01-01 12:00:00+0000] failed to upgrade node pool np1", failureMarker},
		{"[2023-01-01 12:00:00+0000] Cluster upgrade failed: see the logs", failureMarker},
		{"[2023-01-01 12:00:00+0000] Upgrade cluster foo to 1.12.1 succeeded", successMarker},
		{"[2023-01-01 12:00:00+0000] Cluster foo upgraded successfully", successMarker},
		{"Successfully upgraded cluster foo", successMarker},
		{"[2023-01-01 12:00:00+0000] Waiting for upgrade to complete...", noMarker},
		{"[2023-01-01 12:00:00+0000] Upgrading cluster...", noMarker},
		{"E0102 10:00:00.000000   4242 reflector.go:140] failed to list *v1.Node: connection refused", noMarker},
		{"[2023-01-01 12:00:00+0000] \t- [PASSED] node-network", noMarker},
		{"", noMarker},
	}
	for _, tt := range tests {
		if got := markerOf(tt.line); got != tt.want {
			t.Errorf("markerOf(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestSameRelease(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1.12.1", "1.12.1-gke.44", true},
		{"v1.12.1", "1.12.1", true},
		{"1.12.1", "1.12.0", false},
		{"1.12", "1.12.0", false},
		{"", "", false},
		{"weird", "weird", true},
	}
	for _, tt := range tests {
		if got := sameRelease(tt.a, tt.b); got != tt.want {
			t.Errorf("sameRelease(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestFollowerLines(t *testing.T) {
	f := &follower{}
	var got []string
	got = append(got, f.lines([]byte("one\ntw"), false)...)
	got = append(got, f.lines([]byte("o\r\n\nthr"), false)...)
	if diff := cmp.Diff([]string{"one", "two", ""}, got); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if last := f.lines([]byte("ee"), true); !cmp.Equal([]string{"three"}, last) {
		t.Errorf("final lines = %q", last)
	}
	if !cmp.Equal([]string{"one", "two", "three"}, f.tail) {
		t.Errorf("tail = %q", f.tail)
	}
}

func TestConfigVersion(t *testing.T) {
	config := "gcrKeyPath: x\n---\napiVersion: baremetal.cluster.gke.io/v1\nkind: Cluster\nmetadata:\n  name: other\nspec:\n  anthosBareMetalVersion: 1.0.0\n---\napiVersion: baremetal.cluster.gke.io/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  anthosBareMetalVersion: 1.12.1\n"
	if v, err := configVersion([]byte(config), "c1"); err != nil || v != "1.12.1" {
		t.Errorf("configVersion = %q, %v", v, err)
	}
	if _, err := configVersion([]byte(config), "c2"); err == nil {
		t.Error("found a cluster that is not there")
	}
	if _, err := configVersion([]byte("a: [b"), "c1"); err == nil {
		t.Error("bad YAML accepted")
	}
}
