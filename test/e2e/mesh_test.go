package e2e

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/certs/certstest"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/localcluster"
	"github.com/kubehop/kubehop/internal/manifest"
)

// injector stands in for istiod's sidecar injection: pods of a namespace
// labelled istio.io/rev=REV, or istio-injection=enabled (the revision the
// default tag's webhook configuration is labelled with), get label
// istio.io/rev=REV and an istio-proxy container running proxyv2 at the
// version of istiod-REV's image.
func injector(t *testing.T, client kubernetes.Interface) {
	t.Helper()
	f := certstest.NewFixture(t, time.Now(), "127.0.0.1")
	cert := tls.Certificate{Certificate: [][]byte{f.Leaf.Cert.Raw, f.Inter.Cert.Raw}, PrivateKey: f.Leaf.Key}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
			http.Error(w, "bad review", http.StatusBadRequest)
			return
		}
		resp := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
		if patch := injection(r.Context(), client, review.Request); patch != nil {
			pt := admissionv1.PatchTypeJSONPatch
			resp.Patch, resp.PatchType = patch, &pt
		}
		review.Response = resp
		_ = json.NewEncoder(w).Encode(review)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	url := "https://" + l.Addr().String() + "/inject"
	none, ignore := admissionregv1.SideEffectClassNone, admissionregv1.Ignore
	hook := func(name string, sel metav1.LabelSelectorRequirement) admissionregv1.MutatingWebhook {
		return admissionregv1.MutatingWebhook{Name: name, ClientConfig: admissionregv1.WebhookClientConfig{URL: &url, CABundle: certstest.CertPEM(f.Root)},
			Rules: []admissionregv1.RuleWithOperations{{Operations: []admissionregv1.OperationType{admissionregv1.Create},
				Rule: admissionregv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}}},
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{sel}},
			SideEffects:       &none, AdmissionReviewVersions: []string{"v1"}, FailurePolicy: &ignore}
	}
	mwc := &admissionregv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: "e2e-injector"}, Webhooks: []admissionregv1.MutatingWebhook{
		hook("rev.e2e-injector.kubehop.dev", metav1.LabelSelectorRequirement{Key: "istio.io/rev", Operator: metav1.LabelSelectorOpExists}),
		hook("injection.e2e-injector.kubehop.dev", metav1.LabelSelectorRequirement{Key: "istio-injection", Operator: metav1.LabelSelectorOpIn, Values: []string{"enabled"}}),
	}}
	if _, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(context.Background(), mwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func injection(ctx context.Context, client kubernetes.Interface, req *admissionv1.AdmissionRequest) []byte {
	ns, err := client.CoreV1().Namespaces().Get(ctx, req.Namespace, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	rev := ns.Labels["istio.io/rev"]
	if rev == "" && ns.Labels["istio-injection"] == "enabled" {
		tag, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, "istio-revision-tag-default", metav1.GetOptions{})
		if err != nil {
			return nil
		}
		rev = tag.Labels["istio.io/rev"]
	}
	d, err := client.AppsV1().Deployments("istio-system").Get(ctx, "istiod-"+rev, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	image := d.Spec.Template.Spec.Containers[0].Image
	version := image[strings.LastIndex(image, ":")+1:]
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return nil
	}
	ops := []map[string]any{{"op": "add", "path": "/spec/containers/-", "value": corev1.Container{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:" + version}}}
	if pod.Labels == nil {
		ops = append(ops, map[string]any{"op": "add", "path": "/metadata/labels", "value": map[string]string{}})
	}
	ops = append(ops, map[string]any{"op": "add", "path": "/metadata/labels/istio.io~1rev", "value": rev})
	patch, _ := json.Marshal(ops)
	return patch
}

// applyFile applies the objects of a manifest file whose kind passes
// kinds.
func applyFile(ctx context.Context, t *testing.T, c *localcluster.Cluster, path string, kinds func(kind string) bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	applyYAML(ctx, t, c, path, data, kinds)
}

// applyYAML applies the objects of a manifest (named source in errors)
// whose kind passes kinds, every one when kinds is nil.
func applyYAML(ctx context.Context, t *testing.T, c *localcluster.Cluster, source string, data []byte, kinds func(kind string) bool) {
	t.Helper()
	objs, err := manifest.Decode(source, data)
	if err != nil {
		t.Fatal(err)
	}
	a, err := manifest.NewApplier(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	var keep []*unstructured.Unstructured
	for _, o := range objs {
		if kinds == nil || kinds(o.GetKind()) {
			keep = append(keep, o)
		}
	}
	if err := a.Apply(ctx, keep); err != nil {
		t.Fatal(err)
	}
}

// proxies maps each pod of a namespace to its istio.io/rev label and its
// istio-proxy image.
func proxies(ctx context.Context, t *testing.T, client kubernetes.Interface, ns string) map[string]string {
	t.Helper()
	pods, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil {
			continue
		}
		img := "none"
		for _, c := range p.Spec.Containers {
			if c.Name == "istio-proxy" {
				img = c.Image
			}
		}
		out[p.Name] = p.Labels["istio.io/rev"] + " " + img
	}
	return out
}

func allProxies(m map[string]string, want string) bool {
	if len(m) == 0 {
		return false
	}
	for _, v := range m {
		if v != want {
			return false
		}
	}
	return true
}

// TestMeshCanaryUpgrade: on a stand-in Istio with revisions 1-20-3 and
// 1-21-0, kubehop mesh upgrade --to 1-21-0 stopped at its cleanup
// approval and rolled back puts the namespaces' labels, the default tag
// and the istiod Service back and the pods on the old proxies; run again
// to the end, it relabels, restarts gateways then workloads, moves the tag
// and the Service, and deletes exactly revision 1-20-3's objects.
func TestMeshCanaryUpgrade(t *testing.T) {
	t.Parallel()
	c := startCluster(t, "1.36")
	ctx := testContext(t, 10*time.Minute)
	client := c.Client()
	if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: "mesh", Count: 2}); err != nil {
		t.Fatal(err)
	}
	standin := filepath.Join("testdata", "istio-standin.yaml")
	applyFile(ctx, t, c, standin, func(k string) bool { return k == "CustomResourceDefinition" })
	if err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := c.Client().Discovery().ServerResourcesForGroupVersion("install.istio.io/v1alpha1")
		return err == nil, nil
	}); err != nil {
		t.Fatal("the IstioOperator CRD is not served")
	}
	applyFile(ctx, t, c, standin, func(k string) bool { return k != "CustomResourceDefinition" })
	injector(t, client)
	gw := deployment("istio-system", "istio-ingressgateway", "mesh", 1)
	gw.Labels = map[string]string{"istio": "ingressgateway"}
	if _, err := client.AppsV1().Deployments("istio-system").Create(ctx, gw, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for ns, label := range map[string][2]string{"shop": {"istio-injection", "enabled"}, "pay": {"istio.io/rev", "1-20-3"}} {
		if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{label[0]: label[1]}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.AppsV1().Deployments(ns).Create(ctx, deployment(ns, "app", "mesh", 2), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitDeploymentReady(ctx, t, client, ns, "app")
		if got := proxies(ctx, t, client, ns); !allProxies(got, "1-20-3 docker.io/istio/proxyv2:1.20.3") {
			t.Fatalf("namespace %s before the upgrade: %v", ns, got)
		}
	}
	for _, d := range []string{"istiod-1-20-3", "istiod-1-21-0", "istio-ingressgateway"} {
		waitDeploymentReady(ctx, t, client, "istio-system", d)
	}
	uid, err := client.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	profile := filepath.Join(dir, "kubehop.yaml")
	writeFile(t, profile, fmt.Sprintf("apiVersion: kubehop.dev/v1alpha1\nkind: Profile\ncluster: {name: mesh-e2e, uid: %s}\nprovider: local\ntarget: \"1.36\"\npools: [{name: mesh, strategy: surge}]\nmesh: {approveCleanup: true}\n", uid.UID))

	// First run: stopped at the approval before cleanup, then rolled back.
	runCtx, stop := context.WithCancel(ctx)
	cmd := exec.CommandContext(runCtx, kubehopBin, "mesh", "upgrade", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--to", "1-21-0", "--yes")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	journalPath := filepath.Join(dir, ".kubehop", "mesh-e2e.mesh-1-21-0.journal")
	if err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 5*time.Minute, true, func(context.Context) (bool, error) {
		entries, err := journal.ReadFile(journalPath)
		if err != nil {
			return false, nil
		}
		return slices.ContainsFunc(entries, func(e journal.Entry) bool { return e.Type == journal.Begin && e.Step == "approve-cleanup" }), nil
	}); err != nil {
		stop()
		_ = cmd.Wait()
		t.Fatalf("the upgrade never reached its approval:\n%s", out.String())
	}
	for _, ns := range []string{"shop", "pay"} {
		if got := proxies(ctx, t, client, ns); !allProxies(got, "1-21-0 docker.io/istio/proxyv2:1.21.0") {
			t.Errorf("namespace %s at the approval: %v", ns, got)
		}
	}
	stop()
	_ = cmd.Wait()
	code, stdout, stderr := kubehop(ctx, "mesh", "rollback", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--yes")
	if code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, stdout, stderr)
	}
	shop, _ := client.CoreV1().Namespaces().Get(ctx, "shop", metav1.GetOptions{})
	pay, _ := client.CoreV1().Namespaces().Get(ctx, "pay", metav1.GetOptions{})
	if shop.Labels["istio-injection"] != "enabled" || shop.Labels["istio.io/rev"] != "" || pay.Labels["istio.io/rev"] != "1-20-3" {
		t.Errorf("labels after rollback: shop %v, pay %v", shop.Labels, pay.Labels)
	}
	checkRevision(ctx, t, client, "1-20-3")
	for _, ns := range []string{"shop", "pay"} {
		if err := wait.PollUntilContextTimeout(ctx, time.Second, time.Minute, true, func(ctx context.Context) (bool, error) {
			return allProxies(proxies(ctx, t, client, ns), "1-20-3 docker.io/istio/proxyv2:1.20.3"), nil
		}); err != nil {
			t.Errorf("namespace %s after rollback: %v", ns, proxies(ctx, t, client, ns))
		}
	}

	// Second run, approved: to the end.
	go func() {
		_ = wait.PollUntilContextTimeout(ctx, time.Second, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
			code, _, _ := kubehop(ctx, "approve", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--step", "approve-cleanup")
			return code == 0, nil
		})
	}()
	code, stdout, stderr = kubehop(ctx, "mesh", "upgrade", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--to", "1-21-0", "--yes")
	if code != 0 {
		t.Fatalf("upgrade: exit %d\n%s%s", code, stdout, stderr)
	}
	checkRevision(ctx, t, client, "1-21-0")
	shop, _ = client.CoreV1().Namespaces().Get(ctx, "shop", metav1.GetOptions{})
	if _, ok := shop.Labels["istio-injection"]; ok || shop.Labels["istio.io/rev"] != "1-21-0" {
		t.Errorf("shop's labels after the upgrade: %v", shop.Labels)
	}
	g, _ := client.AppsV1().Deployments("istio-system").Get(ctx, "istio-ingressgateway", metav1.GetOptions{})
	if g.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Error("the gateway was not restarted")
	}
	// Exactly the old revision's objects are gone.
	a, err := manifest.NewApplier(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	exists := func(apiVersion, kind, ns, name string) bool {
		ri, err := a.Resource(apiVersion, kind, ns)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ri.Get(ctx, name, metav1.GetOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	for _, rev := range []string{"1-20-3", "1-21-0"} {
		for _, o := range [][4]string{
			{"apps/v1", "Deployment", "istio-system", "istiod-" + rev},
			{"v1", "Service", "istio-system", "istiod-" + rev},
			{"autoscaling/v2", "HorizontalPodAutoscaler", "istio-system", "istiod-" + rev},
			{"policy/v1", "PodDisruptionBudget", "istio-system", "istiod-" + rev},
			{"admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "", "istio-validator-" + rev + "-istio-system"},
			{"admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "", "istio-sidecar-injector-" + rev},
			{"install.istio.io/v1alpha1", "IstioOperator", "istio-system", "installed-state-" + rev},
		} {
			if got, want := exists(o[0], o[1], o[2], o[3]), rev == "1-21-0"; got != want {
				t.Errorf("%s %s: exists %v, want %v", o[1], o[3], got, want)
			}
		}
	}
	for _, o := range [][2]string{{"Service", "istiod"}, {"MutatingWebhookConfiguration", "istio-revision-tag-default"}, {"MutatingWebhookConfiguration", "e2e-injector"}} {
		apiVersion := map[string]string{"Service": "v1", "MutatingWebhookConfiguration": "admissionregistration.k8s.io/v1"}[o[0]]
		ns := map[string]string{"Service": "istio-system"}[o[0]]
		if !exists(apiVersion, o[0], ns, o[1]) {
			t.Errorf("%s %s was deleted", o[0], o[1])
		}
	}
}

// checkRevision checks the default tag and the istiod Service point at rev.
func checkRevision(ctx context.Context, t *testing.T, client kubernetes.Interface, rev string) {
	t.Helper()
	tag, err := client.AdmissionregistrationV1().MutatingWebhookConfigurations().Get(ctx, "istio-revision-tag-default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tag.Labels["istio.io/rev"] != rev {
		t.Errorf("the default tag is on %s, want %s", tag.Labels["istio.io/rev"], rev)
	}
	for _, w := range tag.Webhooks {
		if w.ClientConfig.Service == nil || w.ClientConfig.Service.Name != "istiod-"+rev {
			t.Errorf("tag webhook %s calls %+v, want istiod-%s", w.Name, w.ClientConfig.Service, rev)
		}
	}
	svc, err := client.CoreV1().Services("istio-system").Get(ctx, "istiod", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.Selector["istio.io/rev"] != rev {
		t.Errorf("the istiod Service selects %v, want revision %s", svc.Spec.Selector, rev)
	}
}
