package anthosbm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/anthosbm"
	"github.com/kubehop/kubehop/internal/provider/kubeadm"
)

// bin holds the stand-ins TestMain builds: bmctl, and docker linked to it.
var bin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bmctl-standins-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "bmctl"), "./testdata/bmctl").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build the bmctl stand-in: %v\n%s", err, out)
		return 1
	}
	if err := os.Symlink("bmctl", filepath.Join(dir, "docker")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	bin = dir
	return m.Run()
}

const (
	clusterName = "foo-anthos-cluster"
	target      = "1.12.1"
)

// fileVersions is a VersionReader on the stand-in's cluster file ("SPEC
// STATUS"), which the stand-in bmctl updates as the controller would.
type fileVersions struct{ path string }

func (f fileVersions) ClusterVersion(context.Context) (spec, status string, err error) {
	b, err := os.ReadFile(f.path)
	if err != nil {
		return "", "", err
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return "", "", fmt.Errorf("cluster file %s: %q", f.path, b)
	}
	return fields[0], fields[1], nil
}

// site is a baremetal working directory with a cluster config, a
// kubeconfig and the Cluster's versions.
type site struct {
	t          *testing.T
	workdir    string
	kubeconfig string
	cluster    string // the cluster file
	env        []string
}

// newSite starts a cluster at 1.11.3 whose config asks for 1.12.1; env
// adds to the stand-ins' environment.
func newSite(t *testing.T, env ...string) *site {
	s := &site{t: t, workdir: t.TempDir()}
	s.kubeconfig = filepath.Join(s.workdir, "bmctl-workspace", clusterName, clusterName+"-kubeconfig")
	s.cluster = filepath.Join(t.TempDir(), "cluster")
	s.write(s.kubeconfig, "apiVersion: v1\nkind: Config\n")
	s.setConfig(target)
	s.setCluster("1.11.3", "1.11.3")
	s.env = append([]string{"FAKE_CLUSTER=" + s.cluster, "FAKE_STEP=40ms"}, env...)
	return s
}

