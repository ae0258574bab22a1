// Package runreport shows what an upgrade run did: its plan as a graph, a
// timeline of every phase, pool and node drain with what waited on which
// disruption budget, the check findings before it, the verification after
// it, and the profile's manual checklist. It is built from the run's
// journal and rendered as one self-contained HTML file, as Markdown for a
// change ticket, or as JSON.
package runreport

import (
	"time"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/verify"
)

// Report is everything one run's report shows.
type Report struct {
	GeneratedAt time.Time `json:"generatedAt"`
	Cluster     string    `json:"cluster"`
	Provider    string    `json:"provider"`
	From        string    `json:"from"`
	Target      string    `json:"target"`
	// Status is "succeeded", "failed" or "in progress".
	Status   string    `json:"status"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// Error is why the run failed, when it did.
	Error   string `json:"error,omitempty"`
	Journal string `json:"journal"`

	Plan *plan.Plan `json:"plan"`
	// Steps are the plan's steps as they ran, in plan order.
	Steps []StepRun `json:"steps"`
	// Nodes are the node drains, in the order they started.
	Nodes []NodeRun `json:"nodes"`
	// Waits are the moments a pod waited on a disruption budget.
	Waits []Wait `json:"waits,omitempty"`

	Findings  []check.Finding `json:"findings,omitempty"`
	Verify    *verify.Result  `json:"verify,omitempty"`
	Checklist []ChecklistItem `json:"checklist,omitempty"`
}

// StepRun is one plan step's run.
type StepRun struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Phase string `json:"phase"`
	// Pool is set for a node-pool step.
	Pool string `json:"pool,omitempty"`
	// Status is "done", "failed", "running" or "pending".
	Status string    `json:"status"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
	Error  string    `json:"error,omitempty"`
}

// NodeRun is one node's drain within a pool step.
type NodeRun struct {
	Node string `json:"node"`
	Pool string `json:"pool"`
	Step string `json:"step"`
	// Start is when its drain began, End when it was drained (or removed).
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
	// Outcome is "deleted", "upgraded", "drained" or "draining".
	Outcome string `json:"outcome"`
	// Added lists nodes at the target added to the pool for it (surge and
	// blue/green).
	Added []string `json:"added,omitempty"`
}

// Wait is a pod held back by a disruption budget while a node drained.
type Wait struct {
	Node   string    `json:"node"`
	Pod    string    `json:"pod"`
	Budget string    `json:"budget"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end,omitzero"`
}

// ChecklistItem is a manual check from the profile for a person to tick.
type ChecklistItem struct {
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
}
