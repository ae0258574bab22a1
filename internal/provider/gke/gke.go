// Package gke is kubehop's provider.Cloud for Google Kubernetes Engine,
// built on the official cloud.google.com/go/container/apiv1
// ClusterManagerClient. It upgrades the way a GKE runbook does: the
// control plane first (UpdateMaster), then each node pool on its own
// (UpdateNodePool), with the pool's surge settings the plan sets or, when
// GKE.BlueGreen is set, a blue-green upgrade. It also reads what the
// operator checks by hand: the cluster and its node pools (GetCluster),
// the versions GKE offers in the location and on each release channel
// (GetServerConfig), and the add-ons GKE runs for the cluster.
//
// Every GKE change is a long-running Operation. A provider.Operation's ID
// is that operation's full name,
// projects/PROJECT/locations/LOCATION/operations/operation-123, so resume
// re-attaches with Poll (GetOperation) in this process or in a new one,
// without starting anything. GKE runs one operation at a time on a
// cluster: a start refused with FAILED_PRECONDITION because an operation
// is running ("Cluster is running incompatible operation operation-…",
// "Operation operation-… is currently upgrading cluster …") looks the
// running operation up (ListOperations) and returns it, when it is the
// same upgrade of the same target, with an error wrapping
// provider.ErrOperationInProgress.
//
// Retries are kubehop's choice, not the client's defaults. The GAPIC
// client retries reads on UNAVAILABLE and DEADLINE_EXCEEDED only, and
// never retries UpdateMaster or UpdateNodePool. Every call here passes its
// own retry setting (GKE.Retry): reads (GetCluster, GetOperation,
// ListOperations, GetServerConfig) are retried on UNAVAILABLE,
// DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED (API quota, "Quota exceeded");
// the mutating calls on RESOURCE_EXHAUSTED only, an answer that says the
// request was refused before anything started. (The REST transport's
// HTTP 429, 503 and 504 read as those codes too.) A mutating call that ends
// UNAVAILABLE or DEADLINE_EXCEEDED may have started its operation, so it
// is not retried: the error goes back to the executor, whose next start
// finds the operation in flight and re-attaches to it. The client's
// per-call timeouts (20s for reads, 45s for mutations, when the context
// has no deadline of its own) bound the retries too.
package gke

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	container "cloud.google.com/go/container/apiv1"
	gax "github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kubehop/kubehop/internal/provider"
)

var _ provider.Cloud = (*GKE)(nil)

// DefaultPollInterval is how often operations are polled unless
// PollInterval says otherwise. A GKE control plane upgrade takes many
// minutes, a node pool upgrade minutes per node, so polling faster only
// spends read quota.
const DefaultPollInterval = 15 * time.Second

// Operation kinds (provider.Operation.Kind).
const (
	KindControlPlane = "control-plane"
	KindPool         = "pool"
	KindAddon        = "addon"
)

// GKE drives one GKE cluster.
type GKE struct {
	api                        *container.ClusterManagerClient
	project, location, cluster string

	// PollInterval is how often Wait polls an operation.
	PollInterval time.Duration
	// BlueGreen, when set, makes StartPoolUpgrade ask for a blue-green
	// upgrade with these settings instead of a surge upgrade.
	BlueGreen *BlueGreenSettings
	// Retry is how calls are retried (see the package documentation); the
	// zero value is DefaultRetry.
	Retry Retry
}

// New returns the provider for cluster in project and location (a region
// or a zone), talking through client (built by the caller with its
// credentials, endpoint and transport).
func New(client *container.ClusterManagerClient, project, location, cluster string) *GKE {
	return &GKE{api: client, project: project, location: location, cluster: cluster, PollInterval: DefaultPollInterval}
}

// Name implements provider.Cloud.
func (g *GKE) Name() string { return "gke" }

// Cluster is the full resource name of the cluster this provider drives,
// projects/PROJECT/locations/LOCATION/clusters/CLUSTER.
func (g *GKE) Cluster() string { return g.parent() + "/clusters/" + g.cluster }

// parent is the project and location, the parent of clusters and
// operations.
func (g *GKE) parent() string { return "projects/" + g.project + "/locations/" + g.location }

// poolName is the full resource name of node pool pool.
func (g *GKE) poolName(pool string) string { return g.Cluster() + "/nodePools/" + pool }

// operationName is the full resource name of an operation, given its
// full name or its ID ("operation-123").
func (g *GKE) operationName(id string) string {
	if strings.HasPrefix(id, "projects/") {
		return id
	}
	return g.parent() + "/operations/" + id
}

