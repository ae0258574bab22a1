package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/demo"
	"github.com/kubehop/kubehop/internal/kube"
	"github.com/kubehop/kubehop/internal/localcluster"
)

var (
	// shared is a cluster at the oldest pinned version with the demo
	// platform on it, for tests that only read it or work in their own
	// namespace.
	shared *localcluster.Cluster
	// kubehopBin is the kubehop binary built from this checkout.
	kubehopBin string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	pinned := localcluster.PinnedVersions()
	for _, minor := range pinned.Minors() {
		if _, err := localcluster.FindBinaries(pinned.Kubernetes[minor]); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
			return 1
		}
	}
	tmp, err := os.MkdirTemp("", "kubehop-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	kubehopBin = filepath.Join(tmp, "kubehop")
	build := exec.Command("go", "build", "-o", kubehopBin, "../../cmd/kubehop")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build kubehop:", err)
		return 1
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	shared, err = localcluster.Start(ctx, localcluster.Options{Version: pinned.Minors()[0], Logger: logger, KeepDir: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start shared cluster:", err)
		return 1
	}
	code := 1
	defer func() { finish(shared, code != 0) }()
	if _, err := demo.Seed(ctx, shared, demo.SeedOptions{Logger: logger}); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: seed shared cluster:", err)
		return code
	}
	code = m.Run()
	return code
}

// finish stops c; when failed it prints the end of every component's log
// and keeps the cluster's directory, else removes it.
func finish(c *localcluster.Cluster, failed bool) {
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stop cluster:", err)
		failed = true
	}
	if failed {
		dumpLogs(os.Stderr, c.LogDir())
		fmt.Fprintf(os.Stderr, "e2e: cluster directory kept in %s\n", c.Dir())
		return
	}
	os.RemoveAll(c.Dir())
}

// watchBudgets starts an independent PDB watcher (see kube.WatchBudgets).
func watchBudgets(ctx context.Context, t *testing.T, client kubernetes.Interface, namespace string, skip ...string) *kube.BudgetWatcher {
	t.Helper()
	w, err := kube.WatchBudgets(ctx, client, namespace, skip...)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
