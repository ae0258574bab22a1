package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/demo"
	"github.com/kubehop/kubehop/internal/exitcode"
)

func TestDemoCommandSeedsPlatform(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 10*time.Minute)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubehopBin, "demo", "-o", "json", "--pod-ready-delay", "1s")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubehop demo: %v\nstderr:\n%s", err, stderr.String())
	}
	var out struct {
		KubernetesVersion string      `json:"kubernetesVersion"`
		Dir               string      `json:"dir"`
		Platform          demo.Status `json:"platform"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("demo output is not JSON: %v\n%s", err, stdout.String())
	}
	p := out.Platform
	if !p.Ready() || p.Pods.Total == 0 || p.Pods.Running != p.Pods.Total || p.Pods.Ready != p.Pods.Total {
		t.Errorf("platform not fully Running: pods %+v, not ready %v", p.Pods, p.NotReady)
	}
	pools := map[string]int{}
	for _, n := range p.Nodes {
		pools[n.Pool]++
		if n.KubeletVersion != out.KubernetesVersion {
			t.Errorf("node %s runs kubelet %s, want %s", n.Name, n.KubeletVersion, out.KubernetesVersion)
		}
	}
	for _, want := range []string{"vantiq", "mongodb", "keycloak", "grafana", "metrics"} {
		if pools[want] == 0 {
			t.Errorf("no node in pool %s (pools %v)", want, pools)
		}
	}
	workloads := map[string]demo.WorkloadStatus{}
	for _, w := range p.Workloads {
		workloads[w.Namespace+"/"+w.Kind+"/"+w.Name] = w
	}
	for key, replicas := range map[string]int32{
		"vantiq/StatefulSet/vantiq": 3, "vantiq/StatefulSet/metrics-collector": 1, "vantiq/StatefulSet/vision-analytics": 2,
		"vantiq/StatefulSet/mongodb": 3, "shared/StatefulSet/keycloak": 2, "shared/Deployment/telegraf-prom": 1,
	} {
		if w, ok := workloads[key]; !ok || w.Ready != replicas {
			t.Errorf("%s: %+v, want %d ready replicas", key, w, replicas)
		}
	}
	if !strings.Contains(stderr.String(), "platform ready") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
	if left := processesMentioning(t, out.Dir); len(left) > 0 {
		t.Errorf("kubehop demo left processes behind: %v", left)
	}
}

func TestDemoRejectsUnknownVersion(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(context.Background(), kubehopBin, "demo", "--kubernetes-version", "1.99")
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitcode.BadInput {
		t.Fatalf("kubehop demo --kubernetes-version 1.99: %v, want exit code %d", err, exitcode.BadInput)
	}
	if !strings.Contains(stderr.String(), "1.99") {
		t.Errorf("error does not name the version: %s", stderr.String())
	}
}
