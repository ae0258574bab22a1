package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
)

func runWithStdin(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Run(context.Background(), cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, args)
	return code, out.String(), errOut.String()
}

const helmTemplate = `---
# Source: web/templates/ingress.yaml
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: web
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
`

func TestCheckStdin(t *testing.T) {
	code, out, errOut := runWithStdin(helmTemplate, "check", "-f", "-", "--target", "1.37", "--from", "1.36", "-o", "json")
	if code != exitcode.Blockers {
		t.Fatalf("exit code %d, want %d; stderr %s", code, exitcode.Blockers, errOut)
	}
	var r struct {
		Findings []struct {
			Check    string `json:"check"`
			Hop      string `json:"hop"`
			Location struct {
				File string `json:"file"`
				Line int    `json:"line"`
			} `json:"location"`
			Message string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(r.Findings) != 1 || r.Findings[0].Check != "KH-API-001" || r.Findings[0].Location.File != "-" || r.Findings[0].Location.Line != 3 ||
		!strings.Contains(r.Findings[0].Message, "networking.k8s.io/v1") || r.Findings[0].Hop != "baseline" {
		t.Errorf("findings %+v", r.Findings)
	}
}

func TestCheckOutputFormats(t *testing.T) {
	for format, want := range map[string]string{
		"text":     "extensions/v1beta1 Ingress was removed in Kubernetes 1.22",
		"markdown": "| blocker | KH-API-001 |",
		"junit":    `<failure type="blocker"`,
		"sarif":    `"ruleId": "KH-API-001"`,
		"yaml":     "check: KH-API-001",
	} {
		code, out, errOut := runWithStdin(helmTemplate, "check", "-f", "-", "--target", "1.37", "-o", format)
		if code != exitcode.Blockers || !strings.Contains(out, want) {
			t.Errorf("-o %s: exit %d, output lacks %q:\n%s\n%s", format, code, want, out, errOut)
		}
	}
}

func TestCheckCleanManifestsExitZero(t *testing.T) {
	code, out, _ := runWithStdin("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n", "check", "-f", "-", "--target", "1.37")
	if code != exitcode.OK || !strings.Contains(out, "No findings") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestCheckBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badData := write("apis.yaml", "schemaVersion: 1\nlatestRelease: \"1.37\"\napis:\n- apiVersion: extensions/v1beta1\n  kind: Ingress\n  removedIn: \"1.22\"\n  replacment: networking.k8s.io/v1\n")
	badMap := write("releases.yaml", "apps:\n- name: vantiq\n  image: vantiq/vantiq-server\n  relases: []\n")
	badSnap := write("snap.json", "{\n  \"apiVersion\": \"kubehop.dev/snapshot/v1\",\n  \"nodes\": 3\n}\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "-f", "-"}, "--target"},
		{[]string{"check", "-f", "-", "--target", "1.99"}, "1.99"},
		{[]string{"check", "-f", "-", "--target", "latest"}, "latest"},
		{[]string{"check", "-f", "-", "--target", "1.35", "--from", "1.36"}, "downgrade"},
		{[]string{"check", "-f", "-", "--target", "1.37", "--api-data", badData}, "apis.yaml:7"},
		{[]string{"check", "-f", "-", "--target", "1.37", "--release-map", badMap}, "releases.yaml: line 4: field relases not found"},
		{[]string{"check", "--snapshot", badSnap, "--target", "1.37"}, "snap.json:3: field nodes"},
		{[]string{"check", "-f", filepath.Join(dir, "missing"), "--target", "1.37"}, "missing"},
		{[]string{"check", "-f", "-", "--target", "1.37", "--window-end", "next tuesday"}, "--window-end"},
		{[]string{"check", "-f", "-", "--target", "1.37", "-o", "html"}, "--output"},
	} {
		code, out, errOut := runWithStdin("", tc.args...)
		if code != exitcode.BadInput || out != "" || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "Error:") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one error naming %q", tc.args, code, out, errOut, tc.want)
		}
	}
}