func (s *site) write(path, content string) {
	s.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// setConfig writes the cluster config bmctl reads, asking for version.
func (s *site) setConfig(version string) {
	s.write(filepath.Join(s.workdir, "bmctl-workspace", clusterName, clusterName+".yaml"), fmt.Sprintf(`gcrKeyPath: bmctl-workspace/.sa-keys/key.json
---
apiVersion: v1
kind: Namespace
metadata:
  name: cluster-%[1]s
---
apiVersion: baremetal.cluster.gke.io/v1
kind: Cluster
metadata:
  name: %[1]s
  namespace: cluster-%[1]s
spec:
  type: hybrid
  anthosBareMetalVersion: %[2]s
---
apiVersion: baremetal.cluster.gke.io/v1
kind: NodePool
metadata:
  name: np1
  namespace: cluster-%[1]s
spec:
  clusterName: %[1]s
`, clusterName, version))
}

func (s *site) setCluster(spec, status string) {
	s.write(s.cluster, spec+" "+status+"\n")
}

// progress collects the log lines a BareMetal reports.
type progress struct {
	mu    sync.Mutex
	lines []string
}

func (p *progress) add(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines = append(p.lines, line)
}

func (p *progress) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// messages are the lines without bmctl's timestamps.
func (p *progress) messages() []string {
	var out []string
	for _, l := range p.all() {
		if _, msg, ok := strings.Cut(l, "] "); ok && strings.HasPrefix(l, "[") {
			l = msg
		}
		out = append(out, l)
	}
	return out
}

// bareMetal is a fresh BareMetal on the site, as a new kubehop process
// would build from its profile.
func (s *site) bareMetal() (*anthosbm.BareMetal, *progress) {
	p := &progress{}
	return &anthosbm.BareMetal{
		Runner:       kubeadm.Local{Env: s.env},
		Bmctl:        filepath.Join(bin, "bmctl"),
		Docker:       []string{filepath.Join(bin, "docker"), "info"},
		Workdir:      s.workdir,
		Kubeconfig:   s.kubeconfig,
		Cluster:      clusterName,
		Versions:     fileVersions{path: s.cluster},
		Progress:     p.add,
		PollInterval: 20 * time.Millisecond,
	}, p
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestPreflightPasses(t *testing.T) {
	b, _ := newSite(t).bareMetal()
	if err := b.Preflight(testContext(t), target); err != nil {
		t.Fatal(err)
	}
	if v, err := b.BmctlVersion(testContext(t)); err != nil || v != "1.12.1-gke.44" {
		t.Errorf("BmctlVersion = %q, %v", v, err)
	}
}

func TestPreflightFailures(t *testing.T) {
	tests := []struct {
		name    string
		env     []string
		setup   func(*site)
		target  string
		want    []string
		wantErr error
	}{
		{
			name: "wrong bmctl", env: []string{"FAKE_BMCTL_VERSION=1.11.3-gke.2"},
			want: []string{"is version 1.11.3-gke.2, not the target 1.12.1", "install the bmctl of 1.12.1", "gs://anthos-baremetal-release/bmctl/1.12.1/linux-amd64/bmctl"},
		},
		{
			name: "docker down", env: []string{"FAKE_DOCKER_DOWN=1"},
			want: []string{"the docker daemon does not answer", "kind", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock"},
		},
		{
			name:  "already at target",
			setup: func(s *site) { s.setCluster(target, target) },
			want:  []string{"the cluster runs 1.12.1"}, wantErr: anthosbm.ErrAlreadyAtTarget,
		},
		{
			name:  "skips a minor",
			setup: func(s *site) { s.setCluster("1.10.5", "1.10.5") },
			want:  []string{"the cluster runs 1.10.5 and the target 1.12.1 is more than one minor ahead", "to a 1.11 release first"},
		},
		{
			name:  "newer",
			setup: func(s *site) { s.setCluster("1.13.0", "1.13.0") },
			want:  []string{"the cluster runs 1.13.0, newer than the target 1.12.1"},
		},
		{
			name:  "upgrade in flight",
			setup: func(s *site) { s.setCluster("1.12.1", "1.11.3") },
			want:  []string{"is being upgraded already", "spec.anthosBareMetalVersion 1.12.1, status.anthosBareMetalVersion 1.11.3"}, wantErr: provider.ErrOperationInProgress,
		},
		{
			name:  "config asks for another version",
			setup: func(s *site) { s.setConfig("1.11.3") },
			want:  []string{clusterName + ".yaml: spec.anthosBareMetalVersion is 1.11.3; set it to 1.12.1"},
		},
		{
			name: "bad target", target: "latest",
			want: []string{`"latest" is not an Anthos bare metal version`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t, tt.env...)
			if tt.setup != nil {
				tt.setup(s)
			}
			b, _ := s.bareMetal()
			to := tt.target
			if to == "" {
				to = target
			}
			err := b.Preflight(testContext(t), to)
			if err == nil {
				t.Fatal("preflight passed")
			}
			for _, want := range append(tt.want, "anthos bare metal cluster "+clusterName) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error does not wrap %v", tt.wantErr)
			}
		})
	}
}

// TestPreflightNamesEveryFailure fails three checks at once.
func TestPreflightNamesEveryFailure(t *testing.T) {
	s := newSite(t, "FAKE_BMCTL_VERSION=1.11.3-gke.2", "FAKE_DOCKER_DOWN=1")
	s.setCluster("1.10.5", "1.10.5")
	b, _ := s.bareMetal()
	err := b.Preflight(testContext(t), target)
	for _, want := range []string{"is version 1.11.3-gke.2", "more than one minor ahead", "docker daemon does not answer"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}

func TestPreflightWithoutConfigFile(t *testing.T) {
	s := newSite(t)
	if err := os.Remove(filepath.Join(s.workdir, "bmctl-workspace", clusterName, clusterName+".yaml")); err != nil {
		t.Fatal(err)
	}
	b, _ := s.bareMetal()
	if err := b.Preflight(testContext(t), target); err != nil {
		t.Fatalf("preflight without a cluster config: %v", err)
	}
}

func TestUpgradeSucceeds(t *testing.T) {
	s := newSite(t)
	b, p := s.bareMetal()
	ctx := testContext(t)
	if err := b.Verify(ctx, target); err == nil || !strings.Contains(err.Error(), "status.anthosBareMetalVersion 1.11.3") {
		t.Errorf("Verify before the upgrade = %v", err)
	}
	op, err := b.StartUpgrade(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	wantDir := filepath.Join(s.workdir, "bmctl-workspace", clusterName, "log")
	if !filepath.IsAbs(op.ID) || !strings.HasPrefix(op.ID, wantDir) || filepath.Base(op.ID) != "upgrade-cluster.log" {
		t.Errorf("operation ID = %q, want the absolute log path under %s", op.ID, wantDir)
	}
	if op.Kind != anthosbm.KindCluster || op.Target != clusterName || op.Version != target || op.Status != provider.OpInProgress {
		t.Errorf("op = %+v", op)
	}
	var seen []string
	done, err := provider.Wait(ctx, b, op, b.PollInterval, func(o provider.Operation) { seen = append(seen, o.Status) })
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != provider.OpSuccessful || done.ID != op.ID {
		t.Errorf("done = %+v", done)
	}
	if diff := cmp.Diff([]string{provider.OpInProgress, provider.OpSuccessful}, seen); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	msgs := p.messages()
	for _, want := range []string{
		"Creating bootstrap cluster... OK",
		"Upgrading cluster foo-anthos-cluster from 1.11.3 to 1.12.1...", // written in two halves
		"Upgrade cluster foo-anthos-cluster to 1.12.1 succeeded",
	} {
		if !contains(msgs, want) {
			t.Errorf("progress lacks %q: %q", want, msgs)
		}
	}
	if n := len(msgs); n != 15 {
		t.Errorf("progress reported %d lines, want the log's 15: %q", n, msgs)
	}
	if err := b.Verify(ctx, target); err != nil {
		t.Errorf("Verify after the upgrade: %v", err)
	}
}

func TestUpgradeFails(t *testing.T) {
	s := newSite(t, "FAKE_UPGRADE_FAIL=1")
	b, p := s.bareMetal()
	ctx := testContext(t)
	op, err := b.StartUpgrade(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	done, err := b.Wait(ctx, op, nil)
	if !errors.Is(err, provider.ErrOperationFailed) {
		t.Fatalf("err = %v, want ErrOperationFailed", err)
	}
	errorLine := "Error: failed to upgrade cluster: node 10.200.0.5 did not become ready: timed out waiting for the condition"
	for _, want := range []string{errorLine, "anthos bare metal cluster " + clusterName, op.ID, "exited with status 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if done.Status != provider.OpFailed || len(done.Errors) == 0 || !strings.HasSuffix(done.Errors[0], errorLine) {
		t.Errorf("done = %+v, want Failed with the log's error line first", done)
	}
	if msgs := p.messages(); len(msgs) == 0 || msgs[len(msgs)-1] != errorLine {
		t.Errorf("progress = %q, want it to end with the error line", msgs)
	}
	if err := b.Verify(ctx, target); err == nil || !strings.Contains(err.Error(), "spec.anthosBareMetalVersion 1.12.1, status.anthosBareMetalVersion 1.11.3") {
		t.Errorf("Verify after a failed upgrade = %v", err)
	}
}

// journalled is op as the executor's journal gives it back.
func journalled(t *testing.T, op provider.Operation) provider.Operation {
	t.Helper()
	b, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	var back provider.Operation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// waitForLines polls op with b until its log has at least n lines.
func waitForLines(t *testing.T, b *anthosbm.BareMetal, p *progress, op provider.Operation, n int) {
	t.Helper()
	ctx := testContext(t)
	for len(p.all()) < n {
		cur, err := b.Poll(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Done() {
			t.Fatalf("the upgrade ended (%s) before %d lines", cur.Status, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestResume is a crash after the Operation was journalled: a new
// BareMetal given only the journalled Operation follows the log, which
// the bmctl started by the first keeps writing, to success.
func TestResume(t *testing.T) {
	s := newSite(t)
	first, firstProgress := s.bareMetal()
	ctx := testContext(t)
	op, err := first.StartUpgrade(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	saved := journalled(t, op)
	waitForLines(t, first, firstProgress, op, 3)

	second, p := s.bareMetal()
	done, err := second.Wait(ctx, saved, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != provider.OpSuccessful || done.ID != op.ID {
		t.Errorf("resumed upgrade = %+v", done)
	}
	msgs := p.messages()
	if len(msgs) == 0 || msgs[0] != "Creating bootstrap cluster... OK" || !contains(msgs, "Waiting for worker nodes to be upgraded... OK") {
		t.Errorf("the resumed BareMetal reported %q, want the log from its start past the workers", msgs)
	}
	if err := second.Verify(ctx, target); err != nil {
		t.Error(err)
	}
	// The first still owns its bmctl, which exits 0.
	if done, err := first.Wait(ctx, op, nil); err != nil || done.Status != provider.OpSuccessful {
		t.Errorf("first BareMetal: %+v, %v", done, err)
	}
	if last := firstProgress.messages(); last[len(last)-1] != "Upgrade cluster foo-anthos-cluster to 1.12.1 succeeded" {
		t.Errorf("first BareMetal's last line = %q", last[len(last)-1])
	}
}

// TestResumeFails follows, after a resume, a log that ends with an error.
func TestResumeFails(t *testing.T) {
	s := newSite(t, "FAKE_UPGRADE_FAIL=1")
	first, firstProgress := s.bareMetal()
	ctx := testContext(t)
	op, err := first.StartUpgrade(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	waitForLines(t, first, firstProgress, op, 2)

	second, _ := s.bareMetal()
	second.Settle = 300 * time.Millisecond
	start := time.Now()
	done, err := second.Wait(ctx, journalled(t, op), nil)
	if !errors.Is(err, provider.ErrOperationFailed) || !strings.Contains(err.Error(), "Error: failed to upgrade cluster: node 10.200.0.5") {
		t.Fatalf("err = %v, want ErrOperationFailed naming the log's error line", err)
	}
	if done.Status != provider.OpFailed || !strings.Contains(strings.Join(done.Errors, "\n"), "not started by this kubehop") {
		t.Errorf("done = %+v", done)
	}
	if time.Since(start) < second.Settle {
		t.Errorf("failed after %s, before the log settled", time.Since(start))
	}
	if _, err := first.Wait(ctx, op, nil); !errors.Is(err, provider.ErrOperationFailed) {
		t.Errorf("first BareMetal: %v", err)
	}
}

// TestResumeQuietLog is a log nobody writes any more, of a cluster that
// did not reach the target.
func TestResumeQuietLog(t *testing.T) {
	s := newSite(t)
	log := filepath.Join(s.workdir, "bmctl-workspace", clusterName, "log", "upgrade-cluster-20230101-120000", "upgrade-cluster.log")
	s.write(log, "[2023-01-01 12:00:00+0000] Creating bootstrap cluster... OK\n[2023-01-01 12:00:01+0000] Upgrading cluster...\n")
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(log, old, old); err != nil {
		t.Fatal(err)
	}
	b, p := s.bareMetal()
	b.Quiet = time.Hour
	op := provider.Operation{ID: log, Kind: anthosbm.KindCluster, Target: clusterName, Version: target, Status: provider.OpInProgress}
	cur, err := b.Poll(testContext(t), op)
	if err != nil {
		t.Fatal(err)
	}
	errs := strings.Join(cur.Errors, "\n")
	if cur.Status != provider.OpFailed || !strings.Contains(errs, "has not changed for 2h0m0s") || !strings.Contains(errs, "Upgrading cluster...") {
		t.Errorf("op = %+v", cur)
	}
	if len(p.all()) != 2 {
		t.Errorf("progress = %q", p.all())
	}
}

// TestResumeClusterAtTarget is a resume after bmctl finished: the Cluster
// decides even when the log has no marker.
func TestResumeClusterAtTarget(t *testing.T) {
	s := newSite(t)
	log := filepath.Join(s.workdir, "upgrade.log")
	s.write(log, "[2023-01-01 12:00:00+0000] Waiting for cluster to become ready OK\n")
	s.setCluster(target, target)
	b, _ := s.bareMetal()
	cur, err := b.Poll(testContext(t), provider.Operation{ID: log, Kind: anthosbm.KindCluster, Version: target, Status: provider.OpInProgress})
	if err != nil || cur.Status != provider.OpSuccessful {
		t.Errorf("Poll = %+v, %v", cur, err)
	}
}

func TestStartUpgradeWhenDone(t *testing.T) {
	s := newSite(t)
	s.setCluster(target, target)
	b, _ := s.bareMetal()
	op, err := b.StartUpgrade(testContext(t), target)
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != provider.OpSuccessful || op.ID != "" {
		t.Errorf("op = %+v, want Successful without an ID", op)
	}
	if _, err := os.Stat(filepath.Join(s.workdir, "bmctl-workspace", clusterName, "log")); !os.IsNotExist(err) {
		t.Errorf("bmctl ran: %v", err)
	}
	if done, err := b.Wait(testContext(t), op, nil); err != nil || done.Status != provider.OpSuccessful {
		t.Errorf("Wait = %+v, %v", done, err)
	}
}

func TestStartUpgradeInProgress(t *testing.T) {
	s := newSite(t)
	b, _ := s.bareMetal()
	ctx := testContext(t)
	op, err := b.StartUpgrade(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.StartUpgrade(ctx, target)
	if !errors.Is(err, provider.ErrOperationInProgress) || again.ID != op.ID {
		t.Errorf("second start = %+v, %v; want the first with ErrOperationInProgress", again, err)
	}
	if _, err := b.Wait(ctx, op, nil); err != nil {
		t.Fatal(err)
	}
}

func TestStartUpgradeFailsBeforeLog(t *testing.T) {
	s := newSite(t)
	b, _ := s.bareMetal()
	b.Workdir = t.TempDir() // no bmctl-workspace here
	_, err := b.StartUpgrade(testContext(t), target)
	for _, want := range []string{"before it printed where its log is", "bmctl upgrade cluster -c foo-anthos-cluster --kubeconfig", "failed to read cluster config"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want one containing %q", err, want)
		}
	}
}

func TestStartUpgradeNeedsConfiguration(t *testing.T) {
	s := newSite(t)
	b, _ := s.bareMetal()
	b.Kubeconfig = ""
	if _, err := b.StartUpgrade(testContext(t), target); err == nil || !strings.Contains(err.Error(), "no kubeconfig") {
		t.Errorf("err = %v", err)
	}
	b, _ = s.bareMetal()
	b.Cluster = ""
	if _, err := b.StartUpgrade(testContext(t), target); err == nil || !strings.Contains(err.Error(), "no cluster name") {
		t.Errorf("err = %v", err)
	}
}

func TestPollErrors(t *testing.T) {
	b, _ := newSite(t).bareMetal()
	ctx := testContext(t)
	if _, err := b.Poll(ctx, provider.Operation{Kind: anthosbm.KindCluster, Status: provider.OpInProgress}); err == nil || !strings.Contains(err.Error(), "no log path") {
		t.Errorf("Poll without an ID: %v", err)
	}
	_, err := b.Poll(ctx, provider.Operation{ID: "/nonexistent/upgrade-cluster.log", Status: provider.OpInProgress})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/upgrade-cluster.log") {
		t.Errorf("Poll of a missing log: %v", err)
	}
}

func TestCloudMethods(t *testing.T) {
	s := newSite(t)
	b, _ := s.bareMetal()
	ctx := testContext(t)
	if b.Name() != "anthos-bm" {
		t.Errorf("Name = %q", b.Name())
	}
	info, err := b.Describe(ctx)
	if err != nil || info.Name != clusterName || info.Version != "1.11.3" || info.Status != "Ready" {
		t.Errorf("Describe = %+v, %v", info, err)
	}
	s.setCluster(target, "1.11.3")
	if info, _ := b.Describe(ctx); info.Status != "Upgrading" {
		t.Errorf("Describe during an upgrade = %+v", info)
	}
	if _, err := b.StartPoolUpgrade(ctx, "np1", target, provider.PoolUpgrade{}); err == nil || !strings.Contains(err.Error(), "node pool np1") {
		t.Errorf("StartPoolUpgrade before the cluster: %v", err)
	}
	s.setCluster(target, target)
	if op, err := b.StartPoolUpgrade(ctx, "np1", target, provider.PoolUpgrade{}); err != nil || op.Status != provider.OpSuccessful {
		t.Errorf("StartPoolUpgrade after the cluster = %+v, %v", op, err)
	}
	if addons, err := b.Addons(ctx, "1.23"); err != nil || len(addons) != 0 {
		t.Errorf("Addons = %v, %v", addons, err)
	}
	if _, err := b.UpdateAddon(ctx, "coredns", "1.0"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("UpdateAddon: %v", err)
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
