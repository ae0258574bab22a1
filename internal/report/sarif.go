package report

import (
	"encoding/json"
	"io"

	"github.com/kubehop/kubehop/internal/buildinfo"
	"github.com/kubehop/kubehop/internal/check"
)

// SARIF 2.1.0, the subset code-scanning tools read.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	ShortDescription sarifMessage `json:"shortDescription"`
	Help             sarifMessage `json:"help"`
	DefaultConfig    struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	Physical *sarifPhysical `json:"physicalLocation,omitempty"`
	Logical  []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	Artifact struct {
		URI string `json:"uri"`
	} `json:"artifactLocation"`
	Region *struct {
		StartLine int `json:"startLine"`
	} `json:"region,omitempty"`
}

type sarifLogical struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func sarifLevel(s check.Severity) string {
	switch s {
	case check.Blocker:
		return "error"
	case check.Warning:
		return "warning"
	}
	return "note"
}

// checkSARIF writes a SARIF log: one rule per check, one result per
// finding, located at its manifest file and line when it has one.
func checkSARIF(w io.Writer, r *check.Report, checks []*check.Check) error {
	driver := sarifDriver{Name: "kubehop", Version: buildinfo.Get().Version, InformationURI: "https://github.com/kubehop/kubehop"}
	for _, c := range checks {
		rule := sarifRule{ID: c.ID, Name: c.Title, ShortDescription: sarifMessage{c.Title}, Help: sarifMessage{c.Remedy}}
		rule.DefaultConfig.Level = sarifLevel(c.Severity)
		driver.Rules = append(driver.Rules, rule)
	}
	results := []sarifResult{}
	for _, f := range r.Findings {
		res := sarifResult{RuleID: f.Check, Level: sarifLevel(f.Severity), Message: sarifMessage{f.Object + ": " + f.Message + " " + f.Remedy}}
		loc := sarifLocation{Logical: []sarifLogical{{Name: f.Object, Kind: "object"}}}
		if f.Location != nil && f.Location.File != "" && !f.Location.Live && f.Location.HelmRelease == "" {
			loc.Physical = &sarifPhysical{}
			loc.Physical.Artifact.URI = f.Location.File
			if f.Location.Line > 0 {
				loc.Physical.Region = &struct {
					StartLine int `json:"startLine"`
				}{f.Location.Line}
			}
		}
		res.Locations = []sarifLocation{loc}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
