package aks

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerservice/armcontainerservice/v6"

	"github.com/kubehop/kubehop/internal/provider"
)

// StartControlPlaneUpgrade implements provider.Cloud with a
// control-plane-only upgrade, as the runbook insists (the portal's
// "control plane only" option, az aks upgrade --control-plane-only): the
// agent pools stay where they are and move one by one afterwards with
// StartPoolUpgrade.
//
// The upgrade is a PUT of the managed cluster
// (ManagedClusters.BeginCreateOrUpdate) whose kubernetesVersion is version
// ("1.23", for which AKS picks the latest patch, or "1.23.12"). The body is
// the cluster as ManagedClusters.Get returned it with only that changed:
// its agentPoolProfiles keep their orchestratorVersion, and AKS moves a
// VirtualMachineScaleSets pool only when its orchestratorVersion changes,
// so only the control plane moves; this is the PUT az aks upgrade
// --control-plane-only sends. AvailabilitySet pools always move with the
// control plane, so a cluster with one is refused before anything is
// sent. servicePrincipalProfile is left out of the body, as az aks upgrade
// leaves it out: GET returns it without its secret, so it cannot be sent
// back as it is. The PUT carries If-Match with the cluster's ETag, so a
// change made since the read is not overwritten (412 instead).
//
// The Operation's ID is the resume token of the SDK's poller for the PUT.
// When the control plane already runs version and the cluster is
// Succeeded, as after a crash between the upgrade's end and its journal
// entry, it returns a Successful operation without an ID and sends
// nothing. A minor counts as reached when the control plane runs any of
// its patches, as AKS itself does not move 1.23.12 when asked for 1.23.
//
// When ARM refuses because an operation runs on the cluster (409
// OperationNotAllowed), the error wraps provider.ErrOperationInProgress.
// If that operation is this very upgrade (the cluster is upgrading to
// version, as when a start was sent but its answer lost), the returned
// Operation re-attaches to it: its ID is the resume token of a poller that
// follows the cluster's provisioningState until it ends, for ARM offers no
// way to find the in-flight operation's own status URL. Such an operation
// fails without ARM's error detail (the resource does not keep it). When
// anything else is in flight (a pool upgrade, a scale) there is nothing of
// this upgrade to re-attach to: the Operation is zero and the error names
// what is busy; start again once it ends.
func (a *AKS) StartControlPlaneUpgrade(ctx context.Context, version string) (provider.Operation, error) {
	v, err := normalize(version)
	if err != nil {
		return provider.Operation{}, a.errorf("control plane upgrade: %w", err)
	}
	t := target{kind: KindControlPlane, version: v}
	mc, err := a.managedCluster(ctx)
	if err != nil {
		return provider.Operation{}, err
	}
	props := mc.Properties
	if matches(clusterVersion(props), v) && deref(props.ProvisioningState) == stateSucceeded {
		return t.operation("", provider.OpSuccessful), nil
	}
	if err := controlPlaneOnlyPossible(props); err != nil {
		return provider.Operation{}, a.errorf("%s: upgrade to %s: %w", t, v, err)
	}
	poller, err := a.clusters.BeginCreateOrUpdate(ctx, a.resourceGroup, a.cluster, controlPlaneOnly(mc, v),
		&armcontainerservice.ManagedClustersClientBeginCreateOrUpdateOptions{IfMatch: mc.ETag})
	if err != nil {
		return a.refused(ctx, t, armErr(err))
	}
	return started(ctx, a, t, poller)
}

// controlPlaneOnlyPossible refuses a cluster with an AvailabilitySet
// pool: AKS upgrades those with the control plane.
func controlPlaneOnlyPossible(p *armcontainerservice.ManagedClusterProperties) error {
	for _, ap := range p.AgentPoolProfiles {
		if ap != nil && deref(ap.Type) == armcontainerservice.AgentPoolTypeAvailabilitySet {
			return fmt.Errorf("agent pool %s is an AvailabilitySet pool, which AKS upgrades with the control plane: a control-plane-only upgrade is impossible", deref(ap.Name))
		}
	}
	return nil
}

