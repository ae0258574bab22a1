package runreport

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/verify"
)

// Inputs are what a report shows besides the journal.
type Inputs struct {
	// Journal is the journal's path, shown in the report.
	Journal string
	// Findings are the checks' findings on the snapshot taken before the
	// run.
	Findings []check.Finding
	// Checklist is the profile's manual checklist.
	Checklist []string
	// Now stamps the report (time.Now when zero).
	Now time.Time
}

// Build reads a run's journal entries into its report.
func Build(entries []journal.Entry, in Inputs) (*Report, error) {
	r := &Report{GeneratedAt: in.Now, Journal: in.Journal, Status: "in progress", Findings: in.Findings, Steps: []StepRun{}, Nodes: []NodeRun{}}
	if r.GeneratedAt.IsZero() {
		r.GeneratedAt = time.Now().UTC()
	}
	for _, c := range in.Checklist {
		title, detail, _ := strings.Cut(c, " — ")
		r.Checklist = append(r.Checklist, ChecklistItem{Title: strings.TrimSpace(title), Detail: strings.TrimSpace(detail)})
	}
	if len(entries) == 0 {
		return r, nil
	}
	r.Started = entries[0].Time
	for _, e := range entries {
		if e.Type == journal.Plan {
			var rec struct {
				Plan *plan.Plan `json:"plan"`
			}
			if err := json.Unmarshal(e.Data, &rec); err != nil || rec.Plan == nil {
				return nil, fmt.Errorf("%w: the plan entry (seq %d) cannot be read", journal.ErrCorrupt, e.Seq)
			}
			r.Plan = rec.Plan
			r.Cluster, r.Provider, r.From, r.Target = rec.Plan.Cluster.Name, rec.Plan.Provider, rec.Plan.From, rec.Plan.Target
			break
		}
	}
	if r.Plan == nil {
		return nil, fmt.Errorf("%w: the journal holds no plan", journal.ErrCorrupt)
	}
	b := &builder{r: r, steps: map[string]*StepRun{}, kinds: map[string]string{}, pools: map[string]string{},
		draining: map[string]int{}, waits: map[string]map[string]int{}, adding: map[string][]time.Time{}}
	for _, st := range r.Plan.Steps {
		r.Steps = append(r.Steps, StepRun{ID: st.ID, Title: st.Title, Phase: st.Phase, Pool: st.Pool, Status: "pending"})
		b.kinds[st.ID], b.pools[st.ID] = st.Kind, st.Pool
	}
	for i := range r.Steps {
		b.steps[r.Steps[i].ID] = &r.Steps[i]
	}
	for _, e := range entries {
		if err := b.entry(e); err != nil {
			return nil, err
		}
	}
	b.finish()
	return r, nil
}

type builder struct {
	r     *Report
	steps map[string]*StepRun
	kinds map[string]string
	pools map[string]string
	// draining maps a node to its NodeRun's index; waits a node to its
	// open waits (pod → index in r.Waits); adding a step to the times
	// its node additions were asked for.
	draining map[string]int
	waits    map[string]map[string]int
	adding   map[string][]time.Time
}

