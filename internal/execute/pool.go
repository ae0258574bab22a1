package execute

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/drain"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
)

type poolSize struct {
	Nodes int `json:"nodes"`
}

type cordonState struct {
	Unschedulable bool `json:"unschedulable"`
}

// upgradePool moves every node of a pool that runs an older kubelet to the
// step's version with the step's strategy. It reads what is left to do
// from the cluster, so running it again after a crash finishes the job.
func (env *Env) upgradePool(ctx context.Context, st plan.Step) error {
	target, err := version.ParseGeneric(st.Version)
	if err != nil {
		return err
	}
	nodes, err := env.poolNodes(ctx, st.Pool)
	if err != nil {
		return err
	}
	// The pool's size before the step added any node: surge nodes are
	// counted against it.
	if err := env.record(st.ID, "pool "+st.Pool, poolSize{len(nodes)}); err != nil {
		return err
	}
	var size poolSize
	if _, err := env.original("pool "+st.Pool, &size); err != nil {
		return err
	}
	for {
		nodes, err := env.poolNodes(ctx, st.Pool)
		if err != nil {
			return err
		}
		old := outdated(nodes, target)
		if len(old) == 0 {
			// Nodes this step cordoned are uncordoned if they remain (in
			// place), or recorded as gone: also after a crash between a
			// node's upgrade and its uncordon.
			for _, n := range env.changedBy(st.ID, "node") {
				if err := env.restoreNode(ctx, st.ID, n); err != nil {
					return err
				}
			}
			return env.restored(st.ID, "pool "+st.Pool, "every node at "+st.Version)
		}
		template := &old[0]
		switch st.Kind {
		case plan.KindPoolInPlace:
			batch := old[:min(st.MaxUnavailable, len(old))]
			if err := env.eachNode(ctx, st, batch, func(ctx context.Context, n string) error {
				if err := env.Provider.UpgradeNode(ctx, n, st.Version); err != nil {
					return err
				}
				return env.restoreNode(ctx, st.ID, "node "+n)
			}); err != nil {
				return err
			}
		case plan.KindPoolBlueGreen:
			if missing := size.Nodes - (len(nodes) - len(old)); missing > 0 {
				if err := env.addNodes(ctx, st, missing, template); err != nil {
					return err
				}
			}
			if err := env.cordonAll(ctx, st, old); err != nil {
				return err
			}
			if err := env.eachNode(ctx, st, old[:min(st.MaxUnavailable, len(old))], env.removeNode(st)); err != nil {
				return err
			}
		default: // surge
			// All old nodes stop taking pods at once, so that evicted pods
			// go to new nodes and move only once.
			if err := env.cordonAll(ctx, st, old); err != nil {
				return err
			}
			if err := env.surge(ctx, st, size.Nodes, len(nodes)-len(old), len(nodes), old, template); err != nil {
				return err
			}
		}
	}
}

// surge replaces a pool's old nodes with at most MaxSurge nodes beyond its
// size. The first new nodes are Ready before any drain starts. Then up to
// MaxSurge+MaxUnavailable old nodes drain at once, those holding the longest
// disruption-budget chains first; each deleted node makes room for the
// next new one, which boots while the following drains go on. fresh
// counts the pool's nodes already at the target and total all of them.
func (env *Env) surge(ctx context.Context, st plan.Step, size, fresh, total int, old []corev1.Node, template *corev1.Node) error {
	if need := min(size+st.MaxSurge-total, size-fresh); need > 0 {
		if err := env.addNodes(ctx, st, need, template); err != nil {
			return err
		}
		fresh += need
	}
	old = env.mostConstrainedFirst(ctx, old)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
		cancel(err)
	}
	slots := make(chan struct{}, st.MaxSurge+st.MaxUnavailable)
next:
	for _, n := range old {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			break next
		}
		wg.Go(func() {
			err := env.eachNode(ctx, st, []corev1.Node{n}, env.removeNode(st))
			<-slots
			if err != nil {
				fail(err)
				return
			}
			mu.Lock()
			replace := fresh < size
			if replace {
				fresh++
			}
			mu.Unlock()
			if replace {
				if err := env.addNodes(ctx, st, 1, template); err != nil {
					fail(err)
				}
			}
		})
	}
	wg.Wait()
	// A failure cancels the other drains: report the failures, not the
	// cancellations they caused.
	var real []error
	for _, err := range errs {
		if !errors.Is(err, context.Canceled) {
			real = append(real, err)
		}
	}
	if len(real) == 0 && len(errs) > 0 {
		return errs[0]
	}
	return errors.Join(real...)
}

