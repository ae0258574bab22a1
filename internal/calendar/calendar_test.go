package calendar

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

var now = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func lead(d time.Duration) profile.Duration { return profile.Duration{Duration: d} }

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func testProfile() *profile.Profile {
	return &profile.Profile{
		Provider: "eks",
		Target:   "1.35",
		Certificates: []profile.Renewal{
			{Name: "vantiq-tls", Secrets: []string{"vantiq/vantiq-ssl-cert", "shared/default-ssl-cert"}},
			{Name: "keycloak-tls", Secrets: []string{"keycloak/tls"}, LeadTime: lead(30 * day)},
		},
		Licenses: []profile.Renewal{
			{Name: "vantiq-license", Secrets: []string{"vantiq/vantiq-license"}, Expires: "2026-12-01"},
			{Name: "perpetual", Secrets: []string{"x/y"}},
		},
		Credentials: []profile.Credential{
			{Name: "ilb-sp", Expires: "2026-11-25", Note: "az ad sp credential reset"},
			{Name: "old-sp", Expires: "2026-11-24"},
		},
		Planned: []profile.Planned{
			{Name: "vantiq 1.40 patch", Date: "2027-03-01", LeadTime: lead(48 * time.Hour), Note: "patch upgrade"},
		},
	}
}

func testSnapshot() *inventory.Snapshot {
	return &inventory.Snapshot{
		APIVersion: inventory.SchemaVersion,
		Cluster:    inventory.Cluster{Version: "v1.34.2-eks-3025e55"},
		Certificates: []inventory.Certificate{
			{Namespace: "default", Secret: "old", Subject: "CN=old.example.com", NotAfter: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)},
			{Namespace: "keycloak", Secret: "tls", Subject: "CN=auth.example.com", NotAfter: time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)},
			{Namespace: "shared", Secret: "broken", Error: "parse certificate: x509: malformed"},
			{Namespace: "vantiq", Secret: "vantiq-ssl-cert", Subject: "CN=vantiq.example.com", DNSNames: []string{"vantiq.example.com"}, NotAfter: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
		},
	}
}

type row struct {
	kind          Kind
	title         string
	date, due     string
	status        Status
	leadTimeInDay time.Duration
}

func rows(items []Item) []row {
	var out []row
	for _, it := range items {
		r := row{kind: it.Kind, title: it.Title(), status: it.Status, leadTimeInDay: it.LeadTime / day}
		if it.Dated() {
			r.date, r.due = it.Date.Format(time.DateOnly), it.Due.Format(time.DateOnly)
		}
		out = append(out, r)
	}
	return out
}

