package aks

import (
	"context"
	"slices"

	"github.com/kubehop/kubehop/internal/provider"
)

// Addons implements provider.Cloud with the managed cluster's
// addonProfiles (omsagent, azurepolicy...), sorted by name, each with
// Status "Enabled" or "Disabled".
//
// AKS has no separately versioned managed add-ons comparable to EKS's:
// an add-on runs the version AKS ships with the control plane's
// Kubernetes version and moves when the control plane does. So Version,
// Default and Compatible are empty, and kubernetesVersion, which would
// choose the versions on offer, is not used.
func (a *AKS) Addons(ctx context.Context, kubernetesVersion string) ([]provider.Addon, error) {
	mc, err := a.managedCluster(ctx)
	if err != nil {
		return nil, err
	}
	var out []provider.Addon
	for name, profile := range mc.Properties.AddonProfiles {
		status := "Disabled"
		if profile != nil && deref(profile.Enabled) {
			status = "Enabled"
		}
		out = append(out, provider.Addon{Name: name, Status: status})
	}
	slices.SortFunc(out, func(x, y provider.Addon) int {
		switch {
		case x.Name < y.Name:
			return -1
		case x.Name > y.Name:
			return 1
		}
		return 0
	})
	return out, nil
}

// UpdateAddon implements provider.Cloud. It is not supported on AKS:
// add-ons have no version of their own and move with the control plane
// (see Addons). The error wraps ErrAddonUpdateNotSupported, and through it
// errors.ErrUnsupported; nothing is sent.
func (a *AKS) UpdateAddon(_ context.Context, name, version string) (provider.Operation, error) {
	return provider.Operation{}, a.errorf("add-on %s: update to %s: %w", name, version, ErrAddonUpdateNotSupported)
}
