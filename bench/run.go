package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// invocation is one command line to measure.
type invocation struct {
	args  []string
	dir   string // working directory; "" for the current one
	stdin string // file to connect to standard input; "" for none
}

// limits bound a child process.
type limits struct {
	timeout time.Duration
	maxRSS  int64 // bytes; 0 for no limit
}

// sample is one measured run.
type sample struct {
	wall, cpu time.Duration
	maxRSS    int64 // bytes
	exitCode  int
}

// measure runs inv, with standard output to out and standard error to
// out+".stderr", and returns its wall time, CPU time and peak RSS. A run
// that exits with a code not in ok, is killed, or times out is an error
// that quotes the end of its standard error.
func measure(ctx context.Context, inv invocation, out string, ok []int, lim limits) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, lim.timeout)
	defer cancel()
	stdout, err := os.Create(out)
	if err != nil {
		return sample{}, err
	}
	defer stdout.Close()
	stderr, err := os.Create(out + ".stderr")
	if err != nil {
		return sample{}, err
	}
	defer stderr.Close()
	cmd := exec.CommandContext(ctx, inv.args[0], inv.args[1:]...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = inv.dir, stdout, stderr
	if inv.stdin != "" {
		in, err := os.Open(inv.stdin)
		if err != nil {
			return sample{}, err
		}
		defer in.Close()
		cmd.Stdin = in
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	// If memory runs out, the kernel should pick the tool, not whatever
	// else runs on the machine.
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/oom_score_adj", cmd.Process.Pid), []byte("1000"), 0)
	overLimit := make(chan int64, 1)
	done := make(chan struct{})
	if lim.maxRSS > 0 {
		go watchRSS(cmd.Process, lim.maxRSS, overLimit, done)
	}
	waitErr := cmd.Wait()
	wall := time.Since(start)
	close(done)
	ps := cmd.ProcessState
	s := sample{wall: wall, cpu: ps.UserTime() + ps.SystemTime(), maxRSS: maxRSS(ps), exitCode: ps.ExitCode()}
	select {
	case rss := <-overLimit:
		return s, fmt.Errorf("killed: resident set reached %s, over the --max-rss limit of %s", mib(rss), mib(lim.maxRSS))
	default:
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return s, fmt.Errorf("killed after the --timeout of %s", lim.timeout)
	}
	if ctx.Err() != nil {
		return s, ctx.Err()
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) {
		return s, waitErr
	}
	if !slices.Contains(ok, s.exitCode) {
		return s, fmt.Errorf("exit code %d%s", s.exitCode, tail(out+".stderr"))
	}
	return s, nil
}

// watchRSS kills p when its resident set grows past max.
func watchRSS(p *os.Process, max int64, over chan<- int64, done <-chan struct{}) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	status := fmt.Sprintf("/proc/%d/status", p.Pid)
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if rss := procRSS(status); rss > max {
			over <- rss
			_ = p.Kill()
			return
		}
	}
}

// procRSS reads VmRSS from a /proc/<pid>/status file, in bytes.
func procRSS(status string) int64 {
	data, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := strings.Fields(string(v))
			if len(f) > 0 {
				kib, _ := strconv.ParseInt(f[0], 10, 64)
				return kib << 10
			}
		}
	}
	return 0
}

// tail returns the last lines of a file, for an error message.
func tail(name string) string {
	f, err := os.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
		if len(lines) > 20 {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return ": " + strings.Join(lines[max(0, len(lines)-3):], " | ")
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
