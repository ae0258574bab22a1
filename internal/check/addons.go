package check

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

var addonsCheck = &Check{
	ID: "KH-ADDON-001", Title: "Control-plane add-ons that must move with the control plane", Severity: Warning,
	Applies: "every hop",
	Remedy: "Upgrade the add-on right after the control plane of this hop (kube-proxy to the same minor; CoreDNS to at least the version kubeadm ships " +
		"with that minor; on EKS and AKS through the provider's add-on API).",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, w := range in.Snapshot.Workloads {
			if w.Namespace != "kube-system" || w.Owner != nil {
				continue
			}
			for _, image := range w.Images {
				tag, ok := imageVersion(image)
				if !ok {
					continue
				}
				switch {
				case strings.Contains(image, "kube-proxy"):
					for _, h := range in.Hops {
						if tag.Minor() < h.To.Minor() {
							out = append(out, c.finding(h.String(), w.Kind+" "+w.Namespace+"/"+w.Name,
								"kube-proxy %s is older than the %s control plane; move it to %s with this hop", tag, minor(h.To), minor(h.To)))
						}
					}
				case strings.Contains(image, "coredns"):
					for _, h := range in.Hops {
						want, ok := in.Policy.CoreDNS[minor(h.To)]
						if !ok {
							continue
						}
						if wv, err := version.ParseGeneric(want); err == nil && tag.LessThan(wv) {
							out = append(out, c.finding(h.String(), w.Kind+" "+w.Namespace+"/"+w.Name,
								"CoreDNS %s is older than %s, which Kubernetes %s ships with", tag, want, minor(h.To)))
						}
					}
				}
			}
		}
		return out
	},
}

// imageVersion reads the version in an image's tag, such as v1.36.3 in
// registry.k8s.io/kube-proxy:v1.36.3.
func imageVersion(image string) (*version.Version, bool) {
	if at := strings.Index(image, "@"); at >= 0 {
		image = image[:at]
	}
	colon := strings.LastIndex(image, ":")
	if colon < 0 || colon < strings.LastIndex(image, "/") {
		return nil, false
	}
	v, err := version.ParseGeneric(strings.SplitN(image[colon+1:], "-", 2)[0])
	return v, err == nil
}
