package check

import (
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/scan"
)

var removedAPICheck = &Check{
	ID: "KH-API-001", Title: "Removed API versions", Severity: Blocker,
	Applies: "the hop that removes the API version",
	Remedy:  "Move the manifest (or the chart, or whatever applies the live object) to the replacement API version before this hop; the API server stops serving the old one.",
	Run: func(in *Input, c *Check) []Finding {
		return apiFindings(in, c, true)
	},
}

var deprecatedAPICheck = &Check{
	ID: "KH-API-002", Title: "Deprecated API versions", Severity: Warning,
	Applies: "hops at or after the deprecation",
	Remedy:  "Move to the replacement API version now, while both are served; a later upgrade removes the old one.",
	Run: func(in *Input, c *Check) []Finding {
		return apiFindings(in, c, false)
	},
}

// apiFindings reports the scan's matches removed by the target (removed
// true) or deprecated but not yet removed by it.
func apiFindings(in *Input, c *Check, removed bool) []Finding {
	if in.Scan == nil {
		return nil
	}
	var out []Finding
	for i := range in.Scan.Matches {
		m := &in.Scan.Matches[i]
		removedIn, err := version.ParseGeneric(m.API.RemovedIn)
		isRemoved := err == nil && !in.Target.LessThan(removedIn)
		if isRemoved != removed {
			continue
		}
		var f Finding
		if removed {
			hop := in.hopTo(removedIn)
			f = c.finding(hop, m.Kind+" "+objectName(m), "%s %s was removed in Kubernetes %s%s", m.APIVersion, m.Kind, m.API.RemovedIn, replacement(m))
			if m.Location.Live && hop == Baseline {
				f.Severity = Warning // served at a newer version already; whatever last applied it still uses the old one
			}
		} else {
			deprecatedIn, err := version.ParseGeneric(m.API.DeprecatedIn)
			if err != nil || in.Target.LessThan(deprecatedIn) {
				continue
			}
			when := "a future release"
			if m.API.RemovedIn != "" {
				when = "Kubernetes " + m.API.RemovedIn
			}
			f = c.finding(in.hopTo(deprecatedIn), m.Kind+" "+objectName(m), "%s %s is deprecated since %s and removed in %s%s", m.APIVersion, m.Kind, m.API.DeprecatedIn, when, replacement(m))
		}
		loc := m.Location
		f.Location = &loc
		out = append(out, f)
	}
	return out
}

func objectName(m *scan.Match) string {
	name := m.Name
	if name == "" {
		name = "(unnamed)"
	}
	if m.Namespace != "" {
		return m.Namespace + "/" + name
	}
	return name
}

func replacement(m *scan.Match) string {
	if m.API.Replacement == "" {
		return "; it has no replacement"
	}
	return "; use " + m.API.Replacement + " " + m.API.ReplacementKindOrKind()
}