// controlPlaneOnly is the PUT body of a control-plane-only upgrade: mc
// with kubernetesVersion set to version, its agent pools untouched and no
// servicePrincipalProfile.
func controlPlaneOnly(mc armcontainerservice.ManagedCluster, version string) armcontainerservice.ManagedCluster {
	props := *mc.Properties
	props.KubernetesVersion = to.Ptr(version)
	props.ServicePrincipalProfile = nil
	mc.Properties = &props
	return mc
}

// StartPoolUpgrade implements provider.Cloud with a PUT of the agent pool
// (AgentPools.BeginCreateOrUpdate, az aks nodepool upgrade): the pool as
// AgentPools.Get returned it, with orchestratorVersion set to version and
// its upgradeSettings changed as opts ask: maxSurge to opts.MaxSurge
// nodes ("2") and drainTimeoutInMinutes to opts.DrainTimeout, rounded up
// to whole minutes. Settings opts leave zero keep the pool's own (AKS's
// defaults when it has none: a 10% surge, 30 minutes). The PUT carries
// If-Match with the pool's ETag.
//
// AKS refuses a pool newer than the control plane
// (NodePoolMcVersionIncompatible); the error carries ARM's code and
// message. A pool already at version returns a Successful operation
// without an ID; a refusal because an operation runs on the cluster is
// handled as in StartControlPlaneUpgrade.
func (a *AKS) StartPoolUpgrade(ctx context.Context, pool, version string, opts provider.PoolUpgrade) (provider.Operation, error) {
	v, err := normalize(version)
	if err != nil {
		return provider.Operation{}, a.errorf("agent pool %s: upgrade: %w", pool, err)
	}
	t := target{kind: KindPool, name: pool, version: v}
	if err := checkPoolUpgrade(opts); err != nil {
		return provider.Operation{}, a.errorf("%s: upgrade to %s: %w", t, v, err)
	}
	ap, err := a.agentPool(ctx, pool)
	if err != nil {
		return provider.Operation{}, err
	}
	props := *ap.Properties
	if matches(poolVersion(&props), v) && deref(props.ProvisioningState) == stateSucceeded {
		return t.operation("", provider.OpSuccessful), nil
	}
	props.OrchestratorVersion = to.Ptr(v)
	props.UpgradeSettings = upgradeSettings(props.UpgradeSettings, opts)
	ap.Properties = &props
	poller, err := a.pools.BeginCreateOrUpdate(ctx, a.resourceGroup, a.cluster, pool, ap,
		&armcontainerservice.AgentPoolsClientBeginCreateOrUpdateOptions{IfMatch: props.ETag})
	if err != nil {
		return a.refused(ctx, t, armErr(err))
	}
	return started(ctx, a, t, poller)
}

// maxDrainTimeout is the longest drain timeout AKS accepts.
const maxDrainTimeout = 24 * time.Hour

func checkPoolUpgrade(opts provider.PoolUpgrade) error {
	switch {
	case opts.MaxSurge < 0:
		return fmt.Errorf("max surge %d is negative", opts.MaxSurge)
	case opts.DrainTimeout < 0:
		return fmt.Errorf("drain timeout %s is negative", opts.DrainTimeout)
	case opts.DrainTimeout > maxDrainTimeout:
		return fmt.Errorf("drain timeout %s is more than the %d minutes AKS allows", opts.DrainTimeout, int(maxDrainTimeout/time.Minute))
	}
	return nil
}

// upgradeSettings are the pool's settings cur with what opts set.
func upgradeSettings(cur *armcontainerservice.AgentPoolUpgradeSettings, opts provider.PoolUpgrade) *armcontainerservice.AgentPoolUpgradeSettings {
	if opts.MaxSurge == 0 && opts.DrainTimeout == 0 {
		return cur
	}
	var out armcontainerservice.AgentPoolUpgradeSettings
	if cur != nil {
		out = *cur
	}
	if opts.MaxSurge > 0 {
		out.MaxSurge = to.Ptr(strconv.Itoa(opts.MaxSurge))
	}
	if opts.DrainTimeout > 0 {
		out.DrainTimeoutInMinutes = to.Ptr(drainMinutes(opts.DrainTimeout))
	}
	return &out
}

// drainMinutes is d in whole minutes, rounded up.
func drainMinutes(d time.Duration) int32 {
	return int32((d + time.Minute - 1) / time.Minute)
}

