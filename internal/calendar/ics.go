package calendar

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// ICSOptions tune WriteICS.
type ICSOptions struct {
	// Name is the calendar's name (X-WR-CALNAME), such as the cluster's.
	Name string
	// Now stamps the events (DTSTAMP) and their descriptions.
	Now time.Time
}

// WriteICS writes the dated items as an iCalendar file (RFC 5545) that
// calendar applications import or subscribe to. Each item becomes an
// all-day event on its deadline ("Certificate expires: ...") and, when the
// work starts earlier, an all-day event on its Due day ("Start: ...") with
// a reminder at 09:00 that day. UIDs are derived from the item's kind,
// name, object and deadline, so that writing the file again updates the
// events instead of duplicating them; a renewed certificate (a new
// deadline) is a new event. Items of unknown date are left out.
//
// Lines end in CRLF and are folded at 75 octets; text is escaped.
func WriteICS(w io.Writer, items []Item, opts ICSOptions) error {
	bw := bufio.NewWriter(w)
	line := func(name, value string) { writeFolded(bw, name+":"+value) }
	stamp := opts.Now.UTC().Format("20060102T150405Z")

	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//kubehop//kubehop calendar//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	if opts.Name != "" {
		line("X-WR-CALNAME", escapeText(opts.Name))
	}
	for _, it := range items {
		if !it.Dated() {
			continue
		}
		uid := UID(it)
		desc := describe(it, opts.Now)
		deadline := dayOf(it.Date)
		due := dayOf(it.Due)
		if due.Before(deadline) {
			event(line, uid+"-start@kubehop", stamp, due, "Start: "+it.Title(), desc, it.Kind, true)
		}
		event(line, uid+"-deadline@kubehop", stamp, deadline, deadlineLabel(it.Kind)+": "+it.Title(), desc, it.Kind, !due.Before(deadline))
	}
	line("END", "VCALENDAR")
	return bw.Flush()
}

func event(line func(name, value string), uid, stamp string, on time.Time, summary, desc string, kind Kind, alarm bool) {
	line("BEGIN", "VEVENT")
	line("UID", uid)
	line("DTSTAMP", stamp)
	line("DTSTART;VALUE=DATE", on.Format("20060102"))
	line("DTEND;VALUE=DATE", on.AddDate(0, 0, 1).Format("20060102"))
	line("SUMMARY", escapeText(summary))
	line("DESCRIPTION", escapeText(desc))
	line("CATEGORIES", escapeText("kubehop "+string(kind)))
	line("TRANSP", "TRANSPARENT")
	if alarm {
		line("BEGIN", "VALARM")
		line("ACTION", "DISPLAY")
		line("DESCRIPTION", escapeText(summary))
		line("TRIGGER", "PT9H")
		line("END", "VALARM")
	}
	line("END", "VEVENT")
}

// UID is the stable part of an item's event UIDs: a hash of its kind,
// name, object and deadline day.
func UID(it Item) string {
	h := sha256.Sum256([]byte(strings.Join([]string{string(it.Kind), it.Name, it.Object, it.Date.Format(time.DateOnly)}, "\x00")))
	return hex.EncodeToString(h[:10])
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func deadlineLabel(k Kind) string {
	switch k {
	case Certificate:
		return "Certificate expires"
	case License:
		return "Licence expires"
	case Credential:
		return "Credential expires"
	case EndOfSupport:
		return "End of support"
	case Planned:
		return "Planned"
	}
	return string(k)
}

func describe(it Item, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", it.Kind, it.Title())
	deadline := it.Date.Format(time.DateOnly)
	if it.Approximate {
		deadline += " (approximate)"
	}
	fmt.Fprintf(&b, "Deadline: %s\nStart work: %s (%s before)\n", deadline, it.Due.Format(time.DateOnly), FormatDuration(it.LeadTime))
	if it.Note != "" {
		fmt.Fprintf(&b, "%s\n", it.Note)
	}
	fmt.Fprintf(&b, "Status on %s: %s (kubehop calendar)", now.Format(time.DateOnly), it.Status)
	return b.String()
}

// escapeText escapes an RFC 5545 TEXT value: backslash, semicolon, comma
// and newlines.
func escapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b.WriteString(`\n`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if c < 0x20 && c != '\t' {
				continue // other control characters are not allowed in TEXT
			}
			b.WriteByte(c)
		}
	}
	return b.String()
}

// writeFolded writes a content line, folded so that no line exceeds 75
// octets (the continuation's leading space counts), never inside a UTF-8
// character, each ended by CRLF.
func writeFolded(w *bufio.Writer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		// Keep each backslash escape whole on one line, for readers that
		// unescape before they unfold: an odd run of backslashes before
		// the cut ends in one that escapes the next octet.
		if back := cut; s[cut-1] == '\\' {
			for back > 1 && s[back-1] == '\\' {
				back--
			}
			if (cut-back)%2 == 1 && back > 1 {
				cut = back + (cut-back)/2*2
			}
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	w.WriteString(s)
	w.WriteString("\r\n")
}
