// Package aks is kubehop's provider.Cloud for Azure Kubernetes Service,
// built on the official armcontainerservice/v6 ManagedClustersClient and
// AgentPoolsClient. It upgrades the way the AKS runbook insists: the
// control plane alone first (az aks upgrade --control-plane-only), then
// each agent pool on its own (az aks nodepool upgrade) with the surge and
// drain timeout the plan sets. It also reads what the operator checks by
// hand: the cluster, its agent pools and the versions AKS offers them
// (az aks get-upgrades).
//
// Every AKS change is an ARM long-running operation that the SDK follows
// with a runtime.Poller. A provider.Operation's ID is that poller's resume
// token (Poller.ResumeToken): the executor journals it, and Poll rebuilds
// the poller from it, in this process or in a new one after a crash, and
// polls the same operation without starting another. Operation.Kind says
// which client's poller the token belongs to, so it must be journalled
// with the ID.
//
// ARM lets one operation at a time run on a managed cluster and its pools;
// a start refused with 409 OperationNotAllowed returns an error wrapping
// provider.ErrOperationInProgress (see StartControlPlaneUpgrade).
//
// Throttling is the SDK's business: azcore's retry policy retries 408,
// 429 and 5xx answers, waiting as Retry-After says, so the
// arm.ClientOptions the caller passes to New decide how hard to retry.
package aks

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/kubehop/kubehop/internal/provider"
)

var _ provider.Cloud = (*AKS)(nil)

// DefaultPollInterval is how often operations are polled unless
// PollInterval says otherwise: the SDK's own default. AKS upgrades take
// minutes per node, so polling faster only spends ARM read quota.
const DefaultPollInterval = 30 * time.Second

// Operation kinds (provider.Operation.Kind).
const (
	KindControlPlane = "control-plane"
	KindPool         = "pool"
	KindAddon        = "addon"
)

// pipelineModule names kubehop's own ARM pipeline, used for the pollers
// that follow an operation through its resource (see watch.go).
const (
	pipelineModule  = "github.com/kubehop/kubehop/internal/provider/aks"
	pipelineVersion = "v1.0.0"
)

// AKS drives one AKS managed cluster.
type AKS struct {
	clusters *armcontainerservice.ManagedClustersClient
	pools    *armcontainerservice.AgentPoolsClient
	// pl is the pipeline runtime.NewPoller wants for kubehop's own
	// polling handler; the handler itself reads through the clients.
	pl runtime.Pipeline

	subscription, resourceGroup, cluster string

	// PollInterval is how often Wait polls an operation.
	PollInterval time.Duration
}

// New returns the provider for the managed cluster cluster in
// resourceGroup of subscriptionID, talking to ARM with cred and opts (the
// cloud, transport and retry settings; nil for the public cloud and the
// SDK's defaults).
func New(subscriptionID, resourceGroup, cluster string, cred azcore.TokenCredential, opts *arm.ClientOptions) (*AKS, error) {
	for _, name := range [][2]string{{"subscription ID", subscriptionID}, {"resource group", resourceGroup}, {"cluster name", cluster}} {
		if strings.TrimSpace(name[1]) == "" {
			return nil, fmt.Errorf("aks: no %s given", name[0])
		}
	}
	a := &AKS{subscription: subscriptionID, resourceGroup: resourceGroup, cluster: cluster, PollInterval: DefaultPollInterval}
	var err error
	if a.clusters, err = armcontainerservice.NewManagedClustersClient(subscriptionID, cred, opts); err != nil {
		return nil, a.errorf("managed clusters client: %w", err)
	}
	if a.pools, err = armcontainerservice.NewAgentPoolsClient(subscriptionID, cred, opts); err != nil {
		return nil, a.errorf("agent pools client: %w", err)
	}
	cl, err := arm.NewClient(pipelineModule, pipelineVersion, cred, opts)
	if err != nil {
		return nil, a.errorf("ARM client: %w", err)
	}
	a.pl = cl.Pipeline()
	return a, nil
}

// Name implements provider.Cloud.
func (a *AKS) Name() string { return "aks" }

// Cluster is the name of the managed cluster this provider drives.
func (a *AKS) Cluster() string { return a.cluster }

