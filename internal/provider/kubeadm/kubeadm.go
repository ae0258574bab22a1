// Package kubeadm upgrades clusters built with kubeadm, node by node, the
// way its documentation does by hand: on the first control plane install
// the new kubeadm, `kubeadm upgrade apply`, then install the new kubelet
// and restart it; on every other control plane and then on every worker,
// install kubeadm, `kubeadm upgrade node`, install the kubelet, restart it.
// kubehop's executor cordons and drains each node around its step.
//
// Commands reach the machines through a Runner: SSH for real clusters,
// Local for this machine (and for tests with stand-in tools). anthosbm
// shares the Runner.
//
// Every step is idempotent, so that resume after a crash is safe: a node
// whose `kubelet --version` already reports the target is skipped, and
// `kubeadm upgrade apply` is skipped when `kubeadm upgrade plan` reports
// the cluster already at the target. Each command that changes a machine
// is handed to Journal before it runs.
package kubeadm

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/util/version"
)

// Kubeadm drives the upgrade of one kubeadm cluster.
type Kubeadm struct {
	// Runner runs the commands on the nodes.
	Runner Runner
	// ControlPlanes are the control plane hosts, the one that runs
	// `kubeadm upgrade apply` first; Workers the worker hosts. Hosts are
	// what the Runner takes (ssh destinations).
	ControlPlanes []string
	Workers       []string
	// Kubeadm and Kubelet are the binaries on the nodes; "" is "kubeadm"
	// and "kubelet".
	Kubeadm string
	Kubelet string
	// PackageUpgrade, when set, is the argv that installs one package at
	// a version, each argument a text/template with {{.Package}}
	// ("kubeadm" or "kubelet") and {{.Version}} (without its "v": 1.27.1),
	// for example
	//
	//	apt-get install -y {{.Package}}={{.Version}}-*
	//
	// It runs for kubeadm before the kubeadm command and for the kubelet
	// after it. A template without {{.Package}} (apt-get install -y
	// kubeadm={{.Version}}-* kubelet={{.Version}}-*) runs once, before the
	// kubeadm command; but then the kubelet reports the target before the
	// node has been upgraded, and a run resumed after a crash at that
	// point would skip the node: prefer {{.Package}}.
	PackageUpgrade []string
	// RestartKubelet are the commands that restart the kubelet once its
	// package is installed, in order; nil is `systemctl daemon-reload`
	// then `systemctl restart kubelet`.
	RestartKubelet [][]string
	// Journal, when set, is called with each command that changes a node
	// before it runs; an error stops the step without running it.
	Journal func(ctx context.Context, host string, argv []string) error
	// Output, when set, gets each line the commands print.
	Output func(host, line string)
}

// DefaultRestartKubelet is what restarts the kubelet unless
// RestartKubelet says otherwise.
var DefaultRestartKubelet = [][]string{
	{"systemctl", "daemon-reload"},
	{"systemctl", "restart", "kubelet"},
}

func (k *Kubeadm) kubeadm() string {
	if k.Kubeadm != "" {
		return k.Kubeadm
	}
	return "kubeadm"
}

func (k *Kubeadm) kubelet() string {
	if k.Kubelet != "" {
		return k.Kubelet
	}
	return "kubelet"
}

func (k *Kubeadm) restartKubelet() [][]string {
	if k.RestartKubelet != nil {
		return k.RestartKubelet
	}
	return DefaultRestartKubelet
}

// firstControlPlane is the host that runs `kubeadm upgrade apply`.
func (k *Kubeadm) firstControlPlane() (string, error) {
	if len(k.ControlPlanes) == 0 {
		return "", fmt.Errorf("kubeadm: no control plane hosts are configured")
	}
	return k.ControlPlanes[0], nil
}

// Plan runs `kubeadm upgrade plan` on the first control plane and reads
// the versions and upgrades it reports.
func (k *Kubeadm) Plan(ctx context.Context) (*UpgradePlan, error) {
	host, err := k.firstControlPlane()
	if err != nil {
		return nil, err
	}
	argv := []string{k.kubeadm(), "upgrade", "plan"}
	res, err := k.run(ctx, host, argv)
	if err != nil {
		return nil, err
	}
	p, err := ParsePlan(res.Stdout)
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", host, err)
	}
	return p, nil
}

// UpgradeFirstControlPlane upgrades the first control plane to version
// (a full version such as "1.27.1" or "v1.27.1"): install kubeadm,
// `kubeadm upgrade apply vX.Y.Z --yes`, install the kubelet and restart
// it. The apply is skipped when `kubeadm upgrade plan` reports the
// cluster at version already, the kubelet's part when `kubelet --version`
// reports it.
func (k *Kubeadm) UpgradeFirstControlPlane(ctx context.Context, ver string) error {
	v, err := parseVersion(ver)
	if err != nil {
		return err
	}
	host, err := k.firstControlPlane()
	if err != nil {
		return err
	}
	kubeletDone, err := k.kubeletAt(ctx, host, v)
	if err != nil {
		return err
	}
	plan, err := k.Plan(ctx)
	if err != nil {
		return err
	}
	if !sameVersion(plan.ClusterVersion, v.kube) {
		if err := k.applyControlPlane(ctx, host, v); err != nil {
			return err
		}
	}
	if kubeletDone {
		return nil
	}
	return k.upgradeKubelet(ctx, host, v)
}

// applyControlPlane installs kubeadm and runs `kubeadm upgrade apply`.
func (k *Kubeadm) applyControlPlane(ctx context.Context, host string, v target) error {
	if err := k.installPackage(ctx, host, "kubeadm", v); err != nil {
		return err
	}
	return k.change(ctx, host, k.applyArgv(v))
}

