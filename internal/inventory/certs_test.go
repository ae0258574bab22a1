package inventory

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestParseCertificate(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	notAfter := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(cn string) []byte {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, DNSNames: []string{cn},
			NotBefore: notAfter.Add(-time.Hour), NotAfter: notAfter}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	chain := append(mk("app.example.com"), mk("intermediate")...)
	c := ParseCertificate("shared", "default-ssl-cert", chain)
	if c.Error != "" || c.ChainLength != 2 || c.Subject != "CN=app.example.com" || !c.NotAfter.Equal(notAfter) || c.DNSNames[0] != "app.example.com" {
		t.Errorf("ParseCertificate = %+v", c)
	}
	if bad := ParseCertificate("a", "b", []byte("not pem")); bad.Error == "" {
		t.Error("garbage must be reported")
	}
}

func TestRecordedVersions(t *testing.T) {
	// Tested through the metadata of an object last applied as
	// extensions/v1beta1 and managed through two versions.
	got := recordedVersions("networking.k8s.io/v1", objectMeta(
		`{"apiVersion":"extensions/v1beta1","kind":"Ingress"}`,
		[][2]string{{"kubectl-client-side-apply", "extensions/v1beta1"}, {"kube-controller-manager", "networking.k8s.io/v1"}, {"helm", "networking.k8s.io/v1beta1"}}))
	want := []RecordedVersion{
		{APIVersion: "extensions/v1beta1", Via: "last-applied-configuration"},
		{APIVersion: "extensions/v1beta1", Via: "managedFields:kubectl-client-side-apply"},
		{APIVersion: "networking.k8s.io/v1beta1", Via: "managedFields:helm"},
	}
	if len(got) != len(want) {
		t.Fatalf("recordedVersions = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("recordedVersions[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func objectMeta(lastApplied string, managers [][2]string) metav1.ObjectMeta {
	m := metav1.ObjectMeta{Annotations: map[string]string{corev1.LastAppliedConfigAnnotation: lastApplied}}
	for _, mf := range managers {
		m.ManagedFields = append(m.ManagedFields, metav1.ManagedFieldsEntry{Manager: mf[0], APIVersion: mf[1]})
	}
	return m
}
