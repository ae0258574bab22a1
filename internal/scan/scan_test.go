package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/apidata"
	"github.com/kubehop/kubehop/internal/inventory"
)

const testAPIs = `schemaVersion: 1
apis:
- apiVersion: extensions/v1beta1
  kind: Ingress
  deprecatedIn: "1.14"
  removedIn: "1.22"
  replacement: networking.k8s.io/v1
- apiVersion: policy/v1beta1
  kind: PodDisruptionBudget
  deprecatedIn: "1.21"
  removedIn: "1.25"
  replacement: policy/v1
`

func testScanner(t *testing.T, strict bool) *Scanner {
	t.Helper()
	data, err := apidata.Parse("test-apis.yaml", []byte(testAPIs))
	if err != nil {
		t.Fatal(err)
	}
	return &Scanner{Data: data, Strict: strict, Workers: 2}
}

func matchKeys(r *Result) []string {
	var out []string
	for _, m := range r.Matches {
		out = append(out, m.Location.String()+" "+m.APIVersion+" "+m.Kind+" "+m.Namespace+"/"+m.Name)
	}
	return out
}

const stream = `apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: one
  namespace: web
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: fine
---
{"apiVersion": "policy/v1beta1", "kind": "PodDisruptionBudget",
 "metadata": {"name": "json"}}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: svc}
- apiVersion: extensions/v1beta1
  kind: Ingress
  metadata:
    name: in-list
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: broken
spec: {minAvailable: 1
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: after-broken
`

func TestScanBytes(t *testing.T) {
	for _, strict := range []bool{false, true} {
		r := testScanner(t, strict).ScanBytes("all.yaml", []byte(stream))
		want := []string{
			"all.yaml:1 extensions/v1beta1 Ingress web/one",
			"all.yaml:12 policy/v1beta1 PodDisruptionBudget /json",
			"all.yaml:21 extensions/v1beta1 Ingress /in-list",
			"all.yaml:32 policy/v1beta1 PodDisruptionBudget /after-broken",
		}
		if got := matchKeys(r); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("strict=%t: matches\n  %s\nwant\n  %s", strict, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		if len(r.Problems) != 1 || r.Problems[0].File != "all.yaml" || r.Problems[0].Line < 26 || r.Problems[0].Line > 31 {
			t.Errorf("strict=%t: problems %+v, want one in the document at line 26", strict, r.Problems)
		}
		if r.Documents != 6 {
			t.Errorf("strict=%t: %d documents, want 6", strict, r.Documents)
		}
	}
}

func TestScanOddButValidYAML(t *testing.T) {
	for name, doc := range map[string]string{
		"byte order mark":    "\xef\xbb\xbfapiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: bom\n",
		"value on next line": "apiVersion:\n  extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: next\n",
		"directive":          "%YAML 1.2\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: directive\n",
		"merge key":          "base: &base\n  apiVersion: extensions/v1beta1\n  kind: Ingress\n---\napiVersion: extensions/v1beta1\n<<: {kind: Ingress}\nmetadata:\n  name: merged\n",
	} {
		r := testScanner(t, false).ScanBytes("odd.yaml", []byte(doc))
		if len(r.Matches) != 1 || len(r.Problems) != 0 {
			t.Errorf("%s: matches %+v, problems %+v; want one match and no problem", name, r.Matches, r.Problems)
		}
	}
}

func TestScanReaderMatchesScanBytes(t *testing.T) {
	// Enough documents to span several chunks.
	var b strings.Builder
	for range 20000 {
		b.WriteString(stream)
		b.WriteString("---\n")
	}
	data := b.String()
	s := testScanner(t, false)
	want := s.ScanBytes("-", []byte(data))
	got, err := s.ScanReader(context.Background(), "-", strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Matches) != 80000 || strings.Join(matchKeys(got), "\n") != strings.Join(matchKeys(want), "\n") {
		t.Errorf("stream scan found %d matches, file scan %d; they must agree", len(got.Matches), len(want.Matches))
	}
	if got.Documents != want.Documents || len(got.Problems) != len(want.Problems) || got.Bytes != int64(len(data)) {
		t.Errorf("stream: %d documents, %d problems, %d bytes; file: %d, %d, %d", got.Documents, len(got.Problems), got.Bytes, want.Documents, len(want.Problems), len(data))
	}
}

func TestScanPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/ingress.yaml", "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: a\n")
	write("b/pdb.json", `{"apiVersion":"policy/v1beta1","kind":"PodDisruptionBudget","metadata":{"name":"b"}}`)
	write("b/notes.txt", "apiVersion: extensions/v1beta1\nkind: Ingress\n")
	write(".git/config.yaml", "apiVersion: extensions/v1beta1\nkind: Ingress\n")
	write("values.yaml", "replicaCount: 1\n")
	r, err := testScanner(t, false).ScanPaths(context.Background(), []string{dir, filepath.Join(dir, "b/notes.txt")})
	if err != nil {
		t.Fatal(err)
	}
	got := matchKeys(r)
	if len(got) != 3 || !strings.Contains(got[0], "a/ingress.yaml:1") || !strings.Contains(got[1], "b/notes.txt:1") || !strings.Contains(got[2], "b/pdb.json:1") {
		t.Errorf("matches %q", got)
	}
	if r.Files != 4 {
		t.Errorf("read %d files, want 4 (hidden directories skipped, .txt only when named)", r.Files)
	}
	if _, err := testScanner(t, false).ScanPaths(context.Background(), []string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("a missing path must be an error")
	}
}

func TestScanHelmReleaseAndLive(t *testing.T) {
	s := testScanner(t, false)
	r := s.ScanHelmRelease("shop", "web", "---\n# Source: web/templates/ingress.yaml\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\n")
	if got := matchKeys(r); len(got) != 1 || got[0] != "Helm release shop/web (web/templates/ingress.yaml:3) extensions/v1beta1 Ingress /web" {
		t.Errorf("helm matches %q", got)
	}
	live := s.ScanLive([]inventory.LiveObject{{APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "shop", Name: "old",
		Recorded: []inventory.RecordedVersion{{APIVersion: "extensions/v1beta1", Via: "last-applied-configuration"}, {APIVersion: "networking.k8s.io/v1beta1", Via: "managedFields:kubectl"}}}})
	if got := matchKeys(live); len(got) != 1 || got[0] != "live object (last-applied-configuration) extensions/v1beta1 Ingress shop/old" {
		t.Errorf("live matches %q", got)
	}
}

func BenchmarkScanHeader(b *testing.B) {
	doc := []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n  labels:\n    app: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n")
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		scanHeader(doc)
	}
}