// mostConstrainedFirst orders nodes so that those holding pods of the
// longest disruption-budget chains drain first. A budget that lets one of
// ten pods go at a time needs ten pod start-ups in a row; started late,
// it would be the tail of the whole pool. Without a reading of the
// budgets the order is kept.
func (env *Env) mostConstrainedFirst(ctx context.Context, nodes []corev1.Node) []corev1.Node {
	pdbs, err := env.Client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nodes
	}
	pods, err := env.Client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nodes
	}
	score := map[string]int{}
	for _, pdb := range pdbs.Items {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		expected := int(pdb.Status.ExpectedPods)
		allowed := max(expected-int(pdb.Status.DesiredHealthy), 1)
		chain := (expected + allowed - 1) / allowed
		for _, p := range pods.Items {
			if p.Namespace == pdb.Namespace && p.Spec.NodeName != "" && sel.Matches(labels.Set(p.Labels)) {
				score[p.Spec.NodeName] = max(score[p.Spec.NodeName], chain)
			}
		}
	}
	out := slices.Clone(nodes)
	slices.SortStableFunc(out, func(a, b corev1.Node) int { return score[b.Name] - score[a.Name] })
	return out
}

// outdated returns the nodes whose kubelet is older than target.
func outdated(nodes []corev1.Node, target *version.Version) []corev1.Node {
	var out []corev1.Node
	for _, n := range nodes {
		kv, err := version.ParseGeneric(n.Status.NodeInfo.KubeletVersion)
		if err != nil || kv.Minor() < target.Minor() || kv.Major() < target.Major() {
			out = append(out, n)
		}
	}
	return out
}

func (env *Env) addNodes(ctx context.Context, st plan.Step, n int, template *corev1.Node) error {
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: "pool " + st.Pool, Message: fmt.Sprintf("add %d node(s) at %s", n, st.Version)}); err != nil {
		return err
	}
	names, err := env.Provider.AddNodes(ctx, st.Pool, n, st.Version, template)
	if err != nil {
		return fmt.Errorf("add %d node(s) to pool %s: %w", n, st.Pool, err)
	}
	env.report(EventNodes, st.ID, "", "added %v at %s", names, st.Version)
	env.note(st.ID, "pool "+st.Pool, NoteAdded, names)
	return nil
}

// cordonAll records and cordons every node given.
func (env *Env) cordonAll(ctx context.Context, st plan.Step, nodes []corev1.Node) error {
	for _, n := range nodes {
		if err := env.cordon(ctx, st, n.Name, n.Spec.Unschedulable); err != nil {
			return err
		}
	}
	return nil
}

func (env *Env) cordon(ctx context.Context, st plan.Step, node string, was bool) error {
	if err := env.record(st.ID, "node "+node, cordonState{was}); err != nil {
		return err
	}
	if was {
		return nil
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: "node " + node, Message: "cordon"}); err != nil {
		return err
	}
	_, err := drain.Cordon(ctx, env.Client, node)
	return err
}

// removeNode returns the action that deletes a drained node.
func (env *Env) removeNode(st plan.Step) func(context.Context, string) error {
	return func(ctx context.Context, n string) error {
		if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Object: "node " + n, Message: "delete the drained node"}); err != nil {
			return err
		}
		if err := env.Provider.RemoveNode(ctx, n); err != nil {
			return err
		}
		return env.restored(st.ID, "node "+n, "deleted")
	}
}

// eachNode cordons and drains the given nodes in parallel, then runs then
// on each drained node.
func (env *Env) eachNode(ctx context.Context, st plan.Step, nodes []corev1.Node, then func(context.Context, string) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Go(func() {
			if err := env.cordon(ctx, st, n.Name, n.Spec.Unschedulable); err != nil {
				errs[i] = err
				return
			}
			env.report(EventDraining, st.ID, n.Name, "draining node %s", n.Name)
			env.note(st.ID, "node "+n.Name, NoteDrain, nil)
			dctx, cancel := context.WithTimeout(ctx, env.DrainTimeout)
			r, err := drain.Node(dctx, env.Client, n.Name, env.Drain, env.drainInterval(), func(r *drain.Result) {
				var waiting []WaitingPod
				for _, b := range r.Blocked {
					env.report(EventWait, st.ID, n.Name, "node %s: pod %s waits on %s", n.Name, b, b.Reason)
					waiting = append(waiting, WaitingPod{Pod: b.String(), Budget: b.Budget, Reason: b.Reason})
				}
				env.note(st.ID, "node "+n.Name, NoteWaiting, waiting)
			})
			cancel()
			if err != nil {
				errs[i] = err
				return
			}
			env.report(EventDrained, st.ID, n.Name, "node %s drained (%d DaemonSet or mirror pod(s) stay)", n.Name, len(r.Skipped))
			env.note(st.ID, "node "+n.Name, NoteDrained, nil)
			errs[i] = then(ctx, n.Name)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (env *Env) drainInterval() time.Duration { return 500 * time.Millisecond }
