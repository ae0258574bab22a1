package certs

import (
	"crypto"
	"crypto/x509"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/certs/certstest"
)

// base is the time of every check; certificates are dated around it, and
// around the real now, so that Served verifies them too.
var base = time.Now().Truncate(time.Second)

type (
	issued  = certstest.Issued
	fixture = certstest.Fixture
)

func ecKey(t *testing.T) crypto.Signer               { return certstest.ECKey(t) }
func rsaKey(t *testing.T, bits int) crypto.Signer    { return certstest.RSAKey(t, bits) }
func edKey(t *testing.T) crypto.Signer               { return certstest.EdKey(t) }
func caTemplate(cn string) *x509.Certificate         { return certstest.CA(cn, base) }
func leafTemplate(names ...string) *x509.Certificate { return certstest.Leaf(base, names...) }
func newFixture(t *testing.T) *fixture               { return certstest.NewFixture(t, base) }
func certPEM(certs ...*issued) []byte                { return certstest.CertPEM(certs...) }
func keyPEM(t *testing.T, key crypto.Signer) []byte  { return certstest.KeyPEM(t, key) }

func issue(t *testing.T, tmpl *x509.Certificate, parent *issued, key crypto.Signer) *issued {
	return certstest.Issue(t, tmpl, parent, key)
}
