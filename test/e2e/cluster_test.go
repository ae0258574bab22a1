package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/demo"
	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/localcluster"
)

func TestNodesReportKubeletVersionAndRuntime(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	client := shared.Client()
	specs := []localcluster.NodeSpec{
		{Pool: "legacy", Count: 2, KubeletVersion: "v1.23.17", Runtime: localcluster.RuntimeDocker},
		{Pool: "current", Count: 1, KubeletVersion: "v1.35.4", Runtime: localcluster.RuntimeContainerd},
	}
	for _, spec := range specs {
		names, err := shared.AddNodes(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { shared.RemoveNodes(context.Background(), names...) })
		for _, name := range names {
			n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			info := n.Status.NodeInfo
			if info.KubeletVersion != spec.KubeletVersion || info.ContainerRuntimeVersion != spec.Runtime {
				t.Errorf("node %s reports kubelet %s and runtime %s, want %s and %s", name, info.KubeletVersion, info.ContainerRuntimeVersion, spec.KubeletVersion, spec.Runtime)
			}
			if n.Labels[localcluster.PoolLabel] != spec.Pool {
				t.Errorf("node %s is in pool %q, want %q", name, n.Labels[localcluster.PoolLabel], spec.Pool)
			}
		}
	}
}

// stabilityPeriod is how long TestPlatformStaysReady watches the cluster:
// long enough for the node-lifecycle controller (50s grace period) to have
// marked nodes NotReady several times over had their leases not been renewed.
func stabilityPeriod() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("KUBEHOP_E2E_STABILITY")); err == nil {
		return d
	}
	return 3 * time.Minute
}

