package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

func demoProfile(t *testing.T) *profile.Profile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "demo", "platform", "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.NewReplacer("__CLUSTER_UID__", "uid", "__TARGET__", "1.37").Replace(string(data)))
	p, err := profile.Parse("profile.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKindAndTags(t *testing.T) {
	for _, tc := range []struct{ from, to, want, err string }{
		{"1.40.5", "1.41.0", Minor, ""},
		{"1.40.5", "1.40.6", Patch, ""},
		{"1.40.5", "1.40.5", "", "runs 1.40.5 already"},
		{"1.40.5", "1.39.9", "", "older than the running"},
		{"latest", "1.41.0", "", "give --kind"},
	} {
		got, err := Kind(tc.from, tc.to)
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Kind(%s, %s) = %q, %v; want %q, %q", tc.from, tc.to, got, err, tc.want, tc.err)
		}
	}
	if Tag("registry:5000/vantiq/vantiq-server:1.40.5") != "1.40.5" || Tag("registry:5000/vantiq") != "" {
		t.Error("Tag")
	}
	if got := WithTag("registry:5000/vantiq/vantiq-server:1.40.5@sha256:abc", "1.41.0"); got != "registry:5000/vantiq/vantiq-server:1.41.0" {
		t.Errorf("WithTag = %s", got)
	}
}

// TestMinorUpgradePlan: the seed's order, and the counts it holds.
func TestMinorUpgradePlan(t *testing.T) {
	p := demoProfile(t)
	in := Inputs{Images: map[string]string{"vantiq": "vantiq/vantiq-server:1.40.5", "load-model": "vantiq/vantiq-server:1.40.5"}, ClusterMinor: "1.36"}
	pl, err := Upgrade(p, Minor, "1.41.0", in)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, st := range pl.Steps {
		s := st.Kind + " " + st.ID
		if st.Action != nil && st.Action.Replicas != nil {
			s += " =" + string(rune('0'+*st.Action.Replicas))
		}
		order = append(order, s)
	}
	want := []string{
		"scale stop/StatefulSet/vantiq =0", "scale stop/StatefulSet/metrics-collector =0", "scale stop/StatefulSet/vision-analytics =0",
		"job backup",
		"set-image image/load-model", "set-image image/vantiq",
		"scale hold/StatefulSet/vantiq =1", "scale hold/StatefulSet/metrics-collector =0", "scale hold/StatefulSet/vision-analytics =0",
		"wait-log migration", "wait-ready ready/StatefulSet/vantiq",
		"scale-back scale-back/StatefulSet/vantiq", "scale-back scale-back/StatefulSet/metrics-collector", "scale-back scale-back/StatefulSet/vision-analytics",
		"verify verify",
	}
	if strings.Join(order, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"))
	}
	for _, st := range pl.Steps {
		if st.Kind == plan.KindSetImage && st.Action.Image != "vantiq/vantiq-server:1.41.0" {
			t.Errorf("%s sets %s", st.ID, st.Action.Image)
		}
		if st.ID == "backup" && (len(st.After) != 3 || !strings.HasPrefix(st.After[0], "stop/")) {
			t.Errorf("the backup runs after %v, want after every stop", st.After)
		}
	}
}

// TestRollbackPlan reads the records of an upgrade journal: the replicas
// and images before it, and its backup Job.
func TestRollbackPlan(t *testing.T) {
	p := demoProfile(t)
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	entries := []journal.Entry{
		{Type: journal.Original, Object: "replicas StatefulSet vantiq/vantiq", Data: raw(map[string]int{"replicas": 3})},
		{Type: journal.Original, Object: "replicas StatefulSet vantiq/metrics-collector", Data: raw(map[string]int{"replicas": 1})},
		{Type: journal.Original, Object: "replicas StatefulSet vantiq/vision-analytics", Data: raw(map[string]int{"replicas": 2})},
		{Type: journal.Original, Object: "job CronJob vantiq/mongobackup", Data: raw(map[string]string{"namespace": "vantiq", "name": "mongobackup-kubehop-1"})},
		{Type: journal.Original, Object: "image StatefulSet vantiq/vantiq vantiq", Data: raw(map[string]string{"image": "vantiq/vantiq-server:1.40.5"})},
		{Type: journal.Original, Object: "image StatefulSet vantiq/vantiq load-model", Data: raw(map[string]string{"image": "vantiq/vantiq-server:1.40.5"})},
		// a later original of the same object does not count
		{Type: journal.Original, Object: "replicas StatefulSet vantiq/vantiq", Data: raw(map[string]int{"replicas": 1})},
	}
	rec, err := ReadRecords(entries)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Rollback(p, Minor, rec, nil, "1.36")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]plan.Step{}
	for _, st := range pl.Steps {
		got[st.ID] = st
	}
	if st := got["restore"]; st.Kind != plan.KindJobFromCronJob || st.Action.CronJob != "mongorestore" || st.Action.Env[0] != "KUBEHOP_BACKUP_JOB=mongobackup-kubehop-1" {
		t.Errorf("restore step %+v", st)
	}
	if st := got["scale-back/StatefulSet/vantiq"]; *st.Action.Replicas != 3 {
		t.Errorf("vantiq back to %d, want 3", *st.Action.Replicas)
	}
	if st := got["image/vantiq"]; st.Action.Image != "vantiq/vantiq-server:1.40.5" || !contains(st.After, "restore") {
		t.Errorf("image step %+v", st)
	}
	rec.Backup = nil
	if _, err := Rollback(p, Minor, rec, nil, "1.36"); err == nil || !strings.Contains(err.Error(), "no backup Job") {
		t.Errorf("rollback without a backup: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
