package calendar

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/kubehop/kubehop/internal/inventory"
)

//go:embed data/support.yaml
var supportYAML []byte

// Upstream names the table of the Kubernetes project's own end of life,
// which applies to the clusters kubehop does not buy from a cloud: local,
// kubeadm and anthos-bm.
const Upstream = "kubernetes"

// Support is a table per provider of the day each Kubernetes minor stops
// being supported: EKS's end of standard support, AKS's end of life, GKE's
// end of standard support, upstream Kubernetes's end of life.
type Support struct {
	Providers map[string]*Table `yaml:"providers"`
}

// Table is one provider's end-of-support dates.
type Table struct {
	// Name is how the provider is called, such as "Amazon EKS".
	Name string `yaml:"name"`
	// What the date ends, such as "end of standard support".
	What string `yaml:"what"`
	// Source is where the dates come from.
	Source string `yaml:"source"`
	// Minors maps "1.33" to "2026-07-29", or to "2026-07" when the
	// provider publishes the month only.
	Minors map[string]string `yaml:"minors"`

	ends map[string]End
}

// End is when a minor's support ends.
type End struct {
	// Date is the day support ends.
	Date time.Time
	// Approximate is set when the provider gives the month only; Date is
	// then its last day.
	Approximate bool
}

// ErrBadSupport is returned for a support data file kubehop cannot use.
var ErrBadSupport = errors.New("bad support data")

var defaultSupport = mustParseSupport()

func mustParseSupport() *Support {
	s, err := ParseSupport("data/support.yaml", supportYAML)
	if err != nil {
		panic(err)
	}
	return s
}

// DefaultSupport returns the table built into kubehop.
func DefaultSupport() *Support { return defaultSupport }

// LoadSupport reads a support data file of the built-in one's format.
func LoadSupport(path string) (*Support, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read support data: %w", err)
	}
	return ParseSupport(path, data)
}

// ParseSupport decodes and checks support data; name is used in errors.
func ParseSupport(name string, data []byte) (*Support, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Support
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadSupport, name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(s.Providers) == 0 {
		return nil, fmt.Errorf("%w: %s: no providers", ErrBadSupport, name)
	}
	for p, t := range s.Providers {
		if t == nil {
			return nil, fmt.Errorf("%w: %s: providers.%s is empty", ErrBadSupport, name, p)
		}
		if t.Name == "" {
			t.Name = p
		}
		t.ends = map[string]End{}
		for minor, date := range t.Minors {
			if _, ok := parseMinor(minor); !ok {
				return nil, fmt.Errorf("%w: %s: providers.%s.minors: %q is not a minor such as \"1.33\"", ErrBadSupport, name, p, minor)
			}
			end, err := parseEnd(date)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: providers.%s.minors.%s: %v", ErrBadSupport, name, p, minor, err)
			}
			t.ends[minor] = end
		}
	}
	return &s, nil
}

// parseEnd reads "2026-07-29", or "2026-07" as the month's last day.
func parseEnd(s string) (End, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return End{Date: t}, nil
	}
	if t, err := time.Parse("2006-01", s); err == nil {
		return End{Date: t.AddDate(0, 1, -1), Approximate: true}, nil
	}
	return End{}, fmt.Errorf("%q is not a date such as 2026-07-29, or a month such as 2026-07", s)
}

// Lookup returns a provider's table and the end of support of a minor
// ("1.33"); ok is false when the table does not list the minor (the table
// is nil when there is no table for the provider at all).
func (s *Support) Lookup(provider, minor string) (t *Table, end End, ok bool) {
	t = s.Providers[provider]
	if t == nil {
		return nil, End{}, false
	}
	end, ok = t.ends[minor]
	return t, end, ok
}

// Known lists the minors a provider's table has, oldest first.
func (s *Support) Known(provider string) []string {
	t := s.Providers[provider]
	if t == nil {
		return nil
	}
	var out []string
	for m := range t.ends {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b string) int {
		x, _ := parseMinor(a)
		y, _ := parseMinor(b)
		return x - y
	})
	return out
}

// SupportProvider names the table that applies to a profile's provider:
// eks, aks and gke have their own; local, kubeadm and anthos-bm follow
// upstream Kubernetes; a terraform-managed cluster is whichever cloud its
// nodes say it runs on. "" when nothing tells.
func SupportProvider(provider string, s *inventory.Snapshot) string {
	switch provider {
	case "eks", "aks", "gke":
		return provider
	case "local", "kubeadm", "anthos-bm":
		return Upstream
	case "terraform":
		if s == nil {
			return ""
		}
		switch p := inventory.DetectProvider(s); p {
		case "eks", "aks", "gke":
			return p
		}
	}
	return ""
}

// parseMinor reads "1.33" (or "v1.33.5-eks-3025e55") into its minor
// number, for ordering; only major version 1 exists.
func parseMinor(s string) (int, bool) {
	s = strings.TrimPrefix(s, "v")
	major, rest, ok := strings.Cut(s, ".")
	if !ok || major != "1" {
		return 0, false
	}
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	if end == 0 || (end < len(rest) && rest[end] != '.' && rest[end] != '-' && rest[end] != '+') {
		return 0, false
	}
	n, err := strconv.Atoi(rest[:end])
	return n, err == nil
}

// Minor returns the "1.N" minor of a version such as v1.33.5-eks-3025e55,
// 1.33 or 1.33.2.
func Minor(v string) (string, bool) {
	n, ok := parseMinor(v)
	if !ok {
		return "", false
	}
	return "1." + strconv.Itoa(n), true
}
