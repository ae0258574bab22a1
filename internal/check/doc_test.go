package check

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestChecksDoc keeps docs/checks.md, the playbook of every check, in step
// with the registry; go test ./internal/check -update rewrites it.
func TestChecksDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# kubehop checks\n\n")
	b.WriteString("Generated from the registry in `internal/check` (`go test ./internal/check -update`).\n")
	b.WriteString("IDs are stable; a finding's severity may differ from the check's default where the text says so.\n\n")
	b.WriteString("| ID | Check | Severity | Applies to | Providers |\n| --- | --- | --- | --- | --- |\n")
	for _, c := range Registry() {
		providers := "all"
		if len(c.Providers) > 0 {
			providers = strings.Join(c.Providers, ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", c.ID, c.Title, c.Severity, c.Applies, providers)
	}
	for _, c := range Registry() {
		fmt.Fprintf(&b, "\n## %s: %s\n\nSeverity: %s. Applies to: %s.\n\nWhat to do: %s\n", c.ID, c.Title, c.Severity, c.Applies, c.Remedy)
	}
	path := filepath.Join("..", "..", "docs", "checks.md")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/check -update)", err)
	}
	if string(got) != b.String() {
		t.Errorf("docs/checks.md is out of date: run go test ./internal/check -update")
	}
}
