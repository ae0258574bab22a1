package journal

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Types of entries.
const (
	// Plan opens a journal: Data identifies the plan and the cluster, so a
	// journal is never resumed against another.
	Plan = "plan"
	// Begin marks a step as started.
	Begin = "begin"
	// Original records an object's state before a step changes it.
	Original = "original"
	// Intent announces a mutation about to be sent.
	Intent = "intent"
	// Restored records that an object is back at its original state.
	Restored = "restored"
	// Done and Failed end a step.
	Done   = "done"
	Failed = "failed"
	// Note is anything else worth keeping, such as a tool's output.
	Note = "note"
	// Verify records a verification's result (Data: verify.Result).
	Verify = "verify"
	// Operation records a long-running operation a provider started or
	// reported (Data: provider.Operation, with its ID), so that a resumed
	// run waits on it instead of starting another.
	Operation = "operation"
)

// Entry is one line of the journal.
type Entry struct {
	Seq     int64           `json:"seq"`
	Time    time.Time       `json:"time"`
	Type    string          `json:"type"`
	Step    string          `json:"step,omitempty"`
	Object  string          `json:"object,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Message string          `json:"message,omitempty"`
}

// ErrCorrupt is returned for a journal that cannot be read back.
var ErrCorrupt = errors.New("corrupt journal")

// Journal appends entries to a file.
type Journal struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	seq    int64
	now    func() time.Time
	mirror *ConfigMapMirror
	// stale is set when a copy to the mirror failed: the next one sends
	// the whole journal.
	stale bool
	// MirrorFailed is told when the copy in the cluster could not be
	// written; the run goes on with the local file.
	MirrorFailed func(error)
}

// MirrorTo also copies every entry, after it is fsynced, to a ConfigMap,
// first bringing the ConfigMap up to date with the entries already written.
func (j *Journal) MirrorTo(ctx context.Context, m *ConfigMapMirror) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	data, err := os.ReadFile(j.path)
	if err != nil {
		return fmt.Errorf("read journal %s: %w", j.path, err)
	}
	if err := m.Replace(ctx, data); err != nil {
		return err
	}
	j.mirror = m
	return nil
}

// Open opens the journal at path, creating it if needed, and returns the
// entries it already holds. A last line cut short by a crash mid-write is
// dropped, as that entry was never acknowledged; damage anywhere else is
// an error naming the line.
func Open(path string) (*Journal, []Entry, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	entries, good, err := read(path, f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("drop the torn end of journal %s: %w", path, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open journal %s: %w", path, err)
	}
	j := &Journal{f: f, path: path, now: time.Now}
	if n := len(entries); n > 0 {
		j.seq = entries[n-1].Seq
	}
	return j, entries, nil
}

// ReadFile reads the entries of a journal without opening it for writing,
// so a report can be made while a run appends to it.
func ReadFile(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	defer f.Close()
	entries, _, err := read(path, f)
	return entries, err
}

// read decodes every complete line and returns the offset after the last.
func read(path string, r io.Reader) ([]Entry, int64, error) {
	br := bufio.NewReader(r)
	var entries []Entry
	var offset int64
	for line := 1; ; line++ {
		raw, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// No newline: a write the crash cut short. It was never
			// acknowledged, so it is dropped.
			return entries, offset, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read journal %s: %w", path, err)
		}
		var e Entry
		if err := json.Unmarshal(bytes.TrimSpace(raw), &e); err != nil {
			return nil, 0, fmt.Errorf("%w: %s:%d: %v", ErrCorrupt, path, line, err)
		}
		if want := int64(len(entries) + 1); e.Seq != want {
			return nil, 0, fmt.Errorf("%w: %s:%d: entry %d where %d was expected", ErrCorrupt, path, line, e.Seq, want)
		}
		entries = append(entries, e)
		offset += int64(len(raw))
	}
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Append writes an entry and fsyncs it; only then may the mutation it
// announces be sent. It fills in Seq and Time.
func (j *Journal) Append(e Entry) (Entry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e.Seq = j.seq + 1
	e.Time = j.now().UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return e, fmt.Errorf("encode journal entry: %w", err)
	}
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		return e, fmt.Errorf("write journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return e, fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	j.seq = e.Seq
	if j.mirror != nil {
		j.copyToMirror(line)
	}
	return e, nil
}

// copyToMirror sends a new line to the mirror, or the whole journal when
// an earlier copy failed (the API server restarting during a control-plane
// upgrade), so that the copy never has a gap.
func (j *Journal) copyToMirror(line []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), mirrorTimeout)
	defer cancel()
	var err error
	if j.stale {
		var data []byte
		if data, err = os.ReadFile(j.path); err == nil {
			err = j.mirror.Replace(ctx, data)
		}
	} else {
		err = j.mirror.Append(ctx, line)
	}
	j.stale = err != nil
	if err != nil && j.MirrorFailed != nil {
		j.MirrorFailed(err)
	}
}

// Close closes the file.
func (j *Journal) Close() error { return j.f.Close() }

// FinishedEntry is the note a run appends last when every step is done.
func FinishedEntry() Entry { return Entry{Type: Note, Step: "run", Message: "finished"} }

// IsFinished reports whether e is a run's FinishedEntry.
func IsFinished(e Entry) bool { return e.Type == Note && e.Step == "run" && e.Message == "finished" }

// Finished reports whether a journal's run has finished: its last entry
// is the FinishedEntry.
func Finished(entries []Entry) bool {
	return len(entries) > 0 && IsFinished(entries[len(entries)-1])
}