// Wait waits for op with provider.Wait, polling every PollInterval; an
// operation that ends without success is an error wrapping
// provider.ErrOperationFailed that names the cluster, what failed and
// GKE's error.
func (g *GKE) Wait(ctx context.Context, op provider.Operation, progress func(provider.Operation)) (provider.Operation, error) {
	done, err := provider.Wait(ctx, g, op, g.interval(), progress)
	if errors.Is(err, provider.ErrOperationFailed) {
		err = g.errorf("%s: %w", opTarget(op), err)
	}
	return done, err
}

func (g *GKE) interval() time.Duration {
	if g.PollInterval > 0 {
		return g.PollInterval
	}
	return DefaultPollInterval
}

// errorf prefixes an error with the cluster it is about.
func (g *GKE) errorf(format string, args ...any) error {
	return fmt.Errorf("gke cluster %s: %w", g.Cluster(), fmt.Errorf(format, args...))
}

// Retries.

// Retry is how a call that fails with a retryable code is tried again.
type Retry struct {
	// Attempts bounds the tries of one call, the first included.
	Attempts int
	// Backoff is the pause between tries.
	Backoff gax.Backoff
}

// DefaultRetry is the retry used when GKE.Retry is zero: five tries, with
// a pause from one second doubling up to thirty.
var DefaultRetry = Retry{Attempts: 5, Backoff: gax.Backoff{Initial: time.Second, Max: 30 * time.Second, Multiplier: 2}}

// Codes retried: readCodes on reads, writeCodes on calls that start an
// operation (see the package documentation).
var (
	readCodes  = []codes.Code{codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted}
	writeCodes = []codes.Code{codes.ResourceExhausted}
)

// reads are the call options of a read.
func (g *GKE) reads() []gax.CallOption { return g.retryOn(readCodes) }

// writes are the call options of a call that starts an operation.
func (g *GKE) writes() []gax.CallOption { return g.retryOn(writeCodes) }

func (g *GKE) retryOn(retried []codes.Code) []gax.CallOption {
	r := g.Retry
	if r.Attempts <= 0 {
		r = DefaultRetry
	}
	return []gax.CallOption{gax.WithRetry(func() gax.Retryer {
		return &retryer{codes: retried, backoff: r.Backoff, left: r.Attempts - 1}
	})}
}

// retryer retries errors with one of its codes while tries are left. The
// client hands it errors as *apierror.APIError, which carries the gRPC
// status (for the REST transport too, mapped from the HTTP status).
type retryer struct {
	codes   []codes.Code
	backoff gax.Backoff
	left    int
}

func (r *retryer) Retry(err error) (time.Duration, bool) {
	if r.left <= 0 || !slices.Contains(r.codes, status.Code(err)) {
		return 0, false
	}
	r.left--
	return r.backoff.Pause(), true
}

// Versions.

// Version aliases GKE takes: "latest", the highest version it offers, and
// for node pools "-", the control plane's version.
const (
	versionLatest = "latest"
	versionMaster = "-"
)

// versionRE is a GKE version: a minor ("1.29"), a patch ("1.29.1") or a
// full version ("1.29.1-gke.100").
var versionRE = regexp.MustCompile(`^\d+\.\d+(\.\d+(-[0-9A-Za-z][0-9A-Za-z.]*)?)?$`)

// masterVersion reads a control plane version as UpdateMaster takes it:
// "latest", "1.29", "1.29.1" or "1.29.1-gke.100"; a leading "v" and
// spaces are dropped.
func masterVersion(version string) (string, error) {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	if v == versionLatest || versionRE.MatchString(v) {
		return v, nil
	}
	return "", fmt.Errorf("version %q is not a GKE version such as 1.29, 1.29.1-gke.100 or latest", version)
}

// nodeVersion reads a node pool version as UpdateNodePool takes it: what
// masterVersion does, and "-" for the control plane's version.
func nodeVersion(version string) (string, error) {
	if v := strings.TrimSpace(version); v == versionMaster {
		return v, nil
	}
	return masterVersion(version)
}

// matches reports whether a cluster or pool at have already is at want: the
// same full version, or one of want's patches when want is a minor or a
// patch ("1.29" and "1.29.1" match "1.29.1-gke.100"). "latest" matches
// nothing.
func matches(want, have string) bool {
	if !versionRE.MatchString(want) || !versionRE.MatchString(have) {
		return false
	}
	if strings.Contains(want, "-") {
		return want == have
	}
	nw, nh := numbers(want), numbers(have)
	return len(nw) <= len(nh) && slices.Equal(nw, nh[:len(nw)])
}

// numbers are the numbers of a version before its "-" suffix.
func numbers(v string) []int {
	v, _, _ = strings.Cut(v, "-")
	var out []int
	for p := range strings.SplitSeq(v, ".") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}
