package gketest

import (
	"cloud.google.com/go/container/apiv1/containerpb"
)

// The cluster the server starts with: a zonal GKE cluster before its
// 1.29 → 1.30 hop.
const (
	// Project is the project's ID; ProjectNumber its number, which GKE
	// uses in self and target links.
	Project       = "kubehop-prod"
	ProjectNumber = "123456789012"
	// Location is the cluster's zone.
	Location = "europe-west1-b"
	// ClusterName is the cluster's name.
	ClusterName = "vantiq-prod"
	// MasterVersion is the version the control plane and the pools run.
	MasterVersion = "1.29.8-gke.1211000"
)

// ClusterPath is the cluster's full resource name.
const ClusterPath = "projects/" + Project + "/locations/" + Location + "/clusters/" + ClusterName

// Versions the server config offers, newest first.
var (
	masterVersions = []string{
		"1.31.1-gke.1678000",
		"1.30.5-gke.1443001",
		"1.30.5-gke.1014001",
		"1.29.9-gke.1496000",
		MasterVersion,
	}
	nodeVersions = append(append([]string(nil), masterVersions...),
		"1.28.14-gke.1175000",
		"1.28.13-gke.1078000",
	)
)

// Pool names.
const (
	PoolVantiq   = "vantiq"
	PoolMongoDB  = "mongodb"
	PoolKeycloak = "keycloak"
)

func (s *Server) seed() {
	s.cluster = &containerpb.Cluster{
		Name:                  ClusterName,
		Location:              Location,
		Zone:                  Location,
		Locations:             []string{"europe-west1-b", "europe-west1-c", "europe-west1-d"},
		CurrentMasterVersion:  MasterVersion,
		CurrentNodeVersion:    MasterVersion,
		InitialClusterVersion: "1.27.3-gke.100",
		Status:                containerpb.Cluster_RUNNING,
		SelfLink:              link("clusters/" + ClusterName),
		ReleaseChannel:        &containerpb.ReleaseChannel{Channel: containerpb.ReleaseChannel_REGULAR},
		AddonsConfig: &containerpb.AddonsConfig{
			HttpLoadBalancing:                &containerpb.HttpLoadBalancing{},
			HorizontalPodAutoscaling:         &containerpb.HorizontalPodAutoscaling{},
			KubernetesDashboard:              &containerpb.KubernetesDashboard{Disabled: true},
			NetworkPolicyConfig:              &containerpb.NetworkPolicyConfig{Disabled: true},
			DnsCacheConfig:                   &containerpb.DnsCacheConfig{Enabled: true},
			GcePersistentDiskCsiDriverConfig: &containerpb.GcePersistentDiskCsiDriverConfig{Enabled: true},
			GcpFilestoreCsiDriverConfig:      &containerpb.GcpFilestoreCsiDriverConfig{},
		},
	}
	for _, p := range []struct {
		name, machine string
		perZone       int32
		zones         []string
	}{
		{PoolVantiq, "e2-standard-4", 3, []string{"europe-west1-b"}},
		{PoolMongoDB, "n2-highmem-4", 1, []string{"europe-west1-b", "europe-west1-c", "europe-west1-d"}},
		{PoolKeycloak, "e2-standard-2", 2, []string{"europe-west1-b"}},
	} {
		s.cluster.NodePools = append(s.cluster.NodePools, &containerpb.NodePool{
			Name:             p.name,
			Config:           &containerpb.NodeConfig{MachineType: p.machine, ImageType: "COS_CONTAINERD", DiskSizeGb: 100},
			InitialNodeCount: p.perZone,
			Locations:        p.zones,
			Version:          MasterVersion,
			Status:           containerpb.NodePool_RUNNING,
			SelfLink:         link("clusters/" + ClusterName + "/nodePools/" + p.name),
			Management:       &containerpb.NodeManagement{AutoRepair: true},
			UpgradeSettings: &containerpb.NodePool_UpgradeSettings{
				MaxSurge: 1, Strategy: containerpb.NodePoolUpdateStrategy_SURGE.Enum(),
			},
		})
	}
	s.config = &containerpb.ServerConfig{
		DefaultClusterVersion: "1.30.5-gke.1014001",
		ValidMasterVersions:   masterVersions,
		ValidNodeVersions:     nodeVersions,
		DefaultImageType:      "COS_CONTAINERD",
		ValidImageTypes:       []string{"COS_CONTAINERD", "UBUNTU_CONTAINERD"},
		Channels: []*containerpb.ServerConfig_ReleaseChannelConfig{
			{
				Channel: containerpb.ReleaseChannel_RAPID, DefaultVersion: "1.31.1-gke.1678000",
				UpgradeTargetVersion: "1.31.1-gke.1678000", ValidVersions: masterVersions[:2],
			},
			{
				Channel: containerpb.ReleaseChannel_REGULAR, DefaultVersion: "1.30.5-gke.1014001",
				UpgradeTargetVersion: "1.30.5-gke.1014001", ValidVersions: masterVersions[1:4],
			},
			{
				Channel: containerpb.ReleaseChannel_STABLE, DefaultVersion: "1.29.9-gke.1496000",
				UpgradeTargetVersion: "1.29.9-gke.1496000", ValidVersions: masterVersions[3:],
			},
		},
	}
}

// link is the URL GKE gives a resource of the cluster's zone in self and
// target links: https://container.googleapis.com/v1/projects/NUMBER/zones/ZONE/path.
func link(path string) string {
	return "https://container.googleapis.com/v1/projects/" + ProjectNumber + "/zones/" + Location + "/" + path
}
