package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Problem codes, stable for scripts and reports.
const (
	// CodeChainOrder: the leaf is not first, a certificate is not followed
	// by its issuer, or a certificate is repeated or not part of the chain.
	CodeChainOrder = "chain-order"
	// CodeChainIncomplete: no path from the leaf to a trusted root, usually
	// a missing intermediate.
	CodeChainIncomplete = "chain-incomplete"
	// CodeKeyMismatch: the private key is not the leaf's.
	CodeKeyMismatch = "key-mismatch"
	// CodeNameNotCovered: a name the endpoint answers to is not among the
	// leaf's subject alternative names.
	CodeNameNotCovered = "name-not-covered"
	// CodeExpired: a certificate's NotAfter has passed.
	CodeExpired = "expired"
	// CodeNotYetValid: a certificate's NotBefore is still to come.
	CodeNotYetValid = "not-yet-valid"
	// CodeExpiresSoon: a certificate expires within Options.MinValidity.
	CodeExpiresSoon = "expires-soon"
	// CodeNotServerCert: an extended key usage without serverAuth, on the
	// leaf or on a CA above it, so clients refuse it for a server.
	CodeNotServerCert = "not-a-server-cert"
	// CodeWeakKey: an RSA key under 2048 bits, an ECDSA P-224 key or a DSA
	// key.
	CodeWeakKey = "weak-key"
)

// minRSABits is the smallest RSA key accepted; CAs have not issued smaller
// ones since 2013 and current clients refuse them.
const minRSABits = 2048

// Options says what a certificate must satisfy.
type Options struct {
	// Names are the DNS names or IP addresses the leaf must cover, each
	// checked as x509.Certificate.VerifyHostname does: a wildcard in the
	// certificate covers one label, the common name is ignored, and a
	// wildcard given here is covered only by the same wildcard. Empty
	// checks no name.
	Names []string
	// Now is the time of the check; zero means time.Now().
	Now time.Time
	// MinValidity refuses a certificate that expires sooner than this
	// after Now; zero accepts any certificate that has not expired.
	MinValidity time.Duration
	// Roots are the trusted roots. Nil trusts the system roots and any
	// self-signed certificate in the bundle, so that a chain ending at a
	// public CA or at a private root shipped with it passes; set it to
	// demand a specific CA.
	Roots *x509.CertPool
}

// Problem is one reason not to install a bundle.
type Problem struct {
	Code string `json:"code"`
	// Certificate names the certificate at fault by its common name,
	// or "certificate N" (N counting from 1 in the bundle) without one.
	Certificate string `json:"certificate,omitempty"`
	Message     string `json:"message"`
}

func (p Problem) String() string {
	if p.Certificate == "" {
		return p.Code + ": " + p.Message
	}
	return p.Code + ": " + p.Certificate + ": " + p.Message
}

// Problems are the findings of Validate, in a stable order: chain (order,
// then path to a root), key, names, usage, dates, key strength.
type Problems []Problem

// Has reports whether a problem with the code was found.
func (ps Problems) Has(code string) bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Code == code })
}

// Err is nil without problems, else a *ValidationError holding them all,
// for callers that refuse a bundle on any problem. name says which bundle.
func (ps Problems) Err(name string) error {
	if len(ps) == 0 {
		return nil
	}
	return &ValidationError{Name: name, Problems: ps}
}

