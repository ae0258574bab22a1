package certs

import (
	"crypto"
	"crypto/x509"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	f := newFixture(t)
	other := newFixture(t) // an unrelated CA, its intermediate and leaf
	withLeaf := func(tmpl *x509.Certificate, key crypto.Signer) func(*testing.T) ([]*issued, crypto.Signer) {
		return func(t *testing.T) ([]*issued, crypto.Signer) {
			return []*issued{issue(t, tmpl, f.Inter, key), f.Inter}, key
		}
	}
	chain := func(certs ...*issued) func(*testing.T) ([]*issued, crypto.Signer) {
		return func(*testing.T) ([]*issued, crypto.Signer) { return certs, f.Leaf.Key }
	}
	dated := func(notBefore, notAfter time.Time) *x509.Certificate {
		tmpl := leafTemplate("app.example.com")
		tmpl.NotBefore, tmpl.NotAfter = notBefore, notAfter
		return tmpl
	}
	tests := []struct {
		name  string
		build func(*testing.T) ([]*issued, crypto.Signer)
		opts  func(*Options)
		want  []string // problem codes, in order
		// wantMessage is part of the joined messages.
		wantMessage string
	}{
		{name: "full chain", build: chain(f.Leaf, f.Inter, f.Root), opts: func(o *Options) { o.MinValidity = 30 * 24 * time.Hour }},
		{name: "chain without its root", build: chain(f.Leaf, f.Inter)},
		{name: "system roots and the bundled root", build: chain(f.Leaf, f.Inter, f.Root), opts: func(o *Options) { o.Roots = nil }},
		{name: "system roots without the root", build: chain(f.Leaf, f.Inter), opts: func(o *Options) { o.Roots = nil },
			want: []string{CodeChainIncomplete}, wantMessage: `issued by "CN=Test Root CA,O=kubehop test", which is neither in the bundle nor a trusted root`},
		{name: "missing intermediate", build: chain(f.Leaf, f.Root),
			want: []string{CodeChainIncomplete}, wantMessage: `issued by "CN=Test Intermediate CA,O=kubehop test", which is missing from the bundle; add it right after this certificate (the next one, Test Root CA, did not issue it)`},
		{name: "leaf alone", build: chain(f.Leaf),
			want: []string{CodeChainIncomplete}, wantMessage: "app.example.com: the chain ends at app.example.com"},
		{name: "self-signed server certificate", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			self := issue(t, leafTemplate("app.example.com"), nil, ecKey(t))
			return []*issued{self}, self.Key
		}, opts: func(o *Options) { o.Roots = nil }},
		{name: "self-signed server certificate with other roots", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			self := issue(t, leafTemplate("app.example.com"), nil, ecKey(t))
			return []*issued{self}, self.Key
		}, want: []string{CodeChainIncomplete}, wantMessage: "the chain ends at the self-signed app.example.com, which is not a trusted root"},
		{name: "repeated root", build: chain(f.Leaf, f.Inter, f.Root, f.Root), opts: func(o *Options) { o.Roots = nil },
			want: []string{CodeChainOrder}, wantMessage: "certificate 4 repeats certificate 3"},
		{name: "root not trusted", build: chain(f.Leaf, f.Inter, f.Root), opts: func(o *Options) { o.Roots = other.Roots() },
			want: []string{CodeChainIncomplete}, wantMessage: "ends at the self-signed Test Root CA, which is not a trusted root"},
		{name: "intermediate before leaf", build: chain(f.Inter, f.Leaf, f.Root),
			want:        []string{CodeChainOrder},
			wantMessage: "the bundle has Test Intermediate CA, app.example.com, Test Root CA, but a server sends its own certificate first and then each issuer in turn: app.example.com, Test Intermediate CA, Test Root CA"},
		{name: "root before intermediate", build: chain(f.Leaf, f.Root, f.Inter),
			want: []string{CodeChainOrder}, wantMessage: "chain-order: Test Root CA:"},
		{name: "repeated intermediate", build: chain(f.Leaf, f.Inter, f.Inter, f.Root),
			want: []string{CodeChainOrder}, wantMessage: "certificate 3 repeats certificate 2"},
		{name: "stray certificate", build: chain(f.Leaf, f.Inter, f.Root, other.Leaf),
			want: []string{CodeChainOrder}, wantMessage: "app.example.com (certificate 4) is not part of the chain of app.example.com (certificate 1); remove it"},
		{name: "intermediate of the same name with another key", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			renewed := issue(t, caTemplate("Test Intermediate CA"), f.Root, ecKey(t))
			return []*issued{f.Leaf, renewed, f.Root}, f.Leaf.Key
		}, want: []string{CodeChainIncomplete}, wantMessage: "did not sign it"},
		{name: "issued by a certificate that is not a CA", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			notCA := issue(t, leafTemplate("server.example.com"), f.Inter, ecKey(t))
			key := ecKey(t)
			return []*issued{issue(t, leafTemplate("app.example.com"), notCA, key), notCA, f.Inter}, key
		}, want: []string{CodeChainIncomplete}, wantMessage: "it names server.example.com as its issuer, but that certificate is not a CA allowed to sign certificates"},
		{name: "key of another certificate", build: func(*testing.T) ([]*issued, crypto.Signer) {
			return []*issued{f.Leaf, f.Inter}, f.Inter.Key
		}, want: []string{CodeKeyMismatch}, wantMessage: "does not match the certificate's public key (ECDSA P-256); it is the key of Test Intermediate CA"},
		{name: "key of another type", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			return []*issued{f.Leaf, f.Inter}, edKey(t)
		}, want: []string{CodeKeyMismatch}, wantMessage: "private key (Ed25519) does not match the certificate's public key (ECDSA P-256)"},
		{name: "expired", build: withLeaf(dated(base.Add(-90*24*time.Hour), base.Add(-time.Hour)), ecKey(t)),
			want: []string{CodeExpired}, wantMessage: "expired on " + base.Add(-time.Hour).UTC().Format(time.RFC3339)},
		{name: "expired relative to Now", build: chain(f.Leaf, f.Inter), opts: func(o *Options) { o.Now = base.Add(2 * 365 * 24 * time.Hour) },
			want: []string{CodeExpired}},
		{name: "not yet valid", build: withLeaf(dated(base.Add(time.Hour), base.Add(90*24*time.Hour)), ecKey(t)),
			want: []string{CodeNotYetValid}, wantMessage: "1h0m0s after now"},
		{name: "expires soon", build: withLeaf(dated(base.Add(-time.Hour), base.Add(10*24*time.Hour)), ecKey(t)),
			opts: func(o *Options) { o.MinValidity = 30 * 24 * time.Hour },
			want: []string{CodeExpiresSoon}, wantMessage: "in 240h0m0s, sooner than the 720h0m0s required"},
		{name: "expired intermediate", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			tmpl := caTemplate("Old Intermediate CA")
			tmpl.NotBefore, tmpl.NotAfter = base.Add(-2*365*24*time.Hour), base.Add(-24*time.Hour)
			inter := issue(t, tmpl, f.Root, ecKey(t))
			key := ecKey(t)
			return []*issued{issue(t, dated(base.Add(-30*24*time.Hour), base.Add(60*24*time.Hour)), inter, key), inter}, key
		}, want: []string{CodeExpired}, wantMessage: "expired: Old Intermediate CA: expired on"},
		{name: "name not covered", build: chain(f.Leaf, f.Inter), opts: func(o *Options) { o.Names = []string{"app.example.com", "other.example.org"} },
			want: []string{CodeNameNotCovered}, wantMessage: "does not cover other.example.org; it covers DNS:app.example.com"},
		{name: "wildcard covers one label", build: withLeaf(leafTemplate("*.apps.example.com"), ecKey(t)),
			opts: func(o *Options) {
				o.Names = []string{"shop.apps.example.com", "API.Apps.Example.com", "*.apps.example.com"}
			}},
		{name: "wildcard does not cover deeper or the bare domain", build: withLeaf(leafTemplate("*.apps.example.com"), ecKey(t)),
			opts: func(o *Options) { o.Names = []string{"a.shop.apps.example.com", "apps.example.com"} },
			want: []string{CodeNameNotCovered, CodeNameNotCovered}},
		{name: "IP SAN", build: withLeaf(leafTemplate("app.example.com", "10.1.2.3", "fd00::7"), ecKey(t)),
			opts: func(o *Options) { o.Names = []string{"10.1.2.3", "fd00::7", "[fd00::7]", "app.example.com"} }},
		{name: "IP not covered", build: withLeaf(leafTemplate("app.example.com", "10.1.2.3"), ecKey(t)),
			opts: func(o *Options) { o.Names = []string{"10.1.2.4"} },
			want: []string{CodeNameNotCovered}, wantMessage: "it covers DNS:app.example.com, IP:10.1.2.3"},
		{name: "no SAN", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			tmpl := leafTemplate("app.example.com")
			tmpl.DNSNames = nil
			key := ecKey(t)
			return []*issued{issue(t, tmpl, f.Inter, key), f.Inter}, key
		}, want: []string{CodeNameNotCovered}, wantMessage: "clients do not match the common name"},
		{name: "RSA 2048", build: withLeaf(leafTemplate("app.example.com"), rsaKey(t, 2048))},
		{name: "RSA 1024", build: withLeaf(leafTemplate("app.example.com"), rsaKey(t, 1024)),
			want: []string{CodeWeakKey}, wantMessage: "RSA key of 1024 bits; want at least 2048"},
		{name: "Ed25519", build: withLeaf(leafTemplate("app.example.com"), edKey(t))},
		{name: "client certificate", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			tmpl := leafTemplate("app.example.com")
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
			key := ecKey(t)
			return []*issued{issue(t, tmpl, f.Inter, key), f.Inter}, key
		}, want: []string{CodeNotServerCert}, wantMessage: "its extended key usage is clientAuth, without serverAuth"},
		{name: "CA limited to client certificates", build: func(t *testing.T) ([]*issued, crypto.Signer) {
			tmpl := caTemplate("Client CA")
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
			inter := issue(t, tmpl, f.Root, ecKey(t))
			leafTmpl := leafTemplate("app.example.com")
			leafTmpl.ExtKeyUsage = nil
			key := ecKey(t)
			return []*issued{issue(t, leafTmpl, inter, key), inter}, key
		}, want: []string{CodeNotServerCert}, wantMessage: "not-a-server-cert: Client CA: this CA's extended key usage is clientAuth"},
		{name: "several problems at once", build: withLeaf(dated(base.Add(-90*24*time.Hour), base.Add(-time.Hour)), rsaKey(t, 1024)),
			opts: func(o *Options) { o.Names = []string{"nope.example.com"} },
			want: []string{CodeNameNotCovered, CodeExpired, CodeWeakKey}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			certs, key := tt.build(t)
			b, err := Parse(certPEM(certs...), keyPEM(t, key), "Secret shop/web-tls")
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{Names: []string{"app.example.com"}, Now: base, Roots: f.Roots()}
			if tt.opts != nil {
				tt.opts(&opts)
			}
			ps := Validate(b, opts)
			var codes []string
			for _, p := range ps {
				codes = append(codes, p.Code)
			}
			if !slices.Equal(codes, tt.want) {
				t.Fatalf("codes = %q, want %q; problems:\n%s", codes, tt.want, ps.Err(b.Name))
			}
			err = ps.Err(b.Name)
			if (err == nil) != (len(tt.want) == 0) {
				t.Fatalf("Err() = %v with %d problems", err, len(ps))
			}
			if tt.wantMessage != "" && !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("problems:\n%s\nwant to contain %q", err, tt.wantMessage)
			}
		})
	}
}

