// Package mesh plans an Istio (or Anthos Service Mesh) canary upgrade by
// revision, and its rollback, as kubehop plans: the new istiod revision
// running (installed with the profile's pinned installer when it is not),
// namespaces relabelled istio.io/rev (istio-injection removed), gateways
// then workloads restarted, every pod's proxy checked, the default
// revision tag and the istiod Service moved, and only then the old
// revision's objects deleted.
package mesh

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/manifest"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

// Labels and names Istio uses.
const (
	RevLabel       = "istio.io/rev"
	InjectionLabel = "istio-injection"
	TagLabel       = "istio.io/tag"
	// DefaultTag is the webhook of the default revision tag, which
	// istio-injection=enabled namespaces use.
	DefaultTag = "istio-revision-tag-default"
	// ProxyContainer is the injected sidecar.
	ProxyContainer = "istio-proxy"
)

// Object is an object of the cluster, as a step names it.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (o Object) step() string {
	if o.Namespace == "" {
		return o.Kind + " " + o.Name
	}
	return o.Kind + " " + o.Namespace + "/" + o.Name
}

// State is what the cluster's mesh looks like.
type State struct {
	Namespace string
	// Revisions maps each running istiod revision to its version (the
	// pilot image's tag).
	Revisions map[string]string
	// Default is the revision the default tag points at ("" when there is
	// no tag).
	Default string
	// DefaultWebhooks are the tag webhook's webhook names.
	DefaultWebhooks []string
	// Namespaces maps each namespace that uses the mesh to the revision it
	// injects (by istio.io/rev, or the default tag's for
	// istio-injection=enabled).
	Namespaces map[string]string
	// Gateways and Workloads are "Kind ns/name".
	Gateways  []string
	Workloads map[string][]string
	// Objects maps each revision to its objects.
	Objects map[string][]Object
}

