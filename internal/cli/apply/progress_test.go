package apply

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/plan"
)

func TestLiveViewShowsStepsDrainsAndWaits(t *testing.T) {
	p := &plan.Plan{Target: "1.37", Steps: []plan.Step{
		{ID: "hop1/control-plane"},
		{ID: "hop1/pool/mongodb", Pool: "mongodb", After: []string{"hop1/control-plane"}},
		{ID: "hop1/pool/vantiq", Pool: "vantiq", After: []string{"hop1/pool/mongodb"}},
	}}
	v := newLiveView(io.Discard, 100, p, map[string]bool{"hop1/control-plane": true})
	defer v.Close()
	for _, e := range []execute.Event{
		{Kind: execute.EventStart, Step: "hop1/pool/mongodb"},
		{Kind: execute.EventDraining, Step: "hop1/pool/mongodb", Node: "mongodb-0"},
		{Kind: execute.EventDrained, Step: "hop1/pool/mongodb", Node: "mongodb-0"},
		{Kind: execute.EventDraining, Step: "hop1/pool/mongodb", Node: "mongodb-1"},
		{Kind: execute.EventWait, Step: "hop1/pool/mongodb", Node: "mongodb-1", Message: "node mongodb-1: pod vantiq/mongodb-1 waits on PodDisruptionBudget mongodb"},
	} {
		e.Time = time.Now()
		v.event(e)
	}
	v.mu.Lock()
	text := clip(v.render(), 100)
	v.mu.Unlock()
	for _, want := range []string{
		"hop1/control-plane", "done",
		"1 node(s) replaced; draining mongodb-1",
		"after hop1/pool/mongodb",
		"pod vantiq/mongodb-1 waits on PodDisruptionBudget mongodb",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("view lacks %q:\n%s", want, text)
		}
	}
	for _, l := range strings.Split(text, "\n") {
		if len([]rune(l)) >= 100 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}
