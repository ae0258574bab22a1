package aks

import (
	"context"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/kubehop/kubehop/internal/provider"
)

// What a stateWatch follows.
const (
	watchCluster = "managedCluster"
	watchPool    = "agentPool"
)

// stateWatch is a runtime.PollingHandler for an operation kubehop did not
// see start: refused with 409 because it is in flight, it has no status URL
// kubehop knows of, so the watch follows the provisioningState of the
// resource it changes (the managed cluster or an agent pool) until it is
// final. It is the SDK's extension point for custom polling, so a watch
// has a resume token like the SDK's own pollers, and Poll tells the two
// apart by the Watch member only watches have.
type stateWatch[T any] struct {
	// Watch is watchCluster or watchPool; Resource is the watched
	// resource's ARM ID, checked when the watch is resumed.
	Watch    string `json:"watch"`
	Resource string `json:"resource"`
	// State is the provisioning state last read.
	State string `json:"provisioningState"`

	read readState
	resp *http.Response
}

// resourceState is a resource's provisioning state and the version last
// asked of it (kubernetesVersion, orchestratorVersion).
type resourceState struct {
	state, desired string
}

type readState func(context.Context) (resourceState, error)

// Done implements runtime.PollingHandler.
func (w *stateWatch[T]) Done() bool { return terminal(w.State) }

// Poll implements runtime.PollingHandler: it reads the resource.
func (w *stateWatch[T]) Poll(ctx context.Context) (*http.Response, error) {
	var resp *http.Response
	st, err := w.read(runtime.WithCaptureResponse(ctx, &resp))
	if err != nil {
		return nil, err
	}
	w.State, w.resp = st.state, resp
	return resp, nil
}

// Result implements runtime.PollingHandler. On success it leaves out
// alone: kubehop reads the resource itself when it needs it.
func (w *stateWatch[T]) Result(context.Context, *T) error {
	if opStatus(w.State) == provider.OpSuccessful {
		return nil
	}
	return &watchedEnd{State: w.State}
}

// watchedEnd is how a watched operation that did not succeed ends: the
// resource's provisioning state says no more.
type watchedEnd struct{ State string }

func (e *watchedEnd) Error() string {
	return "provisioning state " + e.State + " (the resource keeps no error detail: see the cluster's activity log)"
}

// readCluster reads the managed cluster's state.
func (a *AKS) readCluster(ctx context.Context) (resourceState, error) {
	got, err := a.clusters.Get(ctx, a.resourceGroup, a.cluster, nil)
	if err != nil {
		return resourceState{}, armErr(err)
	}
	p := got.Properties
	if p == nil {
		return resourceState{}, errNoProperties
	}
	return resourceState{state: deref(p.ProvisioningState), desired: deref(p.KubernetesVersion)}, nil
}

// readPool returns a reader of agent pool pool's state.
func (a *AKS) readPool(pool string) readState {
	return func(ctx context.Context) (resourceState, error) {
		got, err := a.pools.Get(ctx, a.resourceGroup, a.cluster, pool, nil)
		if err != nil {
			return resourceState{}, armErr(err)
		}
		p := got.Properties
		if p == nil {
			return resourceState{}, errNoProperties
		}
		return resourceState{state: deref(p.ProvisioningState), desired: deref(p.OrchestratorVersion)}, nil
	}
}
