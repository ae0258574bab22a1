package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseKeyEncodings(t *testing.T) {
	f := newFixture(t)
	ec := f.Leaf.Key.(*ecdsa.PrivateKey)
	rsaK := rsaKey(t, 2048).(*rsa.PrivateKey)
	ed := edKey(t)
	sec1, err := x509.MarshalECPrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	ecParams := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})
	pkcs1 := x509.MarshalPKCS1PrivateKey(rsaK)
	tests := []struct {
		name string
		pem  []byte
		want crypto.PublicKey
	}{
		{"PKCS #8 ECDSA", keyPEM(t, ec), ec.Public()},
		{"PKCS #8 RSA", keyPEM(t, rsaK), rsaK.Public()},
		{"PKCS #8 Ed25519", keyPEM(t, ed), ed.Public()},
		{"SEC 1 after EC PARAMETERS, as openssl ecparam -genkey writes it",
			append(ecParams, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...), ec.Public()},
		{"PKCS #1", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: pkcs1}), rsaK.Public()},
		{"PKCS #1 labelled PRIVATE KEY", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs1}), rsaK.Public()},
		{"key after its certificate", append(certPEM(f.Leaf), keyPEM(t, ec)...), ec.Public()},
		{"CRLF line ends", bytes.ReplaceAll(keyPEM(t, ec), []byte("\n"), []byte("\r\n")), ec.Public()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParseKey(tt.pem, "tls.Key")
			if err != nil {
				t.Fatal(err)
			}
			if !samePublicKey(key.Public(), tt.want) {
				t.Errorf("ParseKey returned another key: %s", keyType(key.Public()))
			}
		})
	}
}

