package akstest

import "time"

// The cluster the server starts with: the AKS cluster of the seed runbook
// ("vantiq_cluster_name = vantiq", cluster_version 1.22.15) before its hop
// to 1.23.
const (
	// SubscriptionID, ResourceGroup and ClusterName name the seeded
	// managed cluster; Location is its region.
	SubscriptionID = "6d3a9f1e-2b4c-4e8d-9f70-3c1b5a7e8d21"
	ResourceGroup  = "rg-vantiq-prod-aks"
	ClusterName    = "vantiq"
	Location       = "japaneast"
	// StartVersion is the seeded control plane's and pools' version.
	StartVersion = "1.22.15"
)

// Seeded agent pool names, in the order the server lists them.
const (
	PoolVantiq   = "vantiq"
	PoolMongoDB  = "mongodb"
	PoolKeycloak = "keycloak"
	PoolGrafana  = "grafana"
	PoolMetrics  = "metrics"
)

// SeededMaxSurge is every seeded pool's upgradeSettings.maxSurge.
const SeededMaxSurge = "33%"

// seededAt is when the seeded operations' clock starts.
var seededAt = time.Date(2023, 3, 1, 9, 0, 0, 0, time.UTC)

// catalog are the Kubernetes versions the server offers, per minor, oldest
// first; the last of a minor is what the minor alone ("1.23") means.
var catalog = map[string][]string{
	"1.22": {"1.22.11", "1.22.15"},
	"1.23": {"1.23.12", "1.23.15"},
	"1.24": {"1.24.9", "1.24.10"},
}

// nodeImages are the node image versions per minor.
var nodeImages = map[string]string{
	"1.22": "AKSUbuntu-1804gen2containerd-2022.10.03",
	"1.23": "AKSUbuntu-1804gen2containerd-2023.01.10",
	"1.24": "AKSUbuntu-1804gen2containerd-2023.02.15",
}

func (s *Server) seed() {
	s.cluster = &cluster{
		kubernetesVersion: StartVersion,
		current:           StartVersion,
		state:             stateSucceeded,
		etag:              s.newETag(),
		addons: map[string]wireAddonProfile{
			"omsagent": {Enabled: true, Config: map[string]string{
				"logAnalyticsWorkspaceResourceID": "/subscriptions/" + SubscriptionID + "/resourceGroups/" + ResourceGroup + "/providers/Microsoft.OperationalInsights/workspaces/log-vantiq-prod",
			}},
			"azurepolicy":                  {Enabled: false},
			"azureKeyvaultSecretsProvider": {Enabled: true, Config: map[string]string{"enableSecretRotation": "false"}},
		},
	}
	for _, p := range []struct {
		name, mode, size string
		count            int32
	}{
		{PoolVantiq, "System", "Standard_F4s_v2", 3},
		{PoolMongoDB, "User", "Standard_E4s_v3", 3},
		{PoolKeycloak, "User", "Standard_F2s_v2", 1},
		{PoolGrafana, "User", "Standard_B2ms", 1},
		{PoolMetrics, "User", "Standard_B2ms", 1},
	} {
		surge := SeededMaxSurge
		s.pools = append(s.pools, &pool{
			name: p.name, mode: p.mode, vmSize: p.size, count: p.count,
			typ:                 "VirtualMachineScaleSets",
			orchestratorVersion: StartVersion,
			current:             StartVersion,
			nodeImage:           nodeImages["1.22"],
			state:               stateSucceeded,
			etag:                s.newETag(),
			maxSurge:            &surge,
			labels:              map[string]string{"vantiq.com/workload-preference": p.name},
		})
	}
}
