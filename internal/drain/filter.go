package drain

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Verdict is what a filter decides about a pod.
type Verdict int

const (
	// Evict the pod.
	Evict Verdict = iota
	// Skip leaves the pod on the node: a DaemonSet or mirror pod, or one
	// that already finished.
	Skip
	// Refuse stops the drain: the pod must not be evicted without the
	// operator's consent (no controller, local data).
	Refuse
)

// Options say what a drain may evict.
type Options struct {
	// DeleteEmptyDir allows evicting pods with emptyDir volumes, whose data
	// is lost.
	DeleteEmptyDir bool
	// EvictNaked allows evicting pods that no controller recreates.
	EvictNaked bool
	// GracePeriodSeconds overrides the pods' own termination grace period.
	GracePeriodSeconds *int64
	// DryRun asks the API server to check each eviction (including its
	// disruption budget) without evicting anything.
	DryRun bool
}

// Filter decides about one pod and says why.
type Filter func(pod *corev1.Pod) (Verdict, string)

// Filters returns the chain a drain with opts applies, in order; the first
// verdict other than Evict wins.
func Filters(opts Options) []Filter {
	return []Filter{
		finished,
		mirror,
		daemonSet,
		naked(opts.EvictNaked),
		localStorage(opts.DeleteEmptyDir),
	}
}

// Decide runs the filters over a pod.
func Decide(filters []Filter, pod *corev1.Pod) (Verdict, string) {
	for _, f := range filters {
		if v, why := f(pod); v != Evict {
			return v, why
		}
	}
	return Evict, ""
}

func finished(pod *corev1.Pod) (Verdict, string) {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return Skip, "finished"
	}
	return Evict, ""
}

func mirror(pod *corev1.Pod) (Verdict, string) {
	if _, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return Skip, "mirror pod"
	}
	return Evict, ""
}

func daemonSet(pod *corev1.Pod) (Verdict, string) {
	if c := metav1.GetControllerOf(pod); c != nil && c.Kind == "DaemonSet" {
		return Skip, "DaemonSet pod"
	}
	return Evict, ""
}

func naked(allowed bool) Filter {
	return func(pod *corev1.Pod) (Verdict, string) {
		if metav1.GetControllerOf(pod) == nil && !allowed {
			return Refuse, "no controller would recreate it (allow with evictNaked)"
		}
		return Evict, ""
	}
}

func localStorage(allowed bool) Filter {
	return func(pod *corev1.Pod) (Verdict, string) {
		if allowed {
			return Evict, ""
		}
		for _, v := range pod.Spec.Volumes {
			if v.EmptyDir != nil {
				return Refuse, "emptyDir volume " + v.Name + " would be lost (allow with deleteEmptyDir)"
			}
		}
		return Evict, ""
	}
}
