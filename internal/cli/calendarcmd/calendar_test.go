package calendarcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
)

const profileYAML = `apiVersion: kubehop.dev/v1alpha1
kind: Profile
cluster:
  name: vantiq-prod
  uid: 6f1c2f4e-8a1b-4c55-9f0e-2d7c3b1a9e10
provider: eks
eks:
  region: ap-northeast-1
target: "1.35"
pools:
  - name: vantiq
    strategy: surge
certificates:
  - name: vantiq-tls
    secrets: [vantiq/vantiq-ssl-cert]
licenses:
  - name: vantiq-license
    secrets: [vantiq/vantiq-license]
    keys: [public.pem, license.key]
    expires: "2027-02-24"
credentials:
  - name: ilb-service-principal
    expires: "2027-06-30"
    note: az ad sp credential reset, then update the cloud provider config
planned:
  - name: Vantiq 1.40 minor upgrade
    date: "2027-01-20"
    leadTime: 168h
`

// setup writes a profile and a snapshot of a cluster running 1.34 on EKS
// into a temporary directory.
func setup(t *testing.T) (dir, prof, snap string) {
	t.Helper()
	dir = t.TempDir()
	prof = filepath.Join(dir, "kubehop.yaml")
	if err := os.WriteFile(prof, []byte(profileYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &inventory.Snapshot{
		APIVersion: inventory.SchemaVersion,
		TakenAt:    time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
		Cluster:    inventory.Cluster{Context: "prod", Version: "v1.34.2-eks-3025e55"},
		Nodes:      []inventory.Node{{Name: "n1", KubeletVersion: "v1.34.2", Ready: true, Labels: map[string]string{"eks.amazonaws.com/nodegroup": "vantiq"}}},
		Certificates: []inventory.Certificate{
			{Namespace: "vantiq", Secret: "vantiq-ssl-cert", Subject: "CN=vantiq.example.com", NotAfter: time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC)},
			{Namespace: "monitoring", Secret: "grafana-tls", Subject: "CN=grafana.example.com", NotAfter: time.Date(2027, 9, 1, 0, 0, 0, 0, time.UTC)},
		},
	}
	snap = filepath.Join(dir, "snapshot.json")
	if err := s.Save(snap); err != nil {
		t.Fatal(err)
	}
	return dir, prof, snap
}

func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	streams := cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	cmd := NewCommand(streams, &cmdutil.GlobalOptions{})
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	if err != nil && exitcode.From(err) != exitcode.Warnings {
		errOut.WriteString("Error: " + err.Error() + "\n")
	}
	return exitcode.From(err), out.String(), errOut.String()
}

type jsonItem struct {
	Kind, Name, Object, Date, Due, LeadTime, Status, Note string
	Approximate                                           bool
}

