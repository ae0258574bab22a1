package terraform

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// copyDir copies the files of a testdata directory (not its
// subdirectories) into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// checkGolden compares got with testdata/golden/name.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(string(readFile(t, path)), string(got)); diff != "" {
		t.Errorf("%s differs from its golden file (-want +got):\n%s", name, diff)
	}
}

// checkMinimal asserts that after differs from before only in the quoted
// literals the edits name: the same lines, and each differing line is an
// edited line that reads as before once the new literal is put back to the
// old one.
func checkMinimal(t *testing.T, file string, before, after []byte, edits []Edit) {
	t.Helper()
	b, a := strings.SplitAfter(string(before), "\n"), strings.SplitAfter(string(after), "\n")
	if len(a) != len(b) {
		t.Fatalf("%s: %d lines became %d", file, len(b), len(a))
	}
	byLine := map[int]Edit{}
	for _, e := range edits {
		if e.File == file {
			byLine[e.Line] = e
		}
	}
	changed := 0
	for i := range b {
		if a[i] == b[i] {
			continue
		}
		changed++
		e, ok := byLine[i+1]
		if !ok {
			t.Errorf("%s:%d changed but no edit names it:\n-%s+%s", file, i+1, b[i], a[i])
			continue
		}
		if strings.Count(a[i], `"`+e.New+`"`) != 1 || strings.Replace(a[i], `"`+e.New+`"`, `"`+e.Old+`"`, 1) != b[i] {
			t.Errorf("%s:%d: more than the literal changed for %s:\n-%s+%s", file, i+1, e.Attribute, b[i], a[i])
		}
	}
	if changed != len(byLine) {
		t.Errorf("%s: %d lines changed, %d edits", file, changed, len(byLine))
	}
}

