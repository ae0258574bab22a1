package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/browser"
	"github.com/kubehop/kubehop/internal/demo"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/localcluster"
)

// platformCluster starts a cluster at the oldest pinned version with the
// demo platform, serves its control socket and writes its profile.
func platformCluster(t *testing.T) (*localcluster.Cluster, string) {
	t.Helper()
	pinned := localcluster.PinnedVersions()
	c := startCluster(t, pinned.Minors()[0])
	ctx := testContext(t, 10*time.Minute)
	if _, err := demo.Seed(ctx, c, demo.SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	serveCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go c.Serve(serveCtx)
	profile := filepath.Join(c.Dir(), "kubehop.yaml")
	if err := demo.WriteProfile(ctx, c, pinned.Minors()[len(pinned.Minors())-1], profile); err != nil {
		t.Fatal(err)
	}
	return c, profile
}

// kubehop runs the kubehop binary and returns its exit code and output.
func kubehop(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubehopBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	if err != nil {
		return -1, stdout.String(), err.Error()
	}
	return 0, stdout.String(), stderr.String()
}

// upgradedState describes a cluster after the upgrade, for comparison,
// once it settles: the DaemonSet controller counts a deleted node for a
// moment after a pool's last node goes.
func upgradedState(ctx context.Context, t *testing.T, c *localcluster.Cluster, target string) string {
	t.Helper()
	var got string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		if got = readState(ctx, t, c, target); got == wantUpgraded {
			break
		}
	}
	return got
}

func readState(ctx context.Context, t *testing.T, c *localcluster.Cluster, target string) string {
	t.Helper()
	client := c.Client()
	status, err := demo.WaitReady(ctx, client, nil)
	if err != nil {
		t.Fatalf("platform after the upgrade: %v", err)
	}
	var b strings.Builder
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pools := map[string]int{}
	for _, n := range nodes.Items {
		pools[n.Labels[localcluster.PoolLabel]]++
		if n.Spec.Unschedulable {
			t.Errorf("node %s is left cordoned", n.Name)
		}
		if n.Status.NodeInfo.KubeletVersion != target {
			t.Errorf("node %s runs %s, want %s", n.Name, n.Status.NodeInfo.KubeletVersion, target)
		}
	}
	fmt.Fprintf(&b, "control plane %s; nodes per pool %v\n", serverVersion(t, c), pools)
	for _, w := range status.Workloads {
		ready, desired := w.Ready, w.Desired
		if w.Kind == "DaemonSet" {
			ready, desired = daemonPods(ctx, t, client, w.Namespace, w.Name, nodes.Items)
		}
		fmt.Fprintf(&b, "%s %s/%s %d/%d\n", w.Kind, w.Namespace, w.Name, ready, desired)
	}
	return b.String()
}

// daemonPods counts a DaemonSet's Ready pods on the nodes that exist, and
// those nodes (the demo's DaemonSets tolerate every taint, so they belong
// on every node). The DaemonSet controller's own status can go on
// counting a deleted node for minutes (kube-controller-manager 1.37 after
// a stale-cache refusal), so the test counts what runs.
func daemonPods(ctx context.Context, t *testing.T, client kubernetes.Interface, namespace, name string, nodes []corev1.Node) (ready, desired int32) {
	t.Helper()
	exists := map[string]bool{}
	for _, n := range nodes {
		exists[n.Name] = true
	}
	pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Kind == "DaemonSet" && ref.Name == name && exists[p.Spec.NodeName] && kube.PodHealthy(&p) {
			ready++
		}
	}
	return ready, int32(len(nodes))
}

const wantUpgraded = `control plane v1.37.2; nodes per pool map[grafana:1 keycloak:2 metrics:1 mongodb:3 vantiq:3]
DaemonSet kube-system/kube-proxy 10/10
Deployment kube-system/coredns 2/2
DaemonSet shared/telegraf-ds 10/10
Deployment shared/grafana 1/1
Deployment shared/telegraf-prom 1/1
StatefulSet shared/influxdb 1/1
StatefulSet shared/keycloak 2/2
StatefulSet vantiq/metrics-collector 1/1
StatefulSet vantiq/mongodb 3/3
StatefulSet vantiq/vantiq 3/3
StatefulSet vantiq/vision-analytics 2/2
`

