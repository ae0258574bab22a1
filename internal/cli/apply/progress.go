package apply

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/plan"
)

// Lines prints every event as a timestamped line: for logs, CI and pipes.
func Lines(w io.Writer) func(execute.Event) {
	var mu sync.Mutex
	return func(e execute.Event) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s  %s\n", e.Time.Format("15:04:05"), e)
	}
}

// liveView redraws, on a terminal, one line per step with its state, the
// nodes being drained and the pods waiting on a disruption budget.
type liveView struct {
	mu      sync.Mutex
	w       io.Writer
	plan    *plan.Plan
	start   time.Time
	status  map[string]string // step -> waiting, running, done, failed
	took    map[string]string
	nodes   map[string]int    // step -> nodes drained
	drains  map[string]string // node -> step, while draining
	waits   map[string]string // node -> what it waits on
	notes   []string          // retries, failures, restorations
	drawn   int
	width   int
	stop    chan struct{}
	stopped sync.WaitGroup
}

func newLiveView(w io.Writer, width int, p *plan.Plan, done map[string]bool) *liveView {
	v := &liveView{w: w, width: width, plan: p, start: time.Now(), status: map[string]string{}, took: map[string]string{},
		nodes: map[string]int{}, drains: map[string]string{}, waits: map[string]string{}, stop: make(chan struct{})}
	for _, st := range p.Steps {
		v.status[st.ID] = "waiting"
		if done[st.ID] {
			v.status[st.ID] = "done"
		}
	}
	v.stopped.Go(func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-v.stop:
				v.draw()
				return
			case <-t.C:
				v.draw()
			}
		}
	})
	return v
}

// event folds one event into the view.
func (v *liveView) event(e execute.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch e.Kind {
	case execute.EventStart:
		v.status[e.Step] = "running"
	case execute.EventDone:
		v.status[e.Step], v.took[e.Step] = "done", strings.TrimPrefix(e.Message, "in ")
	case execute.EventFailed:
		v.status[e.Step] = "failed"
		v.notes = append(v.notes, e.String())
	case execute.EventDraining:
		v.drains[e.Node] = e.Step
	case execute.EventDrained:
		delete(v.drains, e.Node)
		delete(v.waits, e.Node)
		v.nodes[e.Step]++
	case execute.EventWait:
		v.waits[e.Node] = e.Message
	case execute.EventRetry, execute.EventRestored:
		v.notes = append(v.notes, e.String())
	}
}

// Close draws the final state and stops redrawing.
func (v *liveView) Close() {
	close(v.stop)
	v.stopped.Wait()
}

func (v *liveView) draw() {
	v.mu.Lock()
	text := clip(v.render(), v.width)
	v.mu.Unlock()
	if v.drawn > 0 {
		fmt.Fprintf(v.w, "\033[%dA\033[J", v.drawn)
	}
	fmt.Fprint(v.w, text)
	v.drawn = strings.Count(text, "\n")
}

// render is the view as text, without terminal controls.
func (v *liveView) render() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kubehop apply: %s → %s, %s elapsed\n", v.plan.Cluster.Name, v.plan.Target, time.Since(v.start).Round(time.Second))
	for _, st := range v.plan.Steps {
		status := v.status[st.ID]
		detail := ""
		switch {
		case status == "done" && v.took[st.ID] != "":
			status += " " + v.took[st.ID]
		case status == "running" && st.Pool != "":
			var draining []string
			for node, step := range v.drains {
				if step == st.ID {
					draining = append(draining, node)
				}
			}
			slices.Sort(draining)
			detail = fmt.Sprintf("%d node(s) replaced", v.nodes[st.ID])
			if len(draining) > 0 {
				detail += "; draining " + strings.Join(draining, ", ")
			}
		case status == "waiting" && len(st.After) > 0:
			var pending []string
			for _, a := range st.After {
				if !strings.HasPrefix(v.status[a], "done") {
					pending = append(pending, a)
				}
			}
			if len(pending) > 0 {
				detail = "after " + strings.Join(pending, ", ")
			} else {
				detail = "queued (parallelism or an exclusion)"
			}
		}
		fmt.Fprintf(&b, "  %-44s %-10s %s\n", st.ID, status, detail)
	}
	var nodes []string
	for n := range v.waits {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	for _, n := range nodes {
		fmt.Fprintf(&b, "    %s\n", v.waits[n])
	}
	for _, n := range v.notes[max(0, len(v.notes)-5):] {
		fmt.Fprintf(&b, "  %s\n", n)
	}
	return b.String()
}

// clip cuts every line to fit the terminal, so that redrawing moves up
// exactly the lines it drew.
func clip(text string, width int) string {
	if width < 20 {
		width = 120
	}
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\n")
		if r := []rune(l); len(r) >= width {
			lines[i] = string(r[:width-2]) + "…\n"
		}
	}
	return strings.Join(lines, "")
}
