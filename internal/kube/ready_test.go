package kube

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReadiness(t *testing.T) {
	ready := []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	now := metav1.Now()
	for name, tc := range map[string]struct {
		pod  corev1.Pod
		want bool
	}{
		"running and ready": {corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: ready}}, true},
		"pending":           {corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: ready}}, false},
		"not ready":         {corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, false},
		"terminating":       {corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: ready}}, false},
	} {
		if got := PodHealthy(&tc.pod); got != tc.want {
			t.Errorf("%s: PodHealthy = %t", name, got)
		}
	}
	n := &corev1.Node{Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}}}}
	if NodeReady(n) {
		t.Error("a NotReady node read as Ready")
	}
	n.Status.Conditions[0].Status = corev1.ConditionTrue
	if !NodeReady(n) {
		t.Error("a Ready node read as not Ready")
	}
}

func TestRolloutComplete(t *testing.T) {
	three := int32(3)
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: 2}, Spec: appsv1.DeploymentSpec{Replicas: &three},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, AvailableReplicas: 3, UpdatedReplicas: 3}}
	if !DeploymentRollout(d).Complete() {
		t.Error("a settled Deployment reads as incomplete")
	}
	for name, change := range map[string]func(*appsv1.Deployment){
		"old generation":  func(d *appsv1.Deployment) { d.Status.ObservedGeneration = 1 },
		"an old pod left": func(d *appsv1.Deployment) { d.Status.Replicas = 4 },
		"one unavailable": func(d *appsv1.Deployment) { d.Status.AvailableReplicas = 2 },
		"one not updated": func(d *appsv1.Deployment) { d.Status.UpdatedReplicas = 2 },
	} {
		c := d.DeepCopy()
		change(c)
		if DeploymentRollout(c).Complete() {
			t.Errorf("%s: reads as complete", name)
		}
	}
}
