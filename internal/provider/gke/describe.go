package gke

import (
	"context"
	"strings"

	"cloud.google.com/go/container/apiv1/containerpb"

	"github.com/kubehop/kubehop/internal/provider"
)

// Describe implements provider.Cloud with GetCluster: the control plane's
// version and status, and each node pool in the order GKE lists them.
//
// A pool's Nodes is its initial node count times its zones: GKE gives a
// pool's node count per zone and does not report how many nodes it runs
// now (the managed instance groups do), so an autoscaled or resized pool
// shows the size it was created with.
func (g *GKE) Describe(ctx context.Context) (*provider.ClusterInfo, error) {
	c, err := g.getCluster(ctx)
	if err != nil {
		return nil, err
	}
	info := &provider.ClusterInfo{Name: c.GetName(), Version: c.GetCurrentMasterVersion(), Status: c.GetStatus().String()}
	for _, np := range c.GetNodePools() {
		info.Pools = append(info.Pools, poolInfo(np))
	}
	return info, nil
}

func poolInfo(np *containerpb.NodePool) provider.PoolInfo {
	zones := max(len(np.GetLocations()), 1)
	return provider.PoolInfo{
		Name:    np.GetName(),
		Version: np.GetVersion(),
		Status:  np.GetStatus().String(),
		Nodes:   int(np.GetInitialNodeCount()) * zones,
	}
}

// getCluster reads the cluster.
func (g *GKE) getCluster(ctx context.Context) (*containerpb.Cluster, error) {
	c, err := g.api.GetCluster(ctx, &containerpb.GetClusterRequest{Name: g.Cluster()}, g.reads()...)
	if err != nil {
		return nil, g.errorf("get cluster: %w", err)
	}
	return c, nil
}

// nodePool finds pool in c.
func (g *GKE) nodePool(c *containerpb.Cluster, pool string) (*containerpb.NodePool, error) {
	var names []string
	for _, np := range c.GetNodePools() {
		if np.GetName() == pool {
			return np, nil
		}
		names = append(names, np.GetName())
	}
	return nil, g.errorf("node pool %s: the cluster has no such pool (its pools: %s)", pool, strings.Join(names, ", "))
}

// ServerConfig is what GKE offers in the cluster's location
// (GetServerConfig): the versions a control plane and node pools may run,
// and each release channel's.
type ServerConfig struct {
	// DefaultVersion is the version new clusters get.
	DefaultVersion      string
	ValidMasterVersions []string
	ValidNodeVersions   []string
	Channels            []Channel
}

// Channel is one release channel's versions.
type Channel struct {
	// Name is the channel ("RAPID", "REGULAR", "STABLE", "EXTENDED").
	Name string
	// DefaultVersion is the version new clusters on the channel get;
	// UpgradeTargetVersion the one GKE auto-upgrades the channel's
	// clusters to.
	DefaultVersion       string
	UpgradeTargetVersion string
	ValidVersions        []string
}

// ServerConfig reads the versions GKE offers in the cluster's location,
// to check a plan's target before starting.
func (g *GKE) ServerConfig(ctx context.Context) (*ServerConfig, error) {
	sc, err := g.api.GetServerConfig(ctx, &containerpb.GetServerConfigRequest{Name: g.parent()}, g.reads()...)
	if err != nil {
		return nil, g.errorf("get server config: %w", err)
	}
	out := &ServerConfig{
		DefaultVersion:      sc.GetDefaultClusterVersion(),
		ValidMasterVersions: sc.GetValidMasterVersions(),
		ValidNodeVersions:   sc.GetValidNodeVersions(),
	}
	for _, ch := range sc.GetChannels() {
		out.Channels = append(out.Channels, Channel{
			Name:                 ch.GetChannel().String(),
			DefaultVersion:       ch.GetDefaultVersion(),
			UpgradeTargetVersion: ch.GetUpgradeTargetVersion(),
			ValidVersions:        ch.GetValidVersions(),
		})
	}
	return out, nil
}