// started turns the poller of an operation just started on t into an
// Operation: in progress with the poller's resume token as ID, or, when
// ARM answered it done already, its outcome without an ID.
func started[T any](ctx context.Context, a *AKS, t target, poller *runtime.Poller[T]) (provider.Operation, error) {
	if poller.Done() {
		_, err := poller.Result(ctx)
		status, errs, err := outcome(err)
		if err != nil {
			return provider.Operation{}, a.errorf("%s: upgrade to %s: %w", t, t.version, err)
		}
		op := t.operation("", status)
		op.Errors = errs
		return op, nil
	}
	token, err := poller.ResumeToken()
	if err != nil {
		return provider.Operation{}, a.errorf("%s: upgrade to %s started, but its poller's resume token could not be read: %w", t, t.version, err)
	}
	return t.operation(token, provider.OpInProgress), nil
}

// refused handles ARM refusing to start t's upgrade: when an operation is
// in flight, re-attach to it if it is t's, else say what is busy.
func (a *AKS) refused(ctx context.Context, t target, refusal error) (provider.Operation, error) {
	if !inProgress(refusal) {
		return provider.Operation{}, a.errorf("%s: upgrade to %s: %w", t, t.version, refusal)
	}
	op, state, err := a.attach(ctx, t)
	switch {
	case err != nil:
		return provider.Operation{}, a.errorf("%s: upgrade to %s: %w (%v), and the %s could not be read: %v",
			t, t.version, provider.ErrOperationInProgress, refusal, t, err)
	case op.ID != "":
		return op, a.errorf("%s: upgrade to %s: %w: re-attached to the %s's %s operation, followed through its provisioning state (%v)",
			t, t.version, provider.ErrOperationInProgress, t, state, refusal)
	}
	return provider.Operation{}, a.errorf("%s: upgrade to %s: %w: %s; start again once it ends (%v)",
		t, t.version, provider.ErrOperationInProgress, a.busy(ctx), refusal)
}

// attach returns an Operation following t's resource when that resource
// is being moved to t's version, with the resource's provisioning state;
// the Operation is zero when something else is in flight.
func (a *AKS) attach(ctx context.Context, t target) (provider.Operation, string, error) {
	if t.kind == KindPool {
		return attachTo(ctx, a, t, &stateWatch[poolResult]{Watch: watchPool, Resource: a.resourceID(t.name), read: a.readPool(t.name)})
	}
	return attachTo(ctx, a, t, &stateWatch[clusterResult]{Watch: watchCluster, Resource: a.resourceID(""), read: a.readCluster})
}

// attachTo reads w's resource and, when it is moving to t's version,
// returns an Operation whose ID is the resume token of a poller following
// it with w.
func attachTo[T any](ctx context.Context, a *AKS, t target, w *stateWatch[T]) (provider.Operation, string, error) {
	var resp *http.Response
	st, err := w.read(runtime.WithCaptureResponse(ctx, &resp))
	if err != nil {
		return provider.Operation{}, "", err
	}
	if terminal(st.state) || !matches(st.desired, t.version) {
		return provider.Operation{}, st.state, nil
	}
	w.State = st.state
	poller, err := runtime.NewPoller(resp, a.pl, &runtime.NewPollerOptions[T]{Handler: w})
	if err != nil {
		return provider.Operation{}, st.state, err
	}
	token, err := poller.ResumeToken()
	if err != nil {
		return provider.Operation{}, st.state, err
	}
	return t.operation(token, provider.OpInProgress), st.state, nil
}

// busy says what is in flight on the cluster: the control plane and the
// pools whose provisioning state is not final.
func (a *AKS) busy(ctx context.Context) string {
	info, err := a.Describe(ctx)
	if err != nil {
		return "another operation is in flight"
	}
	var parts []string
	if info.Status != "" && !terminal(info.Status) {
		parts = append(parts, "the control plane is "+info.Status)
	}
	for _, p := range info.Pools {
		if p.Status != "" && !terminal(p.Status) {
			parts = append(parts, "agent pool "+p.Name+" is "+p.Status)
		}
	}
	if len(parts) == 0 {
		return "the operation in flight has just ended"
	}
	return strings.Join(parts, ", ")
}
