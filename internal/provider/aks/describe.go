package aks

import (
	"context"
	"slices"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/kubehop/kubehop/internal/provider"
)

// Describe implements provider.Cloud: the managed cluster
// (ManagedClusters.Get) and its agent pools (AgentPools list, every
// page), in the order AKS lists them.
//
// A version is the one running, currentKubernetesVersion for the control
// plane and currentOrchestratorVersion for a pool, or the one asked for
// (kubernetesVersion, orchestratorVersion) when AKS does not report it.
// Status is the provisioning state ("Succeeded", "Upgrading"...); a pool's
// ReleaseVersion is its node image version and Nodes its count.
func (a *AKS) Describe(ctx context.Context) (*provider.ClusterInfo, error) {
	mc, err := a.managedCluster(ctx)
	if err != nil {
		return nil, err
	}
	info := &provider.ClusterInfo{Name: a.cluster, Version: clusterVersion(mc.Properties), Status: deref(mc.Properties.ProvisioningState)}
	if mc.Name != nil {
		info.Name = *mc.Name
	}
	pager := a.pools.NewListPager(a.resourceGroup, a.cluster, nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, a.errorf("list agent pools: %w", armErr(err))
		}
		for _, ap := range page.Value {
			if ap != nil && ap.Properties != nil {
				info.Pools = append(info.Pools, poolInfo(ap))
			}
		}
	}
	return info, nil
}

// managedCluster reads the managed cluster, with its properties.
func (a *AKS) managedCluster(ctx context.Context) (armcontainerservice.ManagedCluster, error) {
	got, err := a.clusters.Get(ctx, a.resourceGroup, a.cluster, nil)
	if err != nil {
		return armcontainerservice.ManagedCluster{}, a.errorf("read the managed cluster: %w", armErr(err))
	}
	if got.Properties == nil {
		return armcontainerservice.ManagedCluster{}, a.errorf("read the managed cluster: the answer has no properties")
	}
	return got.ManagedCluster, nil
}

// agentPool reads an agent pool, with its properties.
func (a *AKS) agentPool(ctx context.Context, name string) (armcontainerservice.AgentPool, error) {
	got, err := a.pools.Get(ctx, a.resourceGroup, a.cluster, name, nil)
	if err != nil {
		return armcontainerservice.AgentPool{}, a.errorf("agent pool %s: read: %w", name, armErr(err))
	}
	if got.Properties == nil {
		return armcontainerservice.AgentPool{}, a.errorf("agent pool %s: read: the answer has no properties", name)
	}
	return got.AgentPool, nil
}

// clusterVersion is the version the control plane runs, or the one asked
// for when AKS does not report it.
func clusterVersion(p *armcontainerservice.ManagedClusterProperties) string {
	if v := deref(p.CurrentKubernetesVersion); v != "" {
		return v
	}
	return deref(p.KubernetesVersion)
}

// poolVersion is the version an agent pool runs, or the one asked for.
func poolVersion(p *armcontainerservice.ManagedClusterAgentPoolProfileProperties) string {
	if v := deref(p.CurrentOrchestratorVersion); v != "" {
		return v
	}
	return deref(p.OrchestratorVersion)
}

func poolInfo(ap *armcontainerservice.AgentPool) provider.PoolInfo {
	p := ap.Properties
	return provider.PoolInfo{
		Name:           deref(ap.Name),
		Version:        poolVersion(p),
		Status:         deref(p.ProvisioningState),
		ReleaseVersion: deref(p.NodeImageVersion),
		Nodes:          int(deref(p.Count)),
	}
}

// UpgradeProfile returns the versions AKS offers the control plane from
// the one it runs (ManagedClusters.GetUpgradeProfile, as az aks
// get-upgrades shows them), oldest first. Preview versions are left out:
// kubehop plans upgrades of production clusters onto GA versions only.
func (a *AKS) UpgradeProfile(ctx context.Context) ([]string, error) {
	got, err := a.clusters.GetUpgradeProfile(ctx, a.resourceGroup, a.cluster, nil)
	if err != nil {
		return nil, a.errorf("control plane: upgrade profile: %w", armErr(err))
	}
	props := got.Properties
	if props == nil || props.ControlPlaneProfile == nil {
		return nil, a.errorf("control plane: upgrade profile: the answer has no control plane profile")
	}
	var out []string
	for _, u := range props.ControlPlaneProfile.Upgrades {
		if u != nil {
			out = appendGA(out, u.KubernetesVersion, u.IsPreview)
		}
	}
	return sortVersions(out), nil
}

// PoolUpgradeProfile returns the versions AKS offers agent pool pool from
// the one it runs (AgentPools.GetUpgradeProfile), oldest first, preview
// versions left out. A pool is offered no version newer than the control
// plane's.
func (a *AKS) PoolUpgradeProfile(ctx context.Context, pool string) ([]string, error) {
	got, err := a.pools.GetUpgradeProfile(ctx, a.resourceGroup, a.cluster, pool, nil)
	if err != nil {
		return nil, a.errorf("agent pool %s: upgrade profile: %w", pool, armErr(err))
	}
	if got.Properties == nil {
		return nil, a.errorf("agent pool %s: upgrade profile: the answer has no properties", pool)
	}
	var out []string
	for _, u := range got.Properties.Upgrades {
		if u != nil {
			out = appendGA(out, u.KubernetesVersion, u.IsPreview)
		}
	}
	return sortVersions(out), nil
}

// appendGA appends version unless it is empty or a preview.
func appendGA(out []string, version *string, preview *bool) []string {
	if v := deref(version); v != "" && !deref(preview) && !slices.Contains(out, v) {
		out = append(out, v)
	}
	return out
}

func sortVersions(vs []string) []string {
	slices.SortFunc(vs, compareVersions)
	return vs
}
