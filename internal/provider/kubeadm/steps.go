package kubeadm

import "fmt"

// Step actions.
const (
	// ActionApply is `kubeadm upgrade apply` on the first control plane
	// (UpgradeFirstControlPlane).
	ActionApply = "apply"
	// ActionNode is `kubeadm upgrade node` on another node (UpgradeNode).
	ActionNode = "node"
)

// Node roles.
const (
	RoleControlPlane = "control-plane"
	RoleWorker       = "worker"
)

// Step is one node's upgrade, as data the planner shows: the host, what
// runs there and when a resumed run skips it. The executor runs a step with
// UpgradeFirstControlPlane or UpgradeNode, cordoning and draining the node
// around it.
type Step struct {
	Host   string `json:"host"`
	Role   string `json:"role"`
	Action string `json:"action"`
	Title  string `json:"title"`
	// Commands are the commands that change the node, in order.
	Commands [][]string `json:"commands"`
	// Checks are the read-only commands that decide what to skip, and
	// Skip says how.
	Checks [][]string `json:"checks"`
	Skip   string     `json:"skip"`
}

// Steps is the upgrade to version node by node: the first control plane
// (apply), the other control planes, then the workers, in the order the
// hosts are configured.
func (k *Kubeadm) Steps(ver string) ([]Step, error) {
	v, err := parseVersion(ver)
	if err != nil {
		return nil, err
	}
	first, err := k.firstControlPlane()
	if err != nil {
		return nil, err
	}
	kubelet, err := k.kubeletCommands(v)
	if err != nil {
		return nil, err
	}
	kubeadm, err := k.packageCommands("kubeadm", v)
	if err != nil {
		return nil, err
	}
	check := []string{k.kubelet(), "--version"}
	steps := []Step{{
		Host: first, Role: RoleControlPlane, Action: ActionApply,
		Title:    fmt.Sprintf("upgrade the first control plane %s to %s (kubeadm upgrade apply)", first, v.kube),
		Commands: concat(kubeadm, [][]string{k.applyArgv(v)}, kubelet),
		Checks:   [][]string{check, {k.kubeadm(), "upgrade", "plan"}},
		Skip:     fmt.Sprintf("the apply when kubeadm upgrade plan reports the cluster at %s; the kubelet when kubelet --version reports %s", v.kube, v.kube),
	}}
	node := concat(kubeadm, [][]string{k.nodeArgv()}, kubelet)
	add := func(host, role string) {
		steps = append(steps, Step{
			Host: host, Role: role, Action: ActionNode,
			Title:    fmt.Sprintf("upgrade %s %s to %s (kubeadm upgrade node)", role, host, v.kube),
			Commands: node,
			Checks:   [][]string{check},
			Skip:     fmt.Sprintf("the whole node when kubelet --version reports %s", v.kube),
		})
	}
	for _, h := range k.ControlPlanes[1:] {
		add(h, RoleControlPlane)
	}
	for _, h := range k.Workers {
		add(h, RoleWorker)
	}
	return steps, nil
}

// kubeletCommands installs the kubelet (when PackageUpgrade names the
// package) and restarts it.
func (k *Kubeadm) kubeletCommands(v target) ([][]string, error) {
	var cmds [][]string
	if k.perPackage() {
		pkg, err := k.packageCommands("kubelet", v)
		if err != nil {
			return nil, err
		}
		cmds = pkg
	}
	return append(cmds, k.restartKubelet()...), nil
}

// packageCommands is PackageUpgrade for pkg, none when it is not set.
func (k *Kubeadm) packageCommands(pkg string, v target) ([][]string, error) {
	if len(k.PackageUpgrade) == 0 {
		return nil, nil
	}
	argv, err := k.packageArgv(pkg, v)
	if err != nil {
		return nil, err
	}
	return [][]string{argv}, nil
}

func concat(lists ...[][]string) [][]string {
	var all [][]string
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}
