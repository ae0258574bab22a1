package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/localcluster"
)

// runCheck runs `kubehop check` and decodes its JSON report.
func runCheck(ctx context.Context, t *testing.T, args ...string) (*check.Report, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubehopBin, append([]string{"check", "-o", "json"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("kubehop check: %v", err)
	}
	var r check.Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("kubehop check %v (exit %d): output is not a JSON report: %v\nstdout:\n%s\nstderr:\n%s", args, code, err, stdout.String(), stderr.String())
	}
	return &r, code
}

// has reports whether r holds a finding of check about an object that
// contains object.
func has(r *check.Report, checkID, object string) *check.Finding {
	for i, f := range r.Findings {
		if f.Check == checkID && strings.Contains(f.Object, object) {
			return &r.Findings[i]
		}
	}
	return nil
}

func TestCheckReportsSeededProblems(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	client := shared.Client()
	ns := "e2e-check"
	createNamespace(ctx, t, client, ns)

	// A naked pod, a node on Docker Engine, a kubelet too old for 1.37.
	if _, err := client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "naked"},
		Spec:       corev1.PodSpec{NodeSelector: map[string]string{localcluster.PoolLabel: "vantiq"}, Containers: []corev1.Container{{Name: "c", Image: "busybox:1.36"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	docker, err := shared.AddNodes(ctx, localcluster.NodeSpec{Pool: "dockerpool", Count: 1, Runtime: localcluster.RuntimeDocker})
	if err != nil {
		t.Fatal(err)
	}
	skewed, err := shared.AddNodes(ctx, localcluster.NodeSpec{Pool: "oldpool", Count: 1, KubeletVersion: "v1.33.5"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shared.RemoveNodes(context.Background(), append(docker, skewed...)...) })

	// A Helm release whose manifest still uses policy/v1beta1, stored the
	// way Helm stores it.
	rel := &release.Release{
		Name: "legacy", Namespace: ns, Version: 3,
		Info:  &release.Info{Status: release.StatusDeployed},
		Chart: &chart.Chart{Metadata: &chart.Metadata{Name: "legacy", Version: "0.4.2", AppVersion: "2.1"}},
		Manifest: "---\n# Source: legacy/templates/pdb.yaml\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: legacy\nspec:\n  minAvailable: 1\n" +
			"---\n# Source: legacy/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n",
	}
	if err := driver.NewSecrets(client.CoreV1().Secrets(ns)).Create("sh.helm.release.v1.legacy.v3", rel); err != nil {
		t.Fatalf("store Helm release: %v", err)
	}

	// A certificate that expires during the window, and one soon after.
	for name, validFor := range map[string]time.Duration{"expiring": 6 * time.Hour, "soon": 10 * 24 * time.Hour} {
		if _, err := client.CoreV1().Secrets(ns).Create(ctx, tlsSecret(t, name, validFor), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// A live Ingress last applied as extensions/v1beta1 by an old kubectl.
	pathType := networkingv1.PathTypePrefix
	if _, err := client.NetworkingV1().Ingresses(ns).Create(ctx, &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "site", Annotations: map[string]string{
			corev1.LastAppliedConfigAnnotation: `{"apiVersion":"extensions/v1beta1","kind":"Ingress","metadata":{"name":"site","namespace":"e2e-check"}}`,
		}},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &pathType, Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}},
		}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	r, code := runCheck(ctx, t, "--kubeconfig", shared.Kubeconfig(), "--target", "1.37")
	if code != exitcode.Blockers {
		t.Errorf("exit code %d, want %d (blockers)", code, exitcode.Blockers)
	}
	wants := []struct{ check, object, hop string }{
		{"KH-DRAIN-001", "shared/telegraf-prom", ""},
		{"KH-DRAIN-002", "pod " + ns + "/naked", ""},
		{"KH-RUNTIME-001", "node " + docker[0], check.Baseline},
		{"KH-VER-002", "node " + skewed[0], "1.36→1.37"},
		{"KH-API-001", "PodDisruptionBudget legacy", check.Baseline},
		{"KH-API-001", "Ingress " + ns + "/site", check.Baseline},
		{"KH-CERT-001", "Secret " + ns + "/expiring", check.Baseline},
		{"KH-CERT-001", "Secret " + ns + "/soon", check.Baseline},
		{"KH-ADDON-001", "kube-system/kube-proxy", "1.36→1.37"},
	}
	for _, want := range wants {
		f := has(r, want.check, want.object)
		if f == nil {
			t.Errorf("no %s finding about %q", want.check, want.object)
			continue
		}
		if f.Hop != want.hop {
			t.Errorf("%s %s: hop %q, want %q", want.check, want.object, f.Hop, want.hop)
		}
	}
	if f := has(r, "KH-API-001", "PodDisruptionBudget legacy"); f != nil {
		if f.Location == nil || f.Location.HelmRelease != ns+"/legacy" || f.Location.File != "legacy/templates/pdb.yaml" {
			t.Errorf("Helm finding should name the release and template: %+v", f.Location)
		}
	}
	if f := has(r, "KH-CERT-001", ns+"/expiring"); f != nil && f.Severity != check.Blocker {
		t.Errorf("certificate expiring during the window: %s, want blocker", f.Severity)
	}
	if f := has(r, "KH-CERT-001", ns+"/soon"); f != nil && f.Severity != check.Warning {
		t.Errorf("certificate expiring after the window: %s, want warning", f.Severity)
	}

	// The same findings offline, from a snapshot.
	snap := filepath.Join(t.TempDir(), "snap.json")
	out, err := exec.CommandContext(ctx, kubehopBin, "snapshot", "--kubeconfig", shared.Kubeconfig(), "-o", snap).CombinedOutput()
	if err != nil {
		t.Fatalf("kubehop snapshot: %v\n%s", err, out)
	}
	offline, code := runCheck(ctx, t, "--snapshot", snap, "--target", "1.37")
	if code != exitcode.Blockers {
		t.Errorf("offline exit code %d, want %d", code, exitcode.Blockers)
	}
	for _, want := range wants {
		if has(offline, want.check, want.object) == nil {
			t.Errorf("offline check lacks %s %s", want.check, want.object)
		}
	}
}

func TestCheckCleanClusterIsClean(t *testing.T) {
	t.Parallel()
	c := startCluster(t, localcluster.PinnedVersions().Minors()[0])
	ctx := testContext(t, 5*time.Minute)
	client := c.Client()
	if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: "workers", Count: 2}); err != nil {
		t.Fatal(err)
	}
	createNamespace(ctx, t, client, "app")
	if _, err := client.AppsV1().Deployments("app").Create(ctx, deployment("app", "web", "workers", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	one := intstr.FromInt32(1)
	if _, err := client.PolicyV1().PodDisruptionBudgets("app").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDeploymentReady(ctx, t, client, "app", "web")
	waitPDB(ctx, t, client, "app", "web", 1)

	r, code := runCheck(ctx, t, "--kubeconfig", c.Kubeconfig(), "--target", "1.37")
	if code != exitcode.OK || len(r.Findings) != 0 {
		t.Errorf("clean cluster: exit code %d, findings %+v", code, r.Findings)
	}
	if len(r.Hops) != 1 || r.Hops[0] != "1.36→1.37" {
		t.Errorf("hops %v, want [1.36→1.37]", r.Hops)
	}
}

// tlsSecret returns a kubernetes.io/tls Secret whose certificate is valid
// for validFor from now.
func tlsSecret(t *testing.T, name string, validFor time.Duration) *corev1.Secret {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: name + ".example.com"}, DNSNames: []string{name + ".example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(validFor)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Type:       corev1.SecretTypeTLS,
		Data: map[string][]byte{
			corev1.TLSCertKey:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			corev1.TLSPrivateKeyKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		},
	}
}
