package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/drain"
	"github.com/kubehop/kubehop/internal/kube"
)

// Misplaced are the problems fix-placement moves: pods in another pool
// than before and pods on nodes their preferred affinity does not favour,
// one problem per pod.
func (r *Result) Misplaced() []Problem {
	var out []Problem
	seen := map[string]bool{}
	for _, p := range r.Errors() {
		if (p.Check == "placement" || p.Check == "moved-pool") && p.Pod != "" && !seen[p.Pod] {
			seen[p.Pod] = true
			out = append(out, p)
		}
	}
	return out
}

// OnlyMisplaced reports whether every problem that fails the
// verification is a misplaced pod: pods stay where they were scheduled,
// so waiting will not fix them, an eviction will.
func (r *Result) OnlyMisplaced() bool {
	errs := r.Errors()
	if len(errs) == 0 {
		return false
	}
	for _, p := range errs {
		if (p.Check != "placement" && p.Check != "moved-pool") || p.Pod == "" {
			return false
		}
	}
	return true
}

// FixPlacement re-places the misplaced pods one at a time through the
// Eviction API, so their disruption budgets hold: a budget that allows
// no disruption now is waited on, up to timeout per pod. After each
// eviction it waits until the pod's replacement is Running and Ready
// somewhere else before moving the next. progress is told each step.
// before, when set, is called before each eviction (to journal it); its
// error stops the fix.
func FixPlacement(ctx context.Context, client kubernetes.Interface, problems []Problem, timeout time.Duration, before func(Problem) error, progress func(string)) (moved []string, err error) {
	for _, p := range problems {
		namespace, name, _ := strings.Cut(p.Pod, "/")
		if before != nil {
			if err := before(p); err != nil {
				return moved, err
			}
		}
		var budget string
		err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
			err := drain.EvictPod(ctx, client, namespace, name, drain.Options{})
			if b, blocked := drain.Blocked(err); blocked {
				if b != budget {
					progress(fmt.Sprintf("pod %s waits: %s", p.Pod, b))
					budget = b
				}
				return false, nil
			}
			if err != nil && !apierrors.IsNotFound(err) {
				return false, fmt.Errorf("evict pod %s: %w", p.Pod, err)
			}
			return true, nil
		})
		if err != nil {
			if budget != "" {
				return moved, fmt.Errorf("pod %s still waits after %s: %s: %w", p.Pod, timeout, budget, err)
			}
			return moved, err
		}
		progress(fmt.Sprintf("evicted pod %s from node %s", p.Pod, p.Node))
		moved = append(moved, p.Pod)
		if err := waitReplaced(ctx, client, namespace, name, p.Node, timeout); err != nil {
			return moved, err
		}
	}
	return moved, nil
}

// waitReplaced waits until the pod is gone from node: recreated with the
// same name elsewhere and Ready (a StatefulSet's), or gone (a
// ReplicaSet's, whose replacement has another name).
func waitReplaced(ctx context.Context, client kubernetes.Interface, namespace, name, node string, timeout time.Duration) error {
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(ctx context.Context) (bool, error) {
		pod, err := client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		if err != nil {
			return false, nil
		}
		return pod.DeletionTimestamp == nil && pod.Spec.NodeName != node && kube.PodHealthy(pod), nil
	})
	if err != nil {
		return fmt.Errorf("pod %s/%s was evicted but is not Running and Ready on another node after %s: %w", namespace, name, timeout, err)
	}
	return nil
}
