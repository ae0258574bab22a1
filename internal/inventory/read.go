package inventory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"
)

// Clients are what Read talks to a cluster with.
type Clients struct {
	Kube     kubernetes.Interface
	Metadata metadata.Interface
	Dynamic  dynamic.Interface
}

// NewClients builds the clients for cfg.
func NewClients(cfg *rest.Config) (Clients, error) {
	// Listing every kind makes the API server warn about the deprecated
	// ones (v1 Endpoints, ComponentStatus); those warnings are for people
	// writing manifests, not for an inventory.
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("create client: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("create metadata client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return Clients{}, fmt.Errorf("create dynamic client: %w", err)
	}
	return Clients{Kube: kube, Metadata: meta, Dynamic: dyn}, nil
}

// Options tune Read.
type Options struct {
	// Cluster fills in the identity fields Read cannot know (context, server).
	Cluster Cluster
	// PoolLabel, when set, is the node label that names pools; else the
	// well-known labels of the providers are tried (see PoolLabels).
	PoolLabel string
	// Now stamps the snapshot; time.Now when nil.
	Now func() time.Time
	// LiveKinds, when set, limits the live-object scan to these kinds: those
	// an API data file lists. Listing every object of every kind is slow on
	// big clusters and can find nothing for kinds no data mentions.
	LiveKinds map[string]bool
	// CoreOnly reads nodes, workloads, pods and budgets and nothing else:
	// what a health check needs, without Helm releases, certificates or
	// live objects.
	CoreOnly bool
}

// Read takes a snapshot of the cluster with paged lists. Parts that the
// credentials may not read (Secrets for Helm releases and certificates,
// arbitrary kinds for live objects) are skipped with a warning in the
// returned Snapshot rather than failing the whole read.
func Read(ctx context.Context, c Clients, opts Options) (*Snapshot, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := &Snapshot{APIVersion: SchemaVersion, TakenAt: now().UTC().Truncate(time.Second), Cluster: opts.Cluster}
	v, err := c.Kube.Discovery().ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("read server version: %w", err)
	}
	s.Cluster.Version, s.Cluster.Platform = v.GitVersion, v.Platform

	required := []struct {
		what string
		read func(context.Context, Clients, *Snapshot, Options) error
	}{
		{"nodes", readNodes},
		{"workloads", readWorkloads},
		{"pods", readPods},
		{"pod disruption budgets", readPDBs},
	}
	for _, r := range required {
		if err := r.read(ctx, c, s, opts); err != nil {
			return nil, fmt.Errorf("read %s: %w", r.what, err)
		}
	}
	if opts.CoreOnly {
		s.Sort()
		return s, nil
	}
	optional := []struct {
		what string
		read func(context.Context, Clients, *Snapshot, Options) error
	}{
		{"Helm releases", readHelmReleases},
		{"CRDs", readCRDs},
		{"CSI drivers", readCSIDrivers},
		{"TLS certificates", readCertificates},
		{"live objects", readLiveObjects},
	}
	for _, r := range optional {
		if err := r.read(ctx, c, s, opts); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s not read: %v", r.what, err))
				continue
			}
			return nil, fmt.Errorf("read %s: %w", r.what, err)
		}
	}
	s.Sort()
	return s, nil
}

// each calls fn for every item of a list, fetched in pages.
func each[T any, L runtime.Object](ctx context.Context, list func(context.Context, metav1.ListOptions) (L, error), opts metav1.ListOptions, fn func(*T) error) error {
	p := pager.New(func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return list(ctx, o) })
	return p.EachListItem(ctx, opts, func(obj runtime.Object) error {
		item, ok := any(obj).(*T)
		if !ok {
			return fmt.Errorf("list returned %T", obj)
		}
		return fn(item)
	})
}

func readNodes(ctx context.Context, c Clients, s *Snapshot, opts Options) error {
	return each(ctx, c.Kube.CoreV1().Nodes().List, metav1.ListOptions{}, func(n *corev1.Node) error {
		node := Node{
			Name: n.Name, Labels: n.Labels,
			KubeletVersion: n.Status.NodeInfo.KubeletVersion, ContainerRuntime: n.Status.NodeInfo.ContainerRuntimeVersion,
			OSImage: n.Status.NodeInfo.OSImage, KernelVersion: n.Status.NodeInfo.KernelVersion,
			Unschedulable: n.Spec.Unschedulable, ProviderID: n.Spec.ProviderID, Taints: n.Spec.Taints,
		}
		node.PoolLabel, node.Pool = PoolOf(n.Labels, opts.PoolLabel)
		for _, cond := range n.Status.Conditions {
			node.Conditions = append(node.Conditions, Condition{Type: string(cond.Type), Status: string(cond.Status), Reason: cond.Reason, Message: cond.Message})
			if cond.Type == corev1.NodeReady {
				node.Ready = cond.Status == corev1.ConditionTrue
			}
		}
		s.Nodes = append(s.Nodes, node)
		return nil
	})
}

