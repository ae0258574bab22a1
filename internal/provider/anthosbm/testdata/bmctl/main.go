// Command bmctl is the tests' stand-in for bmctl and docker, one binary
// chosen by the name it runs as.
//
// As bmctl it answers `bmctl version` and runs `bmctl upgrade cluster -c
// CLUSTER --kubeconfig PATH` as the real one does: it needs
// bmctl-workspace/CLUSTER/ in its working directory and the kubeconfig,
// prints "Please check the logs at bmctl-workspace/CLUSTER/log/
// upgrade-cluster-TIMESTAMP/upgrade-cluster.log" and then writes that log
// line by line, $FAKE_STEP apart (150ms unset), over a couple of seconds.
// The Cluster resource's versions live in the file $FAKE_CLUSTER ("SPEC
// STATUS"): the upgrade sets the spec to the target when it starts and the
// status when the cluster is upgraded. The target is its own version's
// release.
//
// As docker it answers `docker info`.
//
// Failure modes, by environment variable:
//
//	FAKE_BMCTL_VERSION=1.11.3-gke.2  bmctl reports that version (default 1.12.1-gke.44)
//	FAKE_DOCKER_DOWN=1               docker cannot reach its daemon
//	FAKE_UPGRADE_FAIL=1              the upgrade fails midway: an error line, status 1
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	var err error
	switch filepath.Base(os.Args[0]) {
	case "docker":
		err = docker(os.Args[1:])
	default:
		err = bmctl(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func docker(args []string) error {
	if strings.Join(args, " ") != "info" {
		return fmt.Errorf("docker stand-in: only info")
	}
	if os.Getenv("FAKE_DOCKER_DOWN") != "" {
		fmt.Println("Client:\n Context:    default")
		return fmt.Errorf("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
	}
	fmt.Println("Client:\n Context:    default\nServer:\n Containers: 0\n Server Version: 24.0.7")
	return nil
}

func bmctlVersion() string {
	if v := os.Getenv("FAKE_BMCTL_VERSION"); v != "" {
		return v
	}
	return "1.12.1-gke.44"
}

func bmctl(args []string) error {
	switch {
	case len(args) == 1 && args[0] == "version":
		fmt.Printf("bmctl version: %s, git commit: 3f2a9c1d7e, build date: Mon Jan  2 10:00:00 UTC 2023\n", bmctlVersion())
		return nil
	case len(args) >= 2 && args[0] == "upgrade" && args[1] == "cluster":
		return upgrade(args[2:])
	}
	return fmt.Errorf("Error: unknown command %q for \"bmctl\"", strings.Join(args, " "))
}

func upgrade(args []string) error {
	var cluster, kubeconfig string
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "-c", "--cluster":
			cluster = args[i+1]
		case "--kubeconfig":
			kubeconfig = args[i+1]
		default:
			return fmt.Errorf("Error: unknown flag: %s", args[i])
		}
	}
	if cluster == "" || kubeconfig == "" {
		return fmt.Errorf("Error: required flag(s) \"cluster\", \"kubeconfig\" not set")
	}
	if _, err := os.Stat(kubeconfig); err != nil {
		return fmt.Errorf("Error: failed to load kubeconfig: %v", err)
	}
	config := filepath.Join("bmctl-workspace", cluster, cluster+".yaml")
	if _, err := os.Stat(config); err != nil {
		return fmt.Errorf("Error: failed to read cluster config: %v", err)
	}
	dir := filepath.Join("bmctl-workspace", cluster, "log", "upgrade-cluster-"+time.Now().Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, "upgrade-cluster.log")
	log, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	fmt.Printf("Please check the logs at %s\n", path)
	return run(&logger{file: log, step: step()}, cluster)
}

func step() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("FAKE_STEP")); err == nil {
		return d
	}
	return 150 * time.Millisecond
}

// logger writes timestamped lines to the log and stdout, a step apart.
type logger struct {
	file *os.File
	step time.Duration
}

func (l *logger) line(format string, args ...any) {
	time.Sleep(l.step)
	s := fmt.Sprintf("[%s] %s\n", time.Now().UTC().Format("2006-01-02 15:04:05-0700"), fmt.Sprintf(format, args...))
	l.file.WriteString(s)
	fmt.Print(s)
}

// split writes a line in two writes, a step apart, as a slow writer may.
func (l *logger) split(text string) {
	s := fmt.Sprintf("[%s] %s\n", time.Now().UTC().Format("2006-01-02 15:04:05-0700"), text)
	half := len(s) / 2
	l.file.WriteString(s[:half])
	time.Sleep(2 * l.step)
	l.file.WriteString(s[half:])
	fmt.Print(s)
}

func run(l *logger, cluster string) error {
	target, _, _ := strings.Cut(bmctlVersion(), "-")
	_, status := clusterVersions()
	l.line("Creating bootstrap cluster... OK")
	l.line("Installing dependency components... OK")
	l.line("Waiting for preflight check job to finish... OK")
	l.line("- Validation Category: machines and network")
	l.line("\t- [PASSED] node-network")
	l.line("Flushing logs... OK")
	setCluster(target, status)
	l.split(fmt.Sprintf("Upgrading cluster %s from %s to %s...", cluster, status, target))
	l.line("Waiting for control plane nodes to be upgraded... OK")
	l.line("E0102 10:00:00.000000   4242 reflector.go:140] failed to list *v1.Node: connection refused")
	if os.Getenv("FAKE_UPGRADE_FAIL") != "" {
		msg := "Error: failed to upgrade cluster: node 10.200.0.5 did not become ready: timed out waiting for the condition"
		l.line("%s", msg)
		return fmt.Errorf("%s", msg)
	}
	l.line("Waiting for worker nodes to be upgraded... OK")
	setCluster(target, target)
	l.line("Waiting for cluster to become ready OK")
	l.line("Writing kubeconfig file")
	l.line("kubeconfig of cluster being upgraded is at bmctl-workspace/%s/%s-kubeconfig", cluster, cluster)
	l.line("Deleting bootstrap cluster... OK")
	l.line("Upgrade cluster %s to %s succeeded", cluster, target)
	return nil
}

func clusterVersions() (spec, status string) {
	b, _ := os.ReadFile(os.Getenv("FAKE_CLUSTER"))
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return "", ""
	}
	return f[0], f[1]
}

func setCluster(spec, status string) {
	if p := os.Getenv("FAKE_CLUSTER"); p != "" {
		os.WriteFile(p+".tmp", []byte(spec+" "+status+"\n"), 0o644)
		os.Rename(p+".tmp", p)
	}
}
