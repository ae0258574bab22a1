package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestParseDocRenames(t *testing.T) {
	tests := []struct {
		name, in, want, api string
	}{
		{
			name: "plain",
			in:   "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    name: x\n  name: web\n  namespace: shop\nspec: {}\n",
			want: "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    name: x\n  name: web-00007\n  namespace: shop\nspec: {}\n",
			api:  "v1 Service",
		},
		{
			name: "quoted",
			in:   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"settings\"\n",
			want: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"settings-00007\"\n",
			api:  "v1 ConfigMap",
		},
		{
			name: "CRD keeps its group",
			in:   "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n",
			want: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets-00007.example.com\n",
			api:  "apiextensions.k8s.io/v1 CustomResourceDefinition",
		},
		{
			name: "only nested names",
			in:   "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    metadata:\n      name: pod\n",
			want: "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    metadata:\n      name: pod\n",
			api:  "batch/v1 Job",
		},
		{
			name: "comment only",
			in:   "# Source: chart/templates/none.yaml\n",
			want: "# Source: chart/templates/none.yaml\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := parseDoc([]byte(tt.in))
			var b bytes.Buffer
			b.Write(d.head)
			if d.named {
				b.WriteString("-00007")
				b.Write(d.tail)
			}
			if b.String() != tt.want {
				t.Errorf("renamed document:\n%s\nwant:\n%s", b.String(), tt.want)
			}
			if d.api != tt.api {
				t.Errorf("api = %q, want %q", d.api, tt.api)
			}
		})
	}
}

func TestSplitDocs(t *testing.T) {
	got := splitDocs([]byte("# header\n---\na: 1\n---   \n\n---\nb: 2"))
	want := []string{"# header\n", "a: 1\n", "b: 2\n"}
	if len(got) != len(want) {
		t.Fatalf("got %d documents %q, want %q", len(got), got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("document %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestDatasetsAreDeterministic generates a small dataset twice and checks
// that the bytes and the recorded counts are the same, and that the
// removed-API share is what --removed-every asks for.
func TestDatasetsAreDeterministic(t *testing.T) {
	s, err := loadSeeds()
	if err != nil {
		t.Fatal(err)
	}
	cfg := genConfig{Files: 120, TreeBytes: 1.5e6, StreamBytes: 1e6, RemovedEvery: 66}
	var runs [2]*datasets
	for i := range runs {
		runs[i], err = ensureDatasets(context.Background(), filepath.Join(t.TempDir(), "bench"), cfg, s, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
	}
	a, b := runs[0], runs[1]
	if a.Tree.Files != cfg.Files || a.Tree.Objects != b.Tree.Objects || a.Tree.Removed != b.Tree.Removed || a.Stream.Bytes != b.Stream.Bytes {
		t.Errorf("datasets differ: %+v / %+v", a, b)
	}
	sa, err := os.ReadFile(a.Stream.Path)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := os.ReadFile(b.Stream.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sa, sb) {
		t.Error("the two streams differ")
	}
	for _, st := range []datasetStats{a.Tree, a.Stream} {
		if want := st.Objects / (cfg.RemovedEvery + 1); st.Removed < want-1 || st.Removed > want+1 {
			t.Errorf("%s: %d removed-API objects of %d, want about %d", st.Path, st.Removed, st.Objects, want)
		}
	}
	if got, want := float64(a.Tree.Bytes), float64(cfg.TreeBytes); got < 0.9*want || got > 1.1*want {
		t.Errorf("tree has %.0f bytes, want about %.0f", got, want)
	}
}
