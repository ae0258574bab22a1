package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleProfileIsValid(t *testing.T) {
	p, err := Load(filepath.Join("..", "..", "docs", "kubehop.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	vantiq, ok := p.Pool("vantiq")
	if !ok || vantiq.After[0] != "mongodb" || len(vantiq.WaitFor) != 2 || p.Drain.Timeout.Minutes() != 10 {
		t.Errorf("example profile read as %+v", p)
	}
}

func TestProfileErrorsNameFileLineField(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "..", "docs", "kubehop.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ from, to, want string }{
		"typo in a field":  {"    strategy: surge        # surge", "    stratgy: surge        # surge", "kubehop.yaml: line 32: field stratgy not found"},
		"unknown strategy": {"    strategy: inplace", "    strategy: rolling", "kubehop.yaml:52: pools[3].strategy: \"rolling\" is not one of"},
		"unknown pool":     {"    after: [mongodb]", "    after: [mongo]", "kubehop.yaml:43: pools[2].after[0]: \"mongo\" is not another pool"},
		"bad selector":     {"selector: app=keycloak", "selector: app==keycloak,=", "pools[2].waitFor[1].selector"},
		"bad duration":     {"timeout: 10m", "timeout: ten minutes", "line 59: \"ten minutes\" is not a duration"},
		"no uid":           {"  uid: 6f1c2f4e-8a1b-4c55-9f0e-2d7c3b1a9e10", "", "kubehop.yaml:10: cluster: name and uid are required"},
		"bad target":       {"target: \"1.37\"", "target: latest", "kubehop.yaml:19: target: \"latest\" is not a Kubernetes version"},
		"malformed yaml":   {"pools:", "pools: [", "kubehop.yaml"},
		"cycle":            {"    notConcurrentWith: [vantiq]", "    after: [vantiq]", "the after rules form a cycle"},
	} {
		data := strings.Replace(string(base), tc.from, tc.to, 1)
		if data == string(base) {
			t.Fatalf("%s: %q not found in the example", name, tc.from)
		}
		_, err := Parse("kubehop.yaml", []byte(data))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalid containing %q", name, err, tc.want)
		}
	}
}
