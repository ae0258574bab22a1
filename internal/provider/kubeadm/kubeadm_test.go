package kubeadm_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider/kubeadm"
)

// bin holds the stand-in tools TestMain builds: kubeadm, and kubelet,
// systemctl and pkg linked to it.
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kubeadm-standins-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildStandins(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	bin = dir
	return m.Run()
}

// buildStandins builds testdata/kubeadm into dir and links the other
// tools' names to it.
func buildStandins(dir string) error {
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "kubeadm"), "./testdata/kubeadm").CombinedOutput()
	if err != nil {
		return fmt.Errorf("build the kubeadm stand-in: %v\n%s", err, out)
	}
	for _, name := range []string{"kubelet", "systemctl", "pkg"} {
		if err := os.Symlink("kubeadm", filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

func tool(name string) string { return filepath.Join(bin, name) }

// call is one command a node ran.
type call struct {
	Host string
	Argv string
}

// nodes is a Runner for a cluster of stand-in nodes: it runs each command
// on this machine through kubeadm.Local, telling the stand-in tools which
// host they are on, and records the commands.
type nodes struct {
	local kubeadm.Local
	state string
	mu    sync.Mutex
	calls []call
}

func (n *nodes) Run(ctx context.Context, host string, argv []string, opts kubeadm.RunOptions) (kubeadm.Result, error) {
	n.mu.Lock()
	n.calls = append(n.calls, call{Host: host, Argv: display(argv)})
	n.mu.Unlock()
	opts.Env = append(opts.Env, "FAKE_HOST="+host, "FAKE_STATE="+n.state)
	res, err := n.local.Run(ctx, "", argv, opts)
	var exit *kubeadm.ExitError
	if errors.As(err, &exit) {
		exit.Host = host // the stand-in ran "on" host
	}
	return res, err
}

func (n *nodes) recorded() []call {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]call(nil), n.calls...)
}

func (n *nodes) reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls = nil
}

// display is argv with the stand-ins' directory cut off.
func display(argv []string) string {
	return strings.ReplaceAll(strings.Join(argv, " "), bin+string(filepath.Separator), "")
}

// cluster seeds a cluster at v1.26.3: cp1, cp2 and worker1, worker2.
type cluster struct {
	t     *testing.T
	state string
}

func newCluster(t *testing.T) *cluster {
	c := &cluster{t: t, state: t.TempDir()}
	c.set("v1.26.3", "cluster")
	for _, h := range []string{"cp1", "cp2", "worker1", "worker2"} {
		for _, f := range []string{"kubeadm", "kubelet", "running"} {
			c.set("v1.26.3", h, f)
		}
	}
	return c
}