// Read reads the mesh.
func Read(ctx context.Context, client kubernetes.Interface, objects *manifest.Applier, m *profile.Mesh) (*State, error) {
	s := &State{Namespace: m.MeshNamespace(), Revisions: map[string]string{}, Namespaces: map[string]string{},
		Workloads: map[string][]string{}, Objects: map[string][]Object{}}
	deps, err := client.AppsV1().Deployments(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: "app=istiod"})
	if err != nil {
		return nil, fmt.Errorf("list istiod Deployments in %s: %w", s.Namespace, err)
	}
	for _, d := range deps.Items {
		rev := d.Labels[RevLabel]
		if rev == "" {
			rev = "default"
		}
		s.Revisions[rev] = imageTag(d.Spec.Template.Spec.Containers)
	}
	tag, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, DefaultTag, metav1.GetOptions{})
	switch {
	case err == nil:
		s.Default = tag.Labels[RevLabel]
		for _, w := range tag.Webhooks {
			s.DefaultWebhooks = append(s.DefaultWebhooks, w.Name)
		}
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("read the default revision tag: %w", err)
	}
	nss, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, ns := range nss.Items {
		switch {
		case ns.Labels[RevLabel] != "":
			s.Namespaces[ns.Name] = ns.Labels[RevLabel]
		case ns.Labels[InjectionLabel] == "enabled":
			s.Namespaces[ns.Name] = s.Default
		}
	}
	if err := s.readGateways(ctx, client, m); err != nil {
		return nil, err
	}
	for ns := range s.Namespaces {
		ws, err := workloads(ctx, client, ns)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if !slices.Contains(s.Gateways, w) {
				s.Workloads[ns] = append(s.Workloads[ns], w)
			}
		}
	}
	for rev := range s.Revisions {
		if s.Objects[rev], err = revisionObjects(ctx, client, objects, s.Namespace, rev); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func imageTag(containers []corev1.Container) string {
	for _, c := range containers {
		if i := strings.LastIndex(c.Image, ":"); i >= 0 && !strings.Contains(c.Image[i:], "/") {
			return c.Image[i+1:]
		}
	}
	return ""
}

func (s *State) readGateways(ctx context.Context, client kubernetes.Interface, m *profile.Mesh) error {
	for _, g := range m.Gateways {
		ns, kind, name, _ := profile.SplitWorkload(g)
		s.Gateways = append(s.Gateways, kind+" "+ns+"/"+name)
	}
	if len(m.Gateways) > 0 {
		return nil
	}
	deps, err := client.AppsV1().Deployments("").List(ctx, metav1.ListOptions{LabelSelector: "istio in (ingressgateway,egressgateway)"})
	if err != nil {
		return fmt.Errorf("list gateways: %w", err)
	}
	for _, d := range deps.Items {
		s.Gateways = append(s.Gateways, "Deployment "+d.Namespace+"/"+d.Name)
	}
	slices.Sort(s.Gateways)
	return nil
}

func workloads(ctx context.Context, client kubernetes.Interface, ns string) ([]string, error) {
	var out []string
	deps, err := client.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, d := range deps.Items {
		out = append(out, "Deployment "+ns+"/"+d.Name)
	}
	sts, err := client.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, st := range sts.Items {
		out = append(out, "StatefulSet "+ns+"/"+st.Name)
	}
	slices.Sort(out)
	return out, nil
}

// revisionObjects are a revision's own objects: those labelled
// istio.io/rev=rev in the control plane's namespace (Deployment, Service,
// HorizontalPodAutoscaler, PodDisruptionBudget), its webhook
// configurations (not revision tags), and the IstioOperators whose
// spec.revision is rev.
func revisionObjects(ctx context.Context, client kubernetes.Interface, objects *manifest.Applier, ns, rev string) ([]Object, error) {
	sel := metav1.ListOptions{LabelSelector: RevLabel + "=" + rev}
	var out []Object
	add := func(apiVersion, kind, namespace, name string) {
		out = append(out, Object{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: name})
	}
	deps, err := client.AppsV1().Deployments(ns).List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, d := range deps.Items {
		add("apps/v1", "Deployment", ns, d.Name)
	}
	svcs, err := client.CoreV1().Services(ns).List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, x := range svcs.Items {
		if x.Name != "istiod" { // the revision-less Service follows the default revision
			add("v1", "Service", ns, x.Name)
		}
	}
	hpas, err := client.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, x := range hpas.Items {
		add("autoscaling/v2", "HorizontalPodAutoscaler", ns, x.Name)
	}
	pdbs, err := client.PolicyV1().PodDisruptionBudgets(ns).List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, x := range pdbs.Items {
		add("policy/v1", "PodDisruptionBudget", ns, x.Name)
	}
	vwcs, err := client.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, x := range vwcs.Items {
		add("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", x.Name)
	}
	mwcs, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().List(ctx, sel)
	if err != nil {
		return nil, err
	}
	for _, x := range mwcs.Items {
		if _, isTag := x.Labels[TagLabel]; !isTag {
			add("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "", x.Name)
		}
	}
	if objects != nil {
		ri, err := objects.Resource("install.istio.io/v1alpha1", "IstioOperator", ns)
		if err == nil {
			list, err := ri.List(ctx, metav1.ListOptions{})
			if err == nil {
				for _, x := range list.Items {
					if r, _, _ := unstructured.NestedString(x.Object, "spec", "revision"); r == rev {
						add("install.istio.io/v1alpha1", "IstioOperator", ns, x.GetName())
					}
				}
			}
		}
	}
	return out, nil
}

// Upgrade plans the canary upgrade to revision to.
func Upgrade(p *profile.Profile, s *State, to string) (*plan.Plan, error) {
	m := p.Mesh
	from := s.Default
	if from == "" {
		// No default tag: the one other revision running is the old one.
		var others []string
		for rev := range s.Revisions {
			if rev != to {
				others = append(others, rev)
			}
		}
		if len(others) != 1 {
			slices.Sort(others)
			return nil, fmt.Errorf("no default revision tag, and %d other revisions run (%s): tag the one in use as default first (istioctl tag set default --revision REV)",
				len(others), strings.Join(others, ", "))
		}
		from = others[0]
	}
	if from == to {
		return nil, fmt.Errorf("the default revision is %s already", to)
	}
	version, installed := s.Revisions[to]
	if !installed && len(m.Install) == 0 {
		return nil, fmt.Errorf("istiod revision %s is not running in %s (running: %s): install it, or give mesh.install in %s", to, s.Namespace, strings.Join(keys(s.Revisions), ", "), p.File())
	}
	pl := &plan.Plan{APIVersion: plan.APIVersion, Cluster: p.Cluster, Provider: "mesh", From: from, Target: to}
	seq := &plan.Sequence{Plan: pl}
	add := seq.Add
	istiod := "Deployment " + s.Namespace + "/istiod-" + to
	if !installed {
		add("install", plan.Step{ID: "install", Kind: plan.KindExec, Action: &plan.Action{Command: m.Install, Env: []string{"KUBEHOP_REVISION=" + to}},
			Title: "Install istiod revision " + to + ": " + strings.Join(m.Install, " ")})
	}
	add("install", plan.Step{ID: "istiod-ready", Kind: plan.KindWaitReady, Object: istiod, Title: "Wait until " + istiod + " is ready"})

	var moved []string
	for ns, rev := range s.Namespaces {
		if rev == from {
			moved = append(moved, ns)
		}
	}
	slices.Sort(moved)
	var labels []plan.Step
	for _, ns := range moved {
		labels = append(labels, plan.Step{ID: "label/" + ns, Kind: plan.KindLabel, Object: "Namespace " + ns,
			Action: &plan.Action{APIVersion: "v1", Labels: map[string]string{RevLabel: to, InjectionLabel: ""}},
			Title:  fmt.Sprintf("Label namespace %s %s=%s, removing %s", ns, RevLabel, to, InjectionLabel)})
	}
	add("relabel", labels...)
	add("gateways", restarts(s.Gateways, "gateway")...)
	var ws []string
	for _, ns := range moved {
		ws = append(ws, s.Workloads[ns]...)
	}
	add("workloads", restarts(ws, "workload")...)
	if len(moved) > 0 {
		image := ""
		if version != "" {
			image = ":" + version
		}
		add("check", plan.Step{ID: "check-proxies", Kind: plan.KindPodsMatch,
			Action: &plan.Action{Namespaces: moved, Labels: map[string]string{RevLabel: to}, Container: proxyContainer(image), Image: image},
			Title:  fmt.Sprintf("Check every pod of %s runs revision %s's proxy%s", strings.Join(moved, ", "), to, orEmpty(image, " ("+image+")"))})
	}
	var moves []plan.Step
	if s.Default != "" {
		moves = append(moves, tagStep("tag", to, s.DefaultWebhooks))
	}
	moves = append(moves, serviceStep("service", s.Namespace, to))
	add("tag", moves...)
	if m.ApproveCleanup {
		add("approve", plan.Step{ID: "approve-cleanup", Kind: plan.KindApprove,
			Action: &plan.Action{Message: "check the mesh on revision " + to + " before revision " + from + " is deleted"},
			Title:  "Wait for a person's approval before deleting revision " + from})
	}
	var cleanup []plan.Step
	for _, o := range s.Objects[from] {
		cleanup = append(cleanup, plan.Step{ID: "delete/" + o.Kind + "/" + o.Name, Kind: plan.KindDelete, Object: o.step(),
			Action: &plan.Action{APIVersion: o.APIVersion}, Title: fmt.Sprintf("Delete revision %s's %s %s", from, o.Kind, o.Name)})
	}
	add("cleanup", cleanup...)
	return pl, nil
}

func proxyContainer(image string) string {
	if image == "" {
		return ""
	}
	return ProxyContainer
}

func orEmpty(cond, s string) string {
	if cond == "" {
		return ""
	}
	return s
}

func restarts(workloads []string, what string) []plan.Step {
	var out []plan.Step
	for _, w := range workloads {
		out = append(out, plan.Step{ID: "restart/" + w, Kind: plan.KindRolloutRestart, Object: w,
			Title: fmt.Sprintf("Restart %s %s so that its pods get the new proxy", what, w)})
	}
	return out
}

// tagStep points the default revision tag's webhooks at rev.
func tagStep(id, rev string, webhooks []string) plan.Step {
	var hooks []map[string]any
	for _, w := range webhooks {
		hooks = append(hooks, map[string]any{"name": w, "clientConfig": map[string]any{"service": map[string]any{"name": "istiod-" + rev}}})
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{RevLabel: rev}}, "webhooks": hooks})
	return plan.Step{ID: id, Kind: plan.KindPatch, Object: "MutatingWebhookConfiguration " + DefaultTag,
		Action: &plan.Action{APIVersion: "admissionregistration.k8s.io/v1", Patch: string(patch), PatchType: "strategic"},
		Title:  fmt.Sprintf("Move the default revision tag to %s (istioctl tag set default --revision %s)", rev, rev)}
}

