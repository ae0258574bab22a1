package profile

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Renewal is a credential held in Secrets that kubehop renews: a TLS
// certificate (kubehop cert renew) or a licence (kubehop license renew).
type Renewal struct {
	// Name is how commands name it (--name).
	Name string `yaml:"name"`
	// Secrets are the "namespace/name" Secrets that hold it (the runbook's
	// vantiq-ssl-cert and shared/default-ssl-cert).
	Secrets []string `yaml:"secrets"`
	// Names are the DNS names or IPs a certificate must cover.
	Names []string `yaml:"names,omitempty"`
	// Keys are a licence's Secret keys (public.pem, license.key).
	Keys []string `yaml:"keys,omitempty"`
	// Restart are the workloads to restart once the Secrets changed
	// ("namespace/StatefulSet/name"), besides those found mounting them.
	Restart []string `yaml:"restart,omitempty"`
	// Endpoint is where the certificate is served, checked after renewal.
	Endpoint *Endpoint `yaml:"endpoint,omitempty"`
	// MinValidity refuses a new certificate that expires sooner.
	MinValidity Duration `yaml:"minValidity,omitempty"`
	// Expires is when a licence expires (2006-01-02), for kubehop
	// calendar; a certificate's expiry is read from its Secret.
	Expires string `yaml:"expires,omitempty"`
	// LeadTime is how long before expiry the renewal is due (the runbook's
	// preparation time: 2 weeks for certificates, 1 for licences).
	LeadTime Duration `yaml:"leadTime,omitempty"`
}

// Endpoint is a TLS endpoint: an address and the server name to ask for.
type Endpoint struct {
	Address    string `yaml:"address"`
	ServerName string `yaml:"serverName,omitempty"`
}

// Certificate returns the certificate renewal named name.
func (p *Profile) Certificate(name string) (*Renewal, error) {
	return find(p, "certificates", p.Certificates, name)
}

// License returns the licence renewal named name.
func (p *Profile) License(name string) (*Renewal, error) {
	return find(p, "licenses", p.Licenses, name)
}

func find(p *Profile, section string, list []Renewal, name string) (*Renewal, error) {
	var names []string
	for i := range list {
		if list[i].Name == name || (name == "" && len(list) == 1) {
			return &list[i], nil
		}
		names = append(names, list[i].Name)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no %s section", p.File(), section)
	}
	if name == "" {
		return nil, fmt.Errorf("%s lists several %s (%s): pick one with --name", p.File(), section, strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("%s: %s has no %q (it has %s)", p.File(), section, name, strings.Join(names, ", "))
}

// SplitObject reads "namespace/name".
func SplitObject(s string) (namespace, name string, ok bool) {
	ns, n, ok := strings.Cut(s, "/")
	return ns, n, ok && ns != "" && n != "" && !strings.Contains(n, "/")
}

// SplitWorkload reads "namespace/Kind/name".
func SplitWorkload(s string) (namespace, kind, name string, err error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return "", "", "", fmt.Errorf("%q is not namespace/Kind/name such as vantiq/StatefulSet/vantiq", s)
	}
	kind, name, err = ParseWorkload(parts[1] + "/" + parts[2])
	return parts[0], kind, name, err
}

func (p *Profile) validateRenewals(fail func(field, format string, args ...any) error) error {
	for section, list := range map[string][]Renewal{"certificates": p.Certificates, "licenses": p.Licenses} {
		seen := map[string]bool{}
		for i, r := range list {
			field := fmt.Sprintf("%s[%d]", section, i)
			if r.Name == "" || seen[r.Name] {
				return fail(field+".name", "a unique name is required")
			}
			seen[r.Name] = true
			if len(r.Secrets) == 0 {
				return fail(field+".secrets", "name at least one namespace/name Secret")
			}
			for j, s := range r.Secrets {
				if _, _, ok := SplitObject(s); !ok {
					return fail(fmt.Sprintf("%s.secrets[%d]", field, j), "%q is not namespace/name", s)
				}
			}
			for j, w := range r.Restart {
				if _, _, _, err := SplitWorkload(w); err != nil {
					return fail(fmt.Sprintf("%s.restart[%d]", field, j), "%v", err)
				}
			}
			if section == "licenses" && len(r.Keys) == 0 {
				return fail(field+".keys", "name the Secret keys the licence files go to, such as [public.pem, license.key]")
			}
			if e := r.Endpoint; e != nil {
				if _, _, err := net.SplitHostPort(e.Address); err != nil {
					return fail(field+".endpoint.address", "%q is not host:port", e.Address)
				}
			}
			if r.Expires != "" {
				if _, err := time.Parse(time.DateOnly, r.Expires); err != nil {
					return fail(field+".expires", "%q is not a date such as 2027-02-24", r.Expires)
				}
			}
		}
	}
	return nil
}

// Credential is a credential that expires and must be renewed by hand,
// such as the AKS service principal of an internal load balancer.
type Credential struct {
	Name string `yaml:"name"`
	// Expires is its expiry date (2006-01-02).
	Expires string `yaml:"expires"`
	// LeadTime is how long before expiry its renewal is due (default one
	// week, the runbook's preparation time).
	LeadTime Duration `yaml:"leadTime,omitempty"`
	// Note says what to do.
	Note string `yaml:"note,omitempty"`
}

// Planned is planned maintenance: an application minor upgrade, a cluster
// minor.
type Planned struct {
	Name string `yaml:"name"`
	// Date is when it is planned (2006-01-02).
	Date string `yaml:"date"`
	// LeadTime is how long before it the preparation starts.
	LeadTime Duration `yaml:"leadTime,omitempty"`
	Note     string   `yaml:"note,omitempty"`
}

func (p *Profile) validateDates(fail func(field, format string, args ...any) error) error {
	for i, c := range p.Credentials {
		field := fmt.Sprintf("credentials[%d]", i)
		if c.Name == "" {
			return fail(field+".name", "is required")
		}
		if _, err := time.Parse(time.DateOnly, c.Expires); err != nil {
			return fail(field+".expires", "%q is not a date such as 2027-02-24", c.Expires)
		}
	}
	for i, m := range p.Planned {
		field := fmt.Sprintf("planned[%d]", i)
		if m.Name == "" {
			return fail(field+".name", "is required")
		}
		if _, err := time.Parse(time.DateOnly, m.Date); err != nil {
			return fail(field+".date", "%q is not a date such as 2027-02-24", m.Date)
		}
	}
	return nil
}
