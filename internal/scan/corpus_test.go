package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/apidata"
)

// TestCorpusRecallAndPrecision scans real manifests from public
// repositories at several ages (testdata/corpus, see SOURCES.md) and
// compares the matches with ground truth made by a full YAML parser
// (documents.json): every object whose API version the data lists must be
// found at its file and line (recall), and nothing else (precision).
func TestCorpusRecallAndPrecision(t *testing.T) {
	root := filepath.Join("testdata", "corpus")
	raw, err := os.ReadFile(filepath.Join(root, "documents.json"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		File       string `json:"file"`
		Line       int    `json:"line"`
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(raw, &docs); err != nil {
		t.Fatal(err)
	}
	data := apidata.Default()
	key := func(file string, line int, apiVersion, kind string) string {
		return fmt.Sprintf("%s:%d %s %s", file, line, apiVersion, kind)
	}
	var want []string
	for _, d := range docs {
		if _, ok := data.Lookup(d.APIVersion, d.Kind); ok {
			want = append(want, key(d.File, d.Line, d.APIVersion, d.Kind))
		}
	}
	if len(want) < 200 {
		t.Fatalf("ground truth lists only %d objects with listed APIs; the corpus should hold over 200", len(want))
	}
	for _, strict := range []bool{false, true} {
		s := &Scanner{Strict: strict}
		r, err := s.ScanPaths(context.Background(), []string{root})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range r.Matches {
			rel, _ := filepath.Rel(root, m.Location.File)
			got = append(got, key(rel, m.Location.Line, m.APIVersion, m.Kind))
		}
		slices.Sort(want)
		slices.Sort(got)
		var missed, extra []string
		for _, w := range want {
			if _, found := slices.BinarySearch(got, w); !found {
				missed = append(missed, w)
			}
		}
		for _, g := range got {
			if _, found := slices.BinarySearch(want, g); !found {
				extra = append(extra, g)
			}
		}
		if len(missed) > 0 {
			t.Errorf("strict=%t: recall %d/%d; missed:\n  %s", strict, len(want)-len(missed), len(want), strings.Join(missed, "\n  "))
		}
		if len(extra) > 0 {
			t.Errorf("strict=%t: %d false positives:\n  %s", strict, len(extra), strings.Join(extra, "\n  "))
		}
		if len(r.Problems) > 0 {
			t.Errorf("strict=%t: problems reading valid manifests: %+v", strict, r.Problems)
		}
	}
}

// TestMalformedDocumentsAreReportedAndScanGoesOn checks that a broken
// document is reported with its position while the documents around it
// are still scanned.
func TestMalformedDocumentsAreReportedAndScanGoesOn(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "malformed", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected struct {
		Files []struct {
			File  string `json:"file"`
			Valid []struct {
				Line       int    `json:"line"`
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			} `json:"valid"`
			Malformed []struct {
				StartLine int `json:"startLine"`
			} `json:"malformed"`
		} `json:"files"`
	}
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	data := apidata.Default()
	for _, strict := range []bool{false, true} {
		for _, f := range expected.Files {
			path := filepath.Join("testdata", "malformed", f.File)
			content, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := (&Scanner{Strict: strict}).ScanBytes(f.File, content)
			for _, v := range f.Valid {
				if _, listed := data.Lookup(v.APIVersion, v.Kind); !listed {
					continue
				}
				found := false
				for _, m := range r.Matches {
					found = found || (m.Location.Line == v.Line && m.APIVersion == v.APIVersion && m.Kind == v.Kind)
				}
				if !found {
					t.Errorf("strict=%t %s: %s %s at line %d not found next to the broken document; matches %+v", strict, f.File, v.APIVersion, v.Kind, v.Line, r.Matches)
				}
			}
			if len(r.Problems) != len(f.Malformed) {
				t.Errorf("strict=%t %s: problems %+v, want %d", strict, f.File, r.Problems, len(f.Malformed))
				continue
			}
			for i, m := range f.Malformed {
				p := r.Problems[i]
				if p.File != f.File || p.Line < m.StartLine || p.Err == "" {
					t.Errorf("strict=%t %s: problem %+v, want one at or after line %d", strict, f.File, p, m.StartLine)
				}
			}
		}
	}
}
