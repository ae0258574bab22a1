package calendar

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

// vevent is a VEVENT read back: its properties (the first of each name,
// parameters kept in the name) and whether it has an alarm.
type vevent struct {
	props map[string]string
	alarm bool
}

// parseICS reads an iCalendar file loosely: unfolds lines, splits
// properties, unescapes text, and collects the VEVENTs.
func parseICS(t *testing.T, data string) (calendar map[string]string, events []vevent) {
	t.Helper()
	if !strings.HasSuffix(data, "\r\n") {
		t.Fatal("the file does not end in CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n")
	var lines []string
	for _, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("a bare CR or LF in %q", l)
		}
		if len(l) > 75 {
			t.Errorf("line of %d octets: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("a fold split a UTF-8 character: %q", l)
		}
		if strings.HasPrefix(l, " ") {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	calendar = map[string]string{}
	var cur *vevent
	depth := []string{}
	for _, l := range lines {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("no colon in %q", l)
		}
		switch name {
		case "BEGIN":
			depth = append(depth, value)
			if value == "VEVENT" {
				events = append(events, vevent{props: map[string]string{}})
				cur = &events[len(events)-1]
			}
			if value == "VALARM" {
				cur.alarm = true
			}
			continue
		case "END":
			if len(depth) == 0 || depth[len(depth)-1] != value {
				t.Fatalf("END:%s does not close %v", value, depth)
			}
			depth = depth[:len(depth)-1]
			if value == "VEVENT" {
				cur = nil
			}
			continue
		}
		props := calendar
		if cur != nil {
			props = cur.props
		}
		if len(depth) > 0 && depth[len(depth)-1] == "VALARM" {
			continue
		}
		if _, seen := props[name]; !seen {
			props[name] = unescape(value)
		}
	}
	if len(depth) != 0 {
		t.Fatalf("unclosed %v", depth)
	}
	return calendar, events
}

func unescape(s string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, "\n", `\N`, "\n")
	return r.Replace(s)
}

