package journal

import (
	"encoding/json"
	"slices"
)

// State is what a journal says about a run.
type State struct {
	// Plan is the data of the Plan entry, if any.
	Plan json.RawMessage
	// Done lists finished steps; Failed maps failed steps to their message.
	Done   map[string]bool
	Failed map[string]string
	// Started lists steps begun but not ended: in flight when the run
	// stopped.
	Started []string
	// Originals maps each object changed to its state before the first
	// change, for those not restored yet; OriginalSteps to the step that
	// recorded it.
	Originals     map[string]json.RawMessage
	OriginalSteps map[string]string
	// Operations maps each step to the last state journalled of the
	// provider operation it started.
	Operations map[string]json.RawMessage
}

// Compensate is the step name of restorations made when a run stops early
// (a failure, Ctrl-C). They undo the steps that changed the object, which
// therefore count as not done: a resumed run does them again.
const Compensate = "compensate"

// Replay folds entries into a State.
func Replay(entries []Entry) *State {
	s := &State{Done: map[string]bool{}, Failed: map[string]string{}, Originals: map[string]json.RawMessage{}, OriginalSteps: map[string]string{}, Operations: map[string]json.RawMessage{}}
	started := map[string]bool{}
	restored := map[string]bool{}
	changedBy := map[string][]string{}
	for _, e := range entries {
		switch e.Type {
		case Plan:
			s.Plan = e.Data
		case Begin:
			started[e.Step] = true
			delete(s.Failed, e.Step)
		case Original:
			if !slices.Contains(changedBy[e.Object], e.Step) {
				changedBy[e.Object] = append(changedBy[e.Object], e.Step)
			}
			// The first record is the true original: a resumed step that
			// records again sees its own earlier change.
			if _, ok := s.Originals[e.Object]; !ok || restored[e.Object] {
				s.Originals[e.Object] = e.Data
				s.OriginalSteps[e.Object] = e.Step
				delete(restored, e.Object)
			}
		case Restored:
			restored[e.Object] = true
			if e.Step == Compensate {
				for _, step := range changedBy[e.Object] {
					delete(s.Done, step)
				}
				changedBy[e.Object] = nil
			}
		case Operation:
			s.Operations[e.Step] = e.Data
		case Done:
			s.Done[e.Step] = true
			delete(started, e.Step)
		case Failed:
			s.Failed[e.Step] = e.Message
			delete(started, e.Step)
		}
	}
	for obj := range restored {
		delete(s.Originals, obj)
		delete(s.OriginalSteps, obj)
	}
	for step := range started {
		s.Started = append(s.Started, step)
	}
	slices.Sort(s.Started)
	return s
}
