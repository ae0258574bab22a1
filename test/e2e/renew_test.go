package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/certs"
	"github.com/kubehop/kubehop/internal/certs/certstest"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/localcluster"
)

// serveSecret serves, on loopback, the certificate a Secret holds at each
// handshake: an ingress that reloads its Secret.
func serveSecret(t *testing.T, client kubernetes.Interface, ns, name string) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		s, err := client.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		c, err := tls.X509KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey])
		return &c, err
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				_ = c.(*tls.Conn).Handshake()
				c.Close()
			}(conn)
		}
	}()
	return l.Addr().String()
}

// TestCertificateRenewal: a broken chain, a key of another certificate and
// an expired certificate are refused before anything changes (exit 2, the
// Secret as it was, no backup made). A good full chain is put in the
// Secret after a dated backup, the Deployment mounting it restarts, and
// the endpoint serves it; rollback puts the old one back.
func TestCertificateRenewal(t *testing.T) {
	t.Parallel()
	c := startCluster(t, "1.36")
	ctx := testContext(t, 5*time.Minute)
	client := c.Client()
	if _, err := c.AddNodes(ctx, localcluster.NodeSpec{Pool: "web", Count: 1}); err != nil {
		t.Fatal(err)
	}
	createNamespace(ctx, t, client, "web")
	const host = "site.example.test"
	now := time.Now()
	old := certstest.NewFixture(t, now.Add(-300*24*time.Hour), host)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "site-tls", Namespace: "web"}, Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{corev1.TLSCertKey: certstest.CertPEM(old.Leaf, old.Inter, old.Root), corev1.TLSPrivateKeyKey: certstest.KeyPEM(t, old.Leaf.Key)}}
	if _, err := client.CoreV1().Secrets("web").Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	web := deployment("web", "web", "web", 1)
	web.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "site-tls"}}}}
	if _, err := client.AppsV1().Deployments("web").Create(ctx, web, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitDeploymentReady(ctx, t, client, "web", "web")
	addr := serveSecret(t, client, "web", "site-tls")

	dir := t.TempDir()
	ns, err := client.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(dir, "kubehop.yaml")
	writeFile(t, profile, fmt.Sprintf(`apiVersion: kubehop.dev/v1alpha1
kind: Profile
cluster: {name: renew-e2e, uid: %s}
provider: local
target: "1.36"
pools: [{name: web, strategy: surge}]
certificates:
  - name: site
    secrets: [web/site-tls]
    names: [%s]
    endpoint: {address: %q, serverName: %s}
    minValidity: 720h
licenses:
  - name: platform
    secrets: [web/license]
    keys: [public.pem, license.key]
    restart: [web/Deployment/web]
`, ns.UID, host, addr, host))
	if _, err := client.CoreV1().Secrets("web").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "license", Namespace: "web"},
		Data: map[string][]byte{"public.pem": []byte("old public"), "license.key": []byte("old licence")}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	fresh := certstest.NewFixture(t, now, host)
	other := certstest.NewFixture(t, now, host)
	expired := certstest.Issue(t, certstest.Leaf(now.Add(-400*24*time.Hour), host), fresh.Inter, certstest.ECKey(t))
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	freshKey := write("fresh.key", certstest.KeyPEM(t, fresh.Leaf.Key))
	for name, tc := range map[string]struct{ cert, key, want string }{
		"broken chain": {write("nointer.crt", certstest.CertPEM(fresh.Leaf, fresh.Root)), freshKey, "chain-incomplete"},
		"wrong key":    {write("full.crt", certstest.CertPEM(fresh.Leaf, fresh.Inter, fresh.Root)), write("other.key", certstest.KeyPEM(t, other.Leaf.Key)), "key-mismatch"},
		"expired":      {write("expired.crt", certstest.CertPEM(expired, fresh.Inter, fresh.Root)), write("expired.key", certstest.KeyPEM(t, expired.Key)), "expired"},
	} {
		code, out, errOut := kubehop(ctx, "cert", "renew", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--cert", tc.cert, "--key", tc.key, "--yes")
		if code != exitcode.BadInput || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "nothing was changed") {
			t.Errorf("%s: exit %d, want %d with %q:\n%s%s", name, code, exitcode.BadInput, tc.want, out, errOut)
		}
	}
	got, err := client.CoreV1().Secrets("web").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 2 {
		t.Fatalf("a refused renewal changed the Secrets: %d of them", len(got.Items))
	}
	if s, _ := client.CoreV1().Secrets("web").Get(ctx, "site-tls", metav1.GetOptions{}); !bytes.Equal(s.Data[corev1.TLSCertKey], secret.Data[corev1.TLSCertKey]) {
		t.Fatal("a refused renewal changed the certificate")
	}

	code, out, errOut := kubehop(ctx, "cert", "renew", "--kubeconfig", c.Kubeconfig(), "-p", profile,
		"--cert", filepath.Join(dir, "full.crt"), "--key", freshKey, "--yes")
	if code != 0 {
		t.Fatalf("renew: exit %d\n%s%s", code, out, errOut)
	}
	servedLeaf := func() string {
		chain, _ := certs.Served(ctx, addr, host, nil)
		if len(chain) == 0 {
			return ""
		}
		return certs.Fingerprint(chain[0])
	}
	if servedLeaf() != certs.Fingerprint(fresh.Leaf.Cert) {
		t.Errorf("the endpoint does not serve the new certificate")
	}
	d, err := client.AppsV1().Deployments("web").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
		t.Error("the Deployment mounting the Secret was not restarted")
	}
	backups, err := client.CoreV1().Secrets("web").List(ctx, metav1.ListOptions{LabelSelector: "kubehop.dev/backup-of=site-tls"})
	if err != nil || len(backups.Items) != 1 || !bytes.Equal(backups.Items[0].Data[corev1.TLSCertKey], secret.Data[corev1.TLSCertKey]) {
		t.Fatalf("backup of the old certificate: %v, %d", err, len(backups.Items))
	}

	code, out, errOut = kubehop(ctx, "cert", "rollback", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--yes")
	if code != 0 {
		t.Fatalf("rollback: exit %d\n%s%s", code, out, errOut)
	}
	if servedLeaf() != certs.Fingerprint(old.Leaf.Cert) {
		t.Errorf("after rollback the endpoint does not serve the old certificate")
	}

	// A licence: both keys' files are required; then the Secret is
	// updated and rolled back.
	pub := write("public.pem", []byte("new public"))
	lic := write("license.key", []byte("new licence"))
	code, out, errOut = kubehop(ctx, "license", "renew", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--file", "public.pem="+pub, "--yes")
	if code != exitcode.BadInput || !strings.Contains(errOut, "no --file for key license.key") {
		t.Errorf("licence renewal with a key missing: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = kubehop(ctx, "license", "renew", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--file", "public.pem="+pub, "--file", "license.key="+lic, "--yes")
	if code != 0 {
		t.Fatalf("licence renewal: exit %d\n%s%s", code, out, errOut)
	}
	if s, _ := client.CoreV1().Secrets("web").Get(ctx, "license", metav1.GetOptions{}); string(s.Data["license.key"]) != "new licence" {
		t.Errorf("licence after renewal: %q", s.Data["license.key"])
	}
	code, out, errOut = kubehop(ctx, "license", "rollback", "--kubeconfig", c.Kubeconfig(), "-p", profile, "--yes")
	if code != 0 {
		t.Fatalf("licence rollback: exit %d\n%s%s", code, out, errOut)
	}
	if s, _ := client.CoreV1().Secrets("web").Get(ctx, "license", metav1.GetOptions{}); string(s.Data["license.key"]) != "old licence" {
		t.Errorf("licence after rollback: %q", s.Data["license.key"])
	}
}
