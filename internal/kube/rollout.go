package kube

import appsv1 "k8s.io/api/apps/v1"

// Rollout is how far a Deployment, StatefulSet or DaemonSet is from its
// spec: the pods it wants, has, has ready and has updated, and whether its
// controller has seen the latest spec.
type Rollout struct {
	Desired, Current, Ready, Updated int32
	Observed                         bool
}

// Complete reports whether every wanted pod exists, is ready and updated,
// and no other pod is left.
func (r Rollout) Complete() bool {
	return r.Observed && r.Current == r.Desired && r.Ready == r.Desired && r.Updated == r.Desired
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// DeploymentRollout reads a Deployment; a pod counts as ready once available.
func DeploymentRollout(d *appsv1.Deployment) Rollout {
	return Rollout{Desired: replicas(d.Spec.Replicas), Current: d.Status.Replicas, Ready: d.Status.AvailableReplicas,
		Updated: d.Status.UpdatedReplicas, Observed: d.Status.ObservedGeneration >= d.Generation}
}

// StatefulSetRollout reads a StatefulSet.
func StatefulSetRollout(s *appsv1.StatefulSet) Rollout {
	return Rollout{Desired: replicas(s.Spec.Replicas), Current: s.Status.Replicas, Ready: s.Status.ReadyReplicas,
		Updated: s.Status.UpdatedReplicas, Observed: s.Status.ObservedGeneration >= s.Generation}
}

// DaemonSetRollout reads a DaemonSet; it wants one pod per eligible node.
func DaemonSetRollout(ds *appsv1.DaemonSet) Rollout {
	return Rollout{Desired: ds.Status.DesiredNumberScheduled, Current: ds.Status.CurrentNumberScheduled, Ready: ds.Status.NumberReady,
		Updated: ds.Status.UpdatedNumberScheduled, Observed: ds.Status.ObservedGeneration >= ds.Generation}
}
