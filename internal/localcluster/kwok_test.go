package localcluster

import (
	"slices"
	"strings"
	"testing"
	"time"

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
