// Package certs checks TLS certificates for kubehop cert renew: before
// anything changes, that a new chain and key are complete, in order, match
// each other, cover the names the endpoint answers to and stay valid long
// enough; afterwards, what an endpoint actually serves.
//
// Parsing is strict on purpose. A PEM block that does not decode, a key in
// a certificate file or an encrypted key is an error naming the file and the
// line, never a block silently skipped: a dropped intermediate would only
// show up as failing clients after the rollout. Validation reports every
// problem it finds, each with a stable code, so that the command can print
// them all at once and refuse on any (Problems.Err).
//
// Only the standard library's crypto/x509 and crypto/tls are used; chain
// building and host-name matching are x509.Certificate.Verify and
// VerifyHostname, what Go clients do; other TLS stacks may differ at the
// edges (cross-signed roots, name constraints).
package certs
