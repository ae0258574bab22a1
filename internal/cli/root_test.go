package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Run(context.Background(), cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
	return code, out.String(), errOut.String()
}

func TestHelpTeachesTheWorkflow(t *testing.T) {
	code, out, _ := run("--help")
	if code != exitcode.OK {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"check", "plan", "apply", "verify", "resume", "demo", "Exit codes"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %q:\n%s", want, out)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	code, out, _ := run("version", "-o", "json")
	if code != exitcode.OK {
		t.Fatalf("exit code %d", code)
	}
	var v struct {
		Version      string `json:"version"`
		LocalCluster struct {
			Kubernetes map[string]string `json:"kubernetes"`
		} `json:"localCluster"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if v.Version == "" || v.LocalCluster.Kubernetes["1.36"] == "" {
		t.Errorf("incomplete version: %+v", v)
	}
}

func TestBadInputExitsWithCode2(t *testing.T) {
	for _, args := range [][]string{
		{"version", "--no-such-flag"},
		{"version", "-o", "xml"},
		{"demo", "--kubernetes-version", "1.12"},
		{"demo", "--timeout", "0s"},
		{"verify"},
		{"verify", "--target", "1.37", "-o", "xml"},
		{"verify", "--target", "1.37", "--since", "yesterday"},
		{"verify", "--baseline", "/no/such/snapshot.json"},
		{"report", "-o", "pdf"},
		{"report", "-p", "/no/such/kubehop.yaml"},
	} {
		code, out, errOut := run(args...)
		if code != exitcode.BadInput {
			t.Errorf("%v: exit code %d, want %d (stderr %q)", args, code, exitcode.BadInput, errOut)
		}
		if out != "" || !strings.HasPrefix(errOut, "Error: ") {
			t.Errorf("%v: want one error on stderr and nothing on stdout, got %q and %q", args, out, errOut)
		}
	}
}