func writeICS(t *testing.T, items []Item, at time.Time) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteICS(&b, items, ICSOptions{Name: "kubehop: vantiq-prod", Now: at}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteICS(t *testing.T) {
	p := testProfile()
	p.Planned = append(p.Planned, profile.Planned{
		Name: "Vantiq 1.40, then; Keycloak \\ Istio",
		Date: "2027-01-20",
		Note: "アプリケーションのマイナーアップグレード: 準備は1週間前から。Line two\nhas, commas; semicolons \\ and a very long tail that must be folded more than once to fit.",
	})
	items := Build(Input{Profile: p, Snapshot: testSnapshot(), Now: now})
	data := writeICS(t, items, now)
	cal, events := parseICS(t, data)

	if cal["VERSION"] != "2.0" || !strings.HasPrefix(cal["PRODID"], "-//kubehop//") || cal["X-WR-CALNAME"] != "kubehop: vantiq-prod" {
		t.Errorf("calendar properties %v", cal)
	}
	dated := 0
	for _, it := range items {
		if it.Dated() {
			dated++
		}
	}
	// Every dated item has a start and a deadline event (all lead times are
	// positive here); unknown items have none.
	if len(events) != 2*dated {
		t.Fatalf("%d events for %d dated items", len(events), dated)
	}
	byUID := map[string]vevent{}
	for _, e := range events {
		uid := e.props["UID"]
		if !strings.HasSuffix(uid, "@kubehop") || byUID[uid].props != nil {
			t.Errorf("UID %q missing, malformed or repeated", uid)
		}
		byUID[uid] = e
		if e.props["DTSTAMP"] != "20261125T100000Z" || e.props["DTSTART;VALUE=DATE"] == "" || e.props["DTEND;VALUE=DATE"] == "" {
			t.Errorf("event %v", e.props)
		}
	}

	var planned Item
	for _, it := range items {
		if strings.HasPrefix(it.Name, "Vantiq 1.40") {
			planned = it
		}
	}
	uid := UID(planned)
	start, deadline := byUID[uid+"-start@kubehop"], byUID[uid+"-deadline@kubehop"]
	if start.props["SUMMARY"] != "Start: Vantiq 1.40, then; Keycloak \\ Istio" || start.props["DTSTART;VALUE=DATE"] != "20270113" ||
		start.props["DTEND;VALUE=DATE"] != "20270114" || !start.alarm {
		t.Errorf("start event %+v", start)
	}
	if deadline.props["SUMMARY"] != "Planned: Vantiq 1.40, then; Keycloak \\ Istio" || deadline.props["DTSTART;VALUE=DATE"] != "20270120" || deadline.alarm {
		t.Errorf("deadline event %+v", deadline)
	}
	desc := deadline.props["DESCRIPTION"]
	if !strings.Contains(desc, planned.Note) || !strings.Contains(desc, "Deadline: 2027-01-20\nStart work: 2027-01-13 (7d before)") {
		t.Errorf("description %q", desc)
	}
	// The escapes are there in the raw file.
	if !strings.Contains(strings.ReplaceAll(data, "\r\n ", ""), `Vantiq 1.40\, then\; Keycloak \\ Istio`) {
		t.Error("SUMMARY not escaped")
	}

	// Stable UIDs: the same items a day later, statuses changed, give the
	// same UIDs; a renewed certificate (new expiry) gets a new one.
	later := Build(Input{Profile: p, Snapshot: testSnapshot(), Now: now.AddDate(0, 0, 1)})
	_, again := parseICS(t, writeICS(t, later, now.AddDate(0, 0, 1)))
	for _, e := range again {
		if byUID[e.props["UID"]].props == nil {
			t.Errorf("UID %s changed from one run to the next", e.props["UID"])
		}
	}
	renewed := testSnapshot()
	renewed.Certificates[3].NotAfter = renewed.Certificates[3].NotAfter.AddDate(1, 0, 0)
	for _, it := range Build(Input{Profile: p, Snapshot: renewed, Now: now}) {
		if it.Name == "vantiq-tls" && it.Dated() && byUID[UID(it)+"-deadline@kubehop"].props != nil {
			t.Error("a renewed certificate should be a new event")
		}
	}
}

func TestWriteICSSameDayAndEmpty(t *testing.T) {
	d := date("2027-02-01")
	_, events := parseICS(t, writeICS(t, []Item{{Kind: Planned, Name: "same day", Date: d, Due: d, Status: Upcoming}, {Kind: License, Name: "x", Status: Unknown}}, now))
	if len(events) != 1 || events[0].props["SUMMARY"] != "Planned: same day" || !events[0].alarm {
		t.Errorf("a zero lead time is one event, with the reminder: %+v", events)
	}
	cal, events := parseICS(t, writeICS(t, nil, now))
	if len(events) != 0 || cal["VERSION"] != "2.0" {
		t.Errorf("empty calendar %v %v", cal, events)
	}
}

func TestFoldAndEscape(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("a", 75),
		strings.Repeat("a", 76),
		strings.Repeat("é", 100),
		strings.Repeat("証明書の更新", 30),
		"DESCRIPTION:" + strings.Repeat("x", 300),
		"DESCRIPTION:" + strings.Repeat(`ab\,`, 40),
		"DESCRIPTION:" + strings.Repeat(`a\\`, 60),
		"DESCRIPTION:" + strings.Repeat(`\`, 80),
	} {
		var b bytes.Buffer
		w := bufioWriter(&b)
		writeFolded(w, s)
		w.Flush()
		out := b.String()
		var unfolded strings.Builder
		for i, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(l) > 75 || !utf8.ValidString(l) {
				t.Errorf("line %d of %q: %d octets", i, s[:10], len(l))
			}
			if i > 0 {
				if !strings.HasPrefix(l, " ") {
					t.Errorf("continuation without a space: %q", l)
				}
				l = l[1:]
			}
			unfolded.WriteString(l)
		}
		if unfolded.String() != s {
			t.Errorf("fold lost data")
		}
		for i, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if i > 0 {
				l = l[1:]
			}
			if n := len(l) - len(strings.TrimRight(l, `\`)); n%2 == 1 {
				t.Errorf("a fold split a backslash escape: %q", l)
			}
		}
		if len(s) <= 75 && strings.Count(out, "\r\n") != 1 {
			t.Errorf("a line of %d octets should not be folded", len(s))
		}
	}
	if got := escapeText("a,b;c\\d\ne\r\nf\x01"); got != `a\,b\;c\\d\ne\nf` {
		t.Errorf("escapeText = %q", got)
	}
}

func TestICSCertificateDays(t *testing.T) {
	s := &inventory.Snapshot{Cluster: inventory.Cluster{Version: "v1.35.0"}, Certificates: []inventory.Certificate{
		{Namespace: "a", Secret: "b", NotAfter: time.Date(2027, 3, 10, 23, 30, 0, 0, time.UTC)},
	}}
	items := Build(Input{Profile: &profile.Profile{Provider: "eks", Target: "1.35"}, Snapshot: s, Now: now})
	_, events := parseICS(t, writeICS(t, items[:1], now))
	if events[1].props["SUMMARY"] != "Certificate expires: Secret a/b" || events[1].props["DTSTART;VALUE=DATE"] != "20270310" || events[0].props["DTSTART;VALUE=DATE"] != "20270224" {
		t.Errorf("certificate events %+v", events)
	}
}

func bufioWriter(b *bytes.Buffer) *bufio.Writer { return bufio.NewWriter(b) }