// Wait waits for op with provider.Wait, polling every PollInterval; an
// operation that ends without success is an error wrapping
// provider.ErrOperationFailed that names the cluster, what failed, ARM's
// operation and its errors.
func (a *AKS) Wait(ctx context.Context, op provider.Operation, progress func(provider.Operation)) (provider.Operation, error) {
	done, err := provider.Wait(ctx, a, op, a.interval(), progress)
	if errors.Is(err, provider.ErrOperationFailed) {
		err = a.errorf("%s: %s to %s: %w: %s: %s", opTarget(op), opLabel(op.ID), op.Version,
			provider.ErrOperationFailed, done.Status, strings.Join(done.Errors, "; "))
	}
	return done, err
}

func (a *AKS) interval() time.Duration {
	if a.PollInterval > 0 {
		return a.PollInterval
	}
	return DefaultPollInterval
}

// errorf prefixes an error with the managed cluster it is about.
func (a *AKS) errorf(format string, args ...any) error {
	return fmt.Errorf("aks cluster %s (subscription %s, resource group %s): %w",
		a.cluster, a.subscription, a.resourceGroup, fmt.Errorf(format, args...))
}

// target is what an operation changes, the control plane or an agent
// pool, and the version asked for.
type target struct {
	kind string
	// name is the agent pool ("" for the control plane).
	name    string
	version string
}

func (t target) String() string {
	switch t.kind {
	case KindPool:
		return "agent pool " + t.name
	case KindAddon:
		return "add-on " + t.name
	}
	return "control plane"
}

func opTarget(op provider.Operation) target {
	return target{kind: op.Kind, name: op.Target, version: op.Version}
}

// resourceID is the ARM ID of the managed cluster, or of its agent pool
// pool when pool is not "".
func (a *AKS) resourceID(pool string) string {
	id := "/subscriptions/" + a.subscription + "/resourceGroups/" + a.resourceGroup +
		"/providers/Microsoft.ContainerService/managedClusters/" + a.cluster
	if pool != "" {
		id += "/agentPools/" + pool
	}
	return id
}

// operation is an Operation about t.
func (t target) operation(id, status string) provider.Operation {
	return provider.Operation{ID: id, Kind: t.kind, Target: t.name, Version: t.version, Status: status}
}

// Versions.

// normalize reads a Kubernetes version as AKS takes it: a minor such as
// "1.23", for which AKS picks the latest patch it supports, or a full
// version such as "1.23.12". A leading "v" and spaces are dropped.
func normalize(version string) (string, error) {
	v := strings.TrimPrefix(strings.TrimSpace(version), "v")
	if _, ok := versionNumbers(v); !ok {
		return "", fmt.Errorf("version %q is not a Kubernetes version such as 1.23 or 1.23.12", version)
	}
	return v, nil
}

// versionNumbers reads "1.23" or "1.23.12" into its numbers.
func versionNumbers(v string) ([]int, bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return nil, false
	}
	nums := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		nums = append(nums, n)
	}
	return nums, true
}

// matches reports whether versions a and b name the same thing: equal,
// or of the same minor when either is only a minor.
func matches(a, b string) bool {
	na, okA := versionNumbers(a)
	nb, okB := versionNumbers(b)
	if !okA || !okB {
		return false
	}
	n := min(len(na), len(nb))
	for i := range n {
		if na[i] != nb[i] {
			return false
		}
	}
	return true
}

// compareVersions orders versions by their numbers; one that is not a
// version sorts first.
func compareVersions(a, b string) int {
	na, _ := versionNumbers(a)
	nb, _ := versionNumbers(b)
	for i := range min(len(na), len(nb)) {
		if na[i] != nb[i] {
			return na[i] - nb[i]
		}
	}
	return len(na) - len(nb)
}

// Provisioning states.

const stateSucceeded = "Succeeded"

// terminal reports whether a provisioning state or LRO status is final.
func terminal(state string) bool {
	for _, s := range []string{"Succeeded", "Failed", "Canceled", "Cancelled", "Completed"} {
		if strings.EqualFold(state, s) {
			return true
		}
	}
	return false
}

// opStatus maps an ARM provisioning state or LRO status onto an
// Operation state.
func opStatus(state string) string {
	switch {
	case strings.EqualFold(state, "Succeeded"), strings.EqualFold(state, "Completed"):
		return provider.OpSuccessful
	case strings.EqualFold(state, "Canceled"), strings.EqualFold(state, "Cancelled"):
		return provider.OpCancelled
	case strings.EqualFold(state, "Failed"):
		return provider.OpFailed
	}
	return provider.OpInProgress
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
