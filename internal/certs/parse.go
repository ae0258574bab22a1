package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
)

// Bundle is a certificate chain and its private key as they would be
// installed: Chain in the order a server sends it, leaf first.
type Bundle struct {
	// Name says where the bundle came from (a file path, a Secret), for
	// messages.
	Name string
	// Chain is the leaf followed by the certificates that issue it, in
	// the order of the PEM input.
	Chain []*x509.Certificate
	// Key is the leaf's private key: *rsa.PrivateKey, *ecdsa.PrivateKey or
	// ed25519.PrivateKey. It is nil for a bundle built from a chain alone,
	// and Validate then skips the key checks.
	Key crypto.Signer
}

// Leaf returns the first certificate of the chain, the one a server
// presents as its own, or nil for an empty bundle.
func (b *Bundle) Leaf() *x509.Certificate {
	if b == nil || len(b.Chain) == 0 {
		return nil
	}
	return b.Chain[0]
}

// TLSCertificate returns the bundle in the form crypto/tls serves, for a
// local listener or a probe.
func (b *Bundle) TLSCertificate() tls.Certificate {
	c := tls.Certificate{PrivateKey: b.Key, Leaf: b.Leaf()}
	for _, cert := range b.Chain {
		c.Certificate = append(c.Certificate, cert.Raw)
	}
	return c
}

// Parse reads a PEM certificate chain and its PEM private key. name (a file
// path, "Secret namespace/name") starts every error so that the user knows
// which input is wrong.
func Parse(certPEM, keyPEM []byte, name string) (*Bundle, error) {
	chain, err := ParseChain(certPEM, name)
	if err != nil {
		return nil, err
	}
	key, err := ParseKey(keyPEM, name)
	if err != nil {
		return nil, err
	}
	return &Bundle{Name: name, Chain: chain, Key: key}, nil
}

// ParseFiles reads a certificate chain and its private key from their two
// files; errors name the file at fault. A single file holding both is
// refused as the chain (see ParseChain).
func ParseFiles(certFile, keyFile string) (*Bundle, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	chain, err := ParseChain(certPEM, certFile)
	if err != nil {
		return nil, err
	}
	key, err := ParseKey(keyPEM, keyFile)
	if err != nil {
		return nil, err
	}
	return &Bundle{Name: certFile, Chain: chain, Key: key}, nil
}

// ParseChain reads every certificate of a PEM chain, in order. It refuses,
// rather than skips, a PEM block that does not decode (a truncated copy,
// broken base64) and any block that is not a certificate: a private key
// there would be published with the chain, and anything else means the
// wrong file was given. Text between blocks, as openssl writes it, is
// ignored.
func ParseChain(data []byte, name string) ([]*x509.Certificate, error) {
	blocks, err := decodePEM(data, name, "certificate")
	if err != nil {
		return nil, err
	}
	var chain []*x509.Certificate
	for _, b := range blocks {
		switch {
		case b.Type == "CERTIFICATE":
			cert, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: certificate at line %d: %w", name, b.line, err)
			}
			chain = append(chain, cert)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			return nil, fmt.Errorf("%s: PEM block at line %d is a %s; the certificate file must hold certificates only, keep the key in its own file", name, b.line, b.Type)
		default:
			return nil, fmt.Errorf("%s: PEM block at line %d is a %s, not a CERTIFICATE", name, b.line, b.Type)
		}
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%s: holds no PEM certificate", name)
	}
	return chain, nil
}

