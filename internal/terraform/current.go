package terraform

// CurrentVersions reads the *.tf files of one directory (a Terraform
// module; not its subdirectories), as [BumpDir] does, and returns the
// versions they pin now for each role: ControlPlane from cluster_version
// and the cluster's own kubernetes_version, Nodes from orchestrator_version
// and the node pools' and node groups' kubernetes_version, Kubectl from
// every *kubectl_version. An attribute that refers to a local value
// follows it to its literal, as a bump does.
//
// When attributes of one role disagree, as while the node groups move one
// at a time, the role gets the oldest of them; of equal versions spelled
// with and without a patch ("1.23" and "1.23.7") the minor, which claims
// no patch that another attribute lacks. A role with no version literal
// (none of its attributes, or only ones that come from variables or
// expressions) is left empty. The versions are spelled as a bump takes
// them, without a "v" prefix. Only files that cannot be read or parsed are
// errors.
func CurrentVersions(dir string) (Versions, error) {
	paths, err := moduleFiles(dir)
	if err != nil {
		return Versions{}, err
	}
	files, err := readFiles(paths)
	if err != nil {
		return Versions{}, err
	}
	sites, err := scanFiles(files)
	if err != nil {
		return Versions{}, err
	}
	return currentVersions(sites), nil
}

// currentVersions picks the oldest version each role's attributes pin.
func currentVersions(sites []*site) Versions {
	locals := indexLocals(sites)
	oldest := map[role]version{}
	for _, s := range sites {
		lit, _ := locals.resolve(s)
		if lit == nil {
			continue
		}
		v, ok := parseVersion(lit.value)
		if !ok {
			continue
		}
		if o, seen := oldest[s.role]; !seen || older(v, o) {
			oldest[s.role] = v
		}
	}
	spell := func(r role) string {
		v, ok := oldest[r]
		if !ok {
			return ""
		}
		v.prefix = ""
		return v.String()
	}
	return Versions{ControlPlane: spell(roleControlPlane), Nodes: spell(roleNodes), Kubectl: spell(roleKubectl)}
}

// older reports whether v is older than w; of versions that agree on the
// components both spell out, the one with fewer components counts as
// older.
func older(v, w version) bool {
	if c := v.compare(w); c != 0 {
		return c < 0
	}
	return len(v.nums) < len(w.nums)
}
