package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"
)

// DefaultServedTimeout bounds Served when its context has no deadline.
const DefaultServedTimeout = 10 * time.Second

// UntrustedError is an endpoint that served a certificate chain that does
// not verify for the name it was asked for. Served returns the chain with
// it, since what is served is the point of the check either way.
type UntrustedError struct {
	Addr, ServerName string
	Err              error
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("%s (server name %s) serves a certificate that does not verify: %v", e.Addr, e.ServerName, e.Err)
}

func (e *UntrustedError) Unwrap() error { return e.Err }

// Served connects to addr ("host:port") with TLS, sending serverName as
// SNI, and returns the certificate chain the endpoint serves, in the order
// it sent it. The handshake itself accepts any certificate so that a wrong
// chain is captured, not just refused; the chain is then verified for
// serverName against roots (nil: the system roots) and, when that fails,
// returned together with an *UntrustedError. An empty serverName is the
// host of addr. Without a deadline on ctx, DefaultServedTimeout applies.
func Served(ctx context.Context, addr, serverName string, roots *x509.CertPool) ([]*x509.Certificate, error) {
	if serverName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", addr, err)
		}
		serverName = host
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultServedTimeout)
		defer cancel()
	}
	d := &tls.Dialer{Config: &tls.Config{
		ServerName: serverName,
		// Verification is done below, on the captured chain, so that an
		// untrusted chain is still returned as served.
		InsecureSkipVerify: true,
	}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("TLS handshake with %s (server name %s): %w", addr, serverName, err)
	}
	state := conn.(*tls.Conn).ConnectionState()
	_ = conn.Close()
	chain := state.PeerCertificates
	if len(chain) == 0 {
		return nil, fmt.Errorf("TLS handshake with %s (server name %s): no certificate served", addr, serverName)
	}
	opts := x509.VerifyOptions{Roots: roots, DNSName: serverName, Intermediates: x509.NewCertPool()}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := chain[0].Verify(opts); err != nil {
		return chain, &UntrustedError{Addr: addr, ServerName: serverName, Err: err}
	}
	return chain, nil
}
