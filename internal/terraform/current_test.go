package terraform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCurrentVersions(t *testing.T) {
	for _, tc := range []struct {
		dir  string
		want Versions
	}{
		// module.aks.orchestrator_version follows
		// locals.common_config.cluster_version: the nodes are at the
		// control plane's version.
		{"testdata/aks", Versions{ControlPlane: "1.21.2", Nodes: "1.21.2", Kubectl: "1.21.2"}},
		{"testdata/eks", Versions{ControlPlane: "1.23", Nodes: "1.23", Kubectl: "1.23.7"}},
	} {
		got, err := CurrentVersions(tc.dir)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.dir, got, tc.want)
		}
	}
}

// Between the two steps of the EKS runbook the control plane is ahead of
// the nodes; after a bump the files read as bumped.
func TestCurrentVersionsFollowBumps(t *testing.T) {
	dir := copyDir(t, "testdata/eks")
	if _, err := BumpDir(dir, Versions{ControlPlane: "1.24"}, false); err != nil {
		t.Fatal(err)
	}
	got, err := CurrentVersions(dir)
	if want := (Versions{ControlPlane: "1.24", Nodes: "1.23", Kubectl: "1.23.7"}); err != nil || got != want {
		t.Fatalf("after the control plane: %+v, %v; want %+v", got, err, want)
	}
	if _, err := BumpDir(dir, Versions{ControlPlane: "1.24", Nodes: "1.24", Kubectl: "1.24.7"}, false); err != nil {
		t.Fatal(err)
	}
	got, err = CurrentVersions(dir)
	if want := (Versions{ControlPlane: "1.24", Nodes: "1.24", Kubectl: "1.24.7"}); err != nil || got != want {
		t.Fatalf("after the nodes: %+v, %v; want %+v", got, err, want)
	}
}

// Node groups that disagree give the oldest; a "v" prefix is dropped;
// attributes that come from variables count for nothing, and a role with
// no literal is empty.
func TestCurrentVersionsDisagree(t *testing.T) {
	dir := copyDir(t, "testdata/eks")
	constants := filepath.Join(dir, "constants.tf")
	src := string(readFile(t, constants))
	src = strings.Replace(src, `kubernetes_version  = "1.23" # 1.22 -> 1.23`, `kubernetes_version  = "v1.22.17"`, 1)
	src = strings.Replace(src, `bastion_kubectl_version        = "1.23.7"`, `bastion_kubectl_version        = var.kubectl`, 1)
	if err := os.WriteFile(constants, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// A second cluster (blue/green) on the newer version does not hide
	// the older one.
	blue := "module \"eks_blue\" {\n  source          = \"./modules/eks\"\n  cluster_version = \"1.24\"\n  node_groups = {\n    a = { kubernetes_version = \"1.22\" }\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "blue.tf"), []byte(blue), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := CurrentVersions(dir)
	if want := (Versions{ControlPlane: "1.23", Nodes: "1.22"}); err != nil || got != want {
		t.Fatalf("%+v, %v; want %+v", got, err, want)
	}
}

func TestCurrentVersionsErrors(t *testing.T) {
	if _, err := CurrentVersions(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no *.tf files") {
		t.Errorf("empty directory: %v", err)
	}
	dir := copyDir(t, "testdata/eks")
	if err := os.WriteFile(filepath.Join(dir, "broken.tf"), []byte("locals {\n  x = \n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CurrentVersions(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "broken.tf")+":2,") {
		t.Errorf("a file that does not parse: %v", err)
	}
}
