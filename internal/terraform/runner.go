package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

// ErrStalePlan is what [Runner.Apply] wraps when the tool refuses a saved
// plan because the state changed after the plan was made (another apply,
// a state push, a refresh): plan again, guard the new plan and apply that.
var ErrStalePlan = errors.New("the saved plan is stale: the state changed after it was made; plan again")

// stalePlanMessage is the summary of the error Terraform and OpenTofu give
// when applying a stale plan.
const stalePlanMessage = "Saved plan is stale"

// tailLines is how many of the last lines of its error output an error
// from the tool carries.
const tailLines = 20

// interruptGrace is how long the tool has to stop on its own once the
// context of its run ends: it is interrupted (SIGINT) first, as at a
// terminal, so that it finishes the operations under way and writes the
// state and releases its lock, and killed only when that takes longer.
const interruptGrace = 5 * time.Minute

// Runner drives the terraform or tofu binary in a module's directory, as
// the runbooks do by hand: init, plan to a file, show that plan as JSON for
// [CheckPlan], apply exactly that plan. Every run has TF_IN_AUTOMATION=1
// and TF_INPUT=0 in its environment and -input=false on its command line,
// so the tool never waits for an answer.
type Runner struct {
	// Binary is the terraform or tofu executable (see [FindBinary]).
	Binary string
	// Dir is the module's directory, where the commands run.
	Dir string
	// Env is added to the parent's environment; an entry here wins over
	// the parent's of the same name.
	Env []string
	// Output, if set, gets each line the tool writes to its standard
	// output and error, as it writes them, for progress; the JSON of
	// Show and ShowState is not copied to it. Lines are written whole,
	// one Write call each.
	Output io.Writer
}

// CommandError is a run of the tool that failed.
type CommandError struct {
	// Command is the command line, as a person would type it.
	Command string
	Dir     string
	// ExitCode is the tool's exit status; -1 if it did not exit (it did
	// not start, or it was killed).
	ExitCode int
	// Tail is the last lines of the tool's error output (of its standard
	// output when it wrote no errors).
	Tail string
	Err  error
}

func (e *CommandError) Error() string {
	s := fmt.Sprintf("%s (in %s): %v", e.Command, e.Dir, e.Err)
	if e.Tail != "" {
		s += "\n" + e.Tail
	}
	return s
}

func (e *CommandError) Unwrap() error { return e.Err }

// Init runs `init -input=false -no-color`, which installs the providers and
// modules the configuration names and sets up its backend. Running it again
// is harmless.
func (r *Runner) Init(ctx context.Context) error {
	_, err := r.run(ctx, true, "init", "-input=false", "-no-color")
	return err
}

// Plan runs `plan -input=false -no-color -detailed-exitcode -out=planFile`
// and reports whether the plan changes anything. The saved plan is what
// [Runner.Show] reads and [Runner.Apply] applies; a relative planFile is
// in the runner's Dir.
func (r *Runner) Plan(ctx context.Context, planFile string) (changes bool, err error) {
	res, err := r.run(ctx, true, "plan", "-input=false", "-no-color", "-detailed-exitcode", "-out="+planFile)
	if res != nil && res.code == 2 {
		return true, nil // -detailed-exitcode: a plan with changes, saved
	}
	return false, err
}

// Show runs `show -json planFile` and decodes the saved plan, which
// [CheckPlan] judges.
func (r *Runner) Show(ctx context.Context, planFile string) (*tfjson.Plan, error) {
	res, err := r.run(ctx, false, "show", "-json", planFile)
	if err != nil {
		return nil, err
	}
	var p tfjson.Plan
	if err := json.Unmarshal(jsonDocument(res.stdout), &p); err != nil {
		return nil, res.errorf("read the plan's JSON: %w", err)
	}
	return &p, nil
}

// ShowState runs `show -json` and decodes the current state: the values
// of every resource as the last apply left them. A module never applied
// has a state with no values.
func (r *Runner) ShowState(ctx context.Context) (*tfjson.State, error) {
	res, err := r.run(ctx, false, "show", "-json")
	if err != nil {
		return nil, err
	}
	var s tfjson.State
	if err := json.Unmarshal(jsonDocument(res.stdout), &s); err != nil {
		return nil, res.errorf("read the state's JSON: %w", err)
	}
	return &s, nil
}

// jsonDocument is the JSON document of show -json's output. The tool
// writes some warnings before it on standard output (a CLI configuration
// file named by TF_CLI_CONFIG_FILE that does not exist); the document is
// the last line that starts with "{".
func jsonDocument(out []byte) []byte {
	if i := bytes.LastIndex(out, []byte("\n{")); i >= 0 && !bytes.HasPrefix(out, []byte("{")) {
		return out[i+1:]
	}
	return out
}

