package inventory

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// SchemaVersion identifies the snapshot file format.
const SchemaVersion = "kubehop.dev/snapshot/v1"

// Snapshot is everything kubehop knows about a cluster at one moment.
// Every list is sorted, so that two snapshots of the same cluster diff
// cleanly.
type Snapshot struct {
	APIVersion   string        `json:"apiVersion"`
	TakenAt      time.Time     `json:"takenAt"`
	Cluster      Cluster       `json:"cluster"`
	Nodes        []Node        `json:"nodes"`
	Workloads    []Workload    `json:"workloads"`
	Pods         []Pod         `json:"pods"`
	PDBs         []PDB         `json:"pdbs"`
	HelmReleases []HelmRelease `json:"helmReleases"`
	CRDs         []CRD         `json:"crds"`
	CSIDrivers   []string      `json:"csiDrivers"`
	Certificates []Certificate `json:"certificates"`
	LiveObjects  []LiveObject  `json:"liveObjects"`
	// Warnings say what could not be read, such as Secrets the
	// credentials may not list.
	Warnings []string `json:"warnings,omitempty"`
}

// Cluster identifies the cluster the snapshot was taken of.
type Cluster struct {
	// Context and Server come from the kubeconfig used.
	Context string `json:"context,omitempty"`
	Server  string `json:"server,omitempty"`
	// Version is the API server's gitVersion, such as v1.36.3.
	Version string `json:"version"`
	// Platform is the API server's platform, such as linux/amd64.
	Platform string `json:"platform,omitempty"`
}

// Node is one node.
type Node struct {
	Name string `json:"name"`
	// Pool is the node pool, read from PoolLabel.
	Pool      string            `json:"pool,omitempty"`
	PoolLabel string            `json:"poolLabel,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	// KubeletVersion is what the node's kubelet reports, such as v1.35.4.
	KubeletVersion   string `json:"kubeletVersion"`
	ContainerRuntime string `json:"containerRuntime"`
	OSImage          string `json:"osImage,omitempty"`
	KernelVersion    string `json:"kernelVersion,omitempty"`
	Ready            bool   `json:"ready"`
	Unschedulable    bool   `json:"unschedulable,omitempty"`
	// ProviderID is the cloud's ID of the machine, such as aws:///eu-west-1a/i-0abc.
	ProviderID string      `json:"providerID,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
	// Taints are the node's taints, for placement checks.
	Taints []corev1.Taint `json:"taints,omitempty"`
}

// Condition is a node or workload condition.
type Condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Workload is a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or
// CronJob.
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Owner is the controller that owns this workload (a Deployment for a
	// ReplicaSet, a CronJob for a Job), if any.
	Owner *OwnerRef `json:"owner,omitempty"`
	// Replicas is the desired count: spec.replicas, or the number of nodes
	// a DaemonSet should run on, or a Job's parallelism.
	Replicas          int32                 `json:"replicas"`
	ReadyReplicas     int32                 `json:"readyReplicas"`
	UpdatedReplicas   int32                 `json:"updatedReplicas"`
	AvailableReplicas int32                 `json:"availableReplicas"`
	Generation        int64                 `json:"generation,omitempty"`
	ObservedGen       int64                 `json:"observedGeneration,omitempty"`
	Selector          *metav1.LabelSelector `json:"selector,omitempty"`
	TemplateLabels    map[string]string     `json:"templateLabels,omitempty"`
	Images            []string              `json:"images,omitempty"`
	// Schedule and Suspended describe a CronJob.
	Schedule  string `json:"schedule,omitempty"`
	Suspended bool   `json:"suspended,omitempty"`
	// Complete and Failed describe a Job.
	Complete bool `json:"complete,omitempty"`
	Failed   bool `json:"failed,omitempty"`
}

// Key names a workload as Kind/namespace/name.
func (w Workload) Key() string { return w.Kind + "/" + w.Namespace + "/" + w.Name }