// UpgradeNode upgrades a control plane other than the first, or a worker,
// to version: install kubeadm, `kubeadm upgrade node`, install the
// kubelet and restart it. A node whose `kubelet --version` already
// reports version is left as it is. The executor cordons and drains the
// node around it.
func (k *Kubeadm) UpgradeNode(ctx context.Context, host, ver string) error {
	v, err := parseVersion(ver)
	if err != nil {
		return err
	}
	at, err := k.kubeletAt(ctx, host, v)
	if err != nil || at {
		return err
	}
	if err := k.installPackage(ctx, host, "kubeadm", v); err != nil {
		return err
	}
	if err := k.change(ctx, host, k.nodeArgv()); err != nil {
		return err
	}
	return k.upgradeKubelet(ctx, host, v)
}

// upgradeKubelet installs the kubelet and restarts it.
func (k *Kubeadm) upgradeKubelet(ctx context.Context, host string, v target) error {
	if err := k.installPackage(ctx, host, "kubelet", v); err != nil {
		return err
	}
	for _, argv := range k.restartKubelet() {
		if err := k.change(ctx, host, argv); err != nil {
			return err
		}
	}
	return nil
}

func (k *Kubeadm) applyArgv(v target) []string {
	return []string{k.kubeadm(), "upgrade", "apply", v.kube, "--yes"}
}

func (k *Kubeadm) nodeArgv() []string {
	return []string{k.kubeadm(), "upgrade", "node"}
}

// KubeletVersion runs `kubelet --version` on host and returns the
// version it reports ("v1.27.1" from "Kubernetes v1.27.1").
func (k *Kubeadm) KubeletVersion(ctx context.Context, host string) (string, error) {
	argv := []string{k.kubelet(), "--version"}
	res, err := k.run(ctx, host, argv)
	if err != nil {
		return "", err
	}
	fields := strings.Fields(res.Stdout)
	if len(fields) == 0 {
		return "", fmt.Errorf("host %s: %q printed nothing", host, CommandLine(argv))
	}
	return fields[len(fields)-1], nil
}

// kubeletAt reports whether host's kubelet is at v already.
func (k *Kubeadm) kubeletAt(ctx context.Context, host string, v target) (bool, error) {
	cur, err := k.KubeletVersion(ctx, host)
	if err != nil {
		return false, err
	}
	return sameVersion(cur, v.kube), nil
}

// installPackage runs PackageUpgrade for pkg, when it is set. A template
// without {{.Package}} installs everything at once, for kubeadm.
func (k *Kubeadm) installPackage(ctx context.Context, host, pkg string, v target) error {
	if len(k.PackageUpgrade) == 0 || (pkg != "kubeadm" && !k.perPackage()) {
		return nil
	}
	argv, err := k.packageArgv(pkg, v)
	if err != nil {
		return err
	}
	return k.change(ctx, host, argv)
}

// perPackage reports whether PackageUpgrade names the package to install
// ({{.Package}}), so that it runs once for kubeadm and once for the
// kubelet.
func (k *Kubeadm) perPackage() bool {
	for _, arg := range k.PackageUpgrade {
		if strings.Contains(arg, ".Package") {
			return true
		}
	}
	return false
}

// packageData is what PackageUpgrade's templates see.
type packageData struct {
	Package string
	Version string
}

// packageArgv renders PackageUpgrade for pkg at v.
func (k *Kubeadm) packageArgv(pkg string, v target) ([]string, error) {
	data := packageData{Package: pkg, Version: v.plain}
	argv := make([]string, len(k.PackageUpgrade))
	for i, arg := range k.PackageUpgrade {
		t, err := template.New("arg").Option("missingkey=error").Parse(arg)
		if err != nil {
			return nil, fmt.Errorf("kubeadm: package upgrade argument %d %q: %w", i, arg, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("kubeadm: package upgrade argument %d %q: %w", i, arg, err)
		}
		argv[i] = b.String()
	}
	return argv, nil
}

// change journals a command that changes host, then runs it.
func (k *Kubeadm) change(ctx context.Context, host string, argv []string) error {
	if k.Journal != nil {
		if err := k.Journal(ctx, host, argv); err != nil {
			return fmt.Errorf("host %s: journal %q: %w", host, CommandLine(argv), err)
		}
	}
	_, err := k.run(ctx, host, argv)
	return err
}

// run runs argv on host, handing its output to Output.
func (k *Kubeadm) run(ctx context.Context, host string, argv []string) (Result, error) {
	if k.Runner == nil {
		return Result{}, fmt.Errorf("kubeadm: no Runner is configured")
	}
	var opts RunOptions
	if k.Output != nil {
		opts.OnLine = func(_ Stream, line string) { k.Output(host, line) }
	}
	return k.Runner.Run(ctx, host, argv, opts)
}

// target is a version in the two spellings the commands take.
type target struct {
	kube  string // "v1.27.1", for kubeadm
	plain string // "1.27.1", for packages
}

// parseVersion reads a full Kubernetes version ("1.27.1", "v1.27.1"):
// `kubeadm upgrade apply` takes nothing less.
func parseVersion(s string) (target, error) {
	v, err := version.ParseSemantic(strings.TrimPrefix(strings.TrimSpace(s), "v"))
	if err != nil {
		return target{}, fmt.Errorf("kubeadm: version %q is not a full Kubernetes version such as 1.27.1: %w", s, err)
	}
	plain := v.String()
	return target{kube: "v" + plain, plain: plain}, nil
}

// sameVersion reports whether two spellings name one version ("v1.27.1",
// "1.27.1").
func sameVersion(a, b string) bool {
	a, b = strings.TrimPrefix(strings.TrimSpace(a), "v"), strings.TrimPrefix(strings.TrimSpace(b), "v")
	return a != "" && a == b
}
