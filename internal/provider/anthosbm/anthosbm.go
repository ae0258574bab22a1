// Package anthosbm is kubehop's provider.Cloud for Anthos clusters on bare
// metal (GKE on Bare Metal), driven the way its runbook does by hand:
// install the bmctl of the target version, read the cluster's version from
// its Cluster resource (baremetal.cluster.gke.io/v1,
// spec.anthosBareMetalVersion), check the docker daemon that bmctl's kind
// bootstrap cluster needs, run `bmctl upgrade cluster -c CLUSTER
// --kubeconfig KUBECONFIG` from the baremetal working directory, follow the
// log whose path bmctl prints, and verify the Cluster's versions.
//
// bmctl upgrades the control plane and every node pool in one run of an
// hour or more, so the upgrade is one long Operation whose ID is the path
// of bmctl's log: the executor journals it, and after a crash a new
// BareMetal given that Operation follows the rest of the log (see Poll).
package anthosbm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/kubeadm"
)

var _ provider.Cloud = (*BareMetal)(nil)

// KindCluster is the Kind of the Operation of `bmctl upgrade cluster`: the
// whole cluster, control plane and node pools.
const KindCluster = "cluster"

// Defaults of the durations a BareMetal waits.
const (
	// DefaultPollInterval is how often Wait reads the log.
	DefaultPollInterval = 10 * time.Second
	// DefaultSettle is how long a log that ends with an error must stay
	// unchanged before a resumed Poll calls the upgrade failed: bmctl
	// exits right after it logs its error.
	DefaultSettle = 30 * time.Second
	// DefaultQuiet is how long a log may stay unchanged, with no bmctl of
	// ours running and the Cluster not at the target, before a resumed
	// Poll calls the upgrade failed.
	DefaultQuiet = 30 * time.Minute
)

// BareMetal upgrades one Anthos bare-metal cluster with bmctl. Use it by
// pointer: it keeps the bmctl it started and how far it has read each log.
type BareMetal struct {
	// Runner runs bmctl and docker on this machine (host ""); the log is
	// read from this machine's file system too.
	Runner kubeadm.Runner
	// Bmctl is the bmctl binary; "" is "bmctl" on PATH.
	Bmctl string
	// Workdir is the baremetal directory bmctl runs in, the one holding
	// bmctl-workspace/; "" is the current directory.
	Workdir string
	// Kubeconfig is the kubeconfig bmctl upgrade is given (the admin
	// cluster's for a user cluster).
	Kubeconfig string
	// Cluster is the cluster's name; Namespace the namespace of its
	// Cluster resource ("" is bmctl's "cluster-<Cluster>").
	Cluster   string
	Namespace string
	// Versions reads the Cluster resource's versions; nil reads them with
	// a dynamic client built from Kubeconfig.
	Versions VersionReader
	// Docker is the command that must succeed when the docker daemon
	// answers; nil is `docker info`.
	Docker []string
	// Progress, when set, gets each new line of bmctl's log as Poll reads
	// it.
	Progress func(line string)
	// PollInterval, Settle and Quiet override DefaultPollInterval,
	// DefaultSettle and DefaultQuiet.
	PollInterval time.Duration
	Settle       time.Duration
	Quiet        time.Duration

	mu      sync.Mutex
	jobs    map[string]*job      // the bmctl runs this value started, by log path
	follows map[string]*follower // how far each log has been read, by log path
	reader  VersionReader        // built from Kubeconfig when Versions is nil
}

// Name implements provider.Cloud.
func (b *BareMetal) Name() string { return "anthos-bm" }

func (b *BareMetal) bmctl() string {
	if b.Bmctl != "" {
		return b.Bmctl
	}
	return "bmctl"
}

func (b *BareMetal) docker() []string {
	if b.Docker != nil {
		return b.Docker
	}
	return []string{"docker", "info"}
}

