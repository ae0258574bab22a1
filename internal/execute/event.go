package execute

import (
	"fmt"
	"time"
)

// Event kinds.
const (
	EventStart    = "start"
	EventDone     = "done"
	EventFailed   = "failed"
	EventNodes    = "nodes"
	EventDraining = "draining"
	EventDrained  = "drained"
	EventWait     = "wait"
	EventGate     = "gate"
	EventRetry    = "retry"
	EventRestored = "restored"
)

// Event is one thing that happened during a run, for progress views.
type Event struct {
	Time    time.Time
	Kind    string
	Step    string
	Node    string
	Message string
}

// String is the event as one line.
func (e Event) String() string {
	if e.Step == "" {
		return fmt.Sprintf("%-8s %s", e.Kind, e.Message)
	}
	return fmt.Sprintf("%-8s %s: %s", e.Kind, e.Step, e.Message)
}

// report sends an event to the Progress hook.
func (env *Env) report(kind, step, node, format string, args ...any) {
	env.Progress(Event{Time: time.Now(), Kind: kind, Step: step, Node: node, Message: fmt.Sprintf(format, args...)})
}
