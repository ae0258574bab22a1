package demo

import (
	"fmt"
	"io"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	platform "github.com/kubehop/kubehop/internal/demo"
)

// progress tells a person what the demo is doing. On a terminal the waiting
// line is redrawn in place; elsewhere a line is printed when it changes.
type progress struct {
	w        io.Writer
	terminal bool
	last     string
	open     bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, terminal: cmdutil.IsTerminal(w)}
}

func (p *progress) step(format string, args ...any) {
	p.done()
	fmt.Fprintf(p.w, "==> "+format+"\n", args...)
}

func (p *progress) platform(s platform.Status) {
	ready := 0
	for _, n := range s.Nodes {
		if n.Ready {
			ready++
		}
	}
	line := fmt.Sprintf("    waiting: %d/%d nodes Ready, %d/%d pods Ready, %d things not ready", ready, len(s.Nodes), s.Pods.Ready, s.Pods.Total, len(s.NotReady))
	if line == p.last {
		return
	}
	p.last = line
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.open = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// done ends a line redrawn in place.
func (p *progress) done() {
	if p.open {
		fmt.Fprintln(p.w)
		p.open = false
	}
}
