package check

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

var appCompatCheck = &Check{
	ID: "KH-APP-001", Title: "Application support for the target version", Severity: Blocker,
	Applies: "every hop, with --release-map",
	Remedy:  "Upgrade the application to a release that supports the hop's Kubernetes version first (ask the vendor), or stop at the last supported version.",
	Run: func(in *Input, c *Check) []Finding {
		if in.ReleaseMap == nil || in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, app := range in.ReleaseMap.Apps {
			tag, where := runningTag(in, app.Image)
			object := "application " + app.Name
			if tag == "" {
				f := c.finding(Baseline, object, "no workload runs image %s, so its version is unknown", app.Image)
				f.Severity = Warning
				out = append(out, f)
				continue
			}
			rel, ok := releaseFor(app, tag)
			if !ok {
				f := c.finding(Baseline, object, "%s runs %s:%s, a release the release map does not list", where, app.Image, tag)
				f.Severity = Warning
				out = append(out, f)
				continue
			}
			minors := in.Hops
			if len(minors) == 0 && in.Current == nil {
				minors = []Hop{{From: in.Target, To: in.Target}}
			}
			for _, h := range minors {
				if slices.Contains(rel.Kubernetes, minor(h.To)) {
					continue
				}
				hop := h.String()
				if in.Current == nil {
					hop = "→" + minor(h.To)
				}
				f := c.finding(hop, object, "%s runs release %s (%s), which does not support Kubernetes %s (it supports %s)",
					where, rel.Version, tag, minor(h.To), strings.Join(rel.Kubernetes, ", "))
				if better := releasesSupporting(app, minor(in.Target)); len(better) > 0 {
					f.Remedy = fmt.Sprintf("Upgrade %s to %s first; those releases support Kubernetes %s.", app.Name, strings.Join(better, " or "), minor(in.Target))
				}
				out = append(out, f)
				break
			}
		}
		return out
	},
}

// runningTag finds the tag of image in the snapshot's workloads.
func runningTag(in *Input, image string) (tag, where string) {
	for _, w := range in.Snapshot.Workloads {
		for _, img := range w.Images {
			repo, t, ok := strings.Cut(img, ":")
			if ok && (repo == image || strings.HasSuffix(repo, "/"+image)) && !strings.Contains(t, "/") {
				return t, w.Kind + " " + w.Namespace + "/" + w.Name
			}
		}
	}
	return "", ""
}

// releaseFor returns the most specific release whose version is tag or a
// prefix of it at a dot.
func releaseFor(app App, tag string) (AppRelease, bool) {
	var best AppRelease
	found := false
	for _, r := range app.Releases {
		v := strings.TrimPrefix(r.Version, "v")
		t := strings.TrimPrefix(tag, "v")
		if (t == v || strings.HasPrefix(t, v+".")) && len(r.Version) > len(best.Version) {
			best, found = r, true
		}
	}
	return best, found
}

func releasesSupporting(app App, m string) []string {
	var out []string
	for _, r := range app.Releases {
		if slices.Contains(r.Kubernetes, m) {
			out = append(out, r.Version)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		va, ea := version.ParseGeneric(a)
		vb, eb := version.ParseGeneric(b)
		if ea != nil || eb != nil {
			return strings.Compare(a, b)
		}
		if va.LessThan(vb) {
			return -1
		}
		if vb.LessThan(va) {
			return 1
		}
		return 0
	})
	return out
}
