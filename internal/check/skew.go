package check

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

var hopPathCheck = &Check{
	ID: "KH-VER-001", Title: "Upgrade path: one minor version per hop", Severity: Info,
	Applies: "upgrades of more than one minor",
	Remedy:  "kubehop plan upgrades the control plane and every node pool at each hop before the next; each hop is a full upgrade.",
	Run: func(in *Input, c *Check) []Finding {
		if len(in.Hops) < 2 {
			return nil
		}
		var names []string
		for _, h := range in.Hops {
			names = append(names, h.String())
		}
		return []Finding{c.finding(Baseline, "cluster", "%s to %s takes %d hops: %s (the control plane moves one minor at a time)",
			in.Current, minor(in.Target), len(in.Hops), strings.Join(names, ", "))}
	},
}

var kubeletSkewCheck = &Check{
	ID: "KH-VER-002", Title: "Kubelet version skew", Severity: Blocker,
	Applies: "every hop",
	Remedy:  "Upgrade the node pool to within the allowed skew before this hop (kubelets may lag the API server by 3 minors from 1.28, 2 before, and never be newer).",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil || in.Current == nil {
			return nil
		}
		var out []Finding
		for _, n := range in.Snapshot.Nodes {
			kv, err := version.ParseGeneric(n.KubeletVersion)
			if err != nil {
				out = append(out, c.finding(Baseline, "node "+n.Name, "kubelet version %q cannot be read", n.KubeletVersion))
				continue
			}
			if kv.Minor() > in.Current.Minor() {
				out = append(out, c.finding(Baseline, "node "+n.Name, "kubelet %s is newer than the %s control plane", n.KubeletVersion, in.Current))
				continue
			}
			for _, h := range in.Hops {
				skew := in.Policy.KubeletSkew(h.To)
				if int(h.To.Minor())-int(kv.Minor()) > skew {
					out = append(out, c.finding(h.String(), nodeObject(n.Name, n.Pool),
						"kubelet %s would lag a %s control plane by %d minors; at most %d is allowed", n.KubeletVersion, minor(h.To), h.To.Minor()-kv.Minor(), skew))
					break
				}
			}
		}
		return out
	},
}

func nodeObject(name, pool string) string {
	if pool == "" {
		return "node " + name
	}
	return fmt.Sprintf("node %s (pool %s)", name, pool)
}
