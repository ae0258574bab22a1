package anthosbm

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/kubeadm"
)

// job is a bmctl upgrade this BareMetal started.
type job struct {
	op   provider.Operation
	done chan struct{}
	// res and err are bmctl's, set before done is closed.
	res kubeadm.Result
	err error
}

func (j *job) exited() bool {
	select {
	case <-j.done:
		return true
	default:
		return false
	}
}

// logPathRE reads the line bmctl prints first: "Please check the logs at
// bmctl-workspace/CLUSTER/log/upgrade-cluster-20230101-120000/upgrade-cluster.log".
var logPathRE = regexp.MustCompile(`Please check the logs at (\S+)`)

// UpgradeArgv is the command StartUpgrade runs in Workdir.
func (b *BareMetal) UpgradeArgv() []string {
	return []string{b.bmctl(), "upgrade", "cluster", "-c", b.Cluster, "--kubeconfig", b.Kubeconfig}
}

// StartUpgrade runs `bmctl upgrade cluster -c CLUSTER --kubeconfig
// KUBECONFIG` in Workdir, in the background, and returns once bmctl has
// printed the path of its log: the Operation's ID is that path, made
// absolute. bmctl runs on when ctx ends after that, in a process group of
// its own (an interrupt of kubehop does not stop it); before, it is
// stopped.
//
// When the Cluster resource is at target already (spec and status), it
// returns a Successful Operation without an ID and starts nothing. When a
// bmctl upgrade this BareMetal started is still running, it returns that
// upgrade with an error wrapping provider.ErrOperationInProgress. Run
// Preflight first: bmctl upgrades to its own version.
func (b *BareMetal) StartUpgrade(ctx context.Context, target string) (provider.Operation, error) {
	if err := b.configured(); err != nil {
		return provider.Operation{}, err
	}
	if b.Kubeconfig == "" {
		return provider.Operation{}, b.errorf("upgrade: no kubeconfig is configured for bmctl")
	}
	op := provider.Operation{Kind: KindCluster, Target: b.Cluster, Version: target, Status: provider.OpInProgress}
	spec, status, err := b.clusterVersion(ctx)
	if err != nil {
		return provider.Operation{}, b.errorf("upgrade to %s: %w", target, err)
	}
	if sameRelease(spec, target) && sameRelease(status, target) {
		op.Status = provider.OpSuccessful
		return op, nil
	}
	if running := b.running(); running != nil {
		return running.op, b.errorf("upgrade to %s: %w: bmctl upgrade to %s, log %s", target, provider.ErrOperationInProgress, running.op.Version, running.op.ID)
	}
	return b.start(ctx, op)
}

// running is the bmctl upgrade this value started that has not exited.
func (b *BareMetal) running() *job {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, j := range b.jobs {
		if !j.exited() {
			return j
		}
	}
	return nil
}

// start runs bmctl and waits for the path of its log.
func (b *BareMetal) start(ctx context.Context, op provider.Operation) (provider.Operation, error) {
	argv := b.UpgradeArgv()
	paths := make(chan string, 1)
	onLine := func(_ kubeadm.Stream, line string) {
		if m := logPathRE.FindStringSubmatch(line); m != nil {
			select {
			case paths <- m[1]:
			default:
			}
		}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j := &job{done: make(chan struct{})}
	go func() {
		defer close(j.done)
		defer cancel()
		j.res, j.err = b.Runner.Run(runCtx, "", argv, kubeadm.RunOptions{Dir: b.Workdir, OnLine: onLine, Detach: true})
	}()
	var path string
	select {
	case path = <-paths:
	case <-j.done:
		select {
		case path = <-paths:
		default:
			return provider.Operation{}, b.errorf("upgrade to %s: %q ended before it printed where its log is: %w", op.Version, kubeadm.CommandLine(argv), exitErr(j))
		}
	case <-ctx.Done():
		cancel()
		<-j.done
		return provider.Operation{}, b.errorf("upgrade to %s: %q stopped before it printed where its log is: %w", op.Version, kubeadm.CommandLine(argv), ctx.Err())
	}
	id, err := b.resolve(path)
	if err != nil {
		return provider.Operation{}, b.errorf("upgrade to %s: log %s: %w", op.Version, path, err)
	}
	op.ID = id
	j.op = op
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.jobs == nil {
		b.jobs = map[string]*job{}
	}
	b.jobs[id] = j
	return op, nil
}

// exitErr is how bmctl ended when it failed without an error.
func exitErr(j *job) error {
	if j.err != nil {
		return j.err
	}
	return fmt.Errorf("exit status %d", j.res.ExitCode)
}

// resolve makes a log path bmctl printed (relative to the directory it
// ran in) absolute.
func (b *BareMetal) resolve(path string) (string, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.Workdir, path)
	}
	return filepath.Abs(path)
}

// StartControlPlaneUpgrade implements provider.Cloud with StartUpgrade:
// version is the Anthos bare-metal version ("1.12.1"), and bmctl moves the
// node pools with the control plane.
func (b *BareMetal) StartControlPlaneUpgrade(ctx context.Context, version string) (provider.Operation, error) {
	return b.StartUpgrade(ctx, version)
}

// StartPoolUpgrade implements provider.Cloud. bmctl upgrades the node
// pools with the cluster, so a pool is at version once the Cluster is: it
// returns a Successful Operation then, and an error otherwise.
func (b *BareMetal) StartPoolUpgrade(ctx context.Context, pool, version string, _ provider.PoolUpgrade) (provider.Operation, error) {
	spec, status, err := b.clusterVersion(ctx)
	if err != nil {
		return provider.Operation{}, b.errorf("node pool %s: %w", pool, err)
	}
	if sameRelease(spec, version) && sameRelease(status, version) {
		return provider.Operation{Kind: "pool", Target: pool, Version: version, Status: provider.OpSuccessful}, nil
	}
	return provider.Operation{}, b.errorf("node pool %s: bmctl upgrade cluster upgrades node pools with the cluster (at %s now): upgrade the cluster to %s", pool, orNone(status), version)
}

// Addons implements provider.Cloud: kubehop moves no managed add-ons on
// bare metal (bmctl upgrades the cluster's own).
func (b *BareMetal) Addons(context.Context, string) ([]provider.Addon, error) { return nil, nil }

// UpdateAddon implements provider.Cloud; it is not supported.
func (b *BareMetal) UpdateAddon(_ context.Context, name, _ string) (provider.Operation, error) {
	return provider.Operation{}, b.errorf("add-on %s: %w: bmctl upgrades the cluster's add-ons with the cluster", name, errors.ErrUnsupported)
}