func TestValidateEdgeCases(t *testing.T) {
	f := newFixture(t)
	if ps := Validate(&Bundle{}, Options{}); !ps.Has(CodeChainIncomplete) || len(ps) != 1 {
		t.Errorf("empty bundle: %v", ps)
	}
	// A chain without a key, as read back from an endpoint: no key check.
	b := &Bundle{Name: "served", Chain: []*x509.Certificate{f.Leaf.Cert, f.Inter.Cert}}
	if ps := Validate(b, Options{Names: []string{"app.example.com"}, Roots: f.Roots()}); len(ps) != 0 {
		t.Errorf("chain without key: %v", ps)
	}
	if b.Leaf() != f.Leaf.Cert || (*Bundle)(nil).Leaf() != nil {
		t.Error("Leaf must be the first certificate")
	}
}

func TestValidationError(t *testing.T) {
	if err := Problems(nil).Err("x"); err != nil {
		t.Fatalf("no problems: %v", err)
	}
	ps := Problems{
		{Code: CodeExpired, Certificate: "app.example.com", Message: "expired on 2026-01-01T00:00:00Z"},
		{Code: CodeChainIncomplete, Message: "the bundle holds no certificate"},
	}
	err := ps.Err("new.crt")
	want := "new.crt: 2 problems: expired: app.example.com: expired on 2026-01-01T00:00:00Z; chain-incomplete: the bundle holds no certificate"
	if err.Error() != want {
		t.Errorf("Error() =\n%s\nwant\n%s", err, want)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 || !ve.Problems.Has(CodeExpired) || ve.Problems.Has(CodeWeakKey) {
		t.Errorf("ValidationError = %+v", ve)
	}
	if got := ps[:1].Err("new.crt").Error(); got != "new.crt: expired: app.example.com: expired on 2026-01-01T00:00:00Z" {
		t.Errorf("one problem: %s", got)
	}
}