func (b *BareMetal) namespace() string {
	if b.Namespace != "" {
		return b.Namespace
	}
	return "cluster-" + b.Cluster
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// versions is the VersionReader in use.
func (b *BareMetal) versions() (VersionReader, error) {
	if b.Versions != nil {
		return b.Versions, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.reader == nil {
		r, err := NewClusterVersions(b.Kubeconfig, b.namespace(), b.Cluster)
		if err != nil {
			return nil, err
		}
		b.reader = r
	}
	return b.reader, nil
}

// clusterVersion reads the Cluster resource's spec and status versions.
func (b *BareMetal) clusterVersion(ctx context.Context) (spec, status string, err error) {
	r, err := b.versions()
	if err != nil {
		return "", "", err
	}
	spec, status, err = r.ClusterVersion(ctx)
	if err != nil {
		return "", "", fmt.Errorf("read the Cluster resource %s/%s: %w", b.namespace(), b.Cluster, err)
	}
	return spec, status, nil
}

// errorf prefixes an error with the cluster it is about.
func (b *BareMetal) errorf(format string, args ...any) error {
	return fmt.Errorf("anthos bare metal cluster %s: %w", b.Cluster, fmt.Errorf(format, args...))
}

// configured checks what every command needs.
func (b *BareMetal) configured() error {
	switch {
	case b.Runner == nil:
		return b.errorf("no Runner is configured")
	case b.Cluster == "":
		return errors.New("anthos bare metal: no cluster name is configured")
	}
	return nil
}

// Describe implements provider.Cloud from the Cluster resource: Version
// is the Anthos bare-metal version of its status (of its spec before it
// has one), Status "Upgrading" while spec and status differ. bmctl moves
// the node pools with the cluster, so none are listed.
func (b *BareMetal) Describe(ctx context.Context) (*provider.ClusterInfo, error) {
	spec, status, err := b.clusterVersion(ctx)
	if err != nil {
		return nil, b.errorf("%w", err)
	}
	info := &provider.ClusterInfo{Name: b.Cluster, Version: status, Status: "Ready"}
	if status == "" {
		info.Version = spec
	}
	if status != "" && !sameRelease(spec, status) {
		info.Status = "Upgrading"
	}
	return info, nil
}

// Wait waits for op with provider.Wait, reading the log every
// PollInterval; an upgrade that ends without success is an error wrapping
// provider.ErrOperationFailed that names the cluster and the log.
func (b *BareMetal) Wait(ctx context.Context, op provider.Operation, progress func(provider.Operation)) (provider.Operation, error) {
	done, err := provider.Wait(ctx, b, op, durationOr(b.PollInterval, DefaultPollInterval), progress)
	if errors.Is(err, provider.ErrOperationFailed) {
		err = b.errorf("%w", err)
	}
	return done, err
}

// release is an Anthos bare-metal version ("1.12.1", "1.12.1-gke.44")
// read as numbers; bmctl's build suffix does not count.
type release struct {
	raw string
	v   *version.Version
}

func parseRelease(s string) (release, error) {
	v, err := version.ParseGeneric(s)
	if err != nil || len(v.Components()) < 3 {
		return release{}, fmt.Errorf("%q is not an Anthos bare metal version such as 1.12.1", s)
	}
	return release{raw: s, v: v}, nil
}

func (r release) String() string { return r.raw }

// minor is "1.12" for 1.12.1.
func (r release) minor() string { return fmt.Sprintf("%d.%d", r.v.Major(), r.v.Minor()) }

// sameRelease reports whether two versions name one release ("1.12.1" and
// "1.12.1-gke.44").
func sameRelease(a, b string) bool {
	ra, errA := parseRelease(a)
	rb, errB := parseRelease(b)
	if errA != nil || errB != nil {
		return a != "" && a == b
	}
	return ra.v.Major() == rb.v.Major() && ra.v.Minor() == rb.v.Minor() && ra.v.Patch() == rb.v.Patch()
}
