package localcluster

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/kube"
)

// Container runtimes a node can report.
const (
	RuntimeContainerd = "containerd://2.1.4"
	RuntimeDocker     = "docker://20.10.24" // dockershim, removed in Kubernetes 1.24
)

// NodeSpec describes nodes to add to a pool.
type NodeSpec struct {
	// Pool names the node pool; nodes are named <pool>-<n>.
	Pool  string
	Count int
	// KubeletVersion the nodes report, such as "v1.36.3"; the control
	// plane's version when empty.
	KubeletVersion string
	// Runtime is the container runtime the nodes report
	// (RuntimeContainerd when empty).
	Runtime string
	// Labels are added to the well-known ones; Taints are set as given,
	// with the not-ready taint a kubelet registers its node with.
	Labels map[string]string
	Taints []corev1.Taint
	// CPU and Memory are the allocatable resources (8 CPUs, 32Gi if zero).
	CPU, Memory resource.Quantity
}

// AddNodes registers spec.Count nodes in spec.Pool and waits until they are
// Ready. It returns the new nodes' names.
func (c *Cluster) AddNodes(ctx context.Context, spec NodeSpec) ([]string, error) {
	if spec.KubeletVersion == "" {
		spec.KubeletVersion = c.Version()
	}
	names, err := AddNodes(ctx, c.Client(), spec)
	if err != nil {
		return names, err
	}
	c.log.Info("added nodes", "pool", spec.Pool, "nodes", names, "kubelet", spec.KubeletVersion, "runtime", spec.Runtime)
	return names, nil
}

// AddNodes registers kwok nodes through any client of a local cluster (the
// kwok there simulates their kubelets) and waits until they are Ready.
func AddNodes(ctx context.Context, client kubernetes.Interface, spec NodeSpec) ([]string, error) {
	if spec.Pool == "" || spec.Count < 1 || spec.KubeletVersion == "" {
		return nil, fmt.Errorf("add nodes: want a pool name, a count of at least 1 and a kubelet version, got %q, %d and %q", spec.Pool, spec.Count, spec.KubeletVersion)
	}
	if spec.Runtime == "" {
		spec.Runtime = RuntimeContainerd
	}
	if spec.CPU.IsZero() {
		spec.CPU = resource.MustParse("8")
	}
	if spec.Memory.IsZero() {
		spec.Memory = resource.MustParse("32Gi")
	}
	existing, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: labels.Set{PoolLabel: spec.Pool}.String()})
	if err != nil {
		return nil, fmt.Errorf("list nodes of pool %s: %w", spec.Pool, err)
	}
	next := 0
	for _, n := range existing.Items {
		if i, err := strconv.Atoi(strings.TrimPrefix(n.Name, spec.Pool+"-")); err == nil && i >= next {
			next = i + 1
		}
	}
	var names []string
	for len(names) < spec.Count {
		// Another caller may be adding nodes to the pool at the same time:
		// a taken name moves on to the next.
		name := fmt.Sprintf("%s-%d", spec.Pool, next)
		next++
		_, err := client.CoreV1().Nodes().Create(ctx, NewNode(name, spec), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			continue
		}
		if err != nil {
			return names, fmt.Errorf("create node %s: %w", name, err)
		}
		names = append(names, name)
	}
	return names, WaitNodesReady(ctx, client, names...)
}

// NewNode returns the Node object of a kwok node named name, as AddNodes
// creates it; spec.KubeletVersion and spec.Runtime must be set.
func NewNode(name string, spec NodeSpec) *corev1.Node {
	nodeLabels := map[string]string{
		"kubernetes.io/hostname":           name,
		"kubernetes.io/os":                 "linux",
		"kubernetes.io/arch":               "amd64",
		"node.kubernetes.io/instance-type": "kwok",
		"type":                             "kwok",
		ManagedLabel:                       "true",
		PoolLabel:                          spec.Pool,
	}
	maps.Copy(nodeLabels, spec.Labels)
	resources := corev1.ResourceList{
		corev1.ResourceCPU:    spec.CPU,
		corev1.ResourceMemory: spec.Memory,
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	// A kubelet registers its node as not ready to take pods; the node
	// lifecycle controller lifts the taint once the node reports Ready.
	taints := slices.Clone(spec.Taints)
	if !slices.ContainsFunc(taints, func(t corev1.Taint) bool { return t.Key == corev1.TaintNodeNotReady }) {
		taints = append(taints, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule})
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      nodeLabels,
			Annotations: map[string]string{"node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake"},
		},
		Spec: corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{
			Capacity:    resources,
			Allocatable: resources,
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion:          spec.KubeletVersion,
				ContainerRuntimeVersion: spec.Runtime,
				OperatingSystem:         "linux",
				Architecture:            "amd64",
				OSImage:                 "kubehop local node",
				KernelVersion:           "6.1.0-kwok",
			},
		},
	}
}

// SetKubeletVersion makes a node report another kubelet version, as an
// in-place node upgrade would.
func SetKubeletVersion(ctx context.Context, client kubernetes.Interface, node, version string) error {
	n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get node %s: %w", node, err)
	}
	n.Status.NodeInfo.KubeletVersion = version
	if _, err := client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("set kubelet version of node %s: %w", node, err)
	}
	return nil
}

// RemoveNodes deletes nodes; the pod garbage collector then removes the
// pods bound to them, as when a cloud deletes a VM.
func (c *Cluster) RemoveNodes(ctx context.Context, names ...string) error {
	client := c.Client()
	for _, name := range names {
		err := client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete node %s: %w", name, err)
		}
	}
	c.log.Info("removed nodes", "nodes", names)
	return nil
}

// WaitNodesReady waits until every named node reports Ready.
func WaitNodesReady(ctx context.Context, client kubernetes.Interface, names ...string) error {
	pending := slices.Clone(names)
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		var still []string
		for _, name := range pending {
			n, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if err != nil || !kube.NodeReady(n) {
				still = append(still, name)
			}
		}
		pending = still
		return len(pending) == 0, nil
	})
	if err != nil {
		return fmt.Errorf("wait for nodes %s to become Ready (is kwok running? see its log in the cluster directory): %w", strings.Join(pending, ", "), err)
	}
	return nil
}
