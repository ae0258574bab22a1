package certs

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// SameCertificate reports whether a and b are the same certificate, byte
// for byte: a renewed certificate with the same names and dates is not.
func SameCertificate(a, b *x509.Certificate) bool {
	return a != nil && b != nil && bytes.Equal(a.Raw, b.Raw)
}

// SameChain reports whether two chains hold the same certificates in the
// same order, e.g. a bundle and what an endpoint serves after installing it.
func SameChain(a, b []*x509.Certificate) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !SameCertificate(a[i], b[i]) {
			return false
		}
	}
	return true
}

// Fingerprint is the SHA-256 of the certificate's DER bytes in
// colon-separated upper-case hex, as openssl x509 -fingerprint -sha256
// prints it, so that users can compare it with what other tools show.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	var b strings.Builder
	for i, x := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// Summary is what a report shows of a certificate.
type Summary struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	DNSNames    []string  `json:"dnsNames,omitempty"`
	IPAddresses []string  `json:"ipAddresses,omitempty"`
	NotBefore   time.Time `json:"notBefore"`
	NotAfter    time.Time `json:"notAfter"`
	// Serial is the serial number in upper-case hex, as openssl x509
	// -serial prints it.
	Serial string `json:"serial"`
	// Fingerprint is the SHA-256 fingerprint (see Fingerprint).
	Fingerprint string `json:"sha256Fingerprint"`
	// PublicKey is the key's type and size, "ECDSA P-256", "RSA 2048".
	PublicKey string `json:"publicKey"`
	IsCA      bool   `json:"isCA,omitempty"`
}

// Describe summarises a certificate for a report; times are in UTC.
func Describe(c *x509.Certificate) Summary {
	s := Summary{
		Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		DNSNames:  c.DNSNames,
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		Fingerprint: Fingerprint(c),
		PublicKey:   keyType(c.PublicKey),
		IsCA:        c.IsCA,
	}
	for _, ip := range c.IPAddresses {
		s.IPAddresses = append(s.IPAddresses, ip.String())
	}
	if c.SerialNumber != nil {
		s.Serial = fmt.Sprintf("%02X", c.SerialNumber.Bytes()) // magnitude, whole bytes
		if c.SerialNumber.Sign() < 0 {
			s.Serial = "-" + s.Serial
		}
	}
	return s
}
