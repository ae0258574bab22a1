package inventory

import "strings"

// PoolLabels are the node labels that name a node's pool, tried in order.
var PoolLabels = []string{
	"kubehop.dev/pool",                   // kubehop's local cluster
	"kubernetes.azure.com/agentpool",     // AKS
	"agentpool",                          // AKS (older clusters)
	"eks.amazonaws.com/nodegroup",        // EKS managed node groups
	"alpha.eksctl.io/nodegroup-name",     // eksctl self-managed node groups
	"karpenter.sh/nodepool",              // Karpenter
	"cloud.google.com/gke-nodepool",      // GKE
	"baremetal.cluster.gke.io/node-pool", // Anthos clusters on bare metal
	"node.kubernetes.io/pool",            // a common convention
}

// PoolOf returns the label that names the pool of a node with labels, and
// the pool. An explicit label, when given, is the only one tried.
func PoolOf(labels map[string]string, explicit string) (label, pool string) {
	if explicit != "" {
		return explicit, labels[explicit]
	}
	for _, l := range PoolLabels {
		if p, ok := labels[l]; ok && p != "" {
			return l, p
		}
	}
	return "", ""
}

// DetectProvider guesses which platform runs the cluster from its nodes:
// "eks", "aks", "gke", "anthos-bm", "local" (kubehop's own cluster), or ""
// when nothing tells.
func DetectProvider(s *Snapshot) string {
	for _, n := range s.Nodes {
		switch {
		case n.Labels["eks.amazonaws.com/nodegroup"] != "" || n.Labels["alpha.eksctl.io/nodegroup-name"] != "":
			return "eks"
		case n.Labels["kubernetes.azure.com/agentpool"] != "" || strings.HasPrefix(n.ProviderID, "azure://"):
			return "aks"
		case n.Labels["cloud.google.com/gke-nodepool"] != "" || strings.HasPrefix(n.ProviderID, "gce://"):
			return "gke"
		case n.Labels["baremetal.cluster.gke.io/node-pool"] != "":
			return "anthos-bm"
		case n.Labels["kubehop.dev/kwok"] != "":
			return "local"
		case strings.HasPrefix(n.ProviderID, "aws://"):
			return "eks"
		}
	}
	return ""
}