func TestBumpAKSConstants(t *testing.T) {
	dir := copyDir(t, "testdata/aks")
	constants, main := filepath.Join(dir, "constants.tf"), filepath.Join(dir, "main.tf")
	before, mainBefore := readFile(t, constants), readFile(t, main)

	r, err := BumpDir(dir, Versions{ControlPlane: "1.22.15", Kubectl: "1.22.15"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []Edit{
		{File: constants, Line: 9, Attribute: "locals.common_config.cluster_version", Old: "1.21.2", New: "1.22.15"},
		{File: constants, Line: 10, Attribute: "locals.common_config.opnode_kubectl_version", Old: "1.21.2", New: "1.22.15"},
	}
	if diff := cmp.Diff(want, r.Edits); diff != "" {
		t.Errorf("edits (-want +got):\n%s", diff)
	}
	after := readFile(t, constants)
	checkGolden(t, "aks/constants.tf", after)
	checkMinimal(t, constants, before, after, r.Edits)
	if string(readFile(t, main)) != string(mainBefore) {
		t.Error("main.tf changed; its version attributes refer to the locals")
	}
	// The module's versions follow the locals: the orchestrator version
	// changes with cluster_version although --nodes was not given.
	var notes []string
	for _, n := range r.Notes {
		notes = append(notes, strings.TrimPrefix(n.String(), dir+"/"))
	}
	wantNotes := []string{
		`main.tf:25 module.aks.kubernetes_version follows locals.common_config.cluster_version ("1.22.15")`,
		`main.tf:26 module.aks.orchestrator_version follows locals.common_config.cluster_version, so it changes too: "1.21.2" → "1.22.15"`,
		`main.tf:37 module.opnode.opnode_kubectl_version follows locals.common_config.opnode_kubectl_version ("1.22.15")`,
	}
	if diff := cmp.Diff(wantNotes, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestBumpEKSConstants(t *testing.T) {
	dir := copyDir(t, "testdata/eks")
	constants := filepath.Join(dir, "constants.tf")
	before := readFile(t, constants)

	r, err := BumpDir(dir, Versions{ControlPlane: "1.24", Nodes: "1.24", Kubectl: "1.24.7"}, false)
	if err != nil {
		t.Fatal(err)
	}
	ngc := "locals.eks_config.managed_node_group_config."
	want := []Edit{
		{File: constants, Line: 7, Attribute: "locals.common_config.cluster_version", Old: "1.23", New: "1.24"},
		{File: constants, Line: 8, Attribute: "locals.common_config.bastion_kubectl_version", Old: "1.23.7", New: "1.24.7"},
		{File: constants, Line: 27, Attribute: ngc + "VANTIQ.kubernetes_version", Old: "1.23", New: "1.24"},
		{File: constants, Line: 39, Attribute: ngc + "MongoDB.kubernetes_version", Old: "1.23", New: "1.24"},
		{File: constants, Line: 51, Attribute: ngc + "grafana.kubernetes_version", Old: "1.23", New: "1.24"},
	}
	if diff := cmp.Diff(want, r.Edits); diff != "" {
		t.Errorf("edits (-want +got):\n%s", diff)
	}
	after := readFile(t, constants)
	checkGolden(t, "eks/constants.tf", after)
	checkMinimal(t, constants, before, after, r.Edits)
	if !strings.Contains(string(after), `cluster_version                = "1.24"    # 1.22 -> 1.23`) {
		t.Error("the alignment or the trailing comment of cluster_version changed")
	}
}

// The control plane and the nodes move separately, as in the EKS runbook.
func TestBumpEKSInTwoSteps(t *testing.T) {
	dir := copyDir(t, "testdata/eks")
	r, err := BumpDir(dir, Versions{ControlPlane: "1.24"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Edits) != 1 || r.Edits[0].Attribute != "locals.common_config.cluster_version" {
		t.Fatalf("control plane step: %v", r.Edits)
	}
	r, err = BumpDir(dir, Versions{ControlPlane: "1.24", Nodes: "1.24"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Edits) != 3 {
		t.Fatalf("nodes step: want the 3 node groups, got %v", r.Edits)
	}
	r, err = BumpDir(dir, Versions{ControlPlane: "1.24", Nodes: "1.24"}, false)
	if err != nil || len(r.Edits) != 0 || len(r.Files) != 0 {
		t.Fatalf("again: want nothing to do, got %v, %v", r, err)
	}
}

// Tabs, `//` comments and resource blocks: every byte but the literals
// stays, which hclwrite's own formatting would not guarantee.
func TestBumpResourcesWithTabs(t *testing.T) {
	src := readFile(t, "testdata/aks-resources/aks.tf")
	out, edits, err := Bump("aks.tf", src, Versions{ControlPlane: "1.21.2", Nodes: "1.21.2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Edit{
		{File: "aks.tf", Line: 6, Attribute: "azurerm_kubernetes_cluster.aks-vantiq.kubernetes_version", Old: "1.20.9", New: "1.21.2"},
		{File: "aks.tf", Line: 12, Attribute: "azurerm_kubernetes_cluster.aks-vantiq.default_node_pool.orchestrator_version", Old: "1.20.9", New: "1.21.2"},
		{File: "aks.tf", Line: 27, Attribute: "azurerm_kubernetes_cluster_node_pool.mongodbnp.orchestrator_version", Old: "1.20.9", New: "1.21.2"},
	}
	if diff := cmp.Diff(want, edits); diff != "" {
		t.Errorf("edits (-want +got):\n%s", diff)
	}
	if got, want := string(out), strings.ReplaceAll(string(src), `"1.20.9"`, `"1.21.2"`); got != want {
		t.Errorf("output differs from the input with its literals replaced:\n%s", UnifiedDiff("aks.tf", []byte(want), out))
	}
	checkMinimal(t, "aks.tf", src, out, edits)
}

func TestBumpPrecision(t *testing.T) {
	for _, tc := range []struct {
		name, literal string
		to            Versions
		want          string // the new literal, or the error's text
		wantErr       bool
	}{
		{"minor stays a minor", "1.23", Versions{ControlPlane: "1.24"}, "1.24", false},
		{"minor stays a minor given a full version", "1.23", Versions{ControlPlane: "1.24.7"}, "1.24", false},
		{"full stays full", "1.21.2", Versions{ControlPlane: "1.22.15"}, "1.22.15", false},
		{"a v prefix stays", "v1.21.2", Versions{ControlPlane: "1.22.15"}, "v1.22.15", false},
		{"patch upgrade", "1.22.6", Versions{ControlPlane: "1.22.15"}, "1.22.15", false},
		{"already there", "1.24", Versions{ControlPlane: "1.24"}, "1.24", false},
		{"full literal, minor target", "1.21.2", Versions{ControlPlane: "1.22"},
			`main.tf:3: locals.common_config.cluster_version: the file pins a full version (1.21.2) but --control-plane gives only the minor 1.22: give a full version such as 1.22.N`, true},
		{"downgrade", "1.24", Versions{ControlPlane: "1.23"}, "downgrade", true},
		{"two minors at once", "1.22.15", Versions{ControlPlane: "1.24.7"}, "skips a minor version; the control plane moves one minor at a time (bump to 1.23 first)", true},
		{"not a version", "latest", Versions{ControlPlane: "1.24"}, `"latest" is not a Kubernetes version`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "locals {\n  common_config = {\n    cluster_version = \"" + tc.literal + "\" # pinned\n  }\n}\n"
			out, _, err := Bump("main.tf", []byte(src), tc.to)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("error %v, want one containing %q", err, tc.want)
				}
				var e *Error
				if !errors.As(err, &e) || e.File != "main.tf" || e.Line != 3 {
					t.Errorf("error %#v does not name main.tf:3", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.Replace(src, `"`+tc.literal+`"`, `"`+tc.want+`"`, 1); string(out) != want {
				t.Errorf("got\n%s\nwant\n%s", out, want)
			}
		})
	}
}

func TestBumpNonLiterals(t *testing.T) {
	src := `module "eks" {
  source             = "./modules/eks"
  cluster_version    = var.cluster_version
  kubernetes_version = "${var.major}.${var.minor}"
}

locals {
  pools = [
    { name = "app", orchestrator_version = each.value.version },
  ]
}
`
	_, _, err := Bump("main.tf", []byte(src), Versions{ControlPlane: "1.24", Nodes: "1.24"})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`main.tf:3: module.eks.cluster_version: not a literal (var.cluster_version); change it where it is defined`,
		`main.tf:4: module.eks.kubernetes_version: not a literal ("${var.major}.${var.minor}"); change it where it is defined`,
		`main.tf:9: locals.pools[0].orchestrator_version: not a literal (each.value.version); change it where it is defined`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	// Attributes whose version was not asked for are left alone, literal or not.
	if _, edits, err := Bump("main.tf", []byte(src), Versions{Kubectl: "1.24.7"}); err != nil || len(edits) != 0 {
		t.Errorf("kubectl only: %v, %v", edits, err)
	}
}

// A reference to a local that ends at another version than asked for its
// role is an error: the nodes would not get the version asked for.
func TestBumpFollowedLocalMustAgree(t *testing.T) {
	dir := copyDir(t, "testdata/aks")
	_, err := BumpDir(dir, Versions{ControlPlane: "1.22.15", Nodes: "1.21.9"}, false)
	want := `main.tf:26: module.aks.orchestrator_version: follows locals.common_config.cluster_version ("1.22.15", which --control-plane sets), not --nodes 1.21.9; change it where it is defined`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	_, err = BumpDir(dir, Versions{Nodes: "1.22.15"}, false)
	want = `follows locals.common_config.cluster_version ("1.21.2", which this bump leaves alone), not --nodes 1.22.15`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
}

func TestBumpRefusesNodesNewerThanTheControlPlane(t *testing.T) {
	dir := copyDir(t, "testdata/eks")
	_, err := BumpDir(dir, Versions{Nodes: "1.24"}, false)
	constants := filepath.Join(dir, "constants.tf")
	want := constants + `:27: locals.eks_config.managed_node_group_config.VANTIQ.kubernetes_version: nodes at 1.24 would be newer than the control plane (locals.common_config.cluster_version = "1.23" at ` + constants + `:7); move the control plane first (--control-plane)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want %q", err, want)
	}
	if _, err := BumpDir(dir, Versions{ControlPlane: "1.24", Nodes: "1.24"}, true); err != nil {
		t.Errorf("control plane and nodes together: %v", err)
	}
}

func TestBumpDirWritesNothingWhenAFileFails(t *testing.T) {
	dir := copyDir(t, "testdata/eks")
	bad := "module \"eks_blue\" {\n  source          = \"./modules/eks\"\n  cluster_version = var.blue_cluster_version\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "blue.tf"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshotDir(t, dir)
	_, err := BumpDir(dir, Versions{ControlPlane: "1.24", Nodes: "1.24"}, false)
	if err == nil || !strings.Contains(err.Error(), "blue.tf:3: module.eks_blue.cluster_version: not a literal (var.blue_cluster_version)") {
		t.Fatalf("error %v", err)
	}
	if diff := cmp.Diff(before, snapshotDir(t, dir)); diff != "" {
		t.Errorf("the directory changed (-before +after):\n%s", diff)
	}

	// A file that does not parse: the error names it, line and column.
	if err := os.WriteFile(filepath.Join(dir, "blue.tf"), []byte("locals {\n  x = \n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before = snapshotDir(t, dir)
	_, err = BumpDir(dir, Versions{ControlPlane: "1.24"}, false)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "blue.tf")+":2,") {
		t.Fatalf("error %v does not name blue.tf:2", err)
	}
	if diff := cmp.Diff(before, snapshotDir(t, dir)); diff != "" {
		t.Errorf("the directory changed (-before +after):\n%s", diff)
	}
}

func TestBumpDryRun(t *testing.T) {
	dir := copyDir(t, "testdata/eks")
	before := snapshotDir(t, dir)
	r, err := BumpDir(dir, Versions{ControlPlane: "1.24"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, snapshotDir(t, dir)); diff != "" {
		t.Errorf("a dry run wrote (-before +after):\n%s", diff)
	}
	constants := filepath.Join(dir, "constants.tf")
	want := "--- a/" + constants + "\n+++ b/" + constants + "\n@@ -4,7 +4,7 @@\n" +
		" locals {\n" +
		"   common_config = {\n" +
		"     cluster_name                   = \"<INPUT-YOUR-CLUSTER-NAME>\"\n" +
		"-    cluster_version                = \"1.23\"    # 1.22 -> 1.23\n" +
		"+    cluster_version                = \"1.24\"    # 1.22 -> 1.23\n" +
		"     bastion_kubectl_version        = \"1.23.7\"\n" +
		"     env_name                       = \"prod\"\n" +
		"     region                         = \"<INPUT-YOUR-REGION>\"\n"
	if diff := cmp.Diff(want, r.Diff()); diff != "" {
		t.Errorf("preview (-want +got):\n%s", diff)
	}
}

func TestVersionsValidate(t *testing.T) {
	for _, v := range []Versions{{}, {ControlPlane: "1"}, {Nodes: "v1.24"}, {Kubectl: "1.24.x"}, {ControlPlane: "2.0"}, {Nodes: "1.024"}} {
		if err := v.Validate(); err == nil {
			t.Errorf("%+v: no error", v)
		}
	}
	if err := (Versions{ControlPlane: "1.24", Nodes: "1.23.4"}).Validate(); err != nil {
		t.Error(err)
	}
}

// snapshotDir maps each file name in dir to its content.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range entries {
		m[e.Name()] = string(readFile(t, filepath.Join(dir, e.Name())))
	}
	return m
}
