package kube

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// BudgetWatcher records, from a watch of its own, every moment a workload
// protected by a PodDisruptionBudget had fewer healthy pods than the budget
// requires at the workload's full size. Tests and benchmarks use it as an
// independent witness of drains.
type BudgetWatcher struct {
	mu         sync.Mutex
	pods       map[string]*corev1.Pod
	budgets    []budget
	violations []string
}

type budget struct {
	namespace, name string
	selector        labels.Selector
	minHealthy      int
}

// WatchBudgets watches the budgets of namespace ("" for all) but those
// named in skip ("namespace/name") until ctx ends. The budgets and the
// number of pods each requires are read once, at the start.
func WatchBudgets(ctx context.Context, client kubernetes.Interface, namespace string, skip ...string) (*BudgetWatcher, error) {
	w := &BudgetWatcher{pods: map[string]*corev1.Pod{}}
	pdbs, err := client.PolicyV1().PodDisruptionBudgets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		w.pods[p.Namespace+"/"+p.Name] = p
	}
	for _, pdb := range pdbs.Items {
		if slices.Contains(skip, pdb.Namespace+"/"+pdb.Name) {
			continue
		}
		sel, _ := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		b := budget{namespace: pdb.Namespace, name: pdb.Name, selector: sel}
		expected := w.count(b, func(*corev1.Pod) bool { return true })
		b.minHealthy = minHealthy(pdb, expected)
		w.budgets = append(w.budgets, b)
	}
	wi, err := client.CoreV1().Pods(namespace).Watch(ctx, metav1.ListOptions{ResourceVersion: pods.ResourceVersion})
	if err != nil {
		return nil, err
	}
	go func() {
		for ev := range wi.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			w.mu.Lock()
			if ev.Type == watch.Deleted {
				delete(w.pods, p.Namespace+"/"+p.Name)
			} else {
				w.pods[p.Namespace+"/"+p.Name] = p
			}
			for _, b := range w.budgets {
				if n := w.count(b, PodHealthy); n < b.minHealthy {
					w.violations = append(w.violations, fmt.Sprintf("%s %s/%s: %d healthy, budget needs %d", time.Now().Format(time.StampMilli), b.namespace, b.name, n, b.minHealthy))
				}
			}
			w.mu.Unlock()
		}
	}()
	return w, nil
}

func (w *BudgetWatcher) count(b budget, ok func(*corev1.Pod) bool) int {
	n := 0
	for _, p := range w.pods {
		if p.Namespace == b.namespace && b.selector.Matches(labels.Set(p.Labels)) && p.Status.Phase != corev1.PodSucceeded && ok(p) {
			n++
		}
	}
	return n
}

// Violations lists every moment a budget was broken.
func (w *BudgetWatcher) Violations() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.violations)
}

func minHealthy(pdb policyv1.PodDisruptionBudget, expected int) int {
	if pdb.Spec.MaxUnavailable != nil {
		v, _ := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, expected, true)
		return expected - v
	}
	v, _ := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, expected, true)
	return v
}
