// Package certstest issues certificates for tests: CAs, intermediates and
// server certificates, with the keys and PEM the renewals read.
package certstest

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

// Issued is a certificate and its key.
type Issued struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

var serial atomic.Int64

// ECKey is a new ECDSA P-256 key.
func ECKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// RSAKey is a new RSA key of bits.
func RSAKey(t testing.TB, bits int) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// EdKey is a new Ed25519 key.
func EdKey(t testing.TB) crypto.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// CA is a CA certificate template valid for ten years around at.
func CA(cn string, at time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn, Organization: []string{"kubehop test"}},
		NotBefore: at.Add(-24 * time.Hour), NotAfter: at.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	}
}

// Leaf is a server certificate template valid for a year around at, for
// DNS names and IP addresses.
func Leaf(at time.Time, names ...string) *x509.Certificate {
	c := &x509.Certificate{
		Subject:   pkix.Name{CommonName: names[0]},
		NotBefore: at.Add(-time.Hour), NotAfter: at.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			c.IPAddresses = append(c.IPAddresses, ip)
		} else {
			c.DNSNames = append(c.DNSNames, n)
		}
	}
	return c
}

// Issue signs tmpl for key with parent, or self-signs it when parent is
// nil.
func Issue(t testing.TB, tmpl *x509.Certificate, parent *Issued, key crypto.Signer) *Issued {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(1000 + serial.Add(1))
	parentCert, parentKey := tmpl, key
	if parent != nil {
		parentCert, parentKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Issued{Cert: cert, Key: key}
}

// Fixture is a root CA, an intermediate it issued and a server
// certificate for names the intermediate issued, all ECDSA P-256, dated
// around at.
type Fixture struct {
	Root, Inter, Leaf *Issued
}

// NewFixture issues a Fixture.
func NewFixture(t testing.TB, at time.Time, names ...string) *Fixture {
	t.Helper()
	if len(names) == 0 {
		names = []string{"app.example.com"}
	}
	f := &Fixture{}
	f.Root = Issue(t, CA("Test Root CA", at), nil, ECKey(t))
	f.Inter = Issue(t, CA("Test Intermediate CA", at), f.Root, ECKey(t))
	f.Leaf = Issue(t, Leaf(at, names...), f.Inter, ECKey(t))
	return f
}

// Roots is a pool of the fixture's root.
func (f *Fixture) Roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(f.Root.Cert)
	return p
}

// CertPEM writes certificates as PEM, in order.
func CertPEM(certs ...*Issued) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})...)
	}
	return out
}

// KeyPEM writes a private key as PKCS #8 PEM.
func KeyPEM(t testing.TB, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