func readPDBs(ctx context.Context, c Clients, s *Snapshot, _ Options) error {
	return each(ctx, c.Kube.PolicyV1().PodDisruptionBudgets("").List, metav1.ListOptions{}, func(p *policyv1.PodDisruptionBudget) error {
		s.PDBs = append(s.PDBs, PDB{
			Namespace: p.Namespace, Name: p.Name, MinAvailable: p.Spec.MinAvailable, MaxUnavailable: p.Spec.MaxUnavailable,
			Selector: p.Spec.Selector, CurrentHealthy: p.Status.CurrentHealthy, DesiredHealthy: p.Status.DesiredHealthy,
			ExpectedPods: p.Status.ExpectedPods, DisruptionsAllowed: p.Status.DisruptionsAllowed,
		})
		return nil
	})
}

func readPods(ctx context.Context, c Clients, s *Snapshot, _ Options) error {
	return each(ctx, c.Kube.CoreV1().Pods("").List, metav1.ListOptions{}, func(p *corev1.Pod) error {
		pod := Pod{
			Namespace: p.Namespace, Name: p.Name, Node: p.Spec.NodeName, Phase: string(p.Status.Phase),
			Labels: p.Labels, Owner: controllerOf(p.OwnerReferences), Deleting: p.DeletionTimestamp != nil,
		}
		_, pod.Mirror = p.Annotations[corev1.MirrorPodAnnotationKey]
		for _, v := range p.Spec.Volumes {
			if v.EmptyDir != nil {
				pod.LocalStorage = append(pod.LocalStorage, v.Name)
			}
		}
		pod.Images = containerImages(p.Spec)
		for _, cond := range p.Status.Conditions {
			switch {
			case cond.Type == corev1.PodReady:
				pod.Ready = cond.Status == corev1.ConditionTrue
			case cond.Type == corev1.PodScheduled && cond.Status == corev1.ConditionFalse:
				pod.Unschedulable = strings.TrimSpace(cond.Reason + ": " + cond.Message)
			}
		}
		if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) > 0 {
			pod.PreferredNodes = a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution
			pod.Tolerations = p.Spec.Tolerations
		}
		for _, cs := range p.Status.ContainerStatuses {
			pod.Restarts += cs.RestartCount
			if cs.State.Waiting != nil && pod.Waiting == "" {
				pod.Waiting = cs.State.Waiting.Reason
			}
		}
		s.Pods = append(s.Pods, pod)
		return nil
	})
}