func (c *cluster) set(v string, path ...string) {
	p := filepath.Join(append([]string{c.state}, path...)...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(v+"\n"), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

func (c *cluster) get(path ...string) string {
	b, err := os.ReadFile(filepath.Join(append([]string{c.state}, path...)...))
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// provider is a Kubeadm on the cluster's nodes with the stand-in tools;
// env adds to their environment ($FAKE_FAIL).
func (c *cluster) provider(env ...string) (*kubeadm.Kubeadm, *nodes) {
	n := &nodes{local: kubeadm.Local{Env: env}, state: c.state}
	return &kubeadm.Kubeadm{
		Runner:         n,
		ControlPlanes:  []string{"cp1", "cp2"},
		Workers:        []string{"worker1", "worker2"},
		Kubeadm:        tool("kubeadm"),
		Kubelet:        tool("kubelet"),
		PackageUpgrade: []string{tool("pkg"), "install", "{{.Package}}", "{{.Version}}"},
		RestartKubelet: [][]string{{tool("systemctl"), "daemon-reload"}, {tool("systemctl"), "restart", "kubelet"}},
	}, n
}

func TestPlan(t *testing.T) {
	c := newCluster(t)
	c.set("v1.27.1", "cp1", "kubeadm")
	k, n := c.provider()
	p, err := k.Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if p.ClusterVersion != "v1.26.3" || p.KubeadmVersion != "v1.27.1" || len(p.Upgrades) != 1 {
		t.Fatalf("plan = %+v", p)
	}
	u := p.Upgrades[0]
	if u.Version != "v1.27.1" || u.Description != "stable version" || len(u.Components) != 6 {
		t.Errorf("upgrade = %+v", u)
	}
	if diff := cmp.Diff([]kubeadm.Component{{Name: "kubelet", Current: "4 x v1.26.3", Target: "v1.27.1"}}, u.Kubelets); diff != "" {
		t.Errorf("kubelets (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]call{{"cp1", "kubeadm upgrade plan"}}, n.recorded()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestPlanFails(t *testing.T) {
	c := newCluster(t)
	k, _ := c.provider("FAKE_FAIL=cp1:plan")
	_, err := k.Plan(testContext(t))
	for _, want := range []string{"host cp1", "kubeadm upgrade plan", "ControlPlaneNodesReady"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want one containing %q", err, want)
		}
	}
}

func TestSteps(t *testing.T) {
	c := newCluster(t)
	k, _ := c.provider()
	k.Kubeadm, k.Kubelet, k.RestartKubelet = "", "", nil
	k.PackageUpgrade = []string{"apt-get", "install", "-y", "{{.Package}}={{.Version}}-*"}
	steps, err := k.Steps("v1.27.1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range steps {
		got = append(got, fmt.Sprintf("%s %s %s", s.Host, s.Role, s.Action))
	}
	want := []string{"cp1 control-plane apply", "cp2 control-plane node", "worker1 worker node", "worker2 worker node"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("step order (-want +got):\n%s", diff)
	}
	apply := [][]string{
		{"apt-get", "install", "-y", "kubeadm=1.27.1-*"},
		{"kubeadm", "upgrade", "apply", "v1.27.1", "--yes"},
		{"apt-get", "install", "-y", "kubelet=1.27.1-*"},
		{"systemctl", "daemon-reload"},
		{"systemctl", "restart", "kubelet"},
	}
	if diff := cmp.Diff(apply, steps[0].Commands); diff != "" {
		t.Errorf("first control plane's commands (-want +got):\n%s", diff)
	}
	node := append([][]string(nil), apply...)
	node[1] = []string{"kubeadm", "upgrade", "node"}
	if diff := cmp.Diff(node, steps[3].Commands); diff != "" {
		t.Errorf("worker's commands (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"kubelet", "--version"}}, steps[1].Checks); diff != "" {
		t.Errorf("checks (-want +got):\n%s", diff)
	}
	if !strings.Contains(steps[0].Title, "cp1") || !strings.Contains(steps[3].Skip, "v1.27.1") {
		t.Errorf("steps[0] = %+v, steps[3] = %+v", steps[0], steps[3])
	}
}

func TestStepsWithoutPackagesOrHosts(t *testing.T) {
	k := &kubeadm.Kubeadm{ControlPlanes: []string{"cp1"}}
	steps, err := k.Steps("1.27.1")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"kubeadm", "upgrade", "apply", "v1.27.1", "--yes"}, {"systemctl", "daemon-reload"}, {"systemctl", "restart", "kubelet"}}
	if len(steps) != 1 || !cmp.Equal(want, steps[0].Commands) {
		t.Errorf("steps = %+v", steps)
	}
	for _, tt := range []struct {
		k       *kubeadm.Kubeadm
		version string
		want    string
	}{
		{k: &kubeadm.Kubeadm{}, version: "1.27.1", want: "no control plane hosts"},
		{k: k, version: "1.27", want: `version "1.27" is not a full Kubernetes version`},
		{k: &kubeadm.Kubeadm{ControlPlanes: []string{"cp1"}, PackageUpgrade: []string{"{{.Nope}}"}}, version: "1.27.1", want: "package upgrade argument 0"},
	} {
		if _, err := tt.k.Steps(tt.version); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Steps(%s) err = %v, want %q", tt.version, err, tt.want)
		}
	}
}

func TestUpgradeFirstControlPlane(t *testing.T) {
	c := newCluster(t)
	k, n := c.provider()
	var journal []string
	k.Journal = func(_ context.Context, host string, argv []string) error {
		journal = append(journal, host+" "+display(argv))
		return nil
	}
	var output []string
	k.Output = func(host, line string) { output = append(output, host+": "+line) }
	if err := k.UpgradeFirstControlPlane(testContext(t), "1.27.1"); err != nil {
		t.Fatal(err)
	}
	want := []call{
		{"cp1", "kubelet --version"},
		{"cp1", "kubeadm upgrade plan"},
		{"cp1", "pkg install kubeadm 1.27.1"},
		{"cp1", "kubeadm upgrade apply v1.27.1 --yes"},
		{"cp1", "pkg install kubelet 1.27.1"},
		{"cp1", "systemctl daemon-reload"},
		{"cp1", "systemctl restart kubelet"},
	}
	if diff := cmp.Diff(want, n.recorded()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	var changes []string
	for _, c := range want[2:] {
		changes = append(changes, c.Host+" "+c.Argv)
	}
	if diff := cmp.Diff(changes, journal); diff != "" {
		t.Errorf("journalled commands (-want +got):\n%s", diff)
	}
	if got := c.get("cluster"); got != "v1.27.1" {
		t.Errorf("cluster version = %s", got)
	}
	if got := c.get("cp1", "running"); got != "v1.27.1" {
		t.Errorf("cp1's running kubelet = %s", got)
	}
	if !contains(output, `cp1: [upgrade/successful] SUCCESS! Your cluster was upgraded to "v1.27.1". Enjoy!`) {
		t.Errorf("output does not report kubeadm's success: %q", output)
	}

	// Again, as after a crash once it had finished: nothing changes.
	n.reset()
	journal = nil
	if err := k.UpgradeFirstControlPlane(testContext(t), "v1.27.1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:2], n.recorded()); diff != "" {
		t.Errorf("calls when done already (-want +got):\n%s", diff)
	}
	if len(journal) != 0 {
		t.Errorf("journalled %q when done already", journal)
	}
}

// TestUpgradeFirstControlPlaneResumesAfterApply is a crash after the
// apply, before the kubelet: the apply is skipped, the kubelet upgraded.
func TestUpgradeFirstControlPlaneResumesAfterApply(t *testing.T) {
	c := newCluster(t)
	c.set("v1.27.1", "cluster")
	c.set("v1.27.1", "cp1", "kubeadm")
	k, n := c.provider()
	if err := k.UpgradeFirstControlPlane(testContext(t), "1.27.1"); err != nil {
		t.Fatal(err)
	}
	want := []call{
		{"cp1", "kubelet --version"},
		{"cp1", "kubeadm upgrade plan"},
		{"cp1", "pkg install kubelet 1.27.1"},
		{"cp1", "systemctl daemon-reload"},
		{"cp1", "systemctl restart kubelet"},
	}
	if diff := cmp.Diff(want, n.recorded()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestUpgradeNode(t *testing.T) {
	c := newCluster(t)
	k, n := c.provider()
	ctx := testContext(t)
	if err := k.UpgradeFirstControlPlane(ctx, "1.27.1"); err != nil {
		t.Fatal(err)
	}
	n.reset()
	if err := k.UpgradeNode(ctx, "worker2", "1.27.1"); err != nil {
		t.Fatal(err)
	}
	want := []call{
		{"worker2", "kubelet --version"},
		{"worker2", "pkg install kubeadm 1.27.1"},
		{"worker2", "kubeadm upgrade node"},
		{"worker2", "pkg install kubelet 1.27.1"},
		{"worker2", "systemctl daemon-reload"},
		{"worker2", "systemctl restart kubelet"},
	}
	if diff := cmp.Diff(want, n.recorded()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	for _, f := range []string{"kubeadm", "config", "kubelet", "running"} {
		if got := c.get("worker2", f); got != "v1.27.1" {
			t.Errorf("worker2's %s = %s, want v1.27.1", f, got)
		}
	}

	// Resumed after a crash: the kubelet reports the version, so the node
	// is skipped.
	n.reset()
	if err := k.UpgradeNode(ctx, "worker2", "v1.27.1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[:1], n.recorded()); diff != "" {
		t.Errorf("calls on an upgraded node (-want +got):\n%s", diff)
	}
}

// TestUpgradeAll runs the steps in order and leaves every node at the
// version.
func TestUpgradeAll(t *testing.T) {
	c := newCluster(t)
	k, _ := c.provider()
	ctx := testContext(t)
	steps, err := k.Steps("1.27.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Action == kubeadm.ActionApply {
			err = k.UpgradeFirstControlPlane(ctx, "1.27.1")
		} else {
			err = k.UpgradeNode(ctx, s.Host, "1.27.1")
		}
		if err != nil {
			t.Fatalf("%s: %v", s.Title, err)
		}
	}
	for _, h := range []string{"cp1", "cp2", "worker1", "worker2"} {
		if v, err := k.KubeletVersion(ctx, h); err != nil || v != "v1.27.1" {
			t.Errorf("%s: kubelet %s, %v", h, v, err)
		}
		if got := c.get(h, "running"); got != "v1.27.1" {
			t.Errorf("%s: running kubelet %s", h, got)
		}
	}
}

func TestUpgradeFailures(t *testing.T) {
	tests := []struct {
		name string
		fail string
		run  func(context.Context, *kubeadm.Kubeadm) error
		want []string
	}{
		{
			name: "apply", fail: "cp1:apply",
			run:  func(ctx context.Context, k *kubeadm.Kubeadm) error { return k.UpgradeFirstControlPlane(ctx, "1.27.1") },
			want: []string{"host cp1", "kubeadm upgrade apply v1.27.1 --yes", "status 1", "couldn't upgrade control plane"},
		},
		{
			name: "node", fail: "cp2:node",
			run:  func(ctx context.Context, k *kubeadm.Kubeadm) error { return k.UpgradeNode(ctx, "cp2", "1.27.1") },
			want: []string{"host cp2", "kubeadm upgrade node", "connection refused", "--v=5"},
		},
		{
			name: "package", fail: "worker1:install",
			run:  func(ctx context.Context, k *kubeadm.Kubeadm) error { return k.UpgradeNode(ctx, "worker1", "1.27.1") },
			want: []string{"host worker1", "pkg install kubeadm 1.27.1", "E: Version '1.27.1-1.1' for 'kubeadm' was not found"},
		},
		{
			name: "restart", fail: "worker2:restart",
			run:  func(ctx context.Context, k *kubeadm.Kubeadm) error { return k.UpgradeNode(ctx, "worker2", "1.27.1") },
			want: []string{"host worker2", "systemctl restart kubelet", "journalctl -xeu kubelet.service"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCluster(t)
			if tt.name != "apply" {
				c.set("v1.27.1", "cluster") // the first control plane is done
			}
			k, _ := c.provider("FAKE_FAIL=" + tt.fail)
			err := tt.run(testContext(t), k)
			var exit *kubeadm.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("err = %v, want an *ExitError", err)
			}
			for _, want := range tt.want {
				if !strings.Contains(display([]string{err.Error()}), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestApplyNeedsTheNewKubeadm(t *testing.T) {
	c := newCluster(t)
	k, _ := c.provider()
	k.PackageUpgrade = nil // kubeadm stays at v1.26.3
	err := k.UpgradeFirstControlPlane(testContext(t), "1.27.1")
	if err == nil || !strings.Contains(err.Error(), `is higher than the kubeadm version "v1.26.3"`) || !strings.Contains(err.Error(), "host cp1") {
		t.Fatalf("err = %v, want kubeadm's refusal naming cp1", err)
	}
	if got := c.get("cluster"); got != "v1.26.3" {
		t.Errorf("cluster version = %s after a refused apply", got)
	}
}

func TestJournalErrorStopsTheCommand(t *testing.T) {
	c := newCluster(t)
	k, n := c.provider()
	k.Journal = func(context.Context, string, []string) error { return errors.New("disk full") }
	err := k.UpgradeNode(testContext(t), "worker1", "1.27.1")
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "host worker1") {
		t.Fatalf("err = %v", err)
	}
	if diff := cmp.Diff([]call{{"worker1", "kubelet --version"}}, n.recorded()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}

func TestCombinedPackageTemplateRunsOnce(t *testing.T) {
	c := newCluster(t)
	k, n := c.provider()
	// One install for both packages: the stand-in installs kubeadm only,
	// but the command line is what matters here.
	k.PackageUpgrade = []string{tool("pkg"), "install", "kubeadm", "{{.Version}}"}
	c.set("v1.27.1", "cluster")
	if err := k.UpgradeNode(testContext(t), "worker1", "1.27.1"); err != nil {
		t.Fatal(err)
	}
	var installs int
	for _, call := range n.recorded() {
		if strings.HasPrefix(call.Argv, "pkg install") {
			installs++
		}
	}
	if installs != 1 {
		t.Errorf("package installs = %d, want 1: %+v", installs, n.recorded())
	}
}

func TestNoRunner(t *testing.T) {
	k := &kubeadm.Kubeadm{ControlPlanes: []string{"cp1"}}
	if _, err := k.Plan(testContext(t)); err == nil || !strings.Contains(err.Error(), "no Runner") {
		t.Errorf("err = %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func TestNodesProvider(t *testing.T) {
	c := newCluster(t)
	k, n := c.provider()
	nodes := &kubeadm.Nodes{Kubeadm: k, Hosts: map[string]string{"node-a": "worker1"}, Version: "1.27.1"}
	ctx := testContext(t)
	if err := nodes.UpgradeControlPlane(ctx, "1.27"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"cp1", "cp2"} {
		if got := c.get(h, "kubelet"); got != "v1.27.1" {
			t.Errorf("%s kubelet at %s, want v1.27.1", h, got)
		}
	}
	if got := c.get("cluster"); got != "v1.27.1" {
		t.Errorf("cluster at %s, want v1.27.1", got)
	}
	// Without Version, a worker takes the control plane's release.
	nodes.Version = ""
	n.reset()
	if err := nodes.UpgradeNode(ctx, "node-a", "1.27"); err != nil {
		t.Fatal(err)
	}
	if got := c.get("worker1", "kubelet"); got != "v1.27.1" {
		t.Errorf("worker1 kubelet at %s, want v1.27.1", got)
	}
	for _, call := range n.recorded() {
		if call.Host != "cp1" && call.Host != "worker1" {
			t.Errorf("node-a's upgrade ran %q on %s", call.Argv, call.Host)
		}
	}
	if _, err := nodes.AddNodes(ctx, "pool", 1, "1.27", nil); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("AddNodes: %v, want ErrUnsupported", err)
	}
}

func TestNodesProviderNeedsAnOfferedRelease(t *testing.T) {
	c := newCluster(t)
	k, _ := c.provider()
	nodes := &kubeadm.Nodes{Kubeadm: k}
	err := nodes.UpgradeControlPlane(testContext(t), "1.27")
	if err == nil || !strings.Contains(err.Error(), "offers no 1.27 release") || !strings.Contains(err.Error(), "install a kubeadm of 1.27 on cp1 first") {
		t.Fatalf("err = %v", err)
	}
	if got := c.get("cluster"); got != "v1.26.3" {
		t.Errorf("cluster at %s, want it untouched at v1.26.3", got)
	}
	nodes.Version = "1.28.0"
	if err := nodes.UpgradeNode(testContext(t), "worker1", "1.27"); err == nil || !strings.Contains(err.Error(), "not a 1.27 release") {
		t.Errorf("err = %v", err)
	}
}
