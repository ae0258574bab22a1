package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/kubehop/kubehop/internal/check"
)

// CheckFormats are the formats WriteCheck renders, besides JSON and YAML.
var CheckFormats = []string{"text", "markdown", "junit", "sarif"}

// WriteCheck renders a check report in format.
func WriteCheck(w io.Writer, format string, r *check.Report, checks []*check.Check) error {
	switch format {
	case "text":
		return checkText(w, r, checks)
	case "markdown":
		return checkMarkdown(w, r, checks)
	case "junit":
		return checkJUnit(w, r, checks)
	case "sarif":
		return checkSARIF(w, r, checks)
	}
	return fmt.Errorf("unknown report format %q", format)
}

// hopTitle names a group of findings.
func hopTitle(hop string) string {
	switch hop {
	case check.Baseline:
		return "Before the upgrade (baseline)"
	case "":
		return "Every hop that moves nodes"
	}
	if strings.HasPrefix(hop, "→") {
		return "Kubernetes " + strings.TrimPrefix(hop, "→") // no cluster version: grouped by the release that removes them
	}
	return "Hop " + hop
}

// groups splits the (sorted) findings by hop, keeping their order.
func groups(r *check.Report) (order []string, byHop map[string][]check.Finding) {
	byHop = map[string][]check.Finding{}
	for _, f := range r.Findings {
		if _, ok := byHop[f.Hop]; !ok {
			order = append(order, f.Hop)
		}
		byHop[f.Hop] = append(byHop[f.Hop], f)
	}
	return order, byHop
}

func headline(r *check.Report) string {
	var b strings.Builder
	if r.Current != "" {
		fmt.Fprintf(&b, "%s → %s", r.Current, r.Target)
	} else {
		fmt.Fprintf(&b, "manifests against Kubernetes %s", r.Target)
	}
	switch len(r.Hops) {
	case 0:
		if r.Current != "" {
			b.WriteString(" (already at the target minor)")
		}
	case 1:
		fmt.Fprintf(&b, " (1 hop: %s)", r.Hops[0])
	default:
		fmt.Fprintf(&b, " (%d hops: %s)", len(r.Hops), strings.Join(r.Hops, ", "))
	}
	if r.Provider != "" {
		fmt.Fprintf(&b, ", provider %s", r.Provider)
	}
	return b.String()
}

func summaryLine(r *check.Report) string {
	s := fmt.Sprintf("%s, %s, %s", plural(r.Summary.Blockers, "blocker"), plural(r.Summary.Warnings, "warning"), plural(r.Summary.Info, "note"))
	if r.Scanned != nil && r.Scanned.Files > 0 {
		s += fmt.Sprintf("; scanned %s, %s (%s)", plural(r.Scanned.Files, "file"), plural(r.Scanned.Documents, "document"), size(r.Scanned.Bytes))
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func size(b int64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// remedies returns, in check order, each distinct remedy with the checks
// that give it.
func remedies(r *check.Report, checks []*check.Check) [][2]string {
	var out [][2]string
	seen := map[string]int{}
	for _, c := range checks {
		for _, f := range r.Findings {
			if f.Check != c.ID {
				continue
			}
			if i, ok := seen[f.Remedy]; ok {
				if !strings.Contains(out[i][0], f.Check) {
					out[i][0] += ", " + f.Check
				}
				continue
			}
			seen[f.Remedy] = len(out)
			out = append(out, [2]string{f.Check, f.Remedy})
		}
	}
	return out
}

func checkText(w io.Writer, r *check.Report, checks []*check.Check) error {
	fmt.Fprintf(w, "kubehop check: %s\n", headline(r))
	order, byHop := groups(r)
	for _, hop := range order {
		fmt.Fprintf(w, "\n%s\n", strings.ToUpper(hopTitle(hop)))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, f := range byHop[hop] {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", strings.ToUpper(string(f.Severity)), f.Check, f.Object, f.Message)
			if f.Location != nil {
				fmt.Fprintf(tw, "  \t\t\tat %s\n", f.Location)
			}
		}
		tw.Flush()
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "\nNo findings: nothing stands in the way.")
	}
	if rs := remedies(r, checks); len(rs) > 0 {
		fmt.Fprintln(w, "\nWHAT TO DO")
		for _, rm := range rs {
			fmt.Fprintf(w, "  %s: %s\n", rm[0], rm[1])
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "\nproblem: %s", p)
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\n%s.\n", upperFirst(summaryLine(r)))
	return nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func checkMarkdown(w io.Writer, r *check.Report, checks []*check.Check) error {
	fmt.Fprintf(w, "# Upgrade readiness: %s\n\n%s.\n", mdEscape(headline(r)), upperFirst(summaryLine(r)))
	order, byHop := groups(r)
	for _, hop := range order {
		fmt.Fprintf(w, "\n## %s\n\n| Severity | Check | Object | Finding | Where |\n| --- | --- | --- | --- | --- |\n", hopTitle(hop))
		for _, f := range byHop[hop] {
			where := ""
			if f.Location != nil {
				where = "`" + mdEscape(f.Location.String()) + "`"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", f.Severity, f.Check, mdEscape(f.Object), mdEscape(f.Message), where)
		}
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "\nNo findings: nothing stands in the way.")
	}
	if rs := remedies(r, checks); len(rs) > 0 {
		fmt.Fprintln(w, "\n## What to do")
		fmt.Fprintln(w)
		for _, rm := range rs {
			fmt.Fprintf(w, "- **%s**: %s\n", rm[0], mdEscape(rm[1]))
		}
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\n## Problems reading input")
		fmt.Fprintln(w)
		for _, p := range r.Problems {
			fmt.Fprintf(w, "- %s\n", mdEscape(p))
		}
	}
	fmt.Fprintf(w, "\nChecks run: %s.\n", strings.Join(slices.Clone(r.Checks), ", "))
	return nil
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}
