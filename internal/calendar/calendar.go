// Package calendar computes what maintenance a cluster has coming and
// when: certificates and licences to renew, credentials to rotate, the end
// of support of the running and target Kubernetes minors, and the
// profile's planned maintenance. Each item has a deadline (Date) and the
// day the work must start (Due: the deadline minus the item's lead time),
// and is written as a table, JSON or an iCalendar file (RFC 5545).
package calendar

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

// Kind says what an item is.
type Kind string

// Kinds of items.
const (
	Certificate  Kind = "certificate"
	License      Kind = "license"
	Credential   Kind = "credential"
	EndOfSupport Kind = "end-of-support"
	Planned      Kind = "planned"
)

// Status says where an item stands.
type Status string

// Statuses, most urgent first.
const (
	// Overdue: the deadline has passed (the certificate expired, support
	// ended).
	Overdue Status = "overdue"
	// Due: the work should have started (Due passed), the deadline has not.
	Due Status = "due"
	// Upcoming: the work is not due yet.
	Upcoming Status = "upcoming"
	// Unknown: kubehop cannot tell the date, such as the end of support of
	// a minor its table does not list, or a certificate it could not read.
	Unknown Status = "unknown"
)

const day = 24 * time.Hour

// Default lead times: how long before its deadline the work on an item
// starts, when the profile does not say (leadTime). From the runbook's
// maintenance table: licence renewal one week before expiry, TLS
// certificate renewal two weeks, service principal (credential) renewal one
// week, an application minor upgrade one week of preparation. The end of
// a Kubernetes minor's support leaves a month to plan and run the minor
// upgrade.
var DefaultLeadTime = map[Kind]time.Duration{
	Certificate:  14 * day,
	License:      7 * day,
	Credential:   7 * day,
	EndOfSupport: 30 * day,
	Planned:      7 * day,
}

// Item is one piece of maintenance with a deadline.
type Item struct {
	Kind Kind
	// Name is the profile entry's name, or what the item is about (the
	// Secret of a certificate the profile does not name; "Kubernetes 1.33").
	Name string
	// Object is what holds it, such as "Secret vantiq/vantiq-ssl-cert".
	Object string
	// Date is the deadline: a certificate's expiry (to the second), a
	// licence's or credential's expiry day, the day support ends, the
	// planned day. Zero when unknown.
	Date time.Time
	// Due is the day the work must start: Date minus LeadTime.
	Due time.Time
	// LeadTime is how long before Date the work starts.
	LeadTime time.Duration
	Status   Status
	// Approximate is set when the date is known to the month only.
	Approximate bool
	// Note says what to do, or why the date is unknown.
	Note string
}

// Dated reports whether the item's date is known.
func (it Item) Dated() bool { return !it.Date.IsZero() }

// Title names the item as a person would: the name and what holds it.
func (it Item) Title() string {
	switch {
	case it.Object == "":
		return it.Name
	case it.Kind == EndOfSupport:
		return it.Name + ": " + it.Object
	case strings.HasSuffix(it.Object, " "+it.Name):
		return it.Object
	}
	return it.Name + " (" + it.Object + ")"
}

// MarshalJSON writes dates as days (2006-01-02) and the lead time in days
// where it is whole days ("14d"); unknown dates are left out.
func (it Item) MarshalJSON() ([]byte, error) {
	out := struct {
		Kind        Kind   `json:"kind"`
		Name        string `json:"name"`
		Object      string `json:"object,omitempty"`
		Date        string `json:"date,omitempty"`
		Due         string `json:"due,omitempty"`
		LeadTime    string `json:"leadTime,omitempty"`
		Status      Status `json:"status"`
		Approximate bool   `json:"approximate,omitempty"`
		Note        string `json:"note,omitempty"`
	}{Kind: it.Kind, Name: it.Name, Object: it.Object, Status: it.Status, Approximate: it.Approximate, Note: it.Note}
	if it.Dated() {
		out.Date, out.Due, out.LeadTime = it.Date.Format(time.DateOnly), it.Due.Format(time.DateOnly), FormatDuration(it.LeadTime)
	}
	return json.Marshal(out)
}

