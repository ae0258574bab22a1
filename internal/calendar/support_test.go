package calendar

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/inventory"
)

func TestDefaultSupportKnowsRecentMinors(t *testing.T) {
	s := DefaultSupport()
	for _, provider := range []string{"eks", "aks", "gke", Upstream} {
		tab := s.Providers[provider]
		if tab == nil || tab.Name == "" || tab.What == "" || !strings.HasPrefix(tab.Source, "https://") {
			t.Fatalf("%s: incomplete table %+v", provider, tab)
		}
		prev := time.Time{}
		for _, m := range []string{"1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"} {
			_, end, ok := s.Lookup(provider, m)
			if !ok {
				t.Errorf("%s has no date for %s", provider, m)
				continue
			}
			// Minors end in order, 2024 onwards, at most 2 years apart.
			if !end.Date.After(prev) || end.Date.Year() < 2024 || (!prev.IsZero() && end.Date.Sub(prev) > 2*365*day) {
				t.Errorf("%s %s ends %s, after %s", provider, m, end.Date.Format(time.DateOnly), prev.Format(time.DateOnly))
			}
			prev = end.Date
		}
	}
	for _, tc := range []struct {
		provider, minor, date string
		approximate           bool
	}{
		{"eks", "1.33", "2026-07-29", false},
		{"eks", "1.29", "2025-03-23", false},
		{"aks", "1.33", "2026-07-31", true}, // "Jul 2026": the month's last day
		{"aks", "1.32", "2026-03-31", true},
		{"aks", "1.30", "2025-08-22", false}, // AKS gave a day
		{"gke", "1.33", "2026-08-03", false},
		{Upstream, "1.33", "2026-06-28", false},
		{Upstream, "1.31", "2025-11-11", false},
	} {
		_, end, ok := s.Lookup(tc.provider, tc.minor)
		if !ok || end.Date.Format(time.DateOnly) != tc.date || end.Approximate != tc.approximate {
			t.Errorf("%s %s: %v %+v, want %s approximate=%v", tc.provider, tc.minor, ok, end, tc.date, tc.approximate)
		}
	}
	if tab, _, ok := s.Lookup("eks", "1.99"); ok || tab == nil {
		t.Error("an unlisted minor is not known, but its provider's table is")
	}
	if tab, _, ok := s.Lookup("openshift", "1.33"); ok || tab != nil {
		t.Error("no table for an unknown provider")
	}
	if got := s.Known("eks"); got[0] != "1.24" || !strings.HasPrefix(got[len(got)-1], "1.3") {
		t.Errorf("known EKS minors, oldest first: %v", got)
	}
}

func TestParseSupportErrors(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"unknown field": {"providers:\n  eks:\n    minorz: {}\n", "field minorz not found"},
		"bad minor":     {"providers:\n  eks:\n    minors: {\"2.1\": \"2026-01-01\"}\n", `"2.1" is not a minor`},
		"bad date":      {"providers:\n  eks:\n    minors: {\"1.33\": \"July 2026\"}\n", "providers.eks.minors.1.33"},
		"no providers":  {"providers: {}\n", "no providers"},
		"empty":         {"providers:\n  eks:\n", "providers.eks is empty"},
	} {
		_, err := ParseSupport("s.yaml", []byte(tc.data))
		if !errors.Is(err, ErrBadSupport) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s.yaml") {
			t.Errorf("%s: %v, want ErrBadSupport naming s.yaml and %q", name, err, tc.want)
		}
	}
	path := filepath.Join(t.TempDir(), "support.yaml")
	if err := os.WriteFile(path, []byte("providers:\n  eks:\n    minors: {\"1.99\": \"2031-01\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSupport(path)
	if err != nil {
		t.Fatal(err)
	}
	if tab, end, ok := s.Lookup("eks", "1.99"); !ok || tab.Name != "eks" || end.Date.Format(time.DateOnly) != "2031-01-31" {
		t.Errorf("loaded %+v %+v", tab, end)
	}
}

func TestMinor(t *testing.T) {
	for in, want := range map[string]string{
		"v1.33.5-eks-3025e55": "1.33",
		"1.33":                "1.33",
		"v1.35.0+k3s1":        "1.35",
		"v1.31.2-gke.1000":    "1.31",
		"1.9":                 "1.9",
		"2.0":                 "",
		"1.x":                 "",
		"1.33x":               "",
		"":                    "",
	} {
		got, ok := Minor(in)
		if got != want || ok != (want != "") {
			t.Errorf("Minor(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestSupportProvider(t *testing.T) {
	eksNodes := &inventory.Snapshot{Nodes: []inventory.Node{{Labels: map[string]string{"eks.amazonaws.com/nodegroup": "ng"}}}}
	for _, tc := range []struct {
		provider string
		snap     *inventory.Snapshot
		want     string
	}{
		{"eks", nil, "eks"}, {"aks", nil, "aks"}, {"gke", nil, "gke"},
		{"local", nil, Upstream}, {"kubeadm", nil, Upstream}, {"anthos-bm", nil, Upstream},
		{"terraform", eksNodes, "eks"}, {"terraform", &inventory.Snapshot{}, ""}, {"terraform", nil, ""},
	} {
		if got := SupportProvider(tc.provider, tc.snap); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.provider, got, tc.want)
		}
	}
}
