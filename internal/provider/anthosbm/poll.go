package anthosbm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/kubehop/kubehop/internal/provider"
)

// Markers of bmctl's log. bmctl writes "[2023-01-01 12:00:00+0000] "
// before each line of its own; the markers are matched on the rest.
//
// A failure marker is a line that starts with "Error" or "Fatal" (bmctl's
// "Error: failed to upgrade cluster: ..."), or says an upgrade failed
// ("failed to upgrade", "upgrade ... failed"). klog lines of the
// components ("E0101 12:00:00.000000 ...") are not markers: they report
// errors that are retried.
//
// A success marker is a line that says an upgrade succeeded ("Upgrade
// cluster CLUSTER ... succeeded", "... upgraded successfully",
// "successfully upgraded ...").
//
// Markers only matter for a log whose bmctl this process did not start
// (after a resume); see Poll.
var (
	timestampRE = regexp.MustCompile(`^\[[^\]]*\]\s*`)
	failureRE   = regexp.MustCompile(`(?i)^(error|fatal)\b|\bfailed to upgrade\b|\bupgrade\b.*\bfailed\b`)
	successRE   = regexp.MustCompile(`(?i)\bupgrad(e|ed|ing)\b.*\b(succeeded|successful|successfully)\b|\bsuccessfully upgraded\b`)
)

// marker kinds.
const (
	noMarker = iota
	failureMarker
	successMarker
)

// markerOf tells whether a log line is a marker.
func markerOf(line string) int {
	msg := strings.TrimSpace(timestampRE.ReplaceAllString(strings.TrimSpace(line), ""))
	switch {
	case failureRE.MatchString(msg):
		return failureMarker
	case successRE.MatchString(msg):
		return successMarker
	}
	return noMarker
}

// tailSize is how many of the log's last lines a follower keeps.
const tailSize = 5

// follower is how far one log has been read and what it said.
type follower struct {
	mu      sync.Mutex
	path    string
	offset  int64
	partial []byte
	// tail are the last lines read; marker and markerLine the last
	// marker.
	tail       []string
	marker     int
	markerLine string
	// changed is when the log last changed (its modification time).
	changed time.Time
}

// follower returns the follower of the log at path.
func (b *BareMetal) follower(path string) *follower {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.follows == nil {
		b.follows = map[string]*follower{}
	}
	f := b.follows[path]
	if f == nil {
		f = &follower{path: path}
		b.follows[path] = f
	}
	return f
}

func (b *BareMetal) job(id string) *job {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.jobs[id]
}

// read reads what the log gained since the last read and returns its
// complete lines; final also returns a last line without a line ending.
func (f *follower) read(final bool) ([]string, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return nil, err
	}
	if st.ModTime().After(f.changed) {
		f.changed = st.ModTime()
	}
	if st.Size() < f.offset {
		return nil, fmt.Errorf("log %s shrank from %d to %d bytes", f.path, f.offset, st.Size())
	}
	data, err := io.ReadAll(io.NewSectionReader(file, f.offset, st.Size()-f.offset))
	if err != nil {
		return nil, err
	}
	f.offset += int64(len(data))
	return f.lines(data, final), nil
}

// lines splits data, after what was left of the last read, into lines.
func (f *follower) lines(data []byte, final bool) []string {
	buf := append(f.partial, data...)
	var lines []string
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		lines = append(lines, string(bytes.TrimRight(buf[:i], "\r")))
		buf = buf[i+1:]
	}
	f.partial = append([]byte(nil), buf...)
	if final && len(f.partial) > 0 {
		lines = append(lines, string(f.partial))
		f.partial = nil
	}
	for _, l := range lines {
		f.note(l)
	}
	return lines
}

// note keeps a line in the tail and remembers it when it is a marker.
func (f *follower) note(line string) {
	if strings.TrimSpace(line) == "" {
		return
	}
	f.tail = append(f.tail, line)
	if len(f.tail) > tailSize {
		f.tail = f.tail[len(f.tail)-tailSize:]
	}
	if m := markerOf(line); m != noMarker {
		f.marker, f.markerLine = m, line
	}
}

