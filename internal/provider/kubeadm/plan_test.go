package kubeadm_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider/kubeadm"
)

// planV127 is `kubeadm upgrade plan` of kubeadm v1.27: tables without a
// NODE column.
const planV127 = `[preflight] Running pre-flight checks.
[upgrade/config] Reading configuration from the cluster...
[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'
[upgrade] Running cluster health checks
[upgrade] Fetching available versions to upgrade to
[upgrade/versions] Cluster version: v1.26.3
[upgrade/versions] kubeadm version: v1.27.1
I0101 12:00:00.000000   12345 version.go:256] remote version is much newer: v1.30.0; falling back to: stable-1.27
[upgrade/versions] Target version: v1.27.1
[upgrade/versions] Latest version in the v1.26 series: v1.26.5

Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':
COMPONENT   CURRENT       TARGET
kubelet     3 x v1.26.3   v1.26.5

Upgrade to the latest version in the v1.26 series:

COMPONENT                 CURRENT   TARGET
kube-apiserver            v1.26.3   v1.26.5
kube-controller-manager   v1.26.3   v1.26.5
kube-scheduler            v1.26.3   v1.26.5
kube-proxy                v1.26.3   v1.26.5
CoreDNS                   v1.9.3    v1.9.3
etcd                      3.5.6-0   3.5.6-0

You can now apply the upgrade by executing the following command:

	kubeadm upgrade apply v1.26.5

_____________________________________________________________________

Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':
COMPONENT   CURRENT       TARGET
kubelet     3 x v1.26.3   v1.27.1

Upgrade to the latest stable version:

COMPONENT                 CURRENT   TARGET
kube-apiserver            v1.26.3   v1.27.1
kube-controller-manager   v1.26.3   v1.27.1
kube-scheduler            v1.26.3   v1.27.1
kube-proxy                v1.26.3   v1.27.1
CoreDNS                   v1.9.3    v1.10.1
etcd                      3.5.6-0   3.5.7-0

You can now apply the upgrade by executing the following command:

	kubeadm upgrade apply v1.27.1

_____________________________________________________________________


The table below shows the current state of component configs as understood by this version of kubeadm.
Configs that have a "yes" mark in the "MANUAL UPGRADE REQUIRED" column require manual config upgrade or
resetting to kubeadm defaults before a successful upgrade can be performed. The version to manually
upgrade to is denoted in the "PREFERRED VERSION" column.

API GROUP                 CURRENT VERSION   PREFERRED VERSION   MANUAL UPGRADE REQUIRED
kubeproxy.config.k8s.io   v1alpha1          v1alpha1            no
kubelet.config.k8s.io     v1beta1           v1beta1             no
_____________________________________________________________________

`

// planV131 is the shape of kubeadm v1.28 and later: a NODE column, empty
// for cluster-wide components, and a Note when kubeadm is older.
const planV131 = `[upgrade/versions] Cluster version: v1.30.2
[upgrade/versions] kubeadm version: v1.30.2
[upgrade/versions] Target version: v1.31.0-rc.1
[upgrade/versions] Latest version in the v1.30 series: v1.30.2

Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':
COMPONENT   NODE      CURRENT   TARGET
kubelet     cp1       v1.30.2   v1.31.0-rc.1
kubelet     worker1   v1.30.1   v1.31.0-rc.1

Upgrade to the latest release candidate version:

COMPONENT                 NODE      CURRENT   TARGET
kube-apiserver            cp1       v1.30.2   v1.31.0-rc.1
kube-proxy                          1.30.2    v1.31.0-rc.1
CoreDNS                             v1.11.1   v1.11.1
etcd                      cp1       3.5.12-0  3.5.15-0

You can now apply the upgrade by executing the following command:

	kubeadm upgrade apply v1.31.0-rc.1 --allow-release-candidate-upgrades

Note: Before you can perform this upgrade, you have to update kubeadm to v1.31.0-rc.1.

_____________________________________________________________________

`

