package check

import (
	"cmp"
	"slices"

	"github.com/kubehop/kubehop/internal/scan"
)

// Registry lists every check, in the order they run.
func Registry() []*Check {
	return []*Check{
		hopPathCheck,
		kubeletSkewCheck,
		nodesNotReadyCheck,
		podsNotRunningCheck,
		removedAPICheck,
		deprecatedAPICheck,
		blockingPDBCheck,
		nakedPodCheck,
		localStorageCheck,
		singleReplicaCheck,
		dockershimCheck,
		ebsCSICheck,
		addonsCheck,
		certificateCheck,
		appCompatCheck,
	}
}

// Report is the result of running the checks.
type Report struct {
	Current  string    `json:"current,omitempty"`
	Target   string    `json:"target"`
	Hops     []string  `json:"hops"`
	Provider string    `json:"provider,omitempty"`
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	// Checks lists the IDs of the checks that ran.
	Checks []string `json:"checks"`
	// Scanned counts what the removed-API scan read.
	Scanned  *Scanned `json:"scanned,omitempty"`
	Problems []string `json:"problems,omitempty"`
}

// Summary counts findings by severity.
type Summary struct {
	Blockers int `json:"blockers"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
}

// Scanned counts the manifests read.
type Scanned struct {
	Files     int   `json:"files"`
	Documents int   `json:"documents"`
	Bytes     int64 `json:"bytes"`
}

// Run runs the checks that apply to in.Provider and returns the sorted
// report.
func Run(in *Input, checks []*Check) *Report {
	if in.Policy == nil {
		in.Policy = DefaultPolicy()
	}
	r := &Report{Target: minor(in.Target), Provider: in.Provider, Hops: []string{}, Findings: []Finding{}}
	if in.Current != nil {
		r.Current = in.Current.String()
	}
	for _, h := range in.Hops {
		r.Hops = append(r.Hops, h.String())
	}
	for _, c := range checks {
		if len(c.Providers) > 0 && !slices.Contains(c.Providers, in.Provider) {
			continue
		}
		r.Checks = append(r.Checks, c.ID)
		r.Findings = append(r.Findings, c.Run(in, c)...)
	}
	if in.Scan != nil {
		r.Scanned = &Scanned{Files: in.Scan.Files, Documents: in.Scan.Documents, Bytes: in.Scan.Bytes}
	}
	order := map[string]int{Baseline: -1, "": 1 << 20}
	for i, h := range r.Hops {
		order[h] = i
	}
	slices.SortFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(order[a.Hop], order[b.Hop]), cmp.Compare(a.Hop, b.Hop), cmp.Compare(a.Severity.rank(), b.Severity.rank()),
			cmp.Compare(a.Check, b.Check), cmp.Compare(a.Object, b.Object), cmp.Compare(locationKey(a.Location), locationKey(b.Location)))
	})
	for _, f := range r.Findings {
		switch f.Severity {
		case Blocker:
			r.Summary.Blockers++
		case Warning:
			r.Summary.Warnings++
		default:
			r.Summary.Info++
		}
	}
	return r
}

func locationKey(l *scan.Location) string {
	if l == nil {
		return ""
	}
	return l.String()
}
