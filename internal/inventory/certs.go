package inventory

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// readCertificates reads the leaf certificate of every kubernetes.io/tls
// Secret. Only tls.crt is parsed; the key is never looked at.
func readCertificates(ctx context.Context, c Clients, s *Snapshot, _ Options) error {
	opts := metav1.ListOptions{FieldSelector: "type=" + string(corev1.SecretTypeTLS)}
	return each(ctx, c.Kube.CoreV1().Secrets("").List, opts, func(sec *corev1.Secret) error {
		s.Certificates = append(s.Certificates, ParseCertificate(sec.Namespace, sec.Name, sec.Data[corev1.TLSCertKey]))
		return nil
	})
}

// ParseCertificate describes the first certificate of a PEM chain.
func ParseCertificate(namespace, secret string, chain []byte) Certificate {
	c := Certificate{Namespace: namespace, Secret: secret}
	var leaf *x509.Certificate
	for rest := chain; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c.ChainLength++
		if leaf == nil {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				c.Error = fmt.Sprintf("parse certificate: %v", err)
				return c
			}
			leaf = cert
		}
	}
	if leaf == nil {
		c.Error = "tls.crt holds no PEM certificate"
		return c
	}
	c.Subject, c.Issuer = leaf.Subject.String(), leaf.Issuer.String()
	c.DNSNames = leaf.DNSNames
	c.NotBefore, c.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()
	return c
}
