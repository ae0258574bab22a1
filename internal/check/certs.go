package check

import (
	"fmt"
	"time"
)

var certificateCheck = &Check{
	ID: "KH-CERT-001", Title: "TLS certificates expiring around the maintenance window", Severity: Blocker,
	Applies: "baseline",
	Remedy: "Renew the certificate before the upgrade (kubehop cert renew checks the new chain and key, keeps dated backups and restarts what mounts it), " +
		"or the services behind it fail during or soon after the window.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, cert := range in.Snapshot.Certificates {
			object := "Secret " + cert.Namespace + "/" + cert.Secret
			if cert.Error != "" {
				f := c.finding(Baseline, object, "tls.crt cannot be read: %s", cert.Error)
				f.Severity = Warning
				out = append(out, f)
				continue
			}
			switch {
			case !cert.NotAfter.After(in.Now):
				out = append(out, c.finding(Baseline, object, "certificate %s expired on %s", cert.Subject, day(cert.NotAfter)))
			case cert.NotAfter.Before(in.WindowEnd):
				out = append(out, c.finding(Baseline, object, "certificate %s expires on %s, before the maintenance window ends (%s)", cert.Subject, day(cert.NotAfter), day(in.WindowEnd)))
			case cert.NotAfter.Before(in.WindowEnd.Add(in.CertWarn)):
				f := c.finding(Baseline, object, "certificate %s expires on %s, %s after the maintenance window", cert.Subject, day(cert.NotAfter), days(cert.NotAfter.Sub(in.WindowEnd)))
				f.Severity = Warning
				out = append(out, f)
			}
		}
		return out
	},
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
