// Package runbook runs the platform runbooks' plans (application
// upgrades, certificate and licence renewals) the way kubehop apply runs
// cluster upgrades: the plan is journalled first, each step before it
// acts, and running the same command again after an interruption
// continues from the journal.
package runbook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/cli/apply"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/manifest"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

// Record is the journal's plan entry of a runbook run: the plan and what
// kind of run it is (minor, patch, rollback...).
type Record struct {
	ID   string     `json:"id"`
	Plan *plan.Plan `json:"plan"`
	Kind string     `json:"kind,omitempty"`
}

// Runner runs runbook plans against one profile's cluster.
type Runner struct {
	Streams cmdutil.IOStreams
	Profile *profile.Profile
	Client  kubernetes.Interface
	// Objects reaches objects of any kind (label, patch, delete steps).
	Objects *manifest.Applier
	// Yes skips the confirmation.
	Yes bool
}

// Path is where a runbook run named name is journalled, beside the
// profile: .kubehop/<cluster>.<name>.journal.
func Path(prof *profile.Profile, name string) string {
	return filepath.Join(filepath.Dir(prof.File()), ".kubehop", prof.Cluster.Name+"."+name+".journal")
}

// Latest is the newest journal matching the glob name (as for Path).
func Latest(prof *profile.Profile, name string, skip func(path string) bool) (string, error) {
	matches, _ := filepath.Glob(Path(prof, name))
	var keep []string
	for _, m := range matches {
		if skip == nil || !skip(m) {
			keep = append(keep, m)
		}
	}
	if len(keep) == 0 {
		return "", fmt.Errorf("no journal %s beside %s", filepath.Base(Path(prof, name)), prof.File())
	}
	sort.Slice(keep, func(i, j int) bool { return modTime(keep[i]).After(modTime(keep[j])) })
	return keep[0], nil
}

func modTime(p string) time.Time {
	fi, err := os.Stat(p)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// ErrFinished is returned for a journal whose run has finished.
var ErrFinished = errors.New("the journal records a finished run")

// Run runs the plan journalled at path, or, when the journal is empty, the
// plan build makes (after the outline and a confirmation). It returns the
// journal's record of the plan, and the run's error.
func (r *Runner) Run(ctx context.Context, path, question string, build func() (*Record, error)) (*Record, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	j, entries, err := journal.Open(path)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	state := journal.Replay(entries)
	var rec *Record
	if state.Plan != nil {
		rec = &Record{}
		if err := json.Unmarshal(state.Plan, rec); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", journal.ErrCorrupt, path, err)
		}
		if journal.Finished(entries) {
			return rec, exitcode.Invalid(fmt.Errorf("%w: %s; move it away to run again", ErrFinished, path))
		}
		fmt.Fprintf(r.Streams.ErrOut, "Continuing from %s: %d step(s) done.\n", path, len(state.Done))
	} else {
		if rec, err = build(); err != nil {
			return nil, err
		}
		rec.ID = rec.Plan.ID()
		rec.Plan.Outline(r.Streams.ErrOut)
		if err := r.confirm(question); err != nil {
			return rec, err
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return rec, err
		}
		if _, err := j.Append(journal.Entry{Type: journal.Plan, Data: data, Message: "runbook " + rec.ID}); err != nil {
			return rec, err
		}
	}
	env := &execute.Env{Client: r.Client, Objects: r.Objects, Journal: j, Progress: apply.Lines(r.Streams.ErrOut), Since: time.Now(),
		Approvals: execute.ApprovalsConfigMap(r.Profile.Cluster.Name), Parallelism: 4}
	if len(entries) > 0 {
		env.Since = entries[0].Time
	}
	if err := execute.Run(ctx, env, rec.Plan, state); err != nil {
		return rec, err
	}
	_, err = j.Append(journal.FinishedEntry())
	return rec, err
}

func (r *Runner) confirm(question string) error {
	if r.Yes {
		return nil
	}
	return cmdutil.Confirm(r.Streams, question, "pass --yes to run without asking")
}

// Archive renames finished journals out of the way, <name>.journal to
// <name>.archived-<time>.journal, so that the next run of the same name
// starts afresh: after a rollback, the upgrade and its rollback.
func Archive(paths ...string) error {
	stamp := time.Now().UTC().Format("20060102-150405")
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if err := os.Rename(p, strings.TrimSuffix(p, ".journal")+".archived-"+stamp+".journal"); err != nil {
			return err
		}
	}
	return nil
}

// Current reports whether a journal path is a live run's (not a rollback
// and not archived), for Latest.
func Current(path string) bool {
	return !strings.Contains(path, ".rollback.") && !strings.HasSuffix(path, ".rollback.journal") && !strings.Contains(path, ".archived-")
}
