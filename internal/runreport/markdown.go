package runreport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Markdown writes the report for a change ticket: a summary, the steps,
// each pool's drains, the budget waits, the findings, the verification and
// the manual checklist. The output depends only on the report: times are in
// UTC (RFC 3339) and durations are rounded to seconds.
func Markdown(w io.Writer, r *Report) error {
	if r == nil {
		return errors.New("rendering the Markdown report: no report")
	}
	bw := bufio.NewWriter(w)
	md := &mdWriter{w: bw}
	md.title(r)
	md.summary(r)
	md.steps(r)
	md.pools(r)
	md.waits(r)
	md.findings(r)
	md.verification(r)
	md.checklist(r)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing the Markdown report: %w", err)
	}
	return nil
}

// mdWriter writes Markdown to a buffered writer, whose Flush reports the
// first write error.
type mdWriter struct{ w *bufio.Writer }

func (m *mdWriter) printf(format string, args ...any) { fmt.Fprintf(m.w, format, args...) }

// section starts a second-level section.
func (m *mdWriter) section(title string) { m.printf("\n## %s\n\n", title) }

// table writes a table with a header row; cells are escaped.
func (m *mdWriter) table(header []string, rows [][]string) {
	m.row(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	m.printf("|%s|\n", strings.Join(sep, "|"))
	for _, r := range rows {
		m.row(r)
	}
}

func (m *mdWriter) row(cells []string) {
	esc := make([]string, len(cells))
	for i, c := range cells {
		esc[i] = cell(c)
	}
	m.printf("| %s |\n", strings.Join(esc, " | "))
}

func (m *mdWriter) title(r *Report) {
	m.printf("# kubehop upgrade of %s: %s → %s, %s\n", or(r.Cluster, "an unnamed cluster"), or(r.From, "?"), or(r.Target, "?"), or(r.Status, "unknown"))
}

func (m *mdWriter) summary(r *Report) {
	m.printf("\n")
	rows := [][]string{
		{"Cluster", or(r.Cluster, "—")},
		{"Provider", or(r.Provider, "—")},
		{"Version", or(r.From, "?") + " → " + or(r.Target, "?")},
		{"Status", or(r.Status, "unknown")},
		{"Started", utc(r.Started)},
		{"Finished", utc(r.Finished)},
		{"Duration", or(runDuration(r), "—")},
		{"Journal", code(r.Journal)},
	}
	if r.Error != "" {
		rows = append(rows, []string{"Error", r.Error})
	}
	m.table([]string{"Run", ""}, rows)
}

func (m *mdWriter) steps(r *Report) {
	m.section("Steps")
	if len(r.Steps) == 0 {
		m.printf("No step has run.\n")
		return
	}
	var rows [][]string
	end := reportEnd(r)
	for i := range r.Steps {
		s := &r.Steps[i]
		dur := "—"
		if d, ok := stepDuration(s, end); ok {
			dur = fmtDuration(d)
			if s.End.IsZero() {
				dur += " so far"
			}
		}
		title := s.Title
		if s.Error != "" {
			title += " (error: " + s.Error + ")"
		}
		rows = append(rows, []string{code(s.ID), title, s.Status, dur})
	}
	m.table([]string{"Step", "Title", "Status", "Duration"}, rows)
}

func (m *mdWriter) pools(r *Report) {
	m.section("Node pools")
	names := poolNames(r)
	if len(names) == 0 {
		m.printf("No node pool moved.\n")
		return
	}
	var rows [][]string
	end := reportEnd(r)
	for _, name := range names {
		rows = append(rows, poolRow(name, poolNodes(r, name), end))
	}
	m.table([]string{"Pool", "Nodes drained", "First start", "Last end", "Longest drain"}, rows)
}

// poolRow summarises a pool's node drains; a drain not ended counts until
// end.
func poolRow(name string, nodes []*NodeRun, end time.Time) []string {
	drained := 0
	var first, last time.Time
	var longest time.Duration
	longestNode := ""
	for _, n := range nodes {
		to := n.End
		if to.IsZero() {
			to = end
		} else {
			drained++
		}
		if first.IsZero() || n.Start.Before(first) {
			first = n.Start
		}
		if to.After(last) {
			last = to
		}
		if d := to.Sub(n.Start); longestNode == "" || d > longest {
			longest, longestNode = d, n.Node
		}
	}
	count := fmt.Sprint(drained)
	if drained < len(nodes) {
		count = fmt.Sprintf("%d of %d", drained, len(nodes))
	}
	longestText := "—"
	if longestNode != "" {
		longestText = fmt.Sprintf("%s (%s)", fmtDuration(longest), longestNode)
	}
	return []string{name, count, utc(first), utc(last), longestText}
}

func (m *mdWriter) waits(r *Report) {
	m.section("Disruption budget waits")
	budgets := summarizeBudgets(r)
	if len(budgets) == 0 {
		m.printf("No pod waited on a disruption budget.\n")
		return
	}
	var rows [][]string
	for _, b := range budgets {
		rows = append(rows, []string{b.Budget, fmt.Sprint(b.Waits), b.PodList(), b.TotalText(), b.LongestText()})
	}
	m.table([]string{"Budget", "Waits", "Pods", "Total", "Longest"}, rows)
}

func (m *mdWriter) findings(r *Report) {
	m.section("Check findings")
	if len(r.Findings) == 0 {
		m.printf("None.\n")
		return
	}
	var rows [][]string
	for _, f := range r.Findings {
		obj := f.Object
		if where := findingLocation(f); where != "" {
			obj += " (" + where + ")"
		}
		rows = append(rows, []string{string(f.Severity), f.Check, obj, f.Message, f.Remedy})
	}
	m.table([]string{"Severity", "Check", "Object", "Message", "Remedy"}, rows)
}

func (m *mdWriter) verification(r *Report) {
	m.section("Verification")
	v := r.Verify
	if v == nil {
		m.printf("Not run.\n")
		return
	}
	if v.OK() {
		m.printf("**OK**")
	} else {
		m.printf("**FAILED**: %d problem(s) fail the verification", len(v.Errors()))
	}
	if !v.Time.IsZero() {
		m.printf(" (verified at %s)", utc(v.Time))
	}
	c := v.Checked
	m.printf(". Checked %d node(s), %d workload(s), %d pod(s) and %d disruption budget(s); skipped %d pod(s) of Jobs or finished.\n",
		c.Nodes, c.Workloads, c.Pods, c.PDBs, c.Skipped)
	if len(v.Problems) > 0 {
		m.printf("\n")
		for _, p := range v.Problems {
			m.printf("- **%s** `%s` %s: %s\n", p.Severity, p.Check, oneLine(p.Object), oneLine(p.Reason))
		}
	}
	if n := len(v.Events); n > 0 {
		m.printf("\nWarning events since the upgrade began:\n\n")
		for _, e := range v.Events {
			m.printf("- %s on %s ×%d: %s\n", oneLine(e.Reason), oneLine(e.Kind), e.Count, oneLine(e.Message))
		}
	}
}

func (m *mdWriter) checklist(r *Report) {
	m.section("Manual checklist")
	if len(r.Checklist) == 0 {
		m.printf("The profile lists no manual checks.\n")
		return
	}
	for _, c := range r.Checklist {
		if c.Detail != "" {
			m.printf("- [ ] %s — %s\n", oneLine(c.Title), oneLine(c.Detail))
		} else {
			m.printf("- [ ] %s\n", oneLine(c.Title))
		}
	}
}

// utc is a time in UTC as RFC 3339, or "—" when zero.
func utc(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.RFC3339)
}

// code is s as inline code, or "—" when empty.
func code(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// cell makes s fit in a table cell: one line, pipes escaped.
func cell(s string) string {
	return strings.ReplaceAll(oneLine(s), "|", `\|`)
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