func TestParseChainTolerates(t *testing.T) {
	f := newFixture(t)
	tests := map[string][]byte{
		"openssl text between blocks": []byte("subject=CN=app.example.com\nissuer=CN=Test Intermediate CA\n" + string(certPEM(f.Leaf)) +
			"\nsubject=CN=Test Intermediate CA\n" + string(certPEM(f.Inter)) + "\n\n"),
		"byte order mark":  append([]byte("\xef\xbb\xbf"), certPEM(f.Leaf, f.Inter)...),
		"CRLF line ends":   bytes.ReplaceAll(certPEM(f.Leaf, f.Inter), []byte("\n"), []byte("\r\n")),
		"no final newline": bytes.TrimRight(certPEM(f.Leaf, f.Inter), "\n"),
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			chain, err := ParseChain(data, "tls.crt")
			if err != nil {
				t.Fatal(err)
			}
			if !SameChain(chain, []*x509.Certificate{f.Leaf.Cert, f.Inter.Cert}) {
				t.Errorf("chain of %d certificates, want leaf and intermediate", len(chain))
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	f := newFixture(t)
	goodCert, goodKey := certPEM(f.Leaf, f.Inter), keyPEM(t, f.Leaf.Key)
	leafLines := bytes.Count(certPEM(f.Leaf), []byte("\n"))
	interPEM := certPEM(f.Inter)
	brokenBase64 := bytes.Replace(interPEM, []byte("\n"), []byte("\n!!"), 2) // inside the second line of base64
	block := func(typ string, headers map[string]string, body []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Headers: headers, Bytes: body})
	}
	badDER := block("CERTIFICATE", nil, []byte{0x30, 0x03, 0x02, 0x01, 0x01})
	tests := []struct {
		name      string
		cert, key []byte
		want      string
	}{
		{"empty certificate", nil, goodKey, "Secret shop/web-tls: is empty, want a PEM certificate"},
		{"not PEM", []byte("hello\n"), goodKey, "Secret shop/web-tls: is not PEM: no -----BEGIN line, want a PEM certificate"},
		{"DER certificate", f.Leaf.Cert.Raw, goodKey, "Secret shop/web-tls: holds a DER certificate, want PEM (openssl x509 -inform der converts it)"},
		{"truncated chain", append(certPEM(f.Leaf), interPEM[:len(interPEM)/2]...), goodKey,
			"Secret shop/web-tls: the certificate PEM block at line " + strconv.Itoa(leafLines+1) + " is malformed"},
		{"broken base64 in the middle", append(append(certPEM(f.Leaf), brokenBase64...), certPEM(f.Root)...), goodKey,
			"the certificate PEM block at line " + strconv.Itoa(leafLines+1) + " is malformed"},
		{"certificate that does not parse", append(certPEM(f.Leaf), badDER...), goodKey,
			"Secret shop/web-tls: certificate at line " + strconv.Itoa(leafLines+1) + ": x509: "},
		{"key in the certificate file", append(certPEM(f.Leaf), goodKey...), goodKey,
			"PEM block at line " + strconv.Itoa(leafLines+1) + " is a PRIVATE KEY; the certificate file must hold certificates only"},
		{"certificate request", block("CERTIFICATE REQUEST", nil, []byte{1}), goodKey,
			"Secret shop/web-tls: PEM block at line 1 is a CERTIFICATE REQUEST, not a CERTIFICATE"},
		{"empty key", goodCert, []byte("\n"), "Secret shop/web-tls: is empty, want a PEM private key"},
		{"no key", goodCert, goodCert, "Secret shop/web-tls: holds no PEM private key"},
		{"encrypted PKCS #8", goodCert, block("ENCRYPTED PRIVATE KEY", nil, []byte{1, 2, 3}),
			"Secret shop/web-tls: the private key at line 1 is encrypted; decrypt it first"},
		{"encrypted PKCS #1", goodCert, block("RSA PRIVATE KEY", map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}, []byte{1, 2, 3}),
			"the private key at line 1 is encrypted"},
		{"OpenSSH key", goodCert, block("OPENSSH PRIVATE KEY", nil, []byte("openssh-key-v1\x00")),
			"Secret shop/web-tls: the OPENSSH PRIVATE KEY at line 1 is not supported; want PKCS #8 (PRIVATE KEY)"},
		{"two keys", goodCert, append(goodKey, keyPEM(t, f.Inter.Key)...), "Secret shop/web-tls: holds two private keys (lines 1 and 6); want exactly one"},
		{"key that does not parse", goodCert, block("EC PRIVATE KEY", nil, []byte{0x30, 0x00}), "Secret shop/web-tls: private key at line 1: x509: "},
		{"truncated key", goodCert, goodKey[:len(goodKey)-20], "Secret shop/web-tls: the private key PEM block at line 1 is malformed"},
		{"public key instead", goodCert, block("PUBLIC KEY", nil, []byte{1}), "PEM block at line 1 is a PUBLIC KEY, not a private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse(tt.cert, tt.key, "Secret shop/web-tls")
			if err == nil {
				t.Fatalf("Parse accepted it: %d certificates", len(b.Chain))
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseFiles(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	crt, key, wrong := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.Key"), filepath.Join(dir, "wrong.Key")
	for path, data := range map[string][]byte{crt: certPEM(f.Leaf, f.Inter), key: keyPEM(t, f.Leaf.Key), wrong: certPEM(f.Root)} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b, err := ParseFiles(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != crt || len(b.Chain) != 2 || !SameCertificate(b.Leaf(), f.Leaf.Cert) || !samePublicKey(b.Key.Public(), f.Leaf.Key.Public()) {
		t.Errorf("ParseFiles = %+v", b)
	}
	if _, err := ParseFiles(crt, wrong); err == nil || !strings.HasPrefix(err.Error(), wrong+": holds no PEM private key") {
		t.Errorf("wrong key file: %v", err)
	}
	if _, err := ParseFiles(key, key); err == nil || !strings.HasPrefix(err.Error(), key+": PEM block at line 1 is a PRIVATE KEY") {
		t.Errorf("key as certificate: %v", err)
	}
	if _, err := ParseFiles(filepath.Join(dir, "missing.crt"), key); err == nil || !strings.Contains(err.Error(), "missing.crt") {
		t.Errorf("missing file: %v", err)
	}
}
