package gke

import (
	"context"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/kubehop/kubehop/internal/provider"
)

// Addons implements provider.Cloud with the add-ons the cluster's
// addonsConfig (GetCluster) shows enabled, in the API's field order, named
// after their fields: "HttpLoadBalancing", "HorizontalPodAutoscaling",
// "GcePersistentDiskCsiDriver", "DnsCache"... each with Status "Enabled".
// An add-on is enabled when its config is present and says so: enabled
// true, or disabled false (for the add-ons GKE enables by default).
//
// GKE manages its add-ons itself: each runs the version GKE ships with the
// control plane's version and moves when the control plane does. So
// Version, Default and Compatible are empty, and kubernetesVersion, which
// would choose the versions on offer, is not used.
func (g *GKE) Addons(ctx context.Context, kubernetesVersion string) ([]provider.Addon, error) {
	c, err := g.getCluster(ctx)
	if err != nil {
		return nil, err
	}
	cfg := c.GetAddonsConfig().ProtoReflect()
	var out []provider.Addon
	fields := cfg.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if f.Kind() != protoreflect.MessageKind || !cfg.Has(f) || !enabled(cfg.Get(f).Message()) {
			continue
		}
		out = append(out, provider.Addon{Name: addonName(f), Status: "Enabled"})
	}
	return out, nil
}

// enabled reads an add-on's config: its "enabled" field, or the negation
// of its "disabled" field.
func enabled(m protoreflect.Message) bool {
	fields := m.Descriptor().Fields()
	if f := fields.ByName("enabled"); f != nil && f.Kind() == protoreflect.BoolKind {
		return m.Get(f).Bool()
	}
	if f := fields.ByName("disabled"); f != nil && f.Kind() == protoreflect.BoolKind {
		return !m.Get(f).Bool()
	}
	return false
}

// addonName is an addonsConfig field's name in CamelCase without its
// "_config" suffix: gce_persistent_disk_csi_driver_config is
// "GcePersistentDiskCsiDriver".
func addonName(f protoreflect.FieldDescriptor) string {
	var b strings.Builder
	for w := range strings.SplitSeq(strings.TrimSuffix(string(f.Name()), "_config"), "_") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// UpdateAddon implements provider.Cloud. It is not supported on GKE: GKE
// upgrades its add-ons with the control plane (see Addons). Nothing is
// sent.
func (g *GKE) UpdateAddon(_ context.Context, name, version string) (provider.Operation, error) {
	return provider.Operation{}, g.errorf("add-on %s: update to %s: not supported: GKE upgrades its add-ons with the control plane", name, version)
}
