package kubeadm

import (
	"bufio"
	"fmt"
	"strings"
)

// UpgradePlan is what `kubeadm upgrade plan` reports.
type UpgradePlan struct {
	// ClusterVersion is the control plane's version ("v1.26.3"),
	// KubeadmVersion the version of the kubeadm that ran the plan.
	ClusterVersion string `json:"clusterVersion"`
	KubeadmVersion string `json:"kubeadmVersion"`
	// TargetVersion is the "[upgrade/versions] Target version" line, when
	// kubeadm printed one.
	TargetVersion string `json:"targetVersion,omitempty"`
	// Upgrades are the upgrades on offer, in kubeadm's order; none when
	// the cluster is up to date.
	Upgrades []AvailableUpgrade `json:"upgrades,omitempty"`
}

// AvailableUpgrade is one "Upgrade to the latest ..." section.
type AvailableUpgrade struct {
	// Description is kubeadm's ("stable version", "version in the v1.26
	// series").
	Description string `json:"description"`
	// Version is what `kubeadm upgrade apply` takes ("v1.27.1"), and
	// Flags what the command line adds (--allow-experimental-upgrades).
	Version string   `json:"version"`
	Flags   []string `json:"flags,omitempty"`
	// Kubelets are the rows of the table of components to upgrade by hand
	// (the kubelets); Components those of the control plane's table.
	Kubelets   []Component `json:"kubelets,omitempty"`
	Components []Component `json:"components,omitempty"`
	// KubeadmRequired is the kubeadm version the Note asks to install
	// first, when there is one.
	KubeadmRequired string `json:"kubeadmRequired,omitempty"`
}

// Component is one row of a plan's table. Node is empty in the tables of
// kubeadm before v1.28, which have no NODE column; Current may count nodes
// there ("3 x v1.26.3").
type Component struct {
	Name    string `json:"name"`
	Node    string `json:"node,omitempty"`
	Current string `json:"current"`
	Target  string `json:"target"`
}

// UpToDate reports whether kubeadm offered no upgrade.
func (p *UpgradePlan) UpToDate() bool { return len(p.Upgrades) == 0 }

// Offers returns the upgrade to version ("v1.27.1" or "1.27.1"), if
// kubeadm offered it.
func (p *UpgradePlan) Offers(version string) (AvailableUpgrade, bool) {
	for _, u := range p.Upgrades {
		if sameVersion(u.Version, version) {
			return u, true
		}
	}
	return AvailableUpgrade{}, false
}

// Lines and prefixes of kubeadm's plan output.
const (
	versionsPrefix = "[upgrade/versions] "
	manualHeading  = "Components that must be upgraded manually"
	upgradeHeading = "Upgrade to the latest "
	applyCommand   = "kubeadm upgrade apply "
	notePrefix     = "Note: Before you can perform this upgrade, you have to update kubeadm to "
	separator      = "_____"
)

// ParsePlan reads the text `kubeadm upgrade plan` prints. Lines it does
// not know (preflight, config and component-config tables) are skipped;
// output without a "Cluster version" line is an error.
func ParsePlan(out string) (*UpgradePlan, error) {
	p := &UpgradePlan{}
	var cur *AvailableUpgrade
	var table *[]Component
	var columns []int
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, versionsPrefix):
			p.versionLine(strings.TrimPrefix(trimmed, versionsPrefix))
		case strings.HasPrefix(trimmed, manualHeading):
			p.Upgrades = append(p.Upgrades, AvailableUpgrade{})
			cur = &p.Upgrades[len(p.Upgrades)-1]
			table, columns = &cur.Kubelets, nil
		case strings.HasPrefix(trimmed, upgradeHeading):
			if cur == nil || cur.Description != "" {
				p.Upgrades = append(p.Upgrades, AvailableUpgrade{})
				cur = &p.Upgrades[len(p.Upgrades)-1]
			}
			cur.Description = strings.TrimSuffix(strings.TrimPrefix(trimmed, upgradeHeading), ":")
			table, columns = &cur.Components, nil
		case cur != nil && strings.HasPrefix(trimmed, applyCommand):
			fields := strings.Fields(strings.TrimPrefix(trimmed, applyCommand))
			if len(fields) > 0 {
				cur.Version = fields[0]
				if len(fields) > 1 {
					cur.Flags = fields[1:]
				}
			}
			table = nil
		case cur != nil && strings.HasPrefix(trimmed, notePrefix):
			cur.KubeadmRequired = strings.TrimSuffix(strings.TrimPrefix(trimmed, notePrefix), ".")
		case strings.HasPrefix(trimmed, separator):
			cur, table = nil, nil
		case table != nil && strings.HasPrefix(trimmed, "COMPONENT"):
			columns = headerColumns(line)
		case table != nil && columns != nil && trimmed != "":
			*table = append(*table, tableRow(line, columns))
		case table != nil && columns != nil:
			table, columns = nil, nil
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read kubeadm upgrade plan output: %w", err)
	}
	return p, p.validate()
}

// versionLine reads one "[upgrade/versions] Name: value" line.
func (p *UpgradePlan) versionLine(s string) {
	name, value, ok := strings.Cut(s, ": ")
	if !ok {
		return
	}
	value = strings.TrimSpace(value)
	switch name {
	case "Cluster version":
		p.ClusterVersion = value
	case "kubeadm version":
		p.KubeadmVersion = value
	case "Target version":
		p.TargetVersion = value
	}
}

func (p *UpgradePlan) validate() error {
	if p.ClusterVersion == "" {
		return fmt.Errorf("kubeadm upgrade plan output has no %q line", versionsPrefix+"Cluster version")
	}
	for _, u := range p.Upgrades {
		if u.Version == "" {
			return fmt.Errorf("kubeadm upgrade plan output: the upgrade to the latest %s has no %q command", u.Description, strings.TrimSpace(applyCommand))
		}
	}
	return nil
}

// headerColumns is where each column of a table starts, from its header
// ("COMPONENT   NODE   CURRENT   TARGET"): kubeadm aligns the table with
// a tabwriter, so cells start where their heading does.
func headerColumns(header string) []int {
	var starts []int
	for i := 0; i < len(header); i++ {
		if header[i] != ' ' && header[i] != '\t' && (i == 0 || header[i-1] == ' ' || header[i-1] == '\t') {
			starts = append(starts, i)
		}
	}
	return starts
}

// tableRow cuts a row into cells at the header's columns: four columns
// are COMPONENT NODE CURRENT TARGET, three COMPONENT CURRENT TARGET.
func tableRow(line string, columns []int) Component {
	cells := make([]string, len(columns))
	for i, start := range columns {
		end := len(line)
		if i+1 < len(columns) && columns[i+1] < end {
			end = columns[i+1]
		}
		if start < end {
			cells[i] = strings.TrimSpace(line[start:end])
		}
	}
	if len(cells) >= 4 {
		return Component{Name: cells[0], Node: cells[1], Current: cells[2], Target: cells[3]}
	}
	for len(cells) < 3 {
		cells = append(cells, "")
	}
	return Component{Name: cells[0], Current: cells[1], Target: cells[2]}
}
