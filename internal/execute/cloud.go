package execute

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/provider"
)

// cloudOperation runs a step that a managed service carries out as one
// long operation. A resumed step waits on the operation its earlier run
// journalled instead of starting another. The intent is journalled before
// the operation starts, the operation's ID as soon as the service returns
// it: a crash in between leaves an intent without an operation, and the
// next run's start finds the operation in flight (ErrOperationInProgress)
// and re-attaches to it.
func (env *Env) cloudOperation(ctx context.Context, st plan.Step, what string, start func() (provider.Operation, error)) error {
	env.mu.Lock()
	op, known := env.operations[st.ID]
	env.mu.Unlock()
	switch {
	case known && op.Status == provider.OpSuccessful:
		return nil
	case known && !op.Done():
		env.report(EventRetry, st.ID, "", "re-attaching to %s operation %s", op.Kind, op.ID)
	default:
		// Not started, or it failed and the step runs again.
		if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Message: what}); err != nil {
			return err
		}
		var err error
		op, err = start()
		if errors.Is(err, provider.ErrOperationInProgress) && op.ID != "" {
			env.report(EventRetry, st.ID, "", "an operation is in flight already: waiting on %s", op.ID)
		} else if err != nil {
			return err
		}
		if err := env.journalOperation(st.ID, op); err != nil {
			return err
		}
	}
	interval := env.OperationInterval
	if interval <= 0 {
		interval = 15 * time.Second
	}
	final, err := provider.Wait(ctx, env.Cloud, op, interval, func(o provider.Operation) {
		env.report(EventWait, st.ID, "", "%s operation %s on %s: %s", o.Kind, o.ID, o.Target, o.Status)
	})
	if final.Done() {
		if jerr := env.journalOperation(st.ID, final); jerr != nil {
			return errors.Join(err, jerr)
		}
	}
	return err
}

func (env *Env) journalOperation(step string, op provider.Operation) error {
	data, err := json.Marshal(op)
	if err != nil {
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Operation, Step: step, Object: op.Kind + " " + op.Target, Data: data, Message: op.ID + " " + op.Status}); err != nil {
		return err
	}
	env.mu.Lock()
	env.operations[step] = op
	env.mu.Unlock()
	return nil
}
