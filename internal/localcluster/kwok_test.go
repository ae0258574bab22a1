package localcluster

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/kubehop/kubehop/internal/manifest"
)

func TestKwokConfigHoldsEveryStage(t *testing.T) {
	c := &Cluster{readyDelay: 2500 * time.Millisecond, nodeDelay: 10 * time.Second}
	data, err := c.kwokConfig()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := manifest.Decode("kwok.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, o := range objs {
		if o.GetKind() == "Stage" {
			stages = append(stages, o.GetName())
		}
	}
	slices.Sort(stages)
	want := []string{"kubehop-fault-node-not-ready", "kubehop-fault-pod-crashloop", "kubehop-node-heartbeat", "kubehop-node-initialize", "kubehop-pod-complete", "kubehop-pod-delete", "kubehop-pod-ready"}
	if !slices.Equal(stages, want) {
		t.Errorf("stages %v, want %v", stages, want)
	}
	if objs[0].GetKind() != "KwokConfiguration" {
		t.Errorf("first document is %s, want KwokConfiguration", objs[0].GetKind())
	}
	if !strings.Contains(string(data), "durationMilliseconds: 2500") || strings.Contains(string(data), "__READY_DELAY_MS__") {
		t.Errorf("pod-ready delay not substituted:\n%s", data)
	}
	if !strings.Contains(string(data), "durationMilliseconds: 10000") || strings.Contains(string(data), "__NODE_READY_DELAY_MS__") {
		t.Errorf("node-ready delay not substituted:\n%s", data)
	}
}

// kwok serves the kubelet API, with the Logs and ClusterLogs it watches as
// custom resources, where the nodes it initialises say their kubelet is.
func TestKwokConfigServesKubeletAPI(t *testing.T) {
	c := &Cluster{ports: ports{kwok: 10247}}
	data, err := c.kwokConfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"nodeIP: 127.0.0.1\n",
		"nodePort: 10247\n",
		"serverAddress: 127.0.0.1:10247\n",
		"enableCRDs: [Logs, ClusterLogs]\n",
		"enableDebuggingHandlers: true\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("kwok configuration lacks %q:\n%s", want, data)
		}
	}
	objs, err := manifest.Decode("kwok-crds.yaml", kwokCRDs)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
		kinds = append(kinds, kind)
	}
	if !slices.Equal(kinds, kwokCRDKinds) {
		t.Errorf("kwok-crds.yaml defines %v, kwok watches %v", kinds, kwokCRDKinds)
	}
}

func TestCRILog(t *testing.T) {
	got := string(criLog([]string{"one", "two\nthree\n", ""}))
	re := regexp.MustCompile(`^(\S+) stdout F one\n(\S+) stdout F two\n(\S+) stdout F three\n(\S+) stdout F \n$`)
	m := re.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("criLog = %q", got)
	}
	if _, err := time.Parse(time.RFC3339Nano, m[1]); err != nil {
		t.Errorf("timestamp %q: %v", m[1], err)
	}
	path := filepath.Join(t.TempDir(), "c.log")
	if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	if last, err := lastLogLine(path); err != nil || last != m[4]+" \n" {
		t.Errorf("lastLogLine = %q, %v; want %q", last, err, m[4]+" \n")
	}
}
