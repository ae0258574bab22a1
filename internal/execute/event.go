package execute

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/kubehop/kubehop/internal/journal"
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

// Messages of the journal notes that keep a run's timeline for its report:
// a node's drain began, the pods it waits on changed (Data: []WaitingPod,
// empty when none waits any more), it was drained; nodes were added to a
// pool (Data: their names).
const (
	NoteDrain   = "drain"
	NoteWaiting = "waiting"
	NoteDrained = "drained"
	NoteAdded   = "added"
)

// WaitingPod is a pod a disruption budget holds back: the budget's name
// (when the API server said which) and the reason in words.
type WaitingPod struct {
	Pod    string `json:"pod"`
	Budget string `json:"budget,omitempty"`
	Reason string `json:"reason"`
}

// note journals a timeline note. The run does not depend on it: a note
// that cannot be written is dropped, as a lost progress line would be.
func (env *Env) note(step, object, message string, data any) {
	e := journal.Entry{Type: journal.Note, Step: step, Object: object, Message: message}
	if data != nil {
		e.Data, _ = json.Marshal(data)
	}
	_, _ = env.Journal.Append(e)
}