func TestCalendarJSON(t *testing.T) {
	_, prof, snap := setup(t)
	code, out, errOut := run("-p", prof, "--snapshot", snap, "--now", "2026-12-20T09:00:00Z", "-o", "json")
	// The certificate's renewal started on 2026-12-17: exit code 3.
	if code != exitcode.Warnings {
		t.Fatalf("exit %d, want 3; stderr %s", code, errOut)
	}
	var items []jsonItem
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var got []string
	for _, it := range items {
		got = append(got, strings.Join([]string{it.Kind, it.Name, it.Date, it.Due, it.LeadTime, it.Status}, " "))
	}
	want := []string{
		// EKS 1.34 standard support ended 2026-12-02.
		"end-of-support Kubernetes 1.34 (running) 2026-12-02 2026-11-02 30d overdue",
		"certificate vantiq-tls 2026-12-31 2026-12-17 14d due",
		"planned Vantiq 1.40 minor upgrade 2027-01-20 2027-01-13 7d upcoming",
		"license vantiq-license 2027-02-24 2027-02-17 7d upcoming",
		"end-of-support Kubernetes 1.35 (target) 2027-03-27 2027-02-25 30d upcoming",
		// The credential (due 2027-06-23) and grafana's certificate (due
		// 2027-08-18) start after the 90 days.
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if items[1].Object != "Secret vantiq/vantiq-ssl-cert" || !strings.Contains(items[1].Note, "kubehop cert renew") {
		t.Errorf("certificate item %+v", items[1])
	}
}

func TestCalendarTextWithinAndExitCodes(t *testing.T) {
	_, prof, snap := setup(t)
	code, out, errOut := run("-p", prof, "--snapshot", snap, "--now", "2026-10-01", "--within", "52w")
	if code != exitcode.OK {
		t.Fatalf("nothing is due on 2026-10-01: exit %d; %s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Maintenance of vantiq-prod (eks, Kubernetes v1.34.2-eks-3025e55) as of 2026-10-01:",
		"DUE         DEADLINE    STATUS    KIND            NAME",
		"2027-08-18  2027-09-01  upcoming  certificate     Secret monitoring/grafana-tls",
		"2027-06-23  2027-06-30  upcoming  credential      ilb-service-principal",
		"7 upcoming in the next 364 days; nothing is overdue or due.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = run("-p", prof, "--snapshot", snap, "--now", "2026-10-01", "--within", "0d")
	if code != exitcode.OK || !strings.Contains(out, "Nothing is due in the next 0 days.") {
		t.Errorf("within 0d: exit %d\n%s", code, out)
	}
}

func TestCalendarICS(t *testing.T) {
	dir, prof, snap := setup(t)
	ics := filepath.Join(dir, "maintenance.ics")
	code, out, errOut := run("-p", prof, "--snapshot", snap, "--now", "2026-10-01T00:00:00Z", "--within", "7d", "--ics", ics)
	if code != exitcode.OK || !strings.Contains(errOut, "Wrote 7 dated items to "+ics) || !strings.Contains(out, "Nothing is due") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	data, err := os.ReadFile(ics)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	// Every dated item, whatever --within says: two events each.
	if n := strings.Count(s, "BEGIN:VEVENT\r\n"); n != 14 {
		t.Errorf("%d events, want 14", n)
	}
	for _, want := range []string{"X-WR-CALNAME:kubehop: vantiq-prod\r\n", "SUMMARY:Certificate expires: Secret monitoring/grafana-tls\r\n", "DTSTART;VALUE=DATE:20270901\r\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("calendar lacks %q", want)
		}
	}
	// The same calendar again, a day later: the same UIDs.
	if code, _, errOut := run("-p", prof, "--snapshot", snap, "--now", "2026-10-02T00:00:00Z", "--ics", ics); code != exitcode.OK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	again, _ := os.ReadFile(ics)
	uids := func(s string) (out []string) {
		for _, l := range strings.Split(s, "\r\n") {
			if strings.HasPrefix(l, "UID:") {
				out = append(out, l)
			}
		}
		return out
	}
	if strings.Join(uids(s), ",") != strings.Join(uids(string(again)), ",") {
		t.Error("UIDs changed between runs")
	}
	// --ics - writes the calendar instead of the table.
	code, out, _ = run("-p", prof, "--snapshot", snap, "--now", "2026-10-01", "--ics", "-")
	if code != exitcode.OK || !strings.HasPrefix(out, "BEGIN:VCALENDAR\r\n") || strings.Contains(out, "DEADLINE") {
		t.Errorf("--ics -: exit %d\n%.200s", code, out)
	}
}

func TestCalendarBadInput(t *testing.T) {
	dir, prof, snap := setup(t)
	badSnap := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badSnap, []byte("{\"apiVersion\": \"kubehop.dev/snapshot/v1\", \"nodes\": 3}"), 0o644); err != nil {
		t.Fatal(err)
	}
	badSupport := filepath.Join(dir, "support.yaml")
	if err := os.WriteFile(badSupport, []byte("providers:\n  eks:\n    minors: {\"1.34\": soon}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-p", filepath.Join(dir, "missing.yaml"), "--snapshot", snap}, "missing.yaml"},
		{[]string{"-p", prof, "--snapshot", badSnap}, "bad.json"},
		{[]string{"-p", prof, "--snapshot", snap, "--within", "3 months"}, "--within"},
		{[]string{"-p", prof, "--snapshot", snap, "--within", "-5h"}, "negative"},
		{[]string{"-p", prof, "--snapshot", snap, "-o", "ics"}, "--output"},
		{[]string{"-p", prof, "--snapshot", snap, "--now", "tomorrow"}, "--now"},
		{[]string{"-p", prof, "--snapshot", snap, "--support-data", badSupport}, "providers.eks.minors.1.34"},
		{[]string{"-p", prof, "--snapshot", snap, "--ics", "-", "-o", "json"}, "--ics -"},
	} {
		code, out, errOut := run(tc.args...)
		if code != exitcode.BadInput || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 naming %q", tc.args, code, out, errOut, tc.want)
		}
	}
}

func TestCalendarSupportData(t *testing.T) {
	dir, prof, snap := setup(t)
	support := filepath.Join(dir, "support.yaml")
	if err := os.WriteFile(support, []byte("providers:\n  eks:\n    name: EKS\n    minors: {\"1.34\": \"2027-12-31\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run("-p", prof, "--snapshot", snap, "--now", "2026-10-01", "--within", "0d", "--support-data", support, "-o", "json")
	if code != exitcode.OK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var items []jsonItem
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatal(err)
	}
	// 1.34 is far off now; 1.35 is not in this table: unknown, and listed
	// whatever the window.
	if len(items) != 1 || items[0].Name != "Kubernetes 1.35 (target)" || items[0].Status != "unknown" || !strings.Contains(items[0].Note, "1.35") {
		t.Errorf("items %+v", items)
	}
}

func TestParseWithin(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "0": 0, "0d": 0} {
		if got, err := ParseWithin(in); err != nil || got != want {
			t.Errorf("ParseWithin(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "90", "d", "1.5d", "-1d", "-1h", "999999999d"} {
		if _, err := ParseWithin(in); err == nil {
			t.Errorf("ParseWithin(%q) should fail", in)
		}
	}
}

func TestHelpTeaches(t *testing.T) {
	cmd := NewCommand(cmdutil.IOStreams{}, &cmdutil.GlobalOptions{})
	for _, want := range []string{"lead time", "overdue", "--ics", "Exit codes", "unknown", "2 weeks"} {
		if !strings.Contains(cmd.Long, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	if f := cmd.Flags().Lookup("now"); f == nil || !f.Hidden {
		t.Error("--now should be a hidden flag")
	}
}
