package profile

import (
	"errors"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/inventory"
)

// TestInitFillsWhatTheNodesTell: kubehop init starts the provider's
// section with what the nodes say, and what they cannot say is left for
// the operator, named by the first load.
func TestInitFillsWhatTheNodesTell(t *testing.T) {
	node := func(name, pool, providerID string, labels map[string]string) inventory.Node {
		return inventory.Node{Name: name, Pool: pool, ProviderID: providerID, Labels: labels}
	}
	region := map[string]string{"topology.kubernetes.io/region": "ap-northeast-1"}
	for _, tc := range []struct {
		provider string
		nodes    []inventory.Node
		want     string // in the YAML
		missing  string // the first load's complaint; "" loads
	}{
		{"eks", []inventory.Node{node("n1", "VANTIQ", "aws:///ap-northeast-1a/i-0abc", region)}, "region: ap-northeast-1", ""},
		{"aks", []inventory.Node{node("n1", "vantiq", "azure:///subscriptions/1111-2222/resourceGroups/mc_rg/providers/x", nil)},
			"subscription: 1111-2222", "aks.resourceGroup: is required"},
		{"gke", []inventory.Node{node("n1", "default", "gce://my-proj/asia-northeast1-a/n1", map[string]string{"topology.kubernetes.io/region": "asia-northeast1"})},
			"project: my-proj", ""},
		{"kubeadm", []inventory.Node{node("cp-1", "", "", map[string]string{"node-role.kubernetes.io/control-plane": ""}), node("w-1", "workers", "", nil)},
			"- cp-1", ""},
		{"anthos-bm", []inventory.Node{node("n1", "np1", "baremetal://n1", nil)}, "anthosBM:", "anthosBM.version: is required"},
	} {
		p := FromSnapshot(&inventory.Snapshot{Nodes: tc.nodes}, "c", "uid", tc.provider, "1.37")
		data, err := p.YAML()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), tc.want) {
			t.Errorf("%s: profile lacks %q:\n%s", tc.provider, tc.want, data)
		}
		_, err = Parse("kubehop.yaml", data)
		switch {
		case tc.missing == "" && err != nil:
			t.Errorf("%s: %v\n%s", tc.provider, err, data)
		case tc.missing != "" && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.missing)):
			t.Errorf("%s: load: %v, want %q", tc.provider, err, tc.missing)
		}
	}
}