// ParseKey reads the one unencrypted private key of a PEM file: PKCS #8
// ("PRIVATE KEY"), PKCS #1 ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE
// KEY"), holding an RSA, ECDSA or Ed25519 key. Certificates and EC
// parameters next to the key are ignored. An encrypted key is refused with
// the openssl command that decrypts it: Kubernetes TLS Secrets hold the key
// in the clear and kubehop asks for no passphrase.
func ParseKey(data []byte, name string) (crypto.Signer, error) {
	blocks, err := decodePEM(data, name, "private key")
	if err != nil {
		return nil, err
	}
	var key crypto.Signer
	keyLine := 0
	for _, b := range blocks {
		switch b.Type {
		case "CERTIFICATE", "EC PARAMETERS":
			continue
		case "ENCRYPTED PRIVATE KEY":
			return nil, encryptedKey(name, b)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		default:
			if strings.HasSuffix(b.Type, "PRIVATE KEY") {
				return nil, fmt.Errorf("%s: the %s at line %d is not supported; want PKCS #8 (PRIVATE KEY), PKCS #1 (RSA PRIVATE KEY) or SEC 1 (EC PRIVATE KEY), as openssl pkey writes", name, b.Type, b.line)
			}
			return nil, fmt.Errorf("%s: PEM block at line %d is a %s, not a private key", name, b.line, b.Type)
		}
		if _, ok := b.Headers["DEK-Info"]; ok || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, encryptedKey(name, b)
		}
		if key != nil {
			return nil, fmt.Errorf("%s: holds two private keys (lines %d and %d); want exactly one", name, keyLine, b.line)
		}
		k, err := parsePrivateKey(b)
		if err != nil {
			return nil, fmt.Errorf("%s: private key at line %d: %w", name, b.line, err)
		}
		key, keyLine = k, b.line
	}
	if key == nil {
		return nil, fmt.Errorf("%s: holds no PEM private key", name)
	}
	return key, nil
}

func encryptedKey(name string, b block) error {
	return fmt.Errorf("%s: the private key at line %d is encrypted; decrypt it first (openssl pkey -in <key> -out <decrypted key>)", name, b.line)
}

// parsePrivateKey parses a key block by its label, then by the other
// encodings: files whose label does not match the contents are common
// enough, and the bytes are unambiguous.
func parsePrivateKey(b block) (crypto.Signer, error) {
	parsers := map[string]func([]byte) (any, error){
		"PRIVATE KEY":     x509.ParsePKCS8PrivateKey,
		"RSA PRIVATE KEY": func(der []byte) (any, error) { return x509.ParsePKCS1PrivateKey(der) },
		"EC PRIVATE KEY":  func(der []byte) (any, error) { return x509.ParseECPrivateKey(der) },
	}
	key, firstErr := parsers[b.Type](b.Bytes)
	if firstErr != nil {
		for label, parse := range parsers {
			if label == b.Type {
				continue
			}
			if k, err := parse(b.Bytes); err == nil {
				key, firstErr = k, nil
				break
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("a %T cannot sign for TLS; want an RSA, ECDSA or Ed25519 key", key)
	}
}

// block is a decoded PEM block and the line its BEGIN is on.
type block struct {
	*pem.Block
	line int
}

var (
	pemBegin = []byte("-----BEGIN ")
	utf8BOM  = []byte("\xef\xbb\xbf")
)

// decodePEM decodes every PEM block of data. Unlike a pem.Decode loop it
// fails on a block that does not decode instead of silently moving on to
// the next one: each BEGIN line must start a block that decodes before the
// next BEGIN line.
func decodePEM(data []byte, name, what string) ([]block, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: is empty, want a PEM %s", name, what)
	}
	var starts []int
	for i := 0; i < len(data); {
		j := bytes.Index(data[i:], pemBegin)
		if j < 0 {
			break
		}
		if at := i + j; at == 0 || data[at-1] == '\n' {
			starts = append(starts, at)
		}
		i += j + len(pemBegin)
	}
	if len(starts) == 0 {
		if _, err := x509.ParseCertificate(data); err == nil {
			return nil, fmt.Errorf("%s: holds a DER certificate, want PEM (openssl x509 -inform der converts it)", name)
		}
		if _, err := x509.ParsePKCS8PrivateKey(data); err == nil {
			return nil, fmt.Errorf("%s: holds a DER private key, want PEM (openssl pkey -inform der converts it)", name)
		}
		return nil, fmt.Errorf("%s: is not PEM: no -----BEGIN line, want a PEM %s", name, what)
	}
	var out []block
	for n, start := range starts {
		end := len(data)
		if n+1 < len(starts) {
			end = starts[n+1]
		}
		line := 1 + bytes.Count(data[:start], []byte("\n"))
		b, _ := pem.Decode(data[start:end])
		if b == nil {
			return nil, fmt.Errorf("%s: the %s PEM block at line %d is malformed (truncated, missing its END line or with broken base64)", name, what, line)
		}
		out = append(out, block{Block: b, line: line})
	}
	return out, nil
}
