package execute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/verify"
)

// cutObject splits "Deployment ns/name" or "node name".
func cutObject(o string) (kind, namespace, name string) {
	kind, rest, _ := strings.Cut(o, " ")
	if ns, n, ok := strings.Cut(rest, "/"); ok {
		return kind, ns, n
	}
	return kind, "", rest
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }

type replicas struct {
	Replicas int32 `json:"replicas"`
}

// getScale reads a Deployment's or StatefulSet's replicas.
func (env *Env) getScale(ctx context.Context, object string) (int32, error) {
	kind, ns, name := cutObject(object)
	switch kind {
	case "Deployment":
		s, err := env.Client.AppsV1().Deployments(ns).GetScale(ctx, name, metav1.GetOptions{})
		if err != nil {
			return 0, fmt.Errorf("read replicas of %s: %w", object, err)
		}
		return s.Spec.Replicas, nil
	case "StatefulSet":
		s, err := env.Client.AppsV1().StatefulSets(ns).GetScale(ctx, name, metav1.GetOptions{})
		if err != nil {
			return 0, fmt.Errorf("read replicas of %s: %w", object, err)
		}
		return s.Spec.Replicas, nil
	}
	return 0, fmt.Errorf("cannot scale %s", object)
}

// setScale scales a Deployment or StatefulSet.
func (env *Env) setScale(ctx context.Context, object string, n int32) error {
	kind, ns, name := cutObject(object)
	patch := []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))
	var err error
	switch kind {
	case "Deployment":
		_, err = env.Client.AppsV1().Deployments(ns).Patch(ctx, name, "application/merge-patch+json", patch, metav1.PatchOptions{}, "scale")
	case "StatefulSet":
		_, err = env.Client.AppsV1().StatefulSets(ns).Patch(ctx, name, "application/merge-patch+json", patch, metav1.PatchOptions{}, "scale")
	default:
		return fmt.Errorf("cannot scale %s", object)
	}
	if err != nil {
		return fmt.Errorf("scale %s to %d: %w", object, n, err)
	}
	return nil
}

// scaleDown records a workload's replicas and scales it to 0, so that its
// disruption budget no longer blocks drains, then waits until its pods are
// gone.
func (env *Env) scaleDown(ctx context.Context, st plan.Step) error {
	n, err := env.getScale(ctx, st.Object)
	if err != nil {
		return err
	}
	if err := env.record(st.ID, st.Object, replicas{n}); err != nil {
		return err
	}
	if n != 0 {
		if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: st.Object, Message: fmt.Sprintf("scale from %d to 0", n)}); err != nil {
			return err
		}
		if err := env.setScale(ctx, st.Object, 0); err != nil {
			return err
		}
	}
	return env.waitWorkload(ctx, st.Object, 0)
}

// scaleRestore scales a workload back to its recorded replicas and waits
// until they are ready. step names who restores it (the plan's restore
// step, or journal.Compensate).
func (env *Env) scaleRestore(ctx context.Context, step, object string) error {
	var orig replicas
	ok, err := env.original(object, &orig)
	if err != nil {
		return err
	}
	if !ok {
		return nil // never scaled down by this run, or already restored
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: step, Object: object, Message: fmt.Sprintf("scale back to %d", orig.Replicas)}); err != nil {
		return err
	}
	if err := env.setScale(ctx, object, orig.Replicas); err != nil {
		return err
	}
	if err := env.waitWorkload(ctx, object, orig.Replicas); err != nil {
		return err
	}
	return env.restored(step, object, fmt.Sprintf("%d replicas", orig.Replicas))
}

// waitWorkload waits until a workload has exactly want ready replicas and
// no others.
func (env *Env) waitWorkload(ctx context.Context, object string, want int32) error {
	kind, ns, name := cutObject(object)
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		var r kube.Rollout
		switch kind {
		case "Deployment":
			d, err := env.Client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			r = kube.DeploymentRollout(d)
		case "StatefulSet":
			s, err := env.Client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			r = kube.StatefulSetRollout(s)
		default:
			return false, fmt.Errorf("cannot wait for %s", object)
		}
		return r.Desired == want && r.Complete(), nil
	})
	if err != nil {
		return fmt.Errorf("wait for %s to have %d ready replicas: %w", object, want, err)
	}
	return nil
}