func TestBuildStatusesDefaultsAndOrder(t *testing.T) {
	items := Build(Input{Profile: testProfile(), Snapshot: testSnapshot(), Now: now})
	want := []row{
		// The end of 1.34's standard support on EKS: 30 days to upgrade.
		{EndOfSupport, "Kubernetes 1.34 (running): EKS end of standard support", "2026-12-02", "2026-11-02", Due, 30},
		// Expired five days ago: overdue since its exact expiry.
		{Certificate, "Secret default/old", "2026-11-20", "2026-11-06", Overdue, 14},
		// Its expiry day ended yesterday.
		{Credential, "old-sp", "2026-11-24", "2026-11-17", Overdue, 7},
		// Expires today: not overdue until the day ends.
		{Credential, "ilb-sp", "2026-11-25", "2026-11-18", Due, 7},
		// Named by the profile entry that lists its Secret; 2 weeks.
		{Certificate, "vantiq-tls (Secret vantiq/vantiq-ssl-cert)", "2026-12-05", "2026-11-21", Due, 14},
		// A licence: 1 week before expiry, due since yesterday.
		{License, "vantiq-license (Secret vantiq/vantiq-license)", "2026-12-01", "2026-11-24", Due, 7},
		// The entry's own lead time: 30 days.
		{Certificate, "keycloak-tls (Secret keycloak/tls)", "2027-01-10", "2026-12-11", Upcoming, 30},
		{EndOfSupport, "Kubernetes 1.35 (target): EKS end of standard support", "2027-03-27", "2027-02-25", Upcoming, 30},
		// A planned patch upgrade with 2 days' preparation.
		{Planned, "vantiq 1.40 patch", "2027-03-01", "2027-02-27", Upcoming, 2},
		// Unknown dates last: a certificate that does not parse, and a
		// Secret the profile lists that the snapshot lacks.
		{Certificate, "Secret shared/broken", "", "", Unknown, 0},
		{Certificate, "vantiq-tls (Secret shared/default-ssl-cert)", "", "", Unknown, 0},
	}
	got := rows(items)
	if len(got) != len(want) {
		t.Fatalf("got %d items, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("item %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	for _, it := range items {
		switch it.Name {
		case "vantiq-tls":
			if it.Dated() && !strings.Contains(it.Note, "kubehop cert renew -p kubehop.yaml --name vantiq-tls") {
				t.Errorf("a named certificate's note should say how to renew it: %q", it.Note)
			}
			if !it.Dated() && !strings.Contains(it.Note, "shared/default-ssl-cert") {
				t.Errorf("a missing Secret's note should name it: %q", it.Note)
			}
		case "default/old":
			if !strings.Contains(it.Note, "not in the profile's certificates") {
				t.Errorf("an unnamed certificate's note: %q", it.Note)
			}
		case "shared/broken":
			if !strings.Contains(it.Note, "malformed") {
				t.Errorf("a broken certificate's note should say why: %q", it.Note)
			}
		}
	}
}

func TestBuildWithoutSnapshot(t *testing.T) {
	items := Build(Input{Profile: testProfile(), Now: now})
	for _, it := range items {
		if it.Kind == Certificate {
			t.Errorf("no snapshot, no certificates: %+v", it)
		}
	}
	var eos []string
	for _, it := range items {
		if it.Kind == EndOfSupport {
			eos = append(eos, it.Name)
		}
	}
	if len(eos) != 1 || eos[0] != "Kubernetes 1.35 (target)" {
		t.Errorf("end of support without a snapshot: %v", eos)
	}
}

func TestEndOfSupport(t *testing.T) {
	snap := func(v string, nodes ...inventory.Node) *inventory.Snapshot {
		return &inventory.Snapshot{Cluster: inventory.Cluster{Version: v}, Nodes: nodes}
	}
	for name, tc := range map[string]struct {
		provider, target string
		snap             *inventory.Snapshot
		want             []string // name, status, date
	}{
		"aks gives months; the target is past the table": {"aks", "1.40", snap("v1.37.1"), []string{
			"Kubernetes 1.37 (running)", "upcoming", "2027-10-31",
			"Kubernetes 1.40 (target)", "unknown", "",
		}},
		"running at the target: one item": {"gke", "1.33", snap("v1.33.4-gke.1000"), []string{
			"Kubernetes 1.33 (running and target)", "overdue", "2026-08-03",
		}},
		"target behind the cluster: the running minor only": {"kubeadm", "1.30", snap("v1.33.0"), []string{
			"Kubernetes 1.33 (running)", "overdue", "2026-06-28",
		}},
		"local follows upstream": {"local", "1.36", snap("v1.35.0"), []string{
			"Kubernetes 1.35 (running)", "upcoming", "2027-02-28",
			"Kubernetes 1.36 (target)", "upcoming", "2027-06-28",
		}},
		"terraform on EKS nodes": {"terraform", "1.33", snap("v1.33.1-eks-1", inventory.Node{ProviderID: "aws:///eu-west-1a/i-0abc"}), []string{
			"Kubernetes 1.33 (running and target)", "overdue", "2026-07-29",
		}},
		"terraform, nothing tells": {"terraform", "1.33", snap("v1.33.1"), []string{
			"Kubernetes 1.33 (running and target)", "unknown", "",
		}},
	} {
		p := &profile.Profile{Provider: tc.provider, Target: tc.target}
		var got []string
		for _, it := range Build(Input{Profile: p, Snapshot: tc.snap, Now: now}) {
			d := ""
			if it.Dated() {
				d = it.Date.Format(time.DateOnly)
			}
			got = append(got, it.Name, string(it.Status), d)
			if it.Status == Unknown && it.Note == "" {
				t.Errorf("%s: an unknown item must say why", name)
			}
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s:\n got %q\nwant %q", name, got, tc.want)
		}
	}
	items := Build(Input{Profile: &profile.Profile{Provider: "aks", Target: "1.40"}, Snapshot: snap("v1.37.1"), Now: now})
	if !items[0].Approximate || !strings.Contains(items[0].Note, "month only") {
		t.Errorf("an AKS month should be approximate: %+v", items[0])
	}
	if !strings.Contains(items[1].Note, "1.40") || !strings.Contains(items[1].Note, "1.37") {
		t.Errorf("an unknown minor's note should name it and the known ones: %q", items[1].Note)
	}
}

func TestDueDaysInTheLocalZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	// Summer time starts on 2027-03-28: 14 days before 2027-04-05 is still
	// 2027-03-22, not 23:00 on the 21st.
	p := &profile.Profile{Provider: "eks", Target: "1.35", Credentials: []profile.Credential{{Name: "sp", Expires: "2027-04-05", LeadTime: lead(14 * day)}}}
	items := Build(Input{Profile: p, Now: time.Date(2027, 3, 1, 0, 0, 0, 0, berlin)})
	if got := items[len(items)-1]; got.Due.Format(time.DateOnly) != "2027-03-22" || got.Due.Hour() != 0 {
		t.Errorf("due %s", got.Due)
	}
	// A certificate expiring at 23:30 UTC expires the next day in Berlin.
	s := &inventory.Snapshot{Cluster: inventory.Cluster{Version: "v1.35.0"}, Certificates: []inventory.Certificate{
		{Namespace: "a", Secret: "b", NotAfter: time.Date(2027, 3, 10, 23, 30, 0, 0, time.UTC)},
	}}
	items = Build(Input{Profile: &profile.Profile{Provider: "eks", Target: "1.35"}, Snapshot: s, Now: time.Date(2027, 3, 1, 0, 0, 0, 0, berlin)})
	if items[0].Kind != Certificate || items[0].Date.Format(time.DateOnly) != "2027-03-11" || items[0].Due.Format(time.DateOnly) != "2027-02-25" || items[0].Status != Due {
		t.Errorf("certificate in Berlin: %+v", items[0])
	}
}

func TestWithin(t *testing.T) {
	items := Build(Input{Profile: testProfile(), Snapshot: testSnapshot(), Now: now})
	count := func(list []Item) (n map[Status]int) {
		n = map[Status]int{}
		for _, it := range list {
			n[it.Status]++
		}
		return n
	}
	all := count(items)
	// 30 days: the keycloak certificate starts on 2026-12-11 (16 days),
	// the planned upgrade and the target's end of support in February.
	got := count(Within(items, now, 30*day))
	if got[Upcoming] != 1 || got[Overdue] != all[Overdue] || got[Due] != all[Due] || got[Unknown] != all[Unknown] {
		t.Errorf("within 30 days: %v (all %v)", got, all)
	}
	if got := count(Within(items, now, 0)); got[Upcoming] != 0 || got[Due] != all[Due] {
		t.Errorf("within 0: %v", got)
	}
	if got := Within(items, now, 120*day); len(got) != len(items) {
		t.Errorf("within 120 days: %d of %d", len(got), len(items))
	}
	// A Due exactly at the limit counts.
	if got := count(Within(items, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), 10*day)); got[Upcoming] != 1 {
		t.Errorf("Due on the limit: %v", got)
	}
	if Within(nil, now, day) == nil {
		t.Error("Within should return an empty list, not nil (JSON [])")
	}
	if s := Summarize(items); !s.Pressing() || s.Overdue != 2 || s.Due != 4 || s.Upcoming != 3 || s.Unknown != 2 {
		t.Errorf("summary %+v", s)
	}
}