func TestApplyUpgradesTheDemoPlatform(t *testing.T) {
	t.Parallel()
	c, profile := platformCluster(t)
	ctx := testContext(t, 10*time.Minute)
	// telegraf-prom's budget is relaxed by design: the plan scales it to
	// 0 and back, which the journal shows.
	watcher := watchBudgets(ctx, t, c.Client(), "", "shared/telegraf-prom")

	// A dry run changes nothing and writes no journal, and says which
	// evictions the budgets refuse now.
	code, out, errOut := kubehop(ctx, "apply", "--dry-run", "--kubeconfig", c.Kubeconfig(), "--profile", profile)
	if code != 0 || !strings.Contains(out, "nothing was changed") || !strings.Contains(out, "telegraf-prom") || !strings.Contains(out, "freed by the relax step") {
		t.Fatalf("apply --dry-run: exit %d\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(c.Dir(), ".kubehop")); !os.IsNotExist(err) {
		t.Errorf("a dry run wrote a journal: %v", err)
	}
	if got := readState(ctx, t, c, "v1.36.3"); !strings.Contains(got, "Deployment shared/telegraf-prom 1/1") {
		t.Errorf("the dry run changed the cluster:\n%s", got)
	}

	code, out, errOut = kubehop(ctx, "apply", "--kubeconfig", c.Kubeconfig(), "--profile", profile, "--yes", "--journal-configmap")
	if code != 0 {
		t.Fatalf("kubehop apply: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Report: "+filepath.Join(c.Dir(), ".kubehop", "kubehop-demo.report.html")) {
		t.Errorf("apply does not say where the report is:\n%s", out)
	}
	if got := upgradedState(ctx, t, c, "v1.37.2"); got != wantUpgraded {
		t.Errorf("after the upgrade:\n%s\nwant:\n%s", got, wantUpgraded)
	}
	if v := watcher.Violations(); len(v) > 0 {
		t.Errorf("%d moment(s) below a disruption budget:\n%s", len(v), strings.Join(v, "\n"))
	}

	// The runbooks' ordering, read from the journal.
	_, entries, err := journal.Open(filepath.Join(c.Dir(), ".kubehop", "kubehop-demo.journal"))
	if err != nil {
		t.Fatal(err)
	}
	seq := func(typ, step string) int64 {
		for _, e := range entries {
			if e.Type == typ && e.Step == step {
				return e.Seq
			}
		}
		t.Fatalf("journal has no %s of %s", typ, step)
		return 0
	}
	vantiq := seq(journal.Begin, "hop1/pool/vantiq")
	if vantiq < seq(journal.Done, "hop1/pool/mongodb") || vantiq < seq(journal.Done, "hop1/pool/keycloak") {
		t.Error("the vantiq pool started before the mongodb and keycloak pools were done")
	}
	if seq(journal.Begin, "relax/deployment/shared/telegraf-prom") > seq(journal.Begin, "hop1/pool/mongodb") ||
		seq(journal.Done, "restore/deployment/shared/telegraf-prom") < seq(journal.Done, "hop1/pool/vantiq") {
		t.Error("telegraf-prom was not relaxed around the node pools")
	}
	s := journal.Replay(entries)
	if len(s.Originals) != 0 {
		t.Errorf("changes left unrestored: %v", s.Originals)
	}
	// The copy in the cluster holds the whole journal.
	local, _ := os.ReadFile(filepath.Join(c.Dir(), ".kubehop", "kubehop-demo.journal"))
	cm, err := c.Client().CoreV1().ConfigMaps("kube-system").Get(ctx, "kubehop-journal-kubehop-demo", metav1.GetOptions{})
	if err != nil || cm.Data[journal.MirrorKey] != string(local) {
		t.Errorf("the journal's copy in the cluster: %v, %d bytes against %d locally", err, len(cm.Data[journal.MirrorKey]), len(local))
	}

	// The verification ran as the last phase and passed, against the
	// snapshot apply kept; kubehop verify agrees.
	var verified bool
	for _, e := range entries {
		if e.Type == journal.Verify && strings.HasPrefix(e.Message, "passed") {
			verified = true
		}
	}
	if !verified {
		t.Error("the journal records no passed verification")
	}
	code, out, errOut = kubehop(ctx, "verify", "--kubeconfig", c.Kubeconfig(), "--profile", profile)
	if code != 0 || !strings.Contains(out, "PASSED") || !strings.Contains(out, "against the snapshot of") {
		t.Errorf("kubehop verify after the upgrade: exit %d\n%s\n%s", code, out, errOut)
	}

	checkReport(ctx, t, c, profile)
}

// checkReport opens the HTML report apply wrote in headless Chromium: no
// console errors, and the timeline shows every node pool. The screenshot
// goes to docs/ when KUBEHOP_UPDATE_DOCS is set.
func checkReport(ctx context.Context, t *testing.T, c *localcluster.Cluster, profile string) {
	t.Helper()
	report := filepath.Join(c.Dir(), ".kubehop", "kubehop-demo.report.html")
	if _, err := os.Stat(report); err != nil {
		t.Fatalf("apply wrote no report: %v", err)
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	if os.Getenv("KUBEHOP_UPDATE_DOCS") != "" {
		shot = filepath.Join("..", "..", "docs", "report.png")
	}
	var pools []string
	consoleErrors, err := browser.Check(ctx, report, shot, `Array.from(document.querySelectorAll('[data-pool]')).map(e => e.getAttribute('data-pool'))`, &pools)
	if err != nil {
		t.Fatal(err)
	}
	if len(consoleErrors) > 0 {
		t.Errorf("console errors: %v", consoleErrors)
	}
	demoPools, err := demo.Pools()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range demoPools {
		if !slices.Contains(pools, p.Name) {
			t.Errorf("the report's timeline has no pool %s (has %v)", p.Name, pools)
		}
	}
	// Markdown for a change ticket, from the same journal.
	code, md, errOut := kubehop(ctx, "report", "--profile", profile, "-o", "markdown", "--out", "-")
	if code != 0 || !strings.Contains(md, "succeeded") || !strings.Contains(md, "- [ ] Log in to the Vantiq UI") {
		t.Errorf("kubehop report -o markdown: exit %d\n%s\n%s", code, md, errOut)
	}
}

func TestApplyRefusesAnotherCluster(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	// A profile for a cluster with another identity, pointed at the shared one.
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "demo", "platform", "profile.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(t.TempDir(), "kubehop.yaml")
	other := strings.NewReplacer("__CLUSTER_UID__", "00000000-0000-0000-0000-000000000000", "__TARGET__", "1.37").Replace(string(data))
	if err := os.WriteFile(profile, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	before, err := shared.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := kubehop(ctx, "apply", "--kubeconfig", shared.Kubeconfig(), "--profile", profile, "--yes")
	if code != exitcode.BadInput || !strings.Contains(errOut, "wrong cluster") || !strings.Contains(errOut, "nothing was changed") {
		t.Fatalf("apply to another cluster: exit %d, %s", code, errOut)
	}
	after, err := shared.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range after.Items {
		if after.Items[i].Spec.Unschedulable {
			t.Errorf("node %s was cordoned", after.Items[i].Name)
		}
	}
	if v := serverVersion(t, shared); v != localcluster.PinnedVersions().Kubernetes[localcluster.PinnedVersions().Minors()[0]] || len(after.Items) < len(before.Items) {
		t.Errorf("the cluster changed: version %s, %d nodes before and %d after", v, len(before.Items), len(after.Items))
	}
}

// crashes is how many times TestCrashAnywhereResumes kills kubehop.
func crashes() int {
	if v, err := strconv.Atoi(os.Getenv("KUBEHOP_E2E_CRASHES")); err == nil {
		return v
	}
	return 20
}

func TestCrashAnywhereResumes(t *testing.T) {
	t.Parallel()
	c, profile := platformCluster(t)
	ctx := testContext(t, 15*time.Minute)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("kill points from seed %d", seed)
	watcher := watchBudgets(ctx, t, c.Client(), "", "shared/telegraf-prom")

	args := []string{"apply", "--yes", "--kubeconfig", c.Kubeconfig(), "--profile", profile}
	kills := 0
	for kills < crashes() {
		cmd := exec.CommandContext(ctx, kubehopBin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d ended on its own with %v:\n%s", kills, err, stderr.String())
			}
			t.Logf("the upgrade finished after %d kill(s)", kills)
			kills = crashes() // finished before all kills were spent
			continue
		case <-time.After(time.Duration(200+rng.IntN(2500)) * time.Millisecond):
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		kills++
		args = []string{"resume", "--kubeconfig", c.Kubeconfig(), "--profile", profile}
	}
	code, out, errOut := kubehop(ctx, "resume", "--kubeconfig", c.Kubeconfig(), "--profile", profile)
	if code != 0 {
		t.Fatalf("final resume: exit %d\n%s\n%s", code, out, errOut)
	}
	if got := upgradedState(ctx, t, c, "v1.37.2"); got != wantUpgraded {
		t.Errorf("after %d kills and resumes:\n%s\nwant the same as an uninterrupted run:\n%s", kills, got, wantUpgraded)
	}
	if v := watcher.Violations(); len(v) > 0 {
		t.Errorf("%d moment(s) below a disruption budget:\n%s", len(v), strings.Join(v, "\n"))
	}
	_, entries, err := journal.Open(filepath.Join(c.Dir(), ".kubehop", "kubehop-demo.journal"))
	if err != nil {
		t.Fatal(err)
	}
	if s := journal.Replay(entries); len(s.Originals) != 0 {
		t.Errorf("changes left unrestored after the final resume: %v", s.Originals)
	}
}
