package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func sampleReport() *check.Report {
	return &check.Report{
		Current: "1.35.2", Target: "1.37", Hops: []string{"1.35→1.36", "1.36→1.37"}, Provider: "aks",
		Checks: []string{"KH-VER-001", "KH-API-001", "KH-DRAIN-001", "KH-CERT-001"},
		Findings: []check.Finding{
			{Check: "KH-VER-001", Severity: check.Info, Hop: check.Baseline, Object: "cluster", Message: "1.35.2 to 1.37 takes 2 hops", Remedy: "Each hop is a full upgrade."},
			{Check: "KH-CERT-001", Severity: check.Blocker, Hop: check.Baseline, Object: "Secret shared/default-ssl-cert", Message: "certificate CN=app expires on 2026-11-25", Remedy: "Renew it."},
			{Check: "KH-API-001", Severity: check.Blocker, Hop: "1.36→1.37", Object: "Ingress web/site", Location: &scan.Location{File: "deploy/web.yaml", Line: 12},
				Message: "extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1 Ingress", Remedy: "Move the manifest | chart."},
			{Check: "KH-DRAIN-001", Severity: check.Blocker, Object: "PodDisruptionBudget shared/telegraf-prom", Message: "minAvailable 1 over 1 pod(s) allows no disruption", Remedy: "kubehop plan relaxes it."},
		},
		Summary: check.Summary{Blockers: 3, Info: 1},
		Scanned: &check.Scanned{Files: 2, Documents: 7, Bytes: 4096},
	}
}

func sampleChecks() []*check.Check {
	var out []*check.Check
	for _, c := range check.Registry() {
		switch c.ID {
		case "KH-VER-001", "KH-API-001", "KH-DRAIN-001", "KH-CERT-001":
			out = append(out, c)
		}
	}
	return out
}

// TestCheckGolden renders one report in every format and compares it with
// testdata/check.<format>; go test ./internal/report -update rewrites them.
func TestCheckGolden(t *testing.T) {
	for _, format := range CheckFormats {
		var buf bytes.Buffer
		if err := WriteCheck(&buf, format, sampleReport(), sampleChecks()); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		golden := filepath.Join("testdata", "check."+format)
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./internal/report -update)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s output differs from %s (run with -update and review the diff):\n%s", format, golden, buf.String())
		}
	}
}

func TestCheckMachineFormatsParse(t *testing.T) {
	var junit, sarif bytes.Buffer
	if err := WriteCheck(&junit, "junit", sampleReport(), sampleChecks()); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatalf("JUnit output is not XML: %v", err)
	}
	if suites.Failures != 3 || suites.Tests != 4 {
		t.Errorf("JUnit: %d tests, %d failures; want 4 and 3 (blockers fail, notes pass)", suites.Tests, suites.Failures)
	}
	if err := WriteCheck(&sarif, "sarif", sampleReport(), sampleChecks()); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(sarif.Bytes(), &log); err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	res := log.Runs[0].Results
	if log.Version != "2.1.0" || len(res) != 4 || res[2].Locations[0].Physical == nil || res[2].Locations[0].Physical.Artifact.URI != "deploy/web.yaml" {
		t.Errorf("SARIF results %+v", res)
	}
}