// FormatDuration writes whole days as "14d", whole weeks too, and other
// durations as Go does ("36h0m0s").
func FormatDuration(d time.Duration) string {
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

// Input is what Build reads.
type Input struct {
	Profile *profile.Profile
	// Snapshot gives the certificates and the running version; nil leaves
	// both out.
	Snapshot *inventory.Snapshot
	// Support is the end-of-support table; nil is DefaultSupport().
	Support *Support
	// Now is the moment the statuses are computed for; its location is the
	// one days begin and end in.
	Now time.Time
}

// Build lists every item of the profile and snapshot, with its status at
// in.Now, sorted by Due (unknown dates last).
//
// A deadline given as a day passes when that day ends; a certificate's
// passes at its exact expiry. Work is due from the start of its Due day.
func Build(in Input) []Item {
	b := &builder{now: in.Now, loc: in.Now.Location(), support: in.Support}
	if b.support == nil {
		b.support = DefaultSupport()
	}
	p := in.Profile
	b.certificates(p, in.Snapshot)
	for _, l := range p.Licenses {
		if l.Expires == "" {
			continue
		}
		b.day(License, l.Name, "Secret "+strings.Join(l.Secrets, ", "), l.Expires, l.LeadTime.Duration,
			fmt.Sprintf("get the new licence files; kubehop license renew -p %s --name %s", profileFile(p), l.Name))
	}
	for _, c := range p.Credentials {
		b.day(Credential, c.Name, "", c.Expires, c.LeadTime.Duration, c.Note)
	}
	b.endOfSupport(p, in.Snapshot)
	for _, m := range p.Planned {
		b.day(Planned, m.Name, "", m.Date, m.LeadTime.Duration, m.Note)
	}
	Sort(b.items)
	return b.items
}

func profileFile(p *profile.Profile) string {
	if p.File() == "" {
		return "kubehop.yaml"
	}
	return p.File()
}

type builder struct {
	now     time.Time
	loc     *time.Location
	support *Support
	items   []Item
}

// startOfDay is the midnight that begins t's day in the builder's location.
func (b *builder) startOfDay(t time.Time) time.Time {
	y, m, d := t.In(b.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, b.loc)
}

// dueDay is the day lead before date begins.
func (b *builder) dueDay(date time.Time, lead time.Duration) time.Time {
	if lead%day == 0 {
		return b.startOfDay(b.startOfDay(date).AddDate(0, 0, -int(lead/day)))
	}
	return b.startOfDay(date.Add(-lead))
}

// add computes an item's Due and Status: deadline is the instant the
// deadline passes.
func (b *builder) add(it Item, deadline time.Time) {
	if it.LeadTime == 0 {
		it.LeadTime = DefaultLeadTime[it.Kind]
	}
	it.Due = b.dueDay(it.Date, it.LeadTime)
	switch {
	case !b.now.Before(deadline):
		it.Status = Overdue
	case !b.now.Before(it.Due):
		it.Status = Due
	default:
		it.Status = Upcoming
	}
	b.items = append(b.items, it)
}

// day adds an item whose deadline is a day (2006-01-02).
func (b *builder) day(kind Kind, name, object, date string, lead time.Duration, note string) {
	t, err := time.ParseInLocation(time.DateOnly, date, b.loc)
	if err != nil {
		b.unknown(kind, name, object, fmt.Sprintf("%q is not a date such as 2027-02-24", date))
		return
	}
	b.add(Item{Kind: kind, Name: name, Object: object, Date: t, LeadTime: lead, Note: note}, t.AddDate(0, 0, 1))
}

func (b *builder) unknown(kind Kind, name, object, note string) {
	b.items = append(b.items, Item{Kind: kind, Name: name, Object: object, Status: Unknown, Note: note})
}

// certificates adds every TLS certificate of the snapshot, named after the
// profile entry that lists its Secret, and an unknown item for each Secret
// the profile lists that the snapshot lacks.
func (b *builder) certificates(p *profile.Profile, s *inventory.Snapshot) {
	if s == nil {
		return
	}
	entries := map[string]*profile.Renewal{}
	for i := range p.Certificates {
		for _, sec := range p.Certificates[i].Secrets {
			if _, ok := entries[sec]; !ok {
				entries[sec] = &p.Certificates[i]
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range s.Certificates {
		key := c.Namespace + "/" + c.Secret
		seen[key] = true
		it := Item{Kind: Certificate, Name: key, Object: "Secret " + key}
		what := "not in the profile's certificates"
		if r := entries[key]; r != nil {
			it.Name, it.LeadTime = r.Name, r.LeadTime.Duration
			what = fmt.Sprintf("kubehop cert renew -p %s --name %s", profileFile(p), r.Name)
		}
		if c.Error != "" || c.NotAfter.IsZero() {
			reason := c.Error
			if reason == "" {
				reason = "tls.crt holds no certificate"
			}
			b.unknown(Certificate, it.Name, it.Object, reason)
			continue
		}
		it.Date = c.NotAfter.In(b.loc)
		it.Note = fmt.Sprintf("%s; expires %s; %s", describeCert(c), c.NotAfter.UTC().Format(time.RFC3339), what)
		b.add(it, c.NotAfter)
	}
	notRead := ""
	for _, w := range s.Warnings {
		if strings.HasPrefix(w, "TLS certificates not read") {
			notRead = w
		}
	}
	for _, r := range p.Certificates {
		for _, sec := range r.Secrets {
			if seen[sec] {
				continue
			}
			seen[sec] = true
			note := "no kubernetes.io/tls Secret " + sec + " in the snapshot; its expiry is unknown"
			if notRead != "" {
				note = "the snapshot has no certificates (" + notRead + ")"
			}
			b.unknown(Certificate, r.Name, "Secret "+sec, note)
		}
	}
}

func describeCert(c inventory.Certificate) string {
	switch {
	case c.Subject != "" && len(c.DNSNames) > 0:
		return fmt.Sprintf("%s (%s)", c.Subject, strings.Join(c.DNSNames, ", "))
	case c.Subject != "":
		return c.Subject
	case len(c.DNSNames) > 0:
		return strings.Join(c.DNSNames, ", ")
	}
	return "certificate"
}

// endOfSupport adds the end of support of the running minor and of the
// profile's target, when it is later.
func (b *builder) endOfSupport(p *profile.Profile, s *inventory.Snapshot) {
	provider := SupportProvider(p.Provider, s)
	var minors []string
	roles := map[string]string{}
	if s != nil {
		if m, ok := Minor(s.Cluster.Version); ok {
			minors = append(minors, m)
			roles[m] = "running"
		} else {
			b.unknown(EndOfSupport, "Kubernetes "+s.Cluster.Version, "", fmt.Sprintf("cannot read the minor of the cluster's version %q", s.Cluster.Version))
		}
	}
	if m, ok := Minor(p.Target); ok {
		target, _ := parseMinor(m)
		running := -1
		if len(minors) > 0 {
			running, _ = parseMinor(minors[0])
		}
		switch {
		case target > running:
			minors = append(minors, m)
			roles[m] = "target"
		case target == running:
			roles[m] = "running and target"
		}
	}
	for _, m := range minors {
		name := fmt.Sprintf("Kubernetes %s (%s)", m, roles[m])
		if provider == "" {
			b.unknown(EndOfSupport, name, "", fmt.Sprintf("provider %s: cannot tell whose support calendar applies (no node says eks, aks or gke)", p.Provider))
			continue
		}
		t, end, ok := b.support.Lookup(provider, m)
		if t == nil {
			b.unknown(EndOfSupport, name, "", fmt.Sprintf("kubehop has no support table for %s", provider))
			continue
		}
		object := t.Name + " " + t.What
		if !ok {
			b.unknown(EndOfSupport, name, object, fmt.Sprintf("kubehop's table has no date for %s %s (it knows %s); see %s",
				t.Name, m, strings.Join(b.support.Known(provider), ", "), t.Source))
			continue
		}
		date := time.Date(end.Date.Year(), end.Date.Month(), end.Date.Day(), 0, 0, 0, 0, b.loc)
		note := eosNote(p, m, roles[m])
		if end.Approximate {
			note += fmt.Sprintf("; %s gives the month only, its last day is used", t.Name)
		}
		if p.Provider == "anthos-bm" {
			note += "; upstream Kubernetes end of life: check your Anthos release's own support window too"
		}
		b.add(Item{Kind: EndOfSupport, Name: name, Object: object, Date: date, Approximate: end.Approximate, Note: note + "; " + t.Source}, date.AddDate(0, 0, 1))
	}
}

func eosNote(p *profile.Profile, minor, role string) string {
	file := profileFile(p)
	switch role {
	case "target":
		return fmt.Sprintf("the profile's target %s: plan the next minor before its support ends", minor)
	case "running and target":
		return fmt.Sprintf("the cluster runs its target %s: raise target in %s and upgrade before support ends (kubehop check, plan, apply)", minor, file)
	}
	if m, ok := Minor(p.Target); ok && m != minor {
		return fmt.Sprintf("upgrade off %s before support ends: kubehop check --target %s, then kubehop plan and apply -p %s", minor, m, file)
	}
	return fmt.Sprintf("upgrade off %s before support ends: raise target in %s, then kubehop check, plan and apply", minor, file)
}

// Sort orders items by Due, then deadline, kind and name; items of unknown
// date come last.
func Sort(items []Item) {
	slices.SortStableFunc(items, func(a, b Item) int {
		if a.Dated() != b.Dated() {
			if a.Dated() {
				return -1
			}
			return 1
		}
		if c := a.Due.Compare(b.Due); c != 0 {
			return c
		}
		if c := a.Date.Compare(b.Date); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Object, b.Object)
	})
}

// Within keeps the items whose work starts within d of now, and every item
// that is overdue, due or of unknown date, whenever it falls.
func Within(items []Item, now time.Time, d time.Duration) []Item {
	out := []Item{}
	limit := now.Add(d)
	for _, it := range items {
		if it.Status != Upcoming || !it.Due.After(limit) {
			out = append(out, it)
		}
	}
	return out
}

// Summary counts items per status.
type Summary struct {
	Overdue, Due, Upcoming, Unknown int
}

// Summarize counts the items per status.
func Summarize(items []Item) Summary {
	var s Summary
	for _, it := range items {
		switch it.Status {
		case Overdue:
			s.Overdue++
		case Due:
			s.Due++
		case Upcoming:
			s.Upcoming++
		default:
			s.Unknown++
		}
	}
	return s
}

// Pressing reports whether anything is overdue or due.
func (s Summary) Pressing() bool { return s.Overdue+s.Due > 0 }
