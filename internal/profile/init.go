package profile

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kubehop/kubehop/internal/inventory"
)

// FromSnapshot writes a starting profile for a cluster: its identity, the
// target, and every pool with the surge strategy. uid is the kube-system
// namespace's UID.
func FromSnapshot(s *inventory.Snapshot, name, uid, provider, target string) *Profile {
	p := &Profile{APIVersion: APIVersion, Kind: Kind, Cluster: Cluster{Name: name, Context: s.Cluster.Context, UID: uid},
		Provider: provider, Target: target}
	var pools []string
	for _, n := range s.Nodes {
		if n.Pool != "" && !slices.Contains(pools, n.Pool) {
			pools = append(pools, n.Pool)
		}
	}
	slices.Sort(pools)
	strategy := Surge
	if provider == "kubeadm" {
		strategy = InPlace
	}
	for _, pool := range pools {
		p.Pools = append(p.Pools, Pool{Name: pool, Strategy: strategy, MaxSurge: 1})
	}
	p.settingsFromNodes(s)
	return p
}

// settingsFromNodes starts the provider's section with what the nodes
// tell: the region (EKS), subscription (AKS), project and location (GKE),
// control plane hosts (kubeadm). The rest is the operator's to fill in.
func (p *Profile) settingsFromNodes(s *inventory.Snapshot) {
	var region, azureSub, gceProject string
	var controlPlanes []string
	for _, n := range s.Nodes {
		region = cmpOr(region, n.Labels["topology.kubernetes.io/region"])
		if rest, ok := strings.CutPrefix(n.ProviderID, "azure:///subscriptions/"); ok {
			azureSub = cmpOr(azureSub, strings.Split(rest, "/")[0])
		}
		if rest, ok := strings.CutPrefix(n.ProviderID, "gce://"); ok {
			gceProject = cmpOr(gceProject, strings.Split(rest, "/")[0])
		}
		if _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; ok {
			controlPlanes = append(controlPlanes, n.Name)
		}
	}
	switch p.Provider {
	case "eks":
		p.EKS = &EKS{Region: region}
	case "aks":
		p.AKS = &AKS{Subscription: azureSub}
	case "gke":
		p.GKE = &GKE{Project: gceProject, Location: region}
	case "anthos-bm":
		p.AnthosBM = &AnthosBM{}
	case "kubeadm":
		slices.Sort(controlPlanes)
		p.Kubeadm = &Kubeadm{ControlPlanes: controlPlanes}
	case "terraform":
		p.Terraform = &Terraform{}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// YAML renders the profile with a comment that says what to review.
func (p *Profile) YAML() ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# kubehop profile for cluster %s, written by kubehop init.\n", p.Cluster.Name)
	buf.WriteString("# Review the pools: their strategy (surge, inplace, bluegreen), the order\n")
	buf.WriteString("# rules (after, notConcurrentWith) and the gates (waitFor). See\n")
	buf.WriteString("# docs/kubehop.example.yaml for every field.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}
