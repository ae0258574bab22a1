package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"

	"github.com/kubehop/kubehop/internal/check"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Type    string `xml:"type,attr"`
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// checkJUnit writes one test suite per hop and one test case per finding;
// blockers and warnings fail, notes pass. Checks without findings appear as
// passing cases, so a CI view shows what was checked.
func checkJUnit(w io.Writer, r *check.Report, checks []*check.Check) error {
	suites := junitSuites{Name: "kubehop check " + headline(r)}
	order, byHop := groups(r)
	for _, hop := range order {
		s := junitSuite{Name: hopTitle(hop)}
		for _, f := range byHop[hop] {
			c := junitCase{Name: f.Object, Classname: f.Check}
			text := f.Message
			if f.Location != nil {
				text += "\nat " + f.Location.String()
			}
			text += "\nremedy: " + f.Remedy
			if f.Severity == check.Info {
				c.SystemOut = text
			} else {
				c.Failure = &junitFailure{Type: string(f.Severity), Message: f.Message, Text: text}
				s.Failures++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		suites.Suites = append(suites.Suites, s)
	}
	found := map[string]bool{}
	for _, f := range r.Findings {
		found[f.Check] = true
	}
	passed := junitSuite{Name: "Checks without findings"}
	for _, c := range checks {
		if !found[c.ID] && slices.Contains(r.Checks, c.ID) {
			passed.Cases = append(passed.Cases, junitCase{Name: c.Title, Classname: c.ID})
		}
	}
	passed.Tests = len(passed.Cases)
	if passed.Tests > 0 {
		suites.Suites = append(suites.Suites, passed)
	}
	for _, s := range suites.Suites {
		suites.Tests += s.Tests
		suites.Failures += s.Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suites); err != nil {
		return fmt.Errorf("encode JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}
