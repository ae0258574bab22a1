package certs

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// serve starts an HTTPS server that presents the bundle.
func serve(t *testing.T, b *Bundle) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{b.TLSCertificate()}}
	// Served hangs up right after its handshake, and Close may cut a
	// server-side handshake short: not worth a log line.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func TestServed(t *testing.T) {
	f := newFixture(t)
	b, err := Parse(certPEM(f.Leaf, f.Inter), keyPEM(t, f.Leaf.Key), "new.crt")
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	chain, err := Served(ctx, addr, "app.example.com", f.Roots())
	if err != nil {
		t.Fatal(err)
	}
	if !SameChain(chain, b.Chain) || !SameCertificate(chain[0], f.Leaf.Cert) || SameCertificate(chain[0], f.Inter.Cert) {
		t.Errorf("served %d certificates, want exactly the bundle's leaf and intermediate", len(chain))
	}

	// What is served comes back even when it does not verify.
	for name, tt := range map[string]struct {
		serverName string
		roots      *x509.CertPool
		want       string
	}{
		"name not covered": {"other.example.org", f.Roots(), "certificate is valid for app.example.com, not other.example.org"},
		"untrusted root":   {"app.example.com", nil, "x509: certificate signed by unknown authority"},
	} {
		t.Run(name, func(t *testing.T) {
			chain, err := Served(ctx, addr, tt.serverName, tt.roots)
			var untrusted *UntrustedError
			if !errors.As(err, &untrusted) || untrusted.Addr != addr || untrusted.ServerName != tt.serverName || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an *UntrustedError about %q", err, tt.want)
			}
			if !SameChain(chain, b.Chain) {
				t.Errorf("the chain must be returned with the error, got %d certificates", len(chain))
			}
		})
	}
}

func TestServedFailures(t *testing.T) {
	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	if chain, err := Served(context.Background(), closed, "", nil); err == nil || chain != nil || !strings.Contains(err.Error(), closed+" (server name 127.0.0.1)") {
		t.Errorf("closed port: %d certificates, %v", len(chain), err)
	}

	// A server that accepts but never answers the handshake: the
	// context's deadline ends the wait.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Served(ctx, silent.Addr().String(), "app.example.com", nil)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("silent server: %v after %s, want the context deadline", err, time.Since(start))
	}
}

func TestFingerprintAndDescribe(t *testing.T) {
	f := newFixture(t)
	leaf := issue(t, leafTemplate("app.example.com", "www.example.com", "10.1.2.3"), f.Inter, ecKey(t)).Cert
	fp := Fingerprint(leaf)
	if !regexp.MustCompile(`^([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(fp) {
		t.Errorf("Fingerprint = %s, want colon-separated upper-case hex", fp)
	}
	sum := sha256.Sum256(leaf.Raw)
	if strings.ReplaceAll(fp, ":", "") != strings.ToUpper(hex.EncodeToString(sum[:])) {
		t.Errorf("Fingerprint = %s, want SHA-256 of the DER bytes", fp)
	}

	s := Describe(leaf)
	if s.Subject != "CN=app.example.com" || s.Issuer != "CN=Test Intermediate CA,O=kubehop test" ||
		strings.Join(s.DNSNames, ",") != "app.example.com,www.example.com" || strings.Join(s.IPAddresses, ",") != "10.1.2.3" ||
		!s.NotAfter.Equal(leaf.NotAfter) || s.NotAfter.Location() != time.UTC || s.Fingerprint != fp ||
		s.PublicKey != "ECDSA P-256" || s.IsCA || len(s.Serial)%2 != 0 || strings.TrimLeft(s.Serial, "0") != strings.ToUpper(leaf.SerialNumber.Text(16)) {
		t.Errorf("Describe = %+v", s)
	}
	if Describe(f.Root.Cert).IsCA != true {
		t.Error("Describe(root).IsCA = false")
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"subject":`, `"issuer":`, `"dnsNames":`, `"ipAddresses":`, `"notBefore":`, `"notAfter":`, `"serial":`, `"sha256Fingerprint":`, `"publicKey":`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("JSON %s lacks %s", raw, key)
		}
	}

	if !SameCertificate(leaf, leaf) || SameCertificate(leaf, f.Leaf.Cert) || SameCertificate(nil, leaf) {
		t.Error("SameCertificate compares raw bytes")
	}
	// The same template and key signed twice is another certificate.
	key := ecKey(t)
	tmpl := leafTemplate("app.example.com")
	a, b := issue(t, tmpl, f.Inter, key).Cert, issue(t, tmpl, f.Inter, key).Cert
	if SameCertificate(a, b) || SameChain([]*x509.Certificate{a}, []*x509.Certificate{a, f.Inter.Cert}) {
		t.Error("renewed certificates must differ")
	}
}