func TestPlatformStaysReady(t *testing.T) {
	t.Parallel()
	period := stabilityPeriod()
	// A cluster of its own: other tests add nodes to the shared one, and
	// the DaemonSets' new pods would count as not ready for a moment.
	c := startCluster(t, localcluster.PinnedVersions().Minors()[0])
	ctx := testContext(t, period+5*time.Minute)
	client := c.Client()
	if _, err := demo.Seed(ctx, c, demo.SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	pools, err := demo.Pools()
	if err != nil {
		t.Fatal(err)
	}
	var poolNames []string
	for _, p := range pools {
		poolNames = append(poolNames, p.Name)
	}
	want := map[string]corev1.NodeSystemInfo{}
	deadline := time.Now().Add(period)
	checks := 0
	for time.Now().Before(deadline) {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list nodes: %v", err)
		}
		for _, n := range nodes.Items {
			if !slices.Contains(poolNames, n.Labels[localcluster.PoolLabel]) {
				t.Fatalf("node %s is in no pool of the platform", n.Name)
			}
			if !kube.NodeReady(&n) {
				t.Fatalf("after %d checks: node %s is not Ready: %+v", checks, n.Name, n.Status.Conditions)
			}
			if w, ok := want[n.Name]; !ok {
				want[n.Name] = n.Status.NodeInfo
			} else if w.KubeletVersion != n.Status.NodeInfo.KubeletVersion || w.ContainerRuntimeVersion != n.Status.NodeInfo.ContainerRuntimeVersion {
				t.Fatalf("node %s changed its versions from %s/%s to %s/%s", n.Name, w.KubeletVersion, w.ContainerRuntimeVersion, n.Status.NodeInfo.KubeletVersion, n.Status.NodeInfo.ContainerRuntimeVersion)
			}
		}
		status, err := demo.ReadStatus(ctx, client)
		if err != nil {
			t.Fatal(err)
		}
		if !status.Ready() {
			t.Fatalf("after %d checks the platform is not ready: %v", checks, status.NotReady)
		}
		for _, ns := range demo.Namespaces {
			pdbs, err := client.PolicyV1().PodDisruptionBudgets(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, pdb := range pdbs.Items {
				if pdb.Status.CurrentHealthy < pdb.Status.DesiredHealthy || pdb.Status.ExpectedPods == 0 {
					t.Fatalf("after %d checks PDB %s/%s is unhealthy: %+v", checks, ns, pdb.Name, pdb.Status)
				}
			}
		}
		checks++
		time.Sleep(10 * time.Second)
	}
	if len(want) != 10 {
		t.Errorf("watched %d platform nodes, want 10", len(want))
	}
	t.Logf("platform stayed ready for %s (%d checks)", period, checks)
}

func TestSchedulerPlacesDeployment(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	client := shared.Client()
	names, err := shared.AddNodes(ctx, localcluster.NodeSpec{Pool: "sched", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.RemoveNodes(context.Background(), names...) })
	createNamespace(ctx, t, client, "e2e-sched")
	if _, err := client.AppsV1().Deployments("e2e-sched").Create(ctx, deployment("e2e-sched", "web", "sched", 4), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := waitDeploymentReady(ctx, t, client, "e2e-sched", "web")
	for _, p := range pods {
		if !slices.Contains(names, p.Spec.NodeName) {
			t.Errorf("pod %s runs on %q, want one of the pool's nodes %v", p.Name, p.Spec.NodeName, names)
		}
	}
	// The pods were bound by the real scheduler, not by their spec.
	events, err := client.CoreV1().Events("e2e-sched").List(ctx, metav1.ListOptions{FieldSelector: "reason=Scheduled"})
	if err != nil {
		t.Fatal(err)
	}
	scheduled := 0
	for _, e := range events.Items {
		if e.Source.Component == "default-scheduler" || e.ReportingController == "default-scheduler" {
			scheduled++
		}
	}
	if scheduled < 4 {
		t.Errorf("found %d Scheduled events from default-scheduler, want at least 4", scheduled)
	}
}

func TestEvictionRespectsPDB(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	client := shared.Client()

	// telegraf-prom: 1 replica under minAvailable 1 — no disruption allowed.
	waitPDB(ctx, t, client, "shared", "telegraf-prom", 0)
	pods, err := client.CoreV1().Pods("shared").List(ctx, metav1.ListOptions{LabelSelector: "app=telegraf-prom"})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("want one telegraf-prom pod, got %d (%v)", len(pods.Items), err)
	}
	err = evict(ctx, client, pods.Items[0])
	if !apierrors.IsTooManyRequests(err) {
		t.Fatalf("evict telegraf-prom: got %v, want 429 Too Many Requests", err)
	}
	if !strings.Contains(err.Error(), "disruption budget") {
		t.Errorf("429 does not name the disruption budget: %v", err)
	}
	if _, err := client.CoreV1().Pods("shared").Get(ctx, pods.Items[0].Name, metav1.GetOptions{}); err != nil {
		t.Errorf("telegraf-prom pod is gone after a refused eviction: %v", err)
	}

	// A budget that allows one disruption lets exactly one eviction through.
	createNamespace(ctx, t, client, "e2e-evict")
	if _, err := client.AppsV1().Deployments("e2e-evict").Create(ctx, deployment("e2e-evict", "api", "vantiq", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets("e2e-evict").Create(ctx, pdbMinAvailable("e2e-evict", "api", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	apiPods := waitDeploymentReady(ctx, t, client, "e2e-evict", "api")
	waitPDB(ctx, t, client, "e2e-evict", "api", 1)
	if err := evict(ctx, client, apiPods[0]); err != nil {
		t.Fatalf("evict %s with one disruption allowed: %v", apiPods[0].Name, err)
	}
	if err := evict(ctx, client, apiPods[1]); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("second eviction while the first pod is replaced: got %v, want 429", err)
	}
	err = wait.PollUntilContextCancel(ctx, 250*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().Pods("e2e-evict").Get(ctx, apiPods[0].Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("evicted pod %s was not removed: %v", apiPods[0].Name, err)
	}
	waitDeploymentReady(ctx, t, client, "e2e-evict", "api")
}

// evict asks the Eviction API to evict pod, as a drain does.
func evict(ctx context.Context, client kubernetes.Interface, pod corev1.Pod) error {
	return client.CoreV1().Pods(pod.Namespace).EvictV1(ctx, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name},
	})
}

func TestControlPlaneUpgradeInPlace(t *testing.T) {
	t.Parallel()
	pinned := localcluster.PinnedVersions()
	minors := pinned.Minors()
	from, to := pinned.Kubernetes[minors[0]], pinned.Kubernetes[minors[len(minors)-1]]
	c := startCluster(t, from)
	ctx := testContext(t, 5*time.Minute)
	client := c.Client()

	if v := serverVersion(t, c); v != from {
		t.Fatalf("/version reports %s before the upgrade, want %s", v, from)
	}
	if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: "workers", Count: 2}); err != nil {
		t.Fatal(err)
	}
	createNamespace(ctx, t, client, "before")
	if _, err := client.CoreV1().ConfigMaps("before").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"k": "v"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AppsV1().Deployments("before").Create(ctx, deployment("before", "old", "workers", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets("before").Create(ctx, pdbMinAvailable("before", "old", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	oldPods := waitDeploymentReady(ctx, t, client, "before", "old")

	if err := c.UpgradeControlPlane(ctx, to); err != nil {
		t.Fatal(err)
	}
	if v := serverVersion(t, c); v != to {
		t.Fatalf("/version reports %s after the upgrade, want %s", v, to)
	}
	if got := kubectlServerVersion(ctx, t, c); got != to {
		t.Errorf("kubectl version reports server %s, want %s", got, to)
	}
	cm, err := client.CoreV1().ConfigMaps("before").Get(ctx, "settings", metav1.GetOptions{})
	if err != nil || cm.Data["k"] != "v" {
		t.Errorf("ConfigMap created before the upgrade: %v, data %v", err, cm)
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets("before").Get(ctx, "old", metav1.GetOptions{}); err != nil {
		t.Errorf("PDB created before the upgrade: %v", err)
	}
	pods := waitDeploymentReady(ctx, t, client, "before", "old")
	var oldNames, newNames []string
	for _, p := range oldPods {
		oldNames = append(oldNames, p.Name)
	}
	for _, p := range pods {
		newNames = append(newNames, p.Name)
	}
	slices.Sort(oldNames)
	slices.Sort(newNames)
	if !slices.Equal(oldNames, newNames) {
		t.Errorf("pods before the upgrade %v, after %v: want the same pods to keep running", oldNames, newNames)
	}
	// The upgraded scheduler and controllers keep working.
	if _, err := client.AppsV1().Deployments("before").Create(ctx, deployment("before", "new", "workers", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDeploymentReady(ctx, t, client, "before", "new")
	waitPDB(ctx, t, client, "before", "old", 1)
}

func serverVersion(t *testing.T, c *localcluster.Cluster) string {
	t.Helper()
	v, err := c.Client().Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("GET /version: %v", err)
	}
	return v.GitVersion
}

func kubectlServerVersion(ctx context.Context, t *testing.T, c *localcluster.Cluster) string {
	t.Helper()
	out, err := exec.CommandContext(ctx, c.Binaries().Kubectl, "--kubeconfig", c.Kubeconfig(), "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("kubectl version: %v", err)
	}
	var v struct {
		ServerVersion struct {
			GitVersion string `json:"gitVersion"`
		} `json:"serverVersion"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("kubectl version output %s: %v", out, err)
	}
	return v.ServerVersion.GitVersion
}

func TestStopLeavesNoProcess(t *testing.T) {
	t.Parallel()
	// A process the cluster did not start must survive its Stop.
	bystander := exec.Command("sleep", "600")
	if err := bystander.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bystander.Process.Kill(); bystander.Wait() })

	ctx := testContext(t, 3*time.Minute)
	c, err := localcluster.Start(ctx, localcluster.Options{Version: localcluster.PinnedVersions().Minors()[0]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: "p", Count: 1}); err != nil {
		c.Stop()
		t.Fatal(err)
	}
	pids := c.PIDs()
	if len(pids) != 5 {
		t.Errorf("running components %v, want etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok", pids)
	}
	dir := c.Dir()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("%s (pid %d) still runs after Stop", name, pid)
		}
	}
	if left := processesMentioning(t, dir); len(left) > 0 {
		t.Errorf("processes still use the cluster directory %s: %v", dir, left)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s remains after Stop: %v", dir, err)
	}
	if err := bystander.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process the cluster did not start was stopped: %v", err)
	}
	if len(c.PIDs()) != 0 {
		t.Errorf("PIDs after Stop: %v", c.PIDs())
	}
}

// processesMentioning lists the command lines of running processes that
// name s.
func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if line := strings.ReplaceAll(string(cmdline), "\x00", " "); strings.Contains(line, s) {
			out = append(out, e.Name()+": "+line)
		}
	}
	return out
}
