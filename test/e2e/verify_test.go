package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/demo"
	"github.com/kubehop/kubehop/internal/drain"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/localcluster"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/verify"
)

// TestVerifyReportsEachFault starts the demo platform already at the
// newest version: it verifies clean (a finished backup Job's pod is no
// problem), then each injected fault is reported with its object and
// reason and exit code 5, and --fix-placement moves the StatefulSet pod
// that landed in another pool back.
func TestVerifyReportsEachFault(t *testing.T) {
	t.Parallel()
	pinned := localcluster.PinnedVersions()
	newest := pinned.Minors()[len(pinned.Minors())-1]
	c := startCluster(t, newest)
	ctx := testContext(t, 10*time.Minute)
	if _, err := demo.Seed(ctx, c, demo.SeedOptions{}); err != nil {
		t.Fatal(err)
	}
	client := c.Client()
	runBackupJob(ctx, t, client)

	before := filepath.Join(t.TempDir(), "before.json")
	if code, _, errOut := kubehop(ctx, "snapshot", "--kubeconfig", c.Kubeconfig(), "-o", before); code != 0 {
		t.Fatalf("kubehop snapshot: exit %d: %s", code, errOut)
	}
	args := []string{"verify", "--kubeconfig", c.Kubeconfig(), "--target", newest, "--baseline", before, "-o", "json"}
	r, code, errOut := runVerify(ctx, t, args...)
	if code != 0 || !r.OK() {
		t.Fatalf("a healthy cluster does not verify: exit %d, problems %+v\n%s", code, r.Errors(), errOut)
	}
	if r.Checked.Skipped == 0 {
		t.Error("the finished backup Job's pod was not skipped")
	}

	// A StatefulSet pod left in another pool, as drains can leave one:
	// apply's verification phase moves it back by itself and passes.
	moveStatefulSetPod(ctx, t, client, "vantiq", "vantiq-2", "vantiq")
	checkVerifyStepFixesPlacement(ctx, t, client, before, newest)

	// The faults.
	patchAnnotation(ctx, t, client, "metrics-0", "kubehop.dev/fault", "not-ready")
	if err := localcluster.SetKubeletVersion(ctx, client, "grafana-0", "v1.36.3"); err != nil {
		t.Fatal(err)
	}
	crashy := deployment("vantiq", "crashy", "vantiq", 1)
	crashy.Spec.Template.Annotations = map[string]string{"kubehop.dev/fault": "crashloop"}
	crashy.Spec.Template.Spec.NodeSelector = nil
	if _, err := client.AppsV1().Deployments("vantiq").Create(ctx, crashy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Scaled up, but no node matches: its pods are never placed.
	reports := deployment("vantiq", "reports", "nowhere", 0)
	if _, err := client.AppsV1().Deployments("vantiq").Create(ctx, reports, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.AppsV1().Deployments("vantiq").Patch(ctx, "reports", types.MergePatchType, []byte(`{"spec":{"replicas":2}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	movedNode := moveStatefulSetPod(ctx, t, client, "vantiq", "vantiq-2", "vantiq")

	want := []struct{ check, object, reason string }{
		{"node-ready", "Node metrics-0", "Ready=False KubeletNotReady"},
		{"node-version", "Node grafana-0", "kubelet v1.36.3, want " + newest},
		{"pod-ready", "Pod vantiq/crashy-", "CrashLoopBackOff"},
		{"pod-ready", "Pod vantiq/reports-", "cannot be scheduled"},
		{"workload-rollout", "Deployment vantiq/reports", "2 desired, 2 updated, 0 ready"},
		{"moved-pool", "Pod vantiq/vantiq-2", "in pool " + movedPool(ctx, t, client, movedNode) + "; before the upgrade it ran in pool vantiq"},
		{"placement", "Pod vantiq/vantiq-2", "favours nodes such as vantiq-"},
	}
	var missing []string
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		r, code, errOut = runVerify(ctx, t, args...)
		missing = missing[:0]
		for _, w := range want {
			if !hasProblem(r, w.check, w.object, w.reason) {
				missing = append(missing, w.check+" "+w.object+" "+w.reason)
			}
		}
		return code == exitcode.VerifyFailed && len(missing) == 0, nil
	})
	if err != nil {
		t.Fatalf("exit %d; not reported: %v\nproblems: %+v\n%s", code, missing, r.Errors(), errOut)
	}
	for _, p := range r.Problems {
		if strings.Contains(p.Object, "mongobackup") {
			t.Errorf("the finished backup Job's pod is reported: %+v", p)
		}
	}

	// The misplaced pod goes back through an eviction; the other faults
	// remain, so verification still fails.
	r, code, errOut = runVerify(ctx, t, append(args, "--fix-placement")...)
	if code != exitcode.VerifyFailed || hasProblem(r, "moved-pool", "Pod vantiq/vantiq-2", "") || hasProblem(r, "placement", "Pod vantiq/vantiq-2", "") {
		t.Errorf("after --fix-placement: exit %d, problems %+v\n%s", code, r.Errors(), errOut)
	}
	if !strings.Contains(errOut, "evicted pod vantiq/vantiq-2") {
		t.Errorf("--fix-placement does not say what it moved:\n%s", errOut)
	}
	pod, err := client.CoreV1().Pods("vantiq").Get(ctx, "vantiq-2", metav1.GetOptions{})
	if err != nil || movedPool(ctx, t, client, pod.Spec.NodeName) != "vantiq" {
		t.Errorf("vantiq-2 is not back in pool vantiq: %v", err)
	}
}

func runVerify(ctx context.Context, t *testing.T, args ...string) (*verify.Result, int, string) {
	t.Helper()
	code, out, errOut := kubehop(ctx, args...)
	r := &verify.Result{}
	if err := json.Unmarshal([]byte(out), r); err != nil {
		t.Fatalf("kubehop %s: exit %d, output is not a verification: %v\n%s\n%s", strings.Join(args, " "), code, err, out, errOut)
	}
	return r, code, errOut
}

func hasProblem(r *verify.Result, check, object, reason string) bool {
	for _, p := range r.Errors() {
		if p.Check == check && strings.HasPrefix(p.Object, object) && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

// runBackupJob runs the platform's backup CronJob once, as the runbooks do
// before an upgrade, and waits until it completes.
func runBackupJob(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	cj, err := client.BatchV1().CronJobs("vantiq").Get(ctx, "mongobackup", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "vantiq", Name: "mongobackup-manual",
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))}},
		Spec: cj.Spec.JobTemplate.Spec}
	if _, err := client.BatchV1().Jobs("vantiq").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		j, err := client.BatchV1().Jobs("vantiq").Get(ctx, job.Name, metav1.GetOptions{})
		return err == nil && j.Status.Succeeded > 0, nil
	})
	if err != nil {
		t.Fatalf("the backup Job did not complete: %v", err)
	}
}

func patchAnnotation(ctx context.Context, t *testing.T, client kubernetes.Interface, node, key, value string) {
	t.Helper()
	patch := `{"metadata":{"annotations":{"` + key + `":"` + value + `"}}}`
	if _, err := client.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// moveStatefulSetPod makes a StatefulSet's pod land outside its pool, as
// after the runbooks' node restarts: the pool is cordoned, the pod
// evicted and recreated elsewhere, the pool uncordoned. It returns the
// pod's new node.
func moveStatefulSetPod(ctx context.Context, t *testing.T, client kubernetes.Interface, namespace, pod, pool string) string {
	t.Helper()
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: localcluster.PoolLabel + "=" + pool})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes.Items {
		if _, err := drain.Cordon(ctx, client, n.Name); err != nil {
			t.Fatal(err)
		}
	}
	if err := client.CoreV1().Pods(namespace).Delete(ctx, pod, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var node string
	err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := client.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
		if err != nil || p.DeletionTimestamp != nil || !kube.PodHealthy(p) {
			return false, nil
		}
		node = p.Spec.NodeName
		return true, nil
	})
	if err != nil {
		t.Fatalf("pod %s/%s did not come back elsewhere: %v", namespace, pod, err)
	}
	for _, n := range nodes.Items {
		if err := drain.Uncordon(ctx, client, n.Name); err != nil {
			t.Fatal(err)
		}
	}
	return node
}

func movedPool(ctx context.Context, t *testing.T, client kubernetes.Interface, node string) string {
	t.Helper()
	n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n.Labels[localcluster.PoolLabel]
}

// checkVerifyStepFixesPlacement runs a plan's verification step, as apply
// does last, and wants it to move the misplaced pod back, journalling the
// eviction first, and pass.
func checkVerifyStepFixesPlacement(ctx context.Context, t *testing.T, client kubernetes.Interface, baselinePath, target string) {
	t.Helper()
	baseline, err := inventory.Load(baselinePath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "verify.journal")
	j, _, err := journal.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	env := &execute.Env{Client: client, Journal: j, Baseline: baseline, VerifyTimeout: 3 * time.Minute}
	pl := &plan.Plan{Steps: []plan.Step{{ID: "verify", Phase: "verify", Kind: plan.KindVerify, Version: target}}}
	if err := execute.Run(ctx, env, pl, journal.Replay(nil)); err != nil {
		t.Fatalf("the verification step did not pass after moving the pod back: %v", err)
	}
	entries, err := journal.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var evicted, passed bool
	for _, e := range entries {
		evicted = evicted || e.Type == journal.Intent && e.Object == "pod vantiq/vantiq-2" && strings.HasPrefix(e.Message, "evict to place it again")
		passed = passed || e.Type == journal.Verify && strings.HasPrefix(e.Message, "passed")
	}
	if !evicted || !passed {
		t.Errorf("journal: eviction journalled %t, verification passed %t", evicted, passed)
	}
	pod, err := client.CoreV1().Pods("vantiq").Get(ctx, "vantiq-2", metav1.GetOptions{})
	if err != nil || movedPool(ctx, t, client, pod.Spec.NodeName) != "vantiq" {
		t.Errorf("vantiq-2 is not back in pool vantiq: %v", err)
	}
}
