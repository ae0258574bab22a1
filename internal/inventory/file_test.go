package inventory

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	s := &Snapshot{APIVersion: SchemaVersion, TakenAt: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC),
		Cluster: Cluster{Context: "prod", Version: "v1.36.3"},
		Nodes:   []Node{{Name: "n1", Pool: "vantiq", PoolLabel: "kubehop.dev/pool", KubeletVersion: "v1.36.3", ContainerRuntime: "containerd://2.1.4", Ready: true}},
	}
	path := filepath.Join(t.TempDir(), "snap.json")
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestParseErrorsNameFileLineField(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"syntax":        {"{\n  \"apiVersion\": \"kubehop.dev/snapshot/v1\",\n  \"nodes\": [,]\n}", "snap.json:3:"},
		"unknown field": {"{\n  \"apiVersion\": \"kubehop.dev/snapshot/v1\",\n  \"nodez\": []\n}", `snap.json:3: json: unknown field "nodez"`},
		"wrong type":    {"{\n  \"apiVersion\": \"kubehop.dev/snapshot/v1\",\n  \"cluster\": {\"version\": 136}\n}", "snap.json:3: field cluster.version"},
		"not ours":      {`{"apiVersion": "v1", "cluster": {"version": "v1.36.3"}}`, "field apiVersion"},
		"truncated":     {"{\n  \"apiVersion\": \"kubehop.dev/snapshot/v1\",\n", "snap.json:3: the file ends too early"},
		"no version":    {`{"apiVersion": "kubehop.dev/snapshot/v1"}`, "field cluster.version is empty"},
	} {
		_, err := Parse("snap.json", []byte(tc.data))
		if !errors.Is(err, ErrBadSnapshot) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ErrBadSnapshot containing %q", name, err, tc.want)
		}
	}
}

func TestPoolOf(t *testing.T) {
	for _, tc := range []struct {
		labels              map[string]string
		explicit            string
		wantLabel, wantPool string
	}{
		{map[string]string{"kubernetes.azure.com/agentpool": "mongodbnp", "agentpool": "mongodbnp"}, "", "kubernetes.azure.com/agentpool", "mongodbnp"},
		{map[string]string{"eks.amazonaws.com/nodegroup": "VANTIQ"}, "", "eks.amazonaws.com/nodegroup", "VANTIQ"},
		{map[string]string{"cloud.google.com/gke-nodepool": "default-pool"}, "", "cloud.google.com/gke-nodepool", "default-pool"},
		{map[string]string{"vantiq.com/workload-preference": "compute", "agentpool": "x"}, "vantiq.com/workload-preference", "vantiq.com/workload-preference", "compute"},
		{map[string]string{"kubernetes.io/hostname": "n1"}, "", "", ""},
	} {
		label, pool := PoolOf(tc.labels, tc.explicit)
		if label != tc.wantLabel || pool != tc.wantPool {
			t.Errorf("PoolOf(%v, %q) = %q, %q; want %q, %q", tc.labels, tc.explicit, label, pool, tc.wantLabel, tc.wantPool)
		}
	}
}

func TestDetectProvider(t *testing.T) {
	for want, node := range map[string]Node{
		"eks":   {Labels: map[string]string{"eks.amazonaws.com/nodegroup": "ng"}},
		"aks":   {ProviderID: "azure:///subscriptions/x/vm/0"},
		"gke":   {Labels: map[string]string{"cloud.google.com/gke-nodepool": "p"}},
		"local": {Labels: map[string]string{"kubehop.dev/kwok": "true"}},
		"":      {Labels: map[string]string{"kubernetes.io/os": "linux"}},
	} {
		if got := DetectProvider(&Snapshot{Nodes: []Node{node}}); got != want {
			t.Errorf("DetectProvider(%+v) = %q, want %q", node, got, want)
		}
	}
}