// ValidationError is a bundle refused for its problems.
type ValidationError struct {
	Name     string
	Problems Problems
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString(e.Name)
	if len(e.Problems) == 1 {
		b.WriteString(": ")
	} else {
		fmt.Fprintf(&b, ": %d problems: ", len(e.Problems))
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Validate checks a bundle before it is installed and returns every
// problem found; none means it is safe to install for opts.Names.
//
// The order of the chain is checked against what its signatures say, and
// when it is wrong the leaf checks (key, names, usage) apply to the
// certificate that would be the leaf once reordered, so that one misplaced
// certificate is reported once, as chain-order, rather than as a key and
// name mismatch too. Chain building uses x509 verification at a time when
// every certificate is valid where one exists, so that an expired
// certificate is reported as expired, not also as a broken chain.
func Validate(b *Bundle, opts Options) Problems {
	if b == nil || len(b.Chain) == 0 {
		return Problems{{Code: CodeChainIncomplete, Message: "the bundle holds no certificate"}}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	c := analyse(b.Chain)
	leaf, leafLabel := b.Chain[c.path[0]], c.labels[c.path[0]]
	eku := extKeyUsage(leaf)
	ps := append(c.problems, c.verify(opts.Roots, now, eku == "")...)
	if b.Key != nil {
		ps = append(ps, c.checkKey(b.Key)...)
	}
	ps = append(ps, checkNames(leaf, leafLabel, opts.Names)...)
	if eku != "" {
		ps = append(ps, Problem{Code: CodeNotServerCert, Certificate: leafLabel,
			Message: fmt.Sprintf("its extended key usage is %s, without serverAuth; TLS clients refuse it as a server certificate", eku)})
	}
	for _, i := range c.uniq {
		ps = append(ps, checkDates(b.Chain[i], c.labels[i], now, opts.MinValidity)...)
	}
	for _, i := range c.uniq {
		if msg := weakKey(b.Chain[i]); msg != "" {
			ps = append(ps, Problem{Code: CodeWeakKey, Certificate: c.labels[i], Message: msg})
		}
	}
	return ps
}

// chain is a bundle's certificates and what their signatures say of them.
type chain struct {
	certs  []*x509.Certificate
	labels []string
	// uniq are the indexes of the certificates, repeats left out.
	uniq []int
	// issuer[i] is the index of the certificate in the bundle whose key
	// signed certs[i], or -1.
	issuer []int
	// path runs from the leaf through each issuer found in the bundle.
	path []int
	// gap is set when the bundle misses a certificate in the middle, which
	// is reported as chain-incomplete already.
	gap      bool
	problems Problems
}

func analyse(certs []*x509.Certificate) *chain {
	c := &chain{certs: certs, labels: labels(certs), issuer: make([]int, len(certs))}
	for i, cert := range certs {
		if j := slices.IndexFunc(certs[:i], func(o *x509.Certificate) bool { return SameCertificate(o, cert) }); j >= 0 {
			c.problems = append(c.problems, Problem{Code: CodeChainOrder, Certificate: c.labels[i],
				Message: fmt.Sprintf("certificate %d repeats certificate %d; list each certificate once", i+1, j+1)})
			continue
		}
		c.uniq = append(c.uniq, i)
	}
	issues := map[int]bool{}
	for k, i := range c.uniq {
		c.issuer[i] = -1
		// Prefer the next certificate, so that a correct order is
		// confirmed even when two certificates share a key (a cross-signed
		// root next to the self-signed one).
		candidates := append(slices.Clone(c.uniq[k+1:]), c.uniq[:k]...)
		for _, j := range candidates {
			if certs[i].CheckSignatureFrom(certs[j]) == nil {
				c.issuer[i] = j
				issues[j] = true
				break
			}
		}
	}
	// The leaf is the first certificate that issues none of the others:
	// normally the first one.
	leaf := c.uniq[0]
	if issues[leaf] {
		for _, i := range c.uniq {
			if !issues[i] {
				leaf = i
				break
			}
		}
	}
	c.path = []int{leaf}
	for cur := c.issuer[leaf]; cur >= 0 && !slices.Contains(c.path, cur); cur = c.issuer[cur] {
		c.path = append(c.path, cur)
	}
	var extras []int
	for _, i := range c.uniq {
		if !slices.Contains(c.path, i) {
			extras = append(extras, i)
		}
	}
	top := c.path[len(c.path)-1]
	if len(extras) > 0 && c.issuer[top] < 0 && !selfSigned(certs[top]) {
		// The chain stops short of certificates that are meant to follow:
		// the usual missing intermediate, rather than stray certificates.
		c.gap = true
		c.problems = append(c.problems, Problem{Code: CodeChainIncomplete, Certificate: c.labels[top], Message: c.missingIssuer(top)})
		extras = nil
	}
	if !slices.Equal(c.uniq[:len(c.path)], c.path) {
		k := 0
		for c.uniq[k] == c.path[k] {
			k++
		}
		c.problems = append(c.problems, Problem{Code: CodeChainOrder, Certificate: c.labels[c.uniq[k]],
			Message: fmt.Sprintf("the certificates are out of order: the bundle has %s, but a server sends its own certificate first and then each issuer in turn: %s",
				c.list(c.uniq), c.list(c.path))})
	}
	if len(extras) > 0 {
		verb := "is"
		if len(extras) > 1 {
			verb = "are"
		}
		c.problems = append(c.problems, Problem{Code: CodeChainOrder, Certificate: c.labels[extras[0]],
			Message: fmt.Sprintf("%s %s not part of the chain of %s; remove it", c.list(extras), verb, c.labels[leaf])})
	}
	return c
}

// missingIssuer explains why the chain stops at certs[i] although other
// certificates of the bundle are not on it.
func (c *chain) missingIssuer(i int) string {
	cert := c.certs[i]
	for _, j := range c.uniq {
		if j == i || !bytes.Equal(c.certs[j].RawSubject, cert.RawIssuer) {
			continue
		}
		err := cert.CheckSignatureFrom(c.certs[j])
		if errors.As(err, new(x509.ConstraintViolationError)) {
			return fmt.Sprintf("it names %s as its issuer, but that certificate is not a CA allowed to sign certificates (%v)", c.labels[j], err)
		}
		return fmt.Sprintf("it names %s as its issuer, but that certificate in the bundle did not sign it (%v): it is another certificate of that CA, perhaps from before a key change; the bundle needs the one that issued this certificate",
			c.labels[j], err)
	}
	msg := fmt.Sprintf("it was issued by %q, which is missing from the bundle; add it right after this certificate", cert.Issuer.String())
	if k := slices.Index(c.uniq, i); k+1 < len(c.uniq) {
		msg += fmt.Sprintf(" (the next one, %s, did not issue it)", c.labels[c.uniq[k+1]])
	}
	return msg
}

// checkKey compares the private key with the leaf's public key.
func (c *chain) checkKey(key crypto.Signer) Problems {
	leaf := c.certs[c.path[0]]
	pub := key.Public()
	if samePublicKey(pub, leaf.PublicKey) {
		return nil
	}
	msg := fmt.Sprintf("the private key (%s) does not match the certificate's public key (%s)", keyType(pub), keyType(leaf.PublicKey))
	for _, i := range c.uniq {
		if samePublicKey(pub, c.certs[i].PublicKey) {
			msg += fmt.Sprintf("; it is the key of %s", c.labels[i])
			break
		}
	}
	return Problems{{Code: CodeKeyMismatch, Certificate: c.labels[c.path[0]], Message: msg}}
}

// verify builds a path from the leaf to a trusted root.
func (c *chain) verify(roots *x509.CertPool, now time.Time, leafUsageOK bool) Problems {
	leafIndex := c.path[0]
	leaf := c.certs[leafIndex]
	if roots == nil {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		for _, i := range c.uniq {
			if selfSigned(c.certs[i]) {
				pool.AddCert(c.certs[i])
			}
		}
		roots = pool
	}
	intermediates := x509.NewCertPool()
	for _, i := range c.uniq {
		if i != leafIndex {
			intermediates.AddCert(c.certs[i])
		}
	}
	opts := x509.VerifyOptions{
		Roots: roots, Intermediates: intermediates,
		CurrentTime: c.verifyTime(now),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	chains, err := leaf.Verify(opts)
	if err != nil {
		var unknown x509.UnknownAuthorityError
		isUnknown := errors.As(err, &unknown)
		if isUnknown && c.gap {
			return nil
		}
		top := c.path[len(c.path)-1]
		var msg string
		switch {
		case !isUnknown:
			msg = fmt.Sprintf("no valid path to a trusted root: %v", err)
		case selfSigned(c.certs[top]):
			msg = fmt.Sprintf("the chain ends at the self-signed %s, which is not a trusted root", c.labels[top])
		default:
			msg = fmt.Sprintf("the chain ends at %s, issued by %q, which is neither in the bundle nor a trusted root: add that issuer to the bundle, or trust its root", c.labels[top], c.certs[top].Issuer.String())
		}
		if isUnknown && strings.Contains(err.Error(), "possibly because") {
			msg += fmt.Sprintf(" (%v)", err)
		}
		return Problems{{Code: CodeChainIncomplete, Certificate: c.labels[top], Message: msg}}
	}
	if !leafUsageOK {
		return nil
	}
	opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	if _, err := leaf.Verify(opts); err == nil {
		return nil
	}
	// A CA's extended key usage constrains what it may issue for.
	for _, cert := range chains[0][1:] {
		if eku := extKeyUsage(cert); eku != "" {
			return Problems{{Code: CodeNotServerCert, Certificate: label(cert, -1),
				Message: fmt.Sprintf("this CA's extended key usage is %s, without serverAuth, so clients refuse the server certificates it issues", eku)}}
		}
	}
	return Problems{{Code: CodeNotServerCert, Certificate: c.labels[leafIndex], Message: "no chain to a trusted root allows server authentication"}}
}

// verifyTime is now, moved into the interval where every certificate of the
// bundle is valid if now is outside it and the interval is not empty.
func (c *chain) verifyTime(now time.Time) time.Time {
	from, until := c.certs[c.uniq[0]].NotBefore, c.certs[c.uniq[0]].NotAfter
	for _, i := range c.uniq[1:] {
		if nb := c.certs[i].NotBefore; nb.After(from) {
			from = nb
		}
		if na := c.certs[i].NotAfter; na.Before(until) {
			until = na
		}
	}
	switch {
	case from.After(until):
		return now
	case now.Before(from):
		return from
	case now.After(until):
		return until
	}
	return now
}

func (c *chain) list(indexes []int) string {
	names := make([]string, len(indexes))
	for k, i := range indexes {
		names[k] = c.labels[i]
	}
	return strings.Join(names, ", ")
}

// checkNames checks each name as a client connecting to it would.
func checkNames(leaf *x509.Certificate, lbl string, names []string) Problems {
	var ps Problems
	for _, name := range names {
		if leaf.VerifyHostname(name) == nil {
			continue
		}
		var covered []string
		for _, n := range leaf.DNSNames {
			covered = append(covered, "DNS:"+n)
		}
		for _, ip := range leaf.IPAddresses {
			covered = append(covered, "IP:"+ip.String())
		}
		msg := fmt.Sprintf("does not cover %s; it covers %s", name, strings.Join(covered, ", "))
		if len(covered) == 0 {
			msg = fmt.Sprintf("does not cover %s; it has no subject alternative names, and clients do not match the common name", name)
		}
		ps = append(ps, Problem{Code: CodeNameNotCovered, Certificate: lbl, Message: msg})
	}
	return ps
}

// checkDates compares a certificate's validity with now, as clients do:
// valid from NotBefore through NotAfter, both included.
func checkDates(cert *x509.Certificate, lbl string, now time.Time, minValidity time.Duration) Problems {
	switch {
	case now.Before(cert.NotBefore):
		return Problems{{Code: CodeNotYetValid, Certificate: lbl,
			Message: fmt.Sprintf("valid only from %s, %s after now", stamp(cert.NotBefore), cert.NotBefore.Sub(now).Round(time.Second))}}
	case now.After(cert.NotAfter):
		return Problems{{Code: CodeExpired, Certificate: lbl, Message: fmt.Sprintf("expired on %s", stamp(cert.NotAfter))}}
	case minValidity > 0 && cert.NotAfter.Before(now.Add(minValidity)):
		return Problems{{Code: CodeExpiresSoon, Certificate: lbl,
			Message: fmt.Sprintf("expires on %s, in %s, sooner than the %s required", stamp(cert.NotAfter), cert.NotAfter.Sub(now).Round(time.Second), minValidity)}}
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// extKeyUsage lists a certificate's extended key usages when they exclude
// server authentication, and is empty when there are none (any use) or
// they allow it.
func extKeyUsage(cert *x509.Certificate) string {
	if len(cert.ExtKeyUsage) == 0 && len(cert.UnknownExtKeyUsage) == 0 {
		return ""
	}
	if slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return ""
	}
	var names []string
	for _, u := range cert.ExtKeyUsage {
		names = append(names, extKeyUsageName(u))
	}
	for _, oid := range cert.UnknownExtKeyUsage {
		names = append(names, oid.String())
	}
	return strings.Join(names, ", ")
}

func extKeyUsageName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageClientAuth:
		return "clientAuth"
	case x509.ExtKeyUsageCodeSigning:
		return "codeSigning"
	case x509.ExtKeyUsageEmailProtection:
		return "emailProtection"
	case x509.ExtKeyUsageTimeStamping:
		return "timeStamping"
	case x509.ExtKeyUsageOCSPSigning:
		return "OCSPSigning"
	}
	return fmt.Sprintf("extKeyUsage(%d)", u)
}

// weakKey says why a certificate's public key is too weak, or "".
func weakKey(cert *x509.Certificate) string {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return fmt.Sprintf("RSA key of %d bits; want at least %d", bits, minRSABits)
		}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P224() {
			return "ECDSA P-224 key; want P-256 or larger"
		}
	}
	if cert.PublicKeyAlgorithm == x509.DSA {
		return "DSA key; TLS 1.3 and current clients do not accept DSA"
	}
	return ""
}

// samePublicKey compares RSA, ECDSA and Ed25519 public keys, which all have
// an Equal method.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// keyType describes a public key, "RSA 2048", "ECDSA P-256", "Ed25519".
func keyType(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// selfSigned reports whether a certificate is its own issuer, signed with
// its own key: a root.
func selfSigned(cert *x509.Certificate) bool {
	return bytes.Equal(cert.RawSubject, cert.RawIssuer) &&
		cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) == nil
}

// labels names each certificate of a bundle for messages: its common name,
// "certificate N" without one, and both when two share a common name.
func labels(certs []*x509.Certificate) []string {
	out := make([]string, len(certs))
	seen := map[string]int{}
	for i, cert := range certs {
		out[i] = label(cert, i)
		seen[out[i]]++
	}
	for i, cert := range certs {
		if seen[out[i]] > 1 && cert.Subject.CommonName != "" {
			out[i] = fmt.Sprintf("%s (certificate %d)", cert.Subject.CommonName, i+1)
		}
	}
	return out
}

// label names one certificate; i < 0 when it is not from the bundle.
func label(cert *x509.Certificate, i int) string {
	switch {
	case cert.Subject.CommonName != "":
		return cert.Subject.CommonName
	case i < 0:
		return cert.Subject.String()
	}
	return fmt.Sprintf("certificate %d", i+1)
}
