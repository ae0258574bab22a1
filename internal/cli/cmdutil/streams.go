package cmdutil

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/kubehop/kubehop/internal/exitcode"
)

// IOStreams are where a command reads and writes: results to Out, progress
// for people and logs to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// StdStreams returns the process's own streams.
func StdStreams() IOStreams { return IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr} }

// IsTerminal reports whether w is a terminal, so that a command may draw
// live progress instead of plain lines.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// TerminalWidth is the width of the terminal w is, or 0.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok {
		return 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return width
}

// GlobalOptions are the flags every command has.
type GlobalOptions struct {
	Verbosity int
	LogFormat string
	Cluster   ClusterOptions
}

// AddFlags registers the global flags on fs.
func (o *GlobalOptions) AddFlags(fs *pflag.FlagSet) {
	fs.CountVarP(&o.Verbosity, "verbose", "v", "log more to stderr (-v for info, -vv for debug)")
	fs.StringVar(&o.LogFormat, "log-format", "text", "log format on stderr: text or json")
	o.Cluster.AddFlags(fs)
}

// Logger returns the structured logger the global flags ask for. Logs go to
// w; without -v only warnings and errors are logged.
func (o *GlobalOptions) Logger(w io.Writer) *slog.Logger {
	level := slog.LevelWarn
	switch {
	case o.Verbosity >= 2:
		level = slog.LevelDebug
	case o.Verbosity == 1:
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if o.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Confirm asks question on ErrOut and reads the answer from In: only
// "yes" goes on. Anything else, or no answer at all, is a bad-input error
// that says nothing was changed and how to skip the question.
func Confirm(streams IOStreams, question, skip string) error {
	fmt.Fprintf(streams.ErrOut, "\n%s? Type yes to go on: ", question)
	answer, err := bufio.NewReader(streams.In).ReadString('\n')
	if err != nil && answer == "" {
		return exitcode.Invalid(fmt.Errorf("no confirmation on standard input; nothing was changed (%s)", skip))
	}
	if strings.TrimSpace(answer) != "yes" {
		return exitcode.Invalid(fmt.Errorf("not confirmed; nothing was changed (%s)", skip))
	}
	return nil
}