// Poll implements provider.Cloud for the Operation of StartUpgrade: it
// reads the lines bmctl's log (the Operation's ID) gained since the last
// Poll of this BareMetal, hands them to Progress, and decides the state:
//
//   - When this BareMetal started bmctl, bmctl decides: InProgress while
//     it runs, Successful when it exits 0, Failed otherwise, with the
//     log's last failure marker and bmctl's error (its last lines of
//     stderr) as the Operation's errors.
//   - Otherwise (a resume: bmctl was started by an earlier kubehop and may
//     still be running, or not), the Cluster resource and the log decide:
//     Successful once spec and status anthosBareMetalVersion are the
//     target; Failed when the log's last marker is a failure and the log
//     has not changed for Settle, when it is a success but the Cluster,
//     read, is not at the target after Settle, or when the log has not
//     changed for Quiet; InProgress otherwise. A Cluster that cannot be
//     read (its API server restarts during the upgrade) leaves the log to
//     decide.
//
// A BareMetal that has not read the log yet (a new one after a resume)
// reads it from the start, so Progress sees the whole log.
func (b *BareMetal) Poll(ctx context.Context, op provider.Operation) (provider.Operation, error) {
	if op.ID == "" {
		if op.Done() {
			return op, nil
		}
		return op, b.errorf("upgrade to %s: the operation has no log path", op.Version)
	}
	j := b.job(op.ID)
	exited := j != nil && j.exited() // before reading: the log is whole once bmctl has exited
	f := b.follower(op.ID)
	f.mu.Lock()
	lines, err := f.read(exited)
	f.mu.Unlock()
	if err != nil {
		return op, b.errorf("upgrade to %s: read bmctl's log: %w", op.Version, err)
	}
	if b.Progress != nil {
		for _, l := range lines {
			b.Progress(l)
		}
	}
	cur := op
	cur.Status, cur.Errors = provider.OpInProgress, nil
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case j != nil && exited:
		cur.Status, cur.Errors = exitVerdict(j, f)
	case j == nil:
		cur.Status, cur.Errors = b.logVerdict(ctx, f, op.Version)
	}
	return cur, nil
}

// exitVerdict is the state of an upgrade whose bmctl this value ran.
func exitVerdict(j *job, f *follower) (string, []string) {
	if j.err == nil {
		return provider.OpSuccessful, nil
	}
	var errs []string
	if f.marker == failureMarker {
		errs = append(errs, f.markerLine)
	}
	return provider.OpFailed, append(errs, "bmctl: "+j.err.Error())
}

// logVerdict is the state of an upgrade whose bmctl this value did not
// run; see Poll.
func (b *BareMetal) logVerdict(ctx context.Context, f *follower, target string) (string, []string) {
	spec, status, err := b.clusterVersion(ctx)
	readable := err == nil
	if readable && sameRelease(spec, target) && sameRelease(status, target) {
		return provider.OpSuccessful, nil
	}
	quiet := time.Since(f.changed)
	switch {
	case f.marker == failureMarker && quiet >= durationOr(b.Settle, DefaultSettle):
		return provider.OpFailed, []string{f.markerLine, fmt.Sprintf("the log has not changed since %s and bmctl was not started by this kubehop", f.changed.Format(time.RFC3339))}
	case f.marker == successMarker && readable && quiet >= durationOr(b.Settle, DefaultSettle):
		return provider.OpFailed, []string{f.markerLine, fmt.Sprintf("but the Cluster resource is at spec %s, status %s, not %s", orNone(spec), orNone(status), target)}
	case quiet >= durationOr(b.Quiet, DefaultQuiet):
		errs := []string{fmt.Sprintf("the log has not changed for %s (since %s), bmctl was not started by this kubehop, and the Cluster is not at %s: is bmctl still running?", quiet.Round(time.Second), f.changed.Format(time.RFC3339), target)}
		if len(f.tail) > 0 {
			errs = append(errs, "last lines: "+strings.Join(f.tail, " | "))
		}
		return provider.OpFailed, errs
	}
	return provider.OpInProgress, nil
}