// waitGates waits until every gate of a pool step holds: the pods its
// selector picks are Running and Ready.
func (env *Env) waitGates(ctx context.Context, st plan.Step) error {
	for _, g := range st.WaitFor {
		minReady := max(g.MinReady, 1)
		var last string
		err := wait.PollUntilContextTimeout(ctx, time.Second, 15*time.Minute, true, func(ctx context.Context) (bool, error) {
			pods, err := env.Client.CoreV1().Pods(g.Namespace).List(ctx, metav1.ListOptions{LabelSelector: g.Selector})
			if err != nil {
				return false, nil
			}
			ready := 0
			for _, p := range pods.Items {
				if kube.PodHealthy(&p) {
					ready++
				}
			}
			last = fmt.Sprintf("%d of %d pods ready", ready, len(pods.Items))
			return ready >= minReady && ready == len(pods.Items), nil
		})
		if err != nil {
			return fmt.Errorf("gate %s/%s before pool %s: %s: %w", g.Namespace, g.Selector, st.Pool, last, err)
		}
		env.report(EventGate, st.ID, "", "pods %s in %s are Running and Ready", g.Selector, g.Namespace)
	}
	return nil
}

// verify waits until the cluster passes verification at the target
// (every node Ready and at the target minor, every pod and workload
// ready, every budget healthy and, against the baseline, nothing lost or
// misplaced), and journals the last reading.
func (env *Env) verify(ctx context.Context, st plan.Step) error {
	opts := verify.Options{Target: st.Version, Baseline: env.Baseline, Since: env.Since, PoolLabel: env.PoolLabel}
	timeout := env.VerifyTimeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	last := ""
	progress := func(r *verify.Result) {
		if errs := r.Errors(); len(errs) > 0 {
			if first := errs[0].Object + ": " + errs[0].Reason; first != last {
				env.report(EventWait, st.ID, "", "%d problem(s), such as %s", len(errs), first)
				last = first
			}
		}
	}
	// Pods the drains made land outside where they belong (the runbooks'
	// "pods on unintended nodes") stay there: once two readings in a row
	// find nothing else wrong, they are moved back, one eviction at a
	// time within their budgets, and the cluster is verified again.
	readings := 0
	settled := func(r *verify.Result) bool {
		if !r.OnlyMisplaced() {
			readings = 0
			return false
		}
		readings++
		return readings >= 2
	}
	clients := inventory.Clients{Kube: env.Client}
	r, err := verify.Wait(ctx, clients, opts, timeout, 2*time.Second, settled, progress)
	if err != nil {
		return err
	}
	if !r.OK() && r.OnlyMisplaced() {
		env.report(EventWait, st.ID, "", "moving %d pod(s) back where their affinity and the snapshot place them", len(r.Misplaced()))
		_, err := verify.FixPlacement(ctx, env.Client, r.Misplaced(), timeout, func(p verify.Problem) error {
			_, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: "pod " + p.Pod, Message: "evict to place it again: " + p.Reason})
			return err
		}, func(s string) { env.report(EventWait, st.ID, "", "%s", s) })
		if err != nil {
			return err
		}
		if r, err = verify.Wait(ctx, clients, opts, timeout, 2*time.Second, nil, progress); err != nil {
			return err
		}
	}
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Verify, Step: st.ID, Data: data, Message: verdict(r)}); err != nil {
		return err
	}
	if !r.OK() {
		var lines []string
		for _, p := range r.Errors() {
			lines = append(lines, p.Object+": "+p.Reason)
		}
		return fmt.Errorf("%w after %s: %s", ErrVerifyFailed, timeout, strings.Join(lines, "; "))
	}
	return nil
}

// ErrVerifyFailed is returned when the cluster does not pass verification
// after the upgrade.
var ErrVerifyFailed = errors.New("verification failed")

func verdict(r *verify.Result) string {
	if r.OK() {
		return fmt.Sprintf("passed: %d nodes, %d workloads, %d pods", r.Checked.Nodes, r.Checked.Workloads, r.Checked.Pods)
	}
	return fmt.Sprintf("failed: %d problem(s)", len(r.Errors()))
}

// poolNodes lists the nodes of a pool, by the pool label.
func (env *Env) poolNodes(ctx context.Context, pool string) ([]corev1.Node, error) {
	nodes, err := env.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	var out []corev1.Node
	for _, n := range nodes.Items {
		if _, p := inventory.PoolOf(n.Labels, env.PoolLabel); p == pool {
			out = append(out, n)
		}
	}
	return out, nil
}