func TestSortIsStableAndTotal(t *testing.T) {
	d := date("2027-01-01")
	items := []Item{
		{Kind: Planned, Name: "b", Date: d, Due: d},
		{Kind: License, Name: "unknown", Status: Unknown},
		{Kind: Planned, Name: "a", Date: d, Due: d},
		{Kind: Certificate, Name: "z", Date: d.AddDate(0, 0, 1), Due: d},
		{Kind: Certificate, Name: "y", Date: d, Due: d.AddDate(0, 0, -1)},
	}
	Sort(items)
	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	if got := strings.Join(names, ","); got != "y,a,b,z,unknown" {
		t.Errorf("order %s", got)
	}
}

func TestItemJSON(t *testing.T) {
	items := Build(Input{Profile: testProfile(), Snapshot: testSnapshot(), Now: now})
	data, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	first := got[0]
	if first["kind"] != "end-of-support" || first["date"] != "2026-12-02" || first["due"] != "2026-11-02" || first["leadTime"] != "30d" || first["status"] != "due" {
		t.Errorf("first item %v", first)
	}
	last := got[len(got)-1]
	if _, ok := last["date"]; ok || last["status"] != "unknown" || last["note"] == "" {
		t.Errorf("an unknown item has no date but a note: %v", last)
	}
	if FormatDuration(36*time.Hour) != "36h0m0s" || FormatDuration(14*day) != "14d" {
		t.Error("FormatDuration")
	}
}

func TestWriteText(t *testing.T) {
	items := Build(Input{Profile: &profile.Profile{Provider: "aks", Target: "1.40", Planned: []profile.Planned{{Name: "app\nupgrade", Date: "2027-01-10", Note: "two\n  lines"}}},
		Snapshot: &inventory.Snapshot{Cluster: inventory.Cluster{Version: "v1.37.1"}}, Now: now})
	var b bytes.Buffer
	if err := WriteText(&b, Within(items, now, 90*day), 90*day); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"DUE         DEADLINE    STATUS    KIND            NAME",
		"2027-01-03  2027-01-10  upcoming  planned         app upgrade ",
		"  two lines\n",
		"-           -           unknown   end-of-support  Kubernetes 1.40 (target): AKS end of life  kubehop's table has no date for AKS 1.40",
		"1 upcoming in the next 90 days, 1 of unknown date; nothing is overdue or due.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "2027-10-31") {
		t.Errorf("1.37's end of support starts after the window:\n%s", out)
	}
	b.Reset()
	if err := WriteText(&b, Within(items[:1], now, 7*day), 7*day); err != nil {
		t.Fatal(err)
	}
	if b.String() != "Nothing is due in the next 7 days.\n" {
		t.Errorf("empty: %q", b.String())
	}
	b.Reset()
	_ = WriteText(&b, items[1:2], 0)
	if !strings.Contains(b.String(), "2027-10-31~") {
		t.Errorf("an approximate deadline is marked:\n%s", b.String())
	}
}
