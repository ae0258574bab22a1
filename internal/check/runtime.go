package check

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

var dockershimCheck = &Check{
	ID: "KH-RUNTIME-001", Title: "Nodes on dockershim before Kubernetes 1.24", Severity: Blocker,
	Applies: "the hop to 1.24",
	Remedy: "Move these nodes to containerd before the hop: replace the pool with one whose nodes run containerd (on EKS, a temporary node group with a containerd " +
		"launch template), drain into it, then upgrade. Update dashboards and agents that read docker.sock or docker metrics.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		removed := version.MustParseGeneric(in.Policy.DockershimRemovedIn)
		hop := in.hopTo(removed)
		if hop == "" {
			return nil
		}
		var out []Finding
		for _, n := range in.Snapshot.Nodes {
			if !strings.HasPrefix(n.ContainerRuntime, "docker://") {
				continue
			}
			if hop != Baseline {
				out = append(out, c.finding(hop, nodeObject(n.Name, n.Pool), "runs %s; Kubernetes %s removed dockershim", n.ContainerRuntime, in.Policy.DockershimRemovedIn))
				continue
			}
			// Past 1.24 a docker:// node runs Docker Engine through cri-dockerd.
			f := c.finding(Baseline, nodeObject(n.Name, n.Pool), "runs %s, which Kubernetes %s and later reach only through cri-dockerd", n.ContainerRuntime, in.Policy.DockershimRemovedIn)
			f.Severity = Warning
			f.Remedy = "Make sure the node image upgrade keeps cri-dockerd, or move the pool to containerd; agents that read docker.sock (such as telegraf-ds) and " +
				"dashboards built on docker metrics change with the runtime."
			out = append(out, f)
		}
		return out
	},
}

var ebsCSICheck = &Check{
	ID: "KH-EKS-001", Title: "EBS CSI driver before EKS 1.23", Severity: Blocker,
	Applies: "the hop to 1.23 on EKS", Providers: []string{"eks"},
	Remedy: "Install the Amazon EBS CSI driver add-on, with its IAM role, before the control plane moves to 1.23: " +
		"from 1.23 the in-tree EBS volume plugin is migrated to it and volumes will not attach without it.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		hop := in.hopTo(version.MustParseGeneric(in.Policy.EKSEBSCSIRequiredFrom))
		if hop == "" || slices.Contains(in.Snapshot.CSIDrivers, in.Policy.EBSCSIDriver) {
			return nil
		}
		return []Finding{c.finding(hop, "CSIDriver "+in.Policy.EBSCSIDriver, "the EBS CSI driver is not installed")}
	},
}