// OwnerRef names a controlling owner.
type OwnerRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Pod is one pod.
type Pod struct {
	Namespace string            `json:"namespace"`
	Name      string            `json:"name"`
	Node      string            `json:"node,omitempty"`
	Phase     string            `json:"phase"`
	Ready     bool              `json:"ready"`
	Labels    map[string]string `json:"labels,omitempty"`
	// Owner is the pod's controller; nil for a naked pod.
	Owner *OwnerRef `json:"owner,omitempty"`
	// Mirror is set for static pods mirrored from a kubelet.
	Mirror bool `json:"mirror,omitempty"`
	// LocalStorage lists the pod's emptyDir volumes, which a drain deletes.
	LocalStorage []string `json:"localStorage,omitempty"`
	Images       []string `json:"images,omitempty"`
	// Waiting is the reason a container is waiting, such as CrashLoopBackOff.
	Waiting  string `json:"waiting,omitempty"`
	Restarts int32  `json:"restarts,omitempty"`
	Deleting bool   `json:"deleting,omitempty"`
	// Unschedulable is the scheduler's message for a pod it cannot place.
	Unschedulable string `json:"unschedulable,omitempty"`
	// PreferredNodes are the pod's preferred node affinity terms, and
	// Tolerations its tolerations when it has such terms: what verify
	// needs to tell whether the pod landed where it prefers.
	PreferredNodes []corev1.PreferredSchedulingTerm `json:"preferredNodes,omitempty"`
	Tolerations    []corev1.Toleration              `json:"tolerations,omitempty"`
}

// PDB is a PodDisruptionBudget with the status the disruption controller
// computed.
type PDB struct {
	Namespace          string                `json:"namespace"`
	Name               string                `json:"name"`
	MinAvailable       *intstr.IntOrString   `json:"minAvailable,omitempty"`
	MaxUnavailable     *intstr.IntOrString   `json:"maxUnavailable,omitempty"`
	Selector           *metav1.LabelSelector `json:"selector,omitempty"`
	CurrentHealthy     int32                 `json:"currentHealthy"`
	DesiredHealthy     int32                 `json:"desiredHealthy"`
	ExpectedPods       int32                 `json:"expectedPods"`
	DisruptionsAllowed int32                 `json:"disruptionsAllowed"`
}

// HelmRelease is the latest revision of a Helm v3 release.
type HelmRelease struct {
	Namespace    string `json:"namespace"`
	Name         string `json:"name"`
	Revision     int    `json:"revision"`
	Status       string `json:"status"`
	Chart        string `json:"chart"`
	ChartVersion string `json:"chartVersion,omitempty"`
	AppVersion   string `json:"appVersion,omitempty"`
	// Storage is where Helm keeps it: Secret or ConfigMap.
	Storage string `json:"storage"`
	// Manifest is the rendered manifest Helm applied.
	Manifest string `json:"manifest,omitempty"`
}

// CRD is a CustomResourceDefinition.
type CRD struct {
	Name           string       `json:"name"`
	Group          string       `json:"group"`
	Kind           string       `json:"kind"`
	Scope          string       `json:"scope,omitempty"`
	Versions       []CRDVersion `json:"versions"`
	StoredVersions []string     `json:"storedVersions,omitempty"`
}

// CRDVersion is one version a CRD defines.
type CRDVersion struct {
	Name       string `json:"name"`
	Served     bool   `json:"served"`
	Storage    bool   `json:"storage"`
	Deprecated bool   `json:"deprecated,omitempty"`
}

// Certificate describes the leaf certificate of a TLS Secret. Key material
// is never read into the snapshot.
type Certificate struct {
	Namespace string    `json:"namespace"`
	Secret    string    `json:"secret"`
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	DNSNames  []string  `json:"dnsNames,omitempty"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	// ChainLength counts the certificates in tls.crt.
	ChainLength int `json:"chainLength"`
	// Error is set when tls.crt could not be parsed.
	Error string `json:"error,omitempty"`
}

// LiveObject is an object that was last written through an API version
// other than the one it is served at: its last-applied configuration or its
// managed fields still record the older version, so the manifests that
// manage it must move before that version is removed.
type LiveObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	// Recorded lists the other API versions, and where each was seen.
	Recorded []RecordedVersion `json:"recorded"`
}

// RecordedVersion is one API version recorded on a live object.
type RecordedVersion struct {
	APIVersion string `json:"apiVersion"`
	// Via is "last-applied-configuration" or "managedFields:<manager>".
	Via string `json:"via"`
}

// TopOwner names the controller at the top of a pod's owners, such as
// "Deployment shared/x" for a pod of one of its ReplicaSets; "" for a
// pod without a controller.
func (s *Snapshot) TopOwner(p Pod) string {
	if p.Owner == nil {
		return ""
	}
	kind, name := p.Owner.Kind, p.Owner.Name
	for _, w := range s.Workloads {
		if w.Namespace == p.Namespace && w.Kind == kind && w.Name == name && w.Owner != nil {
			kind, name = w.Owner.Kind, w.Owner.Name
			break
		}
	}
	return kind + " " + p.Namespace + "/" + name
}
