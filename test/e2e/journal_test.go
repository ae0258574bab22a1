package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubehop/kubehop/internal/journal"
)

func TestJournalCopyInTheClusterRestoresALostJournal(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	m := &journal.ConfigMapMirror{Client: shared.Client(), Namespace: "kube-system", Name: "kubehop-journal-e2e"}
	dir := t.TempDir()
	path := filepath.Join(dir, "run.journal")
	j, _, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// Entries written before the copy is switched on are copied too.
	if _, err := j.Append(journal.Entry{Type: journal.Plan, Message: "plan"}); err != nil {
		t.Fatal(err)
	}
	if err := j.MirrorTo(ctx, m); err != nil {
		t.Fatal(err)
	}
	var failed error
	j.MirrorFailed = func(err error) { failed = err }
	for _, step := range []string{"a", "b", "c"} {
		if _, err := j.Append(journal.Entry{Type: journal.Begin, Step: step}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	if failed != nil {
		t.Fatal(failed)
	}
	local, _ := os.ReadFile(path)
	cm, err := shared.Client().CoreV1().ConfigMaps("kube-system").Get(ctx, m.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data[journal.MirrorKey] != string(local) {
		t.Fatalf("the cluster's copy differs from the local journal:\n%s\nlocal:\n%s", cm.Data[journal.MirrorKey], local)
	}
	restored := filepath.Join(dir, "restored.journal")
	if err := m.Restore(ctx, restored); err != nil {
		t.Fatal(err)
	}
	_, entries, err := journal.Open(restored)
	if err != nil || len(entries) != 4 || entries[3].Step != "c" {
		t.Fatalf("restored journal: %v, %+v", err, entries)
	}
	if err := m.Restore(ctx, path); err == nil {
		t.Error("restoring over an existing journal must be refused")
	}
}