// Apply runs `apply -input=false -no-color -auto-approve planFile`: it
// applies the saved plan and nothing else. A plan the tool refuses because
// the state changed after it was made is an error wrapping [ErrStalePlan].
func (r *Runner) Apply(ctx context.Context, planFile string) error {
	res, err := r.run(ctx, true, "apply", "-input=false", "-no-color", "-auto-approve", planFile)
	if err != nil && res != nil && res.says(stalePlanMessage) {
		return fmt.Errorf("%w: %w", ErrStalePlan, err)
	}
	return err
}

// result is what one run of the tool wrote, and how it ended.
type result struct {
	command, dir   string
	stdout, stderr []byte
	code           int
}

func (res *result) says(s string) bool {
	return bytes.Contains(res.stderr, []byte(s)) || bytes.Contains(res.stdout, []byte(s))
}

func (res *result) errorf(format string, args ...any) error {
	return &CommandError{Command: res.command, Dir: res.dir, ExitCode: res.code, Err: fmt.Errorf(format, args...)}
}

// run runs the tool with args in Dir and waits for it. Its output goes to
// Output line by line (standard output only if streamStdout) and is kept
// in the result. An exit status other than 0 is a *CommandError carrying
// the tail of its error output; the result is returned with it, unless
// the tool did not start.
func (r *Runner) run(ctx context.Context, streamStdout bool, args ...string) (*result, error) {
	res := &result{command: commandLine(r.Binary, args), dir: r.Dir, code: -1}
	if res.dir == "" {
		res.dir = "."
	}
	if r.Binary == "" {
		return nil, res.errorf("no terraform or tofu binary given")
	}
	cmd := exec.CommandContext(ctx, r.Binary, args...)
	cmd.Dir = r.Dir
	cmd.Env = append(append(os.Environ(), r.Env...), "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = interruptGrace
	var mu sync.Mutex
	var stdout, stderr bytes.Buffer
	outw := &lineWriter{mu: &mu, keep: &stdout}
	if streamStdout {
		outw.out = r.Output
	}
	errw := &lineWriter{mu: &mu, keep: &stderr, out: r.Output}
	cmd.Stdout, cmd.Stderr = outw, errw
	err := cmd.Run()
	outw.flush()
	errw.flush()
	res.stdout, res.stderr = stdout.Bytes(), stderr.Bytes()
	if cmd.ProcessState != nil {
		res.code = cmd.ProcessState.ExitCode()
	}
	if err == nil {
		return res, nil
	}
	if cmd.ProcessState == nil { // it did not start
		return nil, res.errorf("%w", err)
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("stopped: %w (%v)", context.Cause(ctx), err)
	}
	tail := lastLines(res.stderr, tailLines)
	if tail == "" {
		tail = lastLines(res.stdout, tailLines)
	}
	return res, &CommandError{Command: res.command, Dir: res.dir, ExitCode: res.code, Tail: tail, Err: err}
}

// FindBinary returns the tool to run: explicit if given (a path, or a name
// looked up on PATH), else tofu on PATH, else terraform.
func FindBinary(explicit string) (string, error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("terraform binary %s: %w", explicit, err)
		}
		return p, nil
	}
	for _, name := range []string{"tofu", "terraform"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("neither tofu nor terraform is on PATH: install OpenTofu or Terraform, or name the binary to run")
}

// commandLine writes a command as a person would type it, quoting the
// arguments that need it.
func commandLine(bin string, args []string) string {
	words := make([]string, 0, 1+len(args))
	for _, w := range append([]string{bin}, args...) {
		if w == "" || strings.ContainsAny(w, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			w = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// lastLines returns the last n lines of out, leaving out blank lines at
// either end.
func lastLines(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), " \t\r\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimLeft(strings.Join(lines, "\n"), "\r\n")
}

// lineWriter keeps everything written to it and copies each complete line
// to out. The writers of one command share a mutex, so that lines of its
// standard output and error do not interleave.
type lineWriter struct {
	mu      *sync.Mutex
	out     io.Writer // nil: keep only
	keep    *bytes.Buffer
	partial []byte // the last line, until it ends
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.keep.Write(p)
	if w.out == nil {
		return len(p), nil
	}
	w.partial = append(w.partial, p...)
	rest := w.partial
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		w.emit(rest[:i+1])
		rest = rest[i+1:]
	}
	w.partial = append(w.partial[:0], rest...)
	return len(p), nil
}

// flush writes a last line that did not end in a newline.
func (w *lineWriter) flush() {
	if w.out != nil && len(w.partial) > 0 {
		w.emit(append(w.partial, '\n'))
		w.partial = nil
	}
}

// emit writes one line to out. A failing out does not fail the command:
// the output is only for progress.
func (w *lineWriter) emit(line []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(line)
}
