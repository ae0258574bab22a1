package inventory

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// readHelmReleases decodes the latest revision of every Helm v3 release,
// stored as Secrets or ConfigMaps, with Helm's own storage drivers.
func readHelmReleases(ctx context.Context, c Clients, s *Snapshot, _ Options) error {
	latest := map[string]*release.Release{}
	storages := map[string]string{}
	drivers := []driver.Driver{
		driver.NewSecrets(c.Kube.CoreV1().Secrets("")),
		driver.NewConfigMaps(c.Kube.CoreV1().ConfigMaps("")),
	}
	for _, d := range drivers {
		releases, err := d.List(func(*release.Release) bool { return true })
		if err != nil {
			return fmt.Errorf("list Helm releases in %s: %w", d.Name(), err)
		}
		for _, r := range releases {
			key := r.Namespace + "/" + r.Name
			if cur, ok := latest[key]; !ok || r.Version > cur.Version {
				latest[key], storages[key] = r, d.Name()
			}
		}
	}
	for key, r := range latest {
		hr := HelmRelease{Namespace: r.Namespace, Name: r.Name, Revision: r.Version, Storage: storages[key], Manifest: r.Manifest}
		if r.Info != nil {
			hr.Status = r.Info.Status.String()
		}
		if r.Chart != nil && r.Chart.Metadata != nil {
			hr.Chart, hr.ChartVersion, hr.AppVersion = r.Chart.Metadata.Name, r.Chart.Metadata.Version, r.Chart.Metadata.AppVersion
		}
		s.HelmReleases = append(s.HelmReleases, hr)
	}
	return ctx.Err()
}
