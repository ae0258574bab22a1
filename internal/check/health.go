package check

var nodesNotReadyCheck = &Check{
	ID: "KH-HEALTH-001", Title: "Nodes not Ready before the upgrade", Severity: Blocker,
	Applies: "baseline",
	Remedy:  "Repair or remove the node before upgrading: a drain of its pods, or a pool upgrade, will not complete while it is NotReady.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, n := range in.Snapshot.Nodes {
			if !n.Ready {
				reason := "no Ready condition"
				for _, cond := range n.Conditions {
					if cond.Type == "Ready" {
						reason = "Ready=" + cond.Status
						if cond.Reason != "" {
							reason += " (" + cond.Reason + ")"
						}
					}
				}
				out = append(out, c.finding(Baseline, nodeObject(n.Name, n.Pool), "node is not Ready: %s", reason))
			}
		}
		return out
	},
}

var podsNotRunningCheck = &Check{
	ID: "KH-HEALTH-002", Title: "Pods not Running before the upgrade", Severity: Warning,
	Applies: "baseline",
	Remedy:  "Fix these pods first, or record them as known: after the upgrade kubehop verify compares against this baseline. Job pods are not counted.",
	Run: func(in *Input, c *Check) []Finding {
		if in.Snapshot == nil {
			return nil
		}
		var out []Finding
		for _, p := range in.Snapshot.Pods {
			if (p.Owner != nil && p.Owner.Kind == "Job") || p.Phase == "Succeeded" || p.Deleting {
				continue
			}
			switch {
			case p.Phase != "Running":
				msg := "pod is " + p.Phase
				if p.Waiting != "" {
					msg += " (" + p.Waiting + ")"
				}
				out = append(out, c.finding(Baseline, "pod "+p.Namespace+"/"+p.Name, "%s", msg))
			case !p.Ready:
				msg := "pod is Running but not Ready"
				if p.Waiting != "" {
					msg += " (" + p.Waiting + ")"
				}
				out = append(out, c.finding(Baseline, "pod "+p.Namespace+"/"+p.Name, "%s", msg))
			}
		}
		return out
	},
}
