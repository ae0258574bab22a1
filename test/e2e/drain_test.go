package e2e

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/drain"
	"github.com/kubehop/kubehop/internal/localcluster"
)

func TestParallelDrainsNeverViolateBudgets(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	client := shared.Client()
	old, err := shared.AddNodes(ctx, localcluster.NodeSpec{Pool: "drain-old", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.RemoveNodes(context.Background(), old...) })
	ns := "e2e-drain"
	createNamespace(ctx, t, client, ns)
	// Six replicas under maxUnavailable 1 and four under minAvailable 3,
	// spread over the old pool; the new pool is added once they run, so the
	// evicted pods can only go there.
	web := deployment(ns, "web", "drain-old", 6)
	web.Spec.Template.Spec.NodeSelector = map[string]string{"drain-test": "yes"}
	api := deployment(ns, "api", "drain-old", 4)
	api.Spec.Template.Spec.NodeSelector = map[string]string{"drain-test": "yes"}
	for _, n := range old {
		labelNode(ctx, t, client, n, "drain-test", "yes")
	}
	for _, dep := range []*appsv1.Deployment{web, api} {
		if _, err := client.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	one := intstr.FromInt32(1)
	if _, err := client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, pdbMinAvailable(ns, "api", 3), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDeploymentReady(ctx, t, client, ns, "web")
	waitDeploymentReady(ctx, t, client, ns, "api")
	waitPDB(ctx, t, client, ns, "web", 1)
	waitPDB(ctx, t, client, ns, "api", 1)
	fresh, err := shared.AddNodes(ctx, localcluster.NodeSpec{Pool: "drain-new", Count: 3, Labels: map[string]string{"drain-test": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.RemoveNodes(context.Background(), fresh...) })

	// web (6 replicas, maxUnavailable 1) must keep 5 healthy pods, api
	// (minAvailable 3) 3, at every moment.
	watcher := watchBudgets(ctx, t, client, ns)
	// Drain the three old nodes at once.
	var wg sync.WaitGroup
	errs := make([]error, len(old))
	for i, n := range old {
		if _, err := drain.Cordon(ctx, client, n); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			dctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
			defer cancel()
			_, errs[i] = drain.Node(dctx, client, n, drain.Options{}, 200*time.Millisecond, nil)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("drain %s: %v", old[i], err)
		}
	}
	waitDeploymentReady(ctx, t, client, ns, "web")
	waitDeploymentReady(ctx, t, client, ns, "api")
	if v := watcher.Violations(); len(v) > 0 {
		t.Errorf("%d moment(s) below a disruption budget during the drains:\n%s", len(v), strings.Join(v, "\n"))
	}
	pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		for _, n := range old {
			if p.Spec.NodeName == n {
				t.Errorf("pod %s still on drained node %s", p.Name, n)
			}
		}
	}
	for _, n := range old {
		if err := drain.Uncordon(ctx, client, n); err != nil {
			t.Error(err)
		}
	}
}

func TestDrainNamesTheBlockingBudgetAndRefusesUnsafePods(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	client := shared.Client()
	nodes, err := shared.AddNodes(ctx, localcluster.NodeSpec{Pool: "drain-block", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.RemoveNodes(context.Background(), nodes...) })
	ns := "e2e-drain-block"
	createNamespace(ctx, t, client, ns)
	if _, err := client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "solo", "drain-block", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, pdbMinAvailable(ns, "solo", 1), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDeploymentReady(ctx, t, client, ns, "solo")
	waitPDB(ctx, t, client, ns, "solo", 0)
	was, err := drain.Cordon(ctx, client, nodes[0])
	if err != nil || was {
		t.Fatalf("cordon: was cordoned %t, %v", was, err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var waited []string
	r, err := drain.Node(dctx, client, nodes[0], drain.Options{}, 200*time.Millisecond, func(r *drain.Result) {
		waited = append(waited, r.Blocked[0].Reason)
	})
	if len(waited) != 1 || !strings.Contains(waited[0], "solo") {
		t.Errorf("the wait should be reported once, naming the budget: %q", waited)
	}
	if !errors.Is(err, drain.ErrNotDrained) || !strings.Contains(err.Error(), "PodDisruptionBudget solo needs 1 healthy pods") {
		t.Fatalf("drain past a blocking budget: %v, want ErrNotDrained naming the budget", err)
	}
	if len(r.Blocked) != 1 || !strings.HasPrefix(r.Blocked[0].Name, "solo-") {
		t.Errorf("blocked pods %+v", r.Blocked)
	}

	// A pod without a controller, and one with emptyDir data, are refused
	// until the options allow them.
	if _, err := client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "naked"},
		Spec: corev1.PodSpec{NodeName: nodes[0], Containers: []corev1.Container{{Name: "c", Image: "busybox"}},
			Volumes: []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err = drain.Pass(ctx, client, nodes[0], drain.Options{})
	if err != nil || len(r.Refused) != 1 || !strings.Contains(r.Refused[0].Reason, "no controller") {
		t.Fatalf("pass with a naked pod: %+v, %v", r, err)
	}
	r, err = drain.Pass(ctx, client, nodes[0], drain.Options{EvictNaked: true})
	if err != nil || len(r.Refused) != 1 || !strings.Contains(r.Refused[0].Reason, "emptyDir") {
		t.Fatalf("pass allowing naked pods: %+v, %v", r, err)
	}
	r, err = drain.Pass(ctx, client, nodes[0], drain.Options{EvictNaked: true, DeleteEmptyDir: true})
	if err != nil || len(r.Refused) != 0 || len(r.Evicted) != 1 || r.Evicted[0].Name != "naked" {
		t.Fatalf("pass allowing both: %+v, %v", r, err)
	}
	// The budget still holds the other pod, which was never deleted.
	if len(r.Blocked) != 1 {
		t.Errorf("the blocked pod should still be blocked: %+v", r)
	}
	for _, s := range r.Skipped {
		if !strings.Contains(s.Reason, "DaemonSet") {
			t.Errorf("skipped %+v: only DaemonSet pods should be skipped here", s)
		}
	}
	if err := drain.Uncordon(ctx, client, nodes[0]); err != nil {
		t.Fatal(err)
	}
}

func labelNode(ctx context.Context, t *testing.T, client kubernetes.Interface, node, key, value string) {
	t.Helper()
	n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Labels[key] = value
	if _, err := client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