func readWorkloads(ctx context.Context, c Clients, s *Snapshot, _ Options) error {
	apps, batch := c.Kube.AppsV1(), c.Kube.BatchV1()
	add := func(w Workload, meta metav1.ObjectMeta, spec corev1.PodTemplateSpec) {
		w.Namespace, w.Name, w.Generation = meta.Namespace, meta.Name, meta.Generation
		w.Owner = controllerOf(meta.OwnerReferences)
		w.TemplateLabels = spec.Labels
		w.Images = containerImages(spec.Spec)
		s.Workloads = append(s.Workloads, w)
	}
	err := each(ctx, apps.Deployments("").List, metav1.ListOptions{}, func(d *appsv1.Deployment) error {
		add(Workload{Kind: "Deployment", Replicas: replicas(d.Spec.Replicas), ReadyReplicas: d.Status.ReadyReplicas,
			UpdatedReplicas: d.Status.UpdatedReplicas, AvailableReplicas: d.Status.AvailableReplicas,
			ObservedGen: d.Status.ObservedGeneration, Selector: d.Spec.Selector}, d.ObjectMeta, d.Spec.Template)
		return nil
	})
	if err != nil {
		return err
	}
	err = each(ctx, apps.StatefulSets("").List, metav1.ListOptions{}, func(st *appsv1.StatefulSet) error {
		add(Workload{Kind: "StatefulSet", Replicas: replicas(st.Spec.Replicas), ReadyReplicas: st.Status.ReadyReplicas,
			UpdatedReplicas: st.Status.UpdatedReplicas, AvailableReplicas: st.Status.AvailableReplicas,
			ObservedGen: st.Status.ObservedGeneration, Selector: st.Spec.Selector}, st.ObjectMeta, st.Spec.Template)
		return nil
	})
	if err != nil {
		return err
	}
	err = each(ctx, apps.DaemonSets("").List, metav1.ListOptions{}, func(ds *appsv1.DaemonSet) error {
		add(Workload{Kind: "DaemonSet", Replicas: ds.Status.DesiredNumberScheduled, ReadyReplicas: ds.Status.NumberReady,
			UpdatedReplicas: ds.Status.UpdatedNumberScheduled, AvailableReplicas: ds.Status.NumberAvailable,
			ObservedGen: ds.Status.ObservedGeneration, Selector: ds.Spec.Selector}, ds.ObjectMeta, ds.Spec.Template)
		return nil
	})
	if err != nil {
		return err
	}
	err = each(ctx, apps.ReplicaSets("").List, metav1.ListOptions{}, func(rs *appsv1.ReplicaSet) error {
		add(Workload{Kind: "ReplicaSet", Replicas: replicas(rs.Spec.Replicas), ReadyReplicas: rs.Status.ReadyReplicas,
			AvailableReplicas: rs.Status.AvailableReplicas, UpdatedReplicas: rs.Status.Replicas,
			ObservedGen: rs.Status.ObservedGeneration, Selector: rs.Spec.Selector}, rs.ObjectMeta, rs.Spec.Template)
		return nil
	})
	if err != nil {
		return err
	}
	err = each(ctx, batch.Jobs("").List, metav1.ListOptions{}, func(j *batchv1.Job) error {
		w := Workload{Kind: "Job", Replicas: replicas(j.Spec.Parallelism), ReadyReplicas: ptrOr(j.Status.Ready), Selector: j.Spec.Selector}
		for _, cond := range j.Status.Conditions {
			if cond.Status == corev1.ConditionTrue {
				w.Complete = w.Complete || cond.Type == batchv1.JobComplete
				w.Failed = w.Failed || cond.Type == batchv1.JobFailed
			}
		}
		add(w, j.ObjectMeta, j.Spec.Template)
		return nil
	})
	if err != nil {
		return err
	}
	return each(ctx, batch.CronJobs("").List, metav1.ListOptions{}, func(cj *batchv1.CronJob) error {
		w := Workload{Kind: "CronJob", Schedule: cj.Spec.Schedule, Suspended: cj.Spec.Suspend != nil && *cj.Spec.Suspend}
		add(w, cj.ObjectMeta, cj.Spec.JobTemplate.Spec.Template)
		return nil
	})
}

func readCSIDrivers(ctx context.Context, c Clients, s *Snapshot, _ Options) error {
	return each(ctx, c.Kube.StorageV1().CSIDrivers().List, metav1.ListOptions{}, func(d *storagev1.CSIDriver) error {
		s.CSIDrivers = append(s.CSIDrivers, d.Name)
		return nil
	})
}

func controllerOf(refs []metav1.OwnerReference) *OwnerRef {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return &OwnerRef{Kind: r.Kind, Name: r.Name}
		}
	}
	return nil
}

func containerImages(spec corev1.PodSpec) []string {
	var images []string
	for _, c := range spec.InitContainers {
		images = append(images, c.Image)
	}
	for _, c := range spec.Containers {
		images = append(images, c.Image)
	}
	return images
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func ptrOr(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

// Sort orders every list of the snapshot, so that output is deterministic.
func (s *Snapshot) Sort() {
	slices.SortFunc(s.Nodes, func(a, b Node) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(s.Workloads, func(a, b Workload) int {
		return strings.Compare(a.Namespace+"/"+a.Kind+"/"+a.Name, b.Namespace+"/"+b.Kind+"/"+b.Name)
	})
	slices.SortFunc(s.Pods, func(a, b Pod) int { return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name) })
	slices.SortFunc(s.PDBs, func(a, b PDB) int { return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name) })
	slices.SortFunc(s.HelmReleases, func(a, b HelmRelease) int { return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name) })
	slices.SortFunc(s.CRDs, func(a, b CRD) int { return strings.Compare(a.Name, b.Name) })
	slices.Sort(s.CSIDrivers)
	slices.SortFunc(s.Certificates, func(a, b Certificate) int { return strings.Compare(a.Namespace+"/"+a.Secret, b.Namespace+"/"+b.Secret) })
	slices.SortFunc(s.LiveObjects, func(a, b LiveObject) int {
		return strings.Compare(a.Kind+"/"+a.Namespace+"/"+a.Name, b.Kind+"/"+b.Namespace+"/"+b.Name)
	})
	slices.Sort(s.Warnings)
}
