package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/localcluster"
)

// Status is what the platform looks like: its nodes, workloads and pods.
type Status struct {
	Nodes     []NodeStatus     `json:"nodes"`
	Workloads []WorkloadStatus `json:"workloads"`
	Pods      PodCounts        `json:"pods"`
	// NotReady says, one line each, what is not ready yet.
	NotReady []string `json:"notReady,omitempty"`
}

// Ready reports whether every node, workload and pod is ready.
func (s *Status) Ready() bool { return len(s.NotReady) == 0 }

// NodeStatus is one node.
type NodeStatus struct {
	Name           string `json:"name"`
	Pool           string `json:"pool"`
	KubeletVersion string `json:"kubeletVersion"`
	Runtime        string `json:"runtime"`
	Ready          bool   `json:"ready"`
}

// WorkloadStatus is one Deployment, StatefulSet or DaemonSet.
type WorkloadStatus struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Desired   int32  `json:"desired"`
	Ready     int32  `json:"ready"`
	Updated   int32  `json:"updated"`
}

// PodCounts counts the platform's pods; Job pods are counted apart.
type PodCounts struct {
	Total   int `json:"total"`
	Running int `json:"running"`
	Ready   int `json:"ready"`
	JobPods int `json:"jobPods"`
}

// ReadStatus reads the nodes, and the workloads and pods of Namespaces.
func ReadStatus(ctx context.Context, client kubernetes.Interface) (*Status, error) {
	s := &Status{}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	for _, n := range nodes.Items {
		ns := NodeStatus{Name: n.Name, Pool: n.Labels[localcluster.PoolLabel], KubeletVersion: n.Status.NodeInfo.KubeletVersion,
			Runtime: n.Status.NodeInfo.ContainerRuntimeVersion, Ready: kube.NodeReady(&n)}
		if !ns.Ready {
			s.NotReady = append(s.NotReady, fmt.Sprintf("node %s is not Ready", n.Name))
		}
		s.Nodes = append(s.Nodes, ns)
	}
	for _, namespace := range Namespaces {
		if err := s.readNamespace(ctx, client, namespace); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(s.Nodes, func(a, b NodeStatus) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Workloads, func(a, b WorkloadStatus) int {
		return strings.Compare(a.Namespace+"/"+a.Kind+"/"+a.Name, b.Namespace+"/"+b.Kind+"/"+b.Name)
	})
	slices.Sort(s.NotReady)
	return s, nil
}

func (s *Status) readNamespace(ctx context.Context, client kubernetes.Interface, namespace string) error {
	deploys, err := client.AppsV1().Deployments(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list deployments in %s: %w", namespace, err)
	}
	for i := range deploys.Items {
		s.addWorkload("Deployment", namespace, deploys.Items[i].Name, kube.DeploymentRollout(&deploys.Items[i]))
	}
	sets, err := client.AppsV1().StatefulSets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list statefulsets in %s: %w", namespace, err)
	}
	for i := range sets.Items {
		s.addWorkload("StatefulSet", namespace, sets.Items[i].Name, kube.StatefulSetRollout(&sets.Items[i]))
	}
	daemons, err := client.AppsV1().DaemonSets(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list daemonsets in %s: %w", namespace, err)
	}
	for i := range daemons.Items {
		r := kube.DaemonSetRollout(&daemons.Items[i])
		r.Observed = r.Observed && r.Desired > 0 // a DaemonSet with no node yet is not ready
		s.addWorkload("DaemonSet", namespace, daemons.Items[i].Name, r)
	}
	pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods in %s: %w", namespace, err)
	}
	for _, p := range pods.Items {
		if ownedByJob(&p) {
			s.Pods.JobPods++
			continue
		}
		s.Pods.Total++
		if p.Status.Phase == corev1.PodRunning {
			s.Pods.Running++
		}
		if kube.PodHealthy(&p) {
			s.Pods.Ready++
		} else {
			s.NotReady = append(s.NotReady, fmt.Sprintf("pod %s/%s is %s and not Ready", namespace, p.Name, p.Status.Phase))
		}
	}
	return nil
}

func (s *Status) addWorkload(kind, namespace, name string, r kube.Rollout) {
	w := WorkloadStatus{Kind: kind, Namespace: namespace, Name: name, Desired: r.Desired, Ready: r.Ready, Updated: r.Updated}
	s.Workloads = append(s.Workloads, w)
	if !r.Complete() {
		s.NotReady = append(s.NotReady, fmt.Sprintf("%s %s/%s: %d of %d ready, %d updated", w.Kind, w.Namespace, w.Name, w.Ready, w.Desired, w.Updated))
	}
}

// WaitReady polls the platform until everything is ready, reporting each
// reading to progress, for at most ten minutes.
func WaitReady(ctx context.Context, client kubernetes.Interface, progress func(Status)) (*Status, error) {
	var last *Status
	err := wait.PollUntilContextTimeout(ctx, time.Second, 10*time.Minute, true, func(ctx context.Context) (bool, error) {
		s, err := ReadStatus(ctx, client)
		if err != nil {
			return false, nil // the API server may be restarting; try again
		}
		last = s
		if progress != nil {
			progress(*s)
		}
		return s.Ready(), nil
	})
	if err != nil {
		if last != nil && len(last.NotReady) > 0 {
			return last, fmt.Errorf("wait for the platform to become ready: %w; still not ready: %v", err, last.NotReady)
		}
		return last, fmt.Errorf("wait for the platform to become ready: %w", err)
	}
	return last, nil
}

func ownedByJob(p *corev1.Pod) bool {
	for _, ref := range p.OwnerReferences {
		if ref.Kind == "Job" {
			return true
		}
	}
	return false
}
