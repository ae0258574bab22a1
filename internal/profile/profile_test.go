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
		"typo in a field":  {"    strategy: surge        # surge", "    stratgy: surge        # surge", "kubehop.yaml: line 49: field stratgy not found"},
		"unknown strategy": {"    strategy: inplace", "    strategy: rolling", "kubehop.yaml:69: pools[3].strategy: \"rolling\" is not one of"},
		"unknown pool":     {"    after: [mongodb]", "    after: [mongo]", "kubehop.yaml:60: pools[2].after[0]: \"mongo\" is not another pool"},
		"bad selector":     {"selector: app=keycloak", "selector: app==keycloak,=", "pools[2].waitFor[1].selector"},
		"bad duration":     {"timeout: 10m", "timeout: ten minutes", "line 76: \"ten minutes\" is not a duration"},
		"no uid":           {"  uid: 6f1c2f4e-8a1b-4c55-9f0e-2d7c3b1a9e10", "", "kubehop.yaml:10: cluster: name and uid are required"},
		"bad target":       {"target: \"1.37\"", "target: latest", "kubehop.yaml:36: target: \"latest\" is not a Kubernetes version"},
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

func TestProviderSettings(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("..", "..", "docs", "kubehop.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	aks := "aks:\n  subscription: 00000000-0000-0000-0000-000000000000\n  resourceGroup: rg-vantiq-prod\n  name: aks-vantiqjpinternal-prod   # default: cluster.name\n"
	if !strings.Contains(string(base), aks) {
		t.Fatal("the example's aks section changed")
	}
	swap := func(provider, section string) string {
		s := strings.Replace(string(base), "provider: aks\n", "provider: "+provider+"\n", 1)
		return strings.Replace(s, aks, section, 1)
	}
	for name, tc := range map[string]struct{ data, want string }{
		"eks":                {swap("eks", "eks:\n  region: ap-northeast-1\n"), ""},
		"gke":                {swap("gke", "gke: {project: p, location: asia-northeast1}\n"), ""},
		"anthos-bm":          {swap("anthos-bm", "anthosBM: {version: 1.16.0}\n"), ""},
		"terraform":          {swap("terraform", "terraform: {dir: infra}\n"), ""},
		"no section":         {swap("eks", ""), "kubehop.yaml:1: eks: provider eks needs its settings under eks:"},
		"other's section":    {swap("eks", "eks: {region: r}\n"+aks), "kubehop.yaml:22: aks: settings for another provider: provider is \"eks\""},
		"missing field":      {swap("aks", "aks:\n  subscription: s\n"), "kubehop.yaml:21: aks.resourceGroup: is required for provider aks"},
		"typo in a field":    {swap("eks", "eks:\n  regon: r\n"), "line 22: field regon not found"},
		"bad endpoint":       {swap("eks", "eks: {region: r, endpoint: \"::\"}\n"), "eks.endpoint: \"::\" is not a URL"},
		"kubeadm needs cps":  {swap("kubeadm", "kubeadm: {runner: ssh}\n"), "kubeadm.controlPlanes: is required"},
		"kubeadm surge pool": {swap("kubeadm", "kubeadm: {controlPlanes: [cp-1]}\n"), "kubeadm upgrades nodes in place: want inplace, not \"surge\""},
		"kubeadm runner":     {swap("kubeadm", "kubeadm: {runner: telnet, controlPlanes: [cp-1]}\n"), "kubeadm.runner: \"telnet\" is not one of ssh, local"},
	} {
		_, err := Parse("kubehop.yaml", []byte(tc.data))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalid containing %q", name, err, tc.want)
		}
	}
}
