package calendar

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the items as a table (DUE, DEADLINE, STATUS, KIND,
// NAME, NOTE) and a line that counts them; within is the window they were
// chosen for (Within), named in that line.
func WriteText(w io.Writer, items []Item, within time.Duration) error {
	window := "in the next " + describeWindow(within)
	if len(items) == 0 {
		_, err := fmt.Fprintf(w, "Nothing is due %s.\n", window)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DUE\tDEADLINE\tSTATUS\tKIND\tNAME\tNOTE")
	for _, it := range items {
		due, deadline := "-", "-"
		if it.Dated() {
			due, deadline = it.Due.Format(time.DateOnly), it.Date.Format(time.DateOnly)
			if it.Approximate {
				deadline += "~"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", due, deadline, it.Status, it.Kind, oneLine(it.Title()), oneLine(it.Note))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	s := Summarize(items)
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{s.Overdue, "overdue"}, {s.Due, "due"}, {s.Upcoming, "upcoming " + window}, {s.Unknown, "of unknown date"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if s.Upcoming == 0 {
		parts = append(parts, "nothing else "+window)
	}
	line := strings.Join(parts, ", ")
	if !s.Pressing() {
		line += "; nothing is overdue or due"
	}
	_, err := fmt.Fprintf(w, "\n%s.\n", line)
	return err
}

// describeWindow writes 90 days as "90 days".
func describeWindow(d time.Duration) string {
	switch {
	case d%day == 0 && d/day == 1:
		return "day"
	case d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	}
	return d.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