func (b *builder) entry(e journal.Entry) error {
	st := b.steps[e.Step]
	node, isNode := strings.CutPrefix(e.Object, "node ")
	switch e.Type {
	case journal.Begin:
		if st != nil {
			if st.Start.IsZero() {
				st.Start = e.Time
			}
			st.Status, st.Error = "running", ""
		}
	case journal.Done:
		if st != nil {
			st.End, st.Status = e.Time, "done"
		}
	case journal.Failed:
		if st != nil {
			st.End, st.Status, st.Error = e.Time, "failed", e.Message
		}
	case journal.Intent:
		if strings.HasPrefix(e.Object, "pool ") && strings.HasPrefix(e.Message, "add ") {
			var n int
			fmt.Sscanf(e.Message, "add %d", &n)
			for range n {
				b.adding[e.Step] = append(b.adding[e.Step], e.Time)
			}
		}
	case journal.Restored:
		if isNode {
			if i, ok := b.draining[node]; ok {
				run := &b.r.Nodes[i]
				run.End = e.Time
				switch {
				case e.Message == "deleted":
					run.Outcome = "deleted"
				case b.kinds[e.Step] == plan.KindPoolInPlace:
					run.Outcome = "upgraded"
				}
			}
		}
	case journal.Verify:
		var v verify.Result
		if err := json.Unmarshal(e.Data, &v); err != nil {
			return fmt.Errorf("%w: the verification entry (seq %d) cannot be read: %v", journal.ErrCorrupt, e.Seq, err)
		}
		b.r.Verify = &v
	case journal.Note:
		switch {
		case journal.IsFinished(e):
			b.r.Finished, b.r.Status = e.Time, "succeeded"
		case isNode && e.Message == execute.NoteDrain:
			b.r.Nodes = append(b.r.Nodes, NodeRun{Node: node, Pool: b.pools[e.Step], Step: e.Step, Start: e.Time, Outcome: "draining"})
			b.draining[node] = len(b.r.Nodes) - 1
		case isNode && e.Message == execute.NoteDrained:
			if i, ok := b.draining[node]; ok {
				b.r.Nodes[i].End, b.r.Nodes[i].Outcome = e.Time, "drained"
			}
			b.closeWaits(node, nil, e.Time)
		case isNode && e.Message == execute.NoteWaiting:
			var pods []execute.WaitingPod
			if len(e.Data) > 0 {
				if err := json.Unmarshal(e.Data, &pods); err != nil {
					return fmt.Errorf("%w: entry %d: %v", journal.ErrCorrupt, e.Seq, err)
				}
			}
			b.openWaits(node, pods, e.Time)
		case e.Message == execute.NoteAdded:
			var names []string
			_ = json.Unmarshal(e.Data, &names)
			for _, n := range names {
				start := e.Time
				if q := b.adding[e.Step]; len(q) > 0 {
					start, b.adding[e.Step] = q[0], q[1:]
				}
				b.r.Nodes = append(b.r.Nodes, NodeRun{Node: n, Pool: b.pools[e.Step], Step: e.Step, Start: start, End: e.Time, Outcome: "added"})
			}
		}
	}
	return nil
}

// openWaits records the pods a node waits on now: new ones open a wait,
// those no longer listed close theirs.
func (b *builder) openWaits(node string, pods []execute.WaitingPod, at time.Time) {
	now := map[string]bool{}
	for _, p := range pods {
		now[p.Pod] = true
	}
	b.closeWaits(node, now, at)
	if b.waits[node] == nil {
		b.waits[node] = map[string]int{}
	}
	for _, p := range pods {
		if _, open := b.waits[node][p.Pod]; !open {
			b.r.Waits = append(b.r.Waits, Wait{Node: node, Pod: p.Pod, Budget: cmp.Or(p.Budget, p.Reason), Start: at})
			b.waits[node][p.Pod] = len(b.r.Waits) - 1
		}
	}
}

// closeWaits ends a node's open waits but those of keep.
func (b *builder) closeWaits(node string, keep map[string]bool, at time.Time) {
	for pod, i := range b.waits[node] {
		if !keep[pod] {
			b.r.Waits[i].End = at
			delete(b.waits[node], pod)
		}
	}
}

func (b *builder) finish() {
	r := b.r
	if r.Status != "succeeded" {
		for _, st := range r.Steps {
			if st.Status == "failed" {
				r.Status, r.Error = "failed", st.Error
			}
		}
	}
	slices.SortStableFunc(r.Nodes, func(a, b NodeRun) int { return a.Start.Compare(b.Start) })
	slices.SortStableFunc(r.Waits, func(a, b Wait) int { return a.Start.Compare(b.Start) })
}