func TestParsePlan(t *testing.T) {
	p, err := kubeadm.ParsePlan(planV127)
	if err != nil {
		t.Fatal(err)
	}
	comps := func(to string, dns string) []kubeadm.Component {
		c := []kubeadm.Component{}
		for _, n := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
			c = append(c, kubeadm.Component{Name: n, Current: "v1.26.3", Target: to})
		}
		etcd := "3.5.6-0"
		if to == "v1.27.1" {
			etcd = "3.5.7-0"
		}
		return append(c, kubeadm.Component{Name: "CoreDNS", Current: "v1.9.3", Target: dns}, kubeadm.Component{Name: "etcd", Current: "3.5.6-0", Target: etcd})
	}
	want := &kubeadm.UpgradePlan{
		ClusterVersion: "v1.26.3", KubeadmVersion: "v1.27.1", TargetVersion: "v1.27.1",
		Upgrades: []kubeadm.AvailableUpgrade{
			{
				Description: "version in the v1.26 series", Version: "v1.26.5",
				Kubelets:   []kubeadm.Component{{Name: "kubelet", Current: "3 x v1.26.3", Target: "v1.26.5"}},
				Components: comps("v1.26.5", "v1.9.3"),
			},
			{
				Description: "stable version", Version: "v1.27.1",
				Kubelets:   []kubeadm.Component{{Name: "kubelet", Current: "3 x v1.26.3", Target: "v1.27.1"}},
				Components: comps("v1.27.1", "v1.10.1"),
			},
		},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("ParsePlan (-want +got):\n%s", diff)
	}
	if p.UpToDate() {
		t.Errorf("UpToDate with two upgrades on offer")
	}
	if u, ok := p.Offers("1.27.1"); !ok || u.Description != "stable version" {
		t.Errorf("Offers(1.27.1) = %+v, %v", u, ok)
	}
	if _, ok := p.Offers("v1.28.0"); ok {
		t.Errorf("Offers(v1.28.0) = true")
	}
}

func TestParsePlanNodeColumn(t *testing.T) {
	p, err := kubeadm.ParsePlan(planV131)
	if err != nil {
		t.Fatal(err)
	}
	want := kubeadm.AvailableUpgrade{
		Description: "release candidate version", Version: "v1.31.0-rc.1",
		Flags: []string{"--allow-release-candidate-upgrades"},
		Kubelets: []kubeadm.Component{
			{Name: "kubelet", Node: "cp1", Current: "v1.30.2", Target: "v1.31.0-rc.1"},
			{Name: "kubelet", Node: "worker1", Current: "v1.30.1", Target: "v1.31.0-rc.1"},
		},
		Components: []kubeadm.Component{
			{Name: "kube-apiserver", Node: "cp1", Current: "v1.30.2", Target: "v1.31.0-rc.1"},
			{Name: "kube-proxy", Current: "1.30.2", Target: "v1.31.0-rc.1"},
			{Name: "CoreDNS", Current: "v1.11.1", Target: "v1.11.1"},
			{Name: "etcd", Node: "cp1", Current: "3.5.12-0", Target: "3.5.15-0"},
		},
		KubeadmRequired: "v1.31.0-rc.1",
	}
	if len(p.Upgrades) != 1 {
		t.Fatalf("upgrades = %+v, want one", p.Upgrades)
	}
	if diff := cmp.Diff(want, p.Upgrades[0]); diff != "" {
		t.Errorf("upgrade (-want +got):\n%s", diff)
	}
	if p.ClusterVersion != "v1.30.2" || p.TargetVersion != "v1.31.0-rc.1" {
		t.Errorf("versions = %+v", p)
	}
}

func TestParsePlanUpToDate(t *testing.T) {
	out := "[upgrade/versions] Cluster version: v1.27.1\n[upgrade/versions] kubeadm version: v1.27.1\n[upgrade/versions] Target version: v1.27.1\n[upgrade/versions] Latest version in the v1.27 series: v1.27.1\n\n"
	p, err := kubeadm.ParsePlan(out)
	if err != nil {
		t.Fatal(err)
	}
	if !p.UpToDate() || p.ClusterVersion != "v1.27.1" || p.KubeadmVersion != "v1.27.1" {
		t.Errorf("plan = %+v, want up to date at v1.27.1", p)
	}
}

func TestParsePlanErrors(t *testing.T) {
	tests := []struct{ name, out, want string }{
		{name: "empty", out: "", want: "Cluster version"},
		{name: "no versions", out: "[preflight] Running pre-flight checks.\n", want: "Cluster version"},
		{name: "no apply command", out: "[upgrade/versions] Cluster version: v1.26.3\nUpgrade to the latest stable version:\n\nCOMPONENT   CURRENT   TARGET\nkube-apiserver   v1.26.3   v1.27.1\n", want: "stable version has no \"kubeadm upgrade apply\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := kubeadm.ParsePlan(tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
