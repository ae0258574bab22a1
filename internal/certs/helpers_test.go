package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// base is the time of every check; certificates are dated around it, and
// around the real now, so that Served verifies them too.
var base = time.Now().Truncate(time.Second)

// issued is a certificate and its key.
type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

var serial atomic.Int64

func ecKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaKey(t *testing.T, bits int) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func edKey(t *testing.T) crypto.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// caTemplate is a CA valid for ten years around base.
func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn, Organization: []string{"kubehop test"}},
		NotBefore: base.Add(-24 * time.Hour), NotAfter: base.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
}

// leafTemplate is a server certificate valid for a year around base, for
// DNS names and IP addresses.
func leafTemplate(names ...string) *x509.Certificate {
	t := &x509.Certificate{
		Subject:   pkix.Name{CommonName: names[0]},
		NotBefore: base.Add(-time.Hour), NotAfter: base.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, n)
		}
	}
	return t
}

// issue signs tmpl for key with parent, or self-signs it when parent is
// nil.
func issue(t *testing.T, tmpl *x509.Certificate, parent *issued, key crypto.Signer) *issued {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(1000 + serial.Add(1))
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{cert: cert, key: key}
}

// fixture is a root CA, an intermediate it issued and a leaf for
// app.example.com the intermediate issued, all ECDSA P-256.
type fixture struct {
	root, inter, leaf *issued
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{}
	f.root = issue(t, caTemplate("Test Root CA"), nil, ecKey(t))
	f.inter = issue(t, caTemplate("Test Intermediate CA"), f.root, ecKey(t))
	f.leaf = issue(t, leafTemplate("app.example.com"), f.inter, ecKey(t))
	return f
}

func (f *fixture) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(f.root.cert)
	return p
}

func certPEM(certs ...*issued) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})...)
	}
	return out
}

func keyPEM(t *testing.T, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
