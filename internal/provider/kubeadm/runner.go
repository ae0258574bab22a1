package kubeadm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Runner runs one command on a host and returns once it has ended. The
// bare-metal providers (kubeadm, anthosbm) reach their machines only
// through it, so that tests and dry runs can stand in for ssh and the
// real tools.
type Runner interface {
	// Run runs argv on host. A command that ran and exited non-zero
	// returns its Result and an error (an *ExitError) naming the host, the
	// command and the last lines of its stderr.
	Run(ctx context.Context, host string, argv []string, opts RunOptions) (Result, error)
}

// Stream tells an output line's stream.
type Stream int

// The streams of a command's output.
const (
	StreamOut Stream = iota + 1
	StreamErr
)

func (s Stream) String() string {
	if s == StreamErr {
		return "stderr"
	}
	return "stdout"
}

// RunOptions are one command's settings.
type RunOptions struct {
	// Dir is the working directory; "" leaves the runner's own.
	Dir string
	// Env adds KEY=VALUE variables to the command's environment.
	Env []string
	// OnLine, when set, is called with each line of output as it comes,
	// without its line ending, one call at a time.
	OnLine func(stream Stream, line string)
	// Detach runs the local process (ssh, for SSH) in a process group of
	// its own, so that an interrupt meant for kubehop (Ctrl-C in its
	// terminal) does not reach it: a long upgrade then runs on, and a
	// resumed kubehop follows it. Cancelling the context still stops it.
	Detach bool
}

// Result is what a command left behind.
type Result struct {
	Stdout   string
	Stderr   string
	ExitCode int
}

// ExitError is a command that ran and exited with a non-zero status.
type ExitError struct {
	Host     string
	Argv     []string
	ExitCode int
	// Tail is the last lines of the command's stderr (of its stdout when
	// stderr was empty).
	Tail string
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("host %s: command %q exited with status %d", hostName(e.Host), CommandLine(e.Argv), e.ExitCode)
	if e.Tail != "" {
		msg += ": " + e.Tail
	}
	return msg
}

// tailLines is how many lines of output an ExitError keeps.
const tailLines = 5

// CommandLine is argv as one shell-quoted line, for messages and logs.
func CommandLine(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = Quote(a)
	}
	return strings.Join(words, " ")
}

func hostName(host string) string {
	if host == "" {
		return "localhost"
	}
	return host
}

// Local runs commands on this machine with os/exec.
type Local struct {
	// Dir is the working directory unless RunOptions.Dir says otherwise.
	Dir string
	// Env adds KEY=VALUE variables to every command's environment.
	Env []string
}

// waitDelay bounds how long Run waits for a killed command's output
// (held open by its children) once its context has ended.
const waitDelay = 5 * time.Second

// Run implements Runner. host must be "" or "localhost".
func (l Local) Run(ctx context.Context, host string, argv []string, opts RunOptions) (Result, error) {
	if host != "" && host != "localhost" {
		return Result{ExitCode: -1}, fmt.Errorf("host %s: the local runner only runs commands on localhost", host)
	}
	if len(argv) == 0 {
		return Result{ExitCode: -1}, fmt.Errorf("host %s: no command to run", hostName(host))
	}
	if opts.Dir == "" {
		opts.Dir = l.Dir
	}
	opts.Env = append(append([]string(nil), l.Env...), opts.Env...)
	return runCommand(ctx, host, argv, argv, opts)
}

// runCommand runs argv here with opts; shown is the command errors name
// (the remote command when argv is ssh).
func runCommand(ctx context.Context, host string, argv, shown []string, opts RunOptions) (Result, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = opts.Dir
	if len(opts.Env) > 0 {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	if opts.Detach {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	cmd.WaitDelay = waitDelay
	var mu sync.Mutex
	stdout := &lineWriter{stream: StreamOut, onLine: opts.OnLine, mu: &mu}
	stderr := &lineWriter{stream: StreamErr, onLine: opts.OnLine, mu: &mu}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	stdout.flush()
	stderr.flush()
	res := Result{Stdout: stdout.all.String(), Stderr: stderr.all.String(), ExitCode: cmd.ProcessState.ExitCode()}
	if err == nil {
		return res, nil
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && ctx.Err() == nil && res.ExitCode > 0 {
		return res, &ExitError{Host: host, Argv: shown, ExitCode: res.ExitCode, Tail: tail(res)}
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return res, fmt.Errorf("host %s: command %q: %w", hostName(host), CommandLine(shown), err)
}

// tail is the last lines of a result's stderr, or of its stdout when
// stderr is empty, on one line.
func tail(r Result) string {
	out := strings.TrimSpace(r.Stderr)
	if out == "" {
		out = strings.TrimSpace(r.Stdout)
	}
	return strings.Join(LastLines(out, tailLines), " | ")
}

// LastLines is the last n non-blank lines of text.
func LastLines(text string, n int) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimRight(l, "\r \t"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// lineWriter keeps a stream's output and hands each complete line to
// onLine; mu serialises the calls of a command's two streams.
type lineWriter struct {
	stream  Stream
	onLine  func(Stream, string)
	mu      *sync.Mutex
	all     bytes.Buffer
	partial []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.all.Write(p)
	if w.onLine == nil {
		return len(p), nil
	}
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.emit(string(bytes.TrimRight(w.partial[:i], "\r")))
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

// flush hands on a last line without a line ending.
func (w *lineWriter) flush() {
	if w.onLine != nil && len(w.partial) > 0 {
		w.emit(string(w.partial))
		w.partial = nil
	}
}

func (w *lineWriter) emit(line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onLine(w.stream, line)
}
