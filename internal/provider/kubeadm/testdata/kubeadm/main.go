// Command kubeadm is the tests' stand-in for the tools of a kubeadm node:
// kubeadm, kubelet, systemctl and a package installer ("pkg install NAME
// VERSION"), one binary chosen by the name it runs as. It prints what the
// real tools print and keeps the cluster's state in files:
//
//	$FAKE_STATE/cluster           the control plane's version
//	$FAKE_STATE/HOST/kubeadm      the kubeadm installed on HOST
//	$FAKE_STATE/HOST/kubelet      the kubelet installed on HOST
//	$FAKE_STATE/HOST/running      the kubelet running on HOST (restarts)
//	$FAKE_STATE/HOST/config       the version `kubeadm upgrade node` wrote
//
// HOST is $FAKE_HOST ("localhost" unset). $FAKE_FAIL=HOST:SUBCOMMAND
// (plan, apply, node, install, restart) makes that command fail the way
// the real one does: some output, an error on stderr, status 1.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

func main() {
	args := os.Args[1:]
	var err error
	switch filepath.Base(os.Args[0]) {
	case "kubeadm":
		err = kubeadm(args)
	case "kubelet":
		err = kubelet(args)
	case "systemctl":
		err = systemctl(args)
	case "pkg":
		err = pkg(args)
	default:
		err = fmt.Errorf("unknown tool %s", os.Args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func host() string {
	if h := os.Getenv("FAKE_HOST"); h != "" {
		return h
	}
	return "localhost"
}

func statePath(parts ...string) string {
	return filepath.Join(append([]string{os.Getenv("FAKE_STATE")}, parts...)...)
}

func read(parts ...string) string {
	b, err := os.ReadFile(statePath(parts...))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func write(value string, parts ...string) error {
	p := statePath(parts...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(value+"\n"), 0o644)
}

// failing reports whether $FAKE_FAIL asks this host's sub to fail.
func failing(sub string) bool {
	return os.Getenv("FAKE_FAIL") == host()+":"+sub
}

func kubeadm(args []string) error {
	if len(args) >= 2 && args[0] == "upgrade" {
		switch args[1] {
		case "plan":
			return plan()
		case "apply":
			return apply(args[2:])
		case "node":
			return node()
		}
	}
	if len(args) == 1 && args[0] == "version" {
		fmt.Printf("kubeadm version: &version.Info{GitVersion:%q}\n", read(host(), "kubeadm"))
		return nil
	}
	return fmt.Errorf("unknown command %q for \"kubeadm\"", strings.Join(args, " "))
}

func preamble() {
	fmt.Println("[preflight] Running pre-flight checks.")
	fmt.Println("[upgrade/config] Reading configuration from the cluster...")
	fmt.Println("[upgrade/config] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'")
}

func plan() error {
	preamble()
	if failing("plan") {
		return fmt.Errorf("[upgrade/health] FATAL: [preflight] Some fatal errors occurred:\n\t[ERROR ControlPlaneNodesReady]: there are NotReady control-planes in the cluster: [%s]", host())
	}
	cluster, own := read("cluster"), read(host(), "kubeadm")
	fmt.Println("[upgrade] Running cluster health checks")
	fmt.Println("[upgrade] Fetching available versions to upgrade to")
	fmt.Printf("[upgrade/versions] Cluster version: %s\n", cluster)
	fmt.Printf("[upgrade/versions] kubeadm version: %s\n", own)
	fmt.Printf("[upgrade/versions] Target version: %s\n", own)
	fmt.Printf("[upgrade/versions] Latest version in the %s series: %s\n", series(cluster), cluster)
	fmt.Println()
	if compare(own, cluster) <= 0 {
		return nil
	}
	printUpgrade(cluster, own)
	return nil
}

// printUpgrade prints an upgrade section as kubeadm v1.27 does (tables
// without a NODE column).
func printUpgrade(cluster, to string) {
	fmt.Println("Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':")
	w := tabwriter.NewWriter(os.Stdout, 10, 4, 3, ' ', 0)
	fmt.Fprintln(w, "COMPONENT\tCURRENT\tTARGET")
	for _, v := range kubeletVersions() {
		fmt.Fprintf(w, "kubelet\t%s\t%s\n", v, to)
	}
	w.Flush()
	desc := "stable version"
	if series(cluster) == series(to) {
		desc = "version in the " + series(to) + " series"
	}
	fmt.Printf("\nUpgrade to the latest %s:\n\n", desc)
	fmt.Fprintln(w, "COMPONENT\tCURRENT\tTARGET")
	for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
		fmt.Fprintf(w, "%s\t%s\t%s\n", c, cluster, to)
	}
	fmt.Fprintf(w, "CoreDNS\tv1.9.3\tv1.10.1\n")
	fmt.Fprintf(w, "etcd\t3.5.6-0\t3.5.7-0\n")
	w.Flush()
	fmt.Println()
	fmt.Println("You can now apply the upgrade by executing the following command:")
	fmt.Println()
	fmt.Printf("\tkubeadm upgrade apply %s\n", to)
	fmt.Println()
	fmt.Println("_____________________________________________________________________")
	fmt.Println()
	fmt.Println()
	fmt.Println("The table below shows the current state of component configs as understood by this version of kubeadm.")
	fmt.Println()
	fmt.Fprintln(w, "API GROUP\tCURRENT VERSION\tPREFERRED VERSION\tMANUAL UPGRADE REQUIRED")
	fmt.Fprintln(w, "kubeproxy.config.k8s.io\tv1alpha1\tv1alpha1\tno")
	fmt.Fprintln(w, "kubelet.config.k8s.io\tv1beta1\tv1beta1\tno")
	w.Flush()
	fmt.Println("_____________________________________________________________________")
	fmt.Println()
}

// kubeletVersions counts the installed kubelets by version ("3 x
// v1.26.3").
func kubeletVersions() []string {
	dirs, _ := os.ReadDir(statePath())
	count := map[string]int{}
	for _, d := range dirs {
		if v := read(d.Name(), "running"); d.IsDir() && v != "" {
			count[v]++
		}
	}
	var out []string
	for v, n := range count {
		out = append(out, fmt.Sprintf("%d x %s", n, v))
	}
	sort.Strings(out)
	return out
}

func apply(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("missing one or more required arguments. Required arguments: [version]")
	}
	to, yes := args[0], len(args) > 1 && args[1] == "--yes"
	cluster, own := read("cluster"), read(host(), "kubeadm")
	preamble()
	fmt.Printf("[upgrade/version] You have chosen to change the cluster version to %q\n", to)
	fmt.Printf("[upgrade/versions] Cluster version: %s\n", cluster)
	fmt.Printf("[upgrade/versions] kubeadm version: %s\n", own)
	switch {
	case compare(to, own) > 0:
		return fmt.Errorf("[upgrade/version] FATAL: the --version argument is invalid due to these errors:\n\n\t- Specified version to upgrade to %q is higher than the kubeadm version %q. Upgrade kubeadm first using the tool you used to install kubeadm\n\nCan be bypassed if you pass the --force flag", to, own)
	case minorOf(to)-minorOf(cluster) > 1:
		return fmt.Errorf("[upgrade/version] FATAL: the --version argument is invalid due to these errors:\n\n\t- Specified version to upgrade to %q is too high; kubeadm can upgrade only 1 minor version at a time", to)
	case !yes:
		fmt.Print("[upgrade/confirm] Are you sure you want to proceed with the upgrade? [y/N]: ")
		return fmt.Errorf("won't proceed; the user didn't answer (Y|y) in order to continue")
	}
	fmt.Println("[upgrade/prepull] Pulling images required for setting up a Kubernetes cluster")
	fmt.Printf("[upgrade/apply] Upgrading your Static Pod-hosted control plane to version %q (timeout: 5m0s)...\n", to)
	if failing("apply") {
		fmt.Println("[upgrade/staticpods] Preparing for \"kube-apiserver\" upgrade")
		return fmt.Errorf("[upgrade/apply] FATAL: couldn't upgrade control plane. kubeadm has tried to recover everything into the earlier state. Errors faced: timed out waiting for the condition")
	}
	if err := write(to, "cluster"); err != nil {
		return err
	}
	if err := write(to, host(), "config"); err != nil {
		return err
	}
	fmt.Println("[upgrade/staticpods] Component \"kube-apiserver\" upgraded successfully!")
	fmt.Printf("[upgrade/successful] SUCCESS! Your cluster was upgraded to %q. Enjoy!\n", to)
	fmt.Println("[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.")
	return nil
}

func node() error {
	fmt.Println("[upgrade] Reading configuration from the cluster...")
	fmt.Println("[upgrade] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'")
	if failing("node") {
		return fmt.Errorf("error execution phase kubelet-config: couldn't retrieve kubelet config: Get \"https://10.0.0.10:6443/api/v1/namespaces/kube-system/configmaps/kubelet-config\": dial tcp 10.0.0.10:6443: connect: connection refused\nTo see the stack trace of this error execute with --v=5 or higher")
	}
	cluster := read("cluster")
	if compare(read(host(), "kubeadm"), cluster) < 0 {
		return fmt.Errorf("error execution phase control-plane: the kubeadm version %s is older than the cluster version %s", read(host(), "kubeadm"), cluster)
	}
	fmt.Println("[upgrade] Upgrading your Static Pod-hosted control plane instance to version", strconv.Quote(cluster))
	fmt.Println("[upgrade] The configuration for this node was successfully updated!")
	fmt.Println("[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.")
	return write(cluster, host(), "config")
}

func kubelet(args []string) error {
	if len(args) != 1 || args[0] != "--version" {
		return fmt.Errorf("kubelet stand-in: only --version")
	}
	fmt.Println("Kubernetes " + read(host(), "kubelet"))
	return nil
}

func systemctl(args []string) error {
	switch strings.Join(args, " ") {
	case "daemon-reload":
		return nil
	case "restart kubelet":
		if failing("restart") {
			return fmt.Errorf("Job for kubelet.service failed because the control process exited with error code.\nSee \"systemctl status kubelet.service\" and \"journalctl -xeu kubelet.service\" for details.")
		}
		return write(read(host(), "kubelet"), host(), "running")
	}
	return fmt.Errorf("systemctl stand-in: unknown command %q", strings.Join(args, " "))
}

func pkg(args []string) error {
	if len(args) != 3 || args[0] != "install" {
		return fmt.Errorf("usage: pkg install NAME VERSION")
	}
	if failing("install") {
		return fmt.Errorf("E: Version '%s-1.1' for '%s' was not found", args[2], args[1])
	}
	fmt.Printf("Setting up %s (%s-1.1) ...\n", args[1], args[2])
	return write("v"+strings.TrimPrefix(args[2], "v"), host(), args[1])
}

// series is "v1.26" for "v1.26.3".
func series(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return v
	}
	return "v" + parts[0] + "." + parts[1]
}

func minorOf(v string) int {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(parts[1])
	return n
}

// compare compares two versions "v1.26.3" number by number.
func compare(a, b string) int {
	pa, pb := strings.Split(strings.TrimPrefix(a, "v"), "."), strings.Split(strings.TrimPrefix(b, "v"), ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x - y
		}
	}
	return len(pa) - len(pb)
}