// serviceStep points the istiod Service at rev's pods.
func serviceStep(id, ns, rev string) plan.Step {
	return plan.Step{ID: id, Kind: plan.KindPatch, Object: "Service " + ns + "/istiod",
		Action: &plan.Action{APIVersion: "v1", Patch: fmt.Sprintf(`{"spec":{"selector":{%q:%q}}}`, RevLabel, rev)},
		Title:  fmt.Sprintf("Point the istiod Service at revision %s", rev)}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Rollback plans the return to revision from after an upgrade that has not
// deleted it: namespaces labelled back as the journal recorded them, the
// tag and the Service moved back, gateways and workloads restarted.
func Rollback(p *profile.Profile, s *State, from string, labels map[string]map[string]*string) (*plan.Plan, error) {
	if _, ok := s.Revisions[from]; !ok {
		return nil, fmt.Errorf("revision %s is not running any more (the upgrade deleted it): roll forward, or reinstall it first", from)
	}
	pl := &plan.Plan{APIVersion: plan.APIVersion, Cluster: p.Cluster, Provider: "mesh", Target: from}
	seq := &plan.Sequence{Plan: pl}
	add := seq.Add
	var nss []string
	for ns := range labels {
		nss = append(nss, ns)
	}
	slices.Sort(nss)
	var steps []plan.Step
	for _, ns := range nss {
		back := map[string]string{}
		var words []string
		for k, v := range labels[ns] {
			if v == nil {
				back[k] = ""
				words = append(words, k+"-")
			} else {
				back[k] = *v
				words = append(words, k+"="+*v)
			}
		}
		slices.Sort(words)
		steps = append(steps, plan.Step{ID: "label/" + ns, Kind: plan.KindLabel, Object: "Namespace " + ns,
			Action: &plan.Action{APIVersion: "v1", Labels: back}, Title: fmt.Sprintf("Label namespace %s back: %s", ns, strings.Join(words, " "))})
	}
	add("relabel", steps...)
	// Namespaces labelled istio-injection=enabled again inject through the
	// default tag: it moves back before their pods restart.
	var moves []plan.Step
	if s.Default != "" {
		moves = append(moves, tagStep("tag", from, s.DefaultWebhooks))
	}
	moves = append(moves, serviceStep("service", s.Namespace, from))
	add("tag", moves...)
	add("gateways", restarts(s.Gateways, "gateway")...)
	var ws []string
	for _, ns := range nss {
		ws = append(ws, s.Workloads[ns]...)
	}
	add("workloads", restarts(ws, "workload")...)
	return pl, nil
}
