// Package verify proves a cluster healthy after an upgrade: nodes Ready at
// the target, every pod Running and Ready, every workload fully rolled out,
// every disruption budget satisfied. Against the snapshot taken before the
// upgrade it also finds what changed: workloads that lost replicas, pods in
// another node pool than before or on nodes their preferred affinity does
// not favour, images that changed, objects that disappeared.
package verify

import "time"

// Severity says whether a problem fails the verification.
type Severity string

const (
	// Error fails the verification.
	Error Severity = "error"
	// Info is shown but does not fail it, such as an add-on's new image.
	Info Severity = "info"
)

// Problem is one thing that is not as it should be.
type Problem struct {
	// Check names the rule, such as "node-version" or "moved-pool".
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	// Object names what it is about: "Node pool-a-3", "Pod ns/name",
	// "Deployment ns/name".
	Object string `json:"object"`
	Reason string `json:"reason"`
	// Pod and Node, for placement problems, name the pod to move and the
	// node it is on.
	Pod  string `json:"pod,omitempty"`
	Node string `json:"node,omitempty"`
}

// Counts says how much was looked at.
type Counts struct {
	Nodes     int `json:"nodes"`
	Workloads int `json:"workloads"`
	Pods      int `json:"pods"`
	PDBs      int `json:"pdbs"`
	// Skipped are pods of Jobs and finished pods, which need not run.
	Skipped int `json:"skipped"`
}

// EventSummary groups the Warning events of one reason on one kind.
type EventSummary struct {
	Reason  string    `json:"reason"`
	Kind    string    `json:"kind"`
	Count   int32     `json:"count"`
	Objects []string  `json:"objects"`
	Message string    `json:"message"`
	Last    time.Time `json:"last"`
}

// Result is one verification.
type Result struct {
	Time   time.Time `json:"time"`
	Target string    `json:"target,omitempty"`
	// Baseline is when the snapshot compared against was taken.
	Baseline *time.Time `json:"baseline,omitempty"`
	Checked  Counts     `json:"checked"`
	Problems []Problem  `json:"problems"`
	// Events are the Warning events since the upgrade began.
	Events []EventSummary `json:"warningEvents,omitempty"`
}

// OK reports whether nothing fails the verification.
func (r *Result) OK() bool { return len(r.Errors()) == 0 }

// Errors are the problems that fail the verification.
func (r *Result) Errors() []Problem {
	var out []Problem
	for _, p := range r.Problems {
		if p.Severity == Error {
			out = append(out, p)
		}
	}
	return out
}
