package aks_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/aks"
	"github.com/kubehop/kubehop/internal/provider/aks/akstest"
)

// seedPools are the seeded agent pools, in the order AKS lists them.
var seedPools = []string{akstest.PoolVantiq, akstest.PoolMongoDB, akstest.PoolKeycloak, akstest.PoolGrafana, akstest.PoolMetrics}

// newAKS starts a server and returns a provider on its cluster, talking
// through the official SDK clients over HTTPS.
func newAKS(t *testing.T) (*akstest.Server, *aks.AKS) {
	t.Helper()
	s := akstest.Start(t)
	return s, fresh(t, s)
}

// fresh is a new provider value with its own clients, as after a restart.
func fresh(t *testing.T, s *akstest.Server) *aks.AKS {
	t.Helper()
	a, err := aks.New(akstest.SubscriptionID, akstest.ResourceGroup, akstest.ClusterName, akstest.Credential, s.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	a.PollInterval = time.Millisecond
	return a
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// controlPlaneTo123 moves the seeded control plane to 1.23, as pools may
// not pass it.
func controlPlaneTo123(t *testing.T, a *aks.AKS) {
	t.Helper()
	ctx := testContext(t)
	op, err := a.StartControlPlaneUpgrade(ctx, "1.23")
	if err != nil {
		t.Fatalf("start control plane upgrade: %v", err)
	}
	if _, err := a.Wait(ctx, op, nil); err != nil {
		t.Fatalf("wait control plane upgrade: %v", err)
	}
}

// errorNames fails the test unless err names each of want.
func errorNames(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one naming %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
}

func TestDescribe(t *testing.T) {
	s, a := newAKS(t)
	got, err := a.Describe(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	pool := func(name string, nodes int) provider.PoolInfo {
		return provider.PoolInfo{Name: name, Version: "1.22.15", Status: "Succeeded", ReleaseVersion: "AKSUbuntu-1804gen2containerd-2022.10.03", Nodes: nodes}
	}
	want := &provider.ClusterInfo{
		Name: akstest.ClusterName, Version: "1.22.15", Status: "Succeeded",
		Pools: []provider.PoolInfo{pool("vantiq", 3), pool("mongodb", 3), pool("keycloak", 1), pool("grafana", 1), pool("metrics", 1)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
	// Five pools on pages of two: the pager followed nextLink.
	if n := len(s.Calls(akstest.OpListPools)); n != 3 {
		t.Errorf("agent pool list read %d times, want 3 pages", n)
	}
	for _, c := range s.Calls("") {
		if c.Query.Get("api-version") != akstest.APIVersion || c.Header.Get("Authorization") == "" {
			t.Errorf("%s %s: api-version %q, Authorization %q", c.Method, c.Path, c.Query.Get("api-version"), c.Header.Get("Authorization"))
		}
	}
	if a.Name() != "aks" || a.Cluster() != akstest.ClusterName {
		t.Errorf("Name, Cluster = %q, %q", a.Name(), a.Cluster())
	}
}

func TestDescribeUnknownCluster(t *testing.T) {
	s := akstest.Start(t)
	a, err := aks.New(akstest.SubscriptionID, akstest.ResourceGroup, "no-such-cluster", akstest.Credential, s.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Describe(testContext(t))
	var armErr *aks.ARMError
	if !errors.As(err, &armErr) || armErr.StatusCode != http.StatusNotFound || armErr.Code != "ResourceNotFound" {
		t.Fatalf("err = %v, want a 404 ResourceNotFound", err)
	}
	errorNames(t, err, "aks cluster no-such-cluster", akstest.SubscriptionID, akstest.ResourceGroup)
}

func TestCredentialScopeFollowsTheCloud(t *testing.T) {
	s := akstest.Start(t)
	opts := s.ClientOptions()
	// A client configured with the public cloud's audience asks the
	// credential for a token the server's cloud does not use.
	opts.Cloud.Services = map[cloud.ServiceName]cloud.ServiceConfiguration{
		cloud.ResourceManager: {Endpoint: s.URL, Audience: "https://management.azure.com"},
	}
	a, err := aks.New(akstest.SubscriptionID, akstest.ResourceGroup, akstest.ClusterName, akstest.Credential, opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Describe(testContext(t))
	errorNames(t, err, "https://management.azure.com/.default")
	if n := len(s.Calls("")); n != 0 {
		t.Errorf("%d requests reached the server without a token", n)
	}
}

func TestNewWantsNames(t *testing.T) {
	s := akstest.Start(t)
	if _, err := aks.New(akstest.SubscriptionID, "", akstest.ClusterName, akstest.Credential, s.ClientOptions()); err == nil {
		t.Error("New accepted an empty resource group")
	}
}

func TestStartControlPlaneUpgrade(t *testing.T) {
	tests := []struct {
		name    string
		version string
		// sent is the kubernetesVersion the PUT carries ("" when nothing
		// must be sent).
		sent       string
		wantStatus string
		wantID     bool
		wantErr    []string
	}{
		{name: "minor", version: "1.23", sent: "1.23", wantStatus: provider.OpInProgress, wantID: true},
		{name: "full version", version: "v1.23.12", sent: "1.23.12", wantStatus: provider.OpInProgress, wantID: true},
		{name: "already there", version: "1.22", wantStatus: provider.OpSuccessful},
		{name: "already there, full version", version: "1.22.15", wantStatus: provider.OpSuccessful},
		{name: "skips a minor", version: "1.24", sent: "1.24", wantErr: []string{"400 OperationNotAllowed", "Upgrading Kubernetes version 1.22.15 to 1.24.10 is not allowed"}},
		{name: "not offered", version: "1.23.99", sent: "1.23.99", wantErr: []string{"400 InvalidParameter", "1.23.99"}},
		{name: "not a version", version: "latest", wantErr: []string{`version "latest"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := newAKS(t)
			op, err := a.StartControlPlaneUpgrade(testContext(t), tt.version)
			puts := s.Calls(akstest.OpPutCluster)
			switch {
			case tt.sent == "" && len(puts) != 0:
				t.Errorf("%d PUTs sent, want none", len(puts))
			case tt.sent != "" && (len(puts) != 1 || props(t, puts[0])["kubernetesVersion"] != tt.sent):
				t.Errorf("PUTs = %+v, want one with kubernetesVersion %s", puts, tt.sent)
			}
			if tt.wantErr != nil {
				errorNames(t, err, append(tt.wantErr, "control plane", akstest.ClusterName)...)
				if errors.Is(err, provider.ErrOperationInProgress) {
					t.Errorf("err wraps ErrOperationInProgress")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.Kind != aks.KindControlPlane || op.Status != tt.wantStatus || (op.ID != "") != tt.wantID || op.Version != strings.TrimPrefix(tt.version, "v") {
				t.Errorf("op = %+v", op)
			}
		})
	}
}

// props is a recorded PUT's "properties".
func props(t *testing.T, c akstest.Call) map[string]any {
	t.Helper()
	p, ok := c.Body["properties"].(map[string]any)
	if !ok {
		t.Fatalf("%s %s: body has no properties: %v", c.Method, c.Path, c.Body)
	}
	return p
}

// TestControlPlaneOnlyUpgrade checks the runbook's first step: the PUT
// moves the control plane only, every pool keeping its version, and the
// operation is polled to its end through provider.Wait.
func TestControlPlaneOnlyUpgrade(t *testing.T) {
	s, a := newAKS(t)
	s.PollsToFinish = 3
	ctx := testContext(t)
	op, err := a.StartControlPlaneUpgrade(ctx, "1.23")
	if err != nil {
		t.Fatal(err)
	}
	put := s.Calls(akstest.OpPutCluster)[0]
	body := props(t, put)
	if body["kubernetesVersion"] != "1.23" {
		t.Errorf("kubernetesVersion = %v, want 1.23", body["kubernetesVersion"])
	}
	profiles, _ := body["agentPoolProfiles"].([]any)
	var sent []string
	for _, p := range profiles {
		prof, _ := p.(map[string]any)
		sent = append(sent, prof["name"].(string))
		if prof["orchestratorVersion"] != akstest.StartVersion {
			t.Errorf("PUT moves agent pool %v to %v", prof["name"], prof["orchestratorVersion"])
		}
	}
	if diff := cmp.Diff(seedPools, sent); diff != "" {
		t.Errorf("agentPoolProfiles sent (-want +got):\n%s", diff)
	}
	if _, ok := body["servicePrincipalProfile"]; ok {
		t.Errorf("PUT carries servicePrincipalProfile %v", body["servicePrincipalProfile"])
	}
	if put.Header.Get("If-Match") == "" || put.Body["location"] != akstest.Location {
		t.Errorf("PUT If-Match %q, location %v", put.Header.Get("If-Match"), put.Body["location"])
	}

	var seen []string
	done, err := provider.Wait(ctx, a, op, a.PollInterval, func(o provider.Operation) { seen = append(seen, o.Status) })
	if err != nil {
		t.Fatal(err)
	}
	if done.ID != op.ID || done.Status != provider.OpSuccessful || done.Version != "1.23" || done.Kind != aks.KindControlPlane {
		t.Errorf("done = %+v", done)
	}
	if diff := cmp.Diff([]string{provider.OpInProgress, provider.OpSuccessful}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if n := len(s.Calls(akstest.OpOperationStatus)); n != 4 {
		t.Errorf("operation status read %d times, want 4 (3 in progress, 1 done)", n)
	}
	want := akstest.ClusterState{KubernetesVersion: "1.23", CurrentKubernetesVersion: "1.23.15", ProvisioningState: "Succeeded"}
	if got := s.Cluster(); got != want {
		t.Errorf("cluster = %+v, want %+v", got, want)
	}
	for _, name := range seedPools {
		if p, _ := s.Pool(name); p.OrchestratorVersion != akstest.StartVersion || p.CurrentOrchestratorVersion != akstest.StartVersion {
			t.Errorf("agent pool %s moved: %+v", name, p)
		}
	}
	info, err := a.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "1.23.15" || info.Status != "Succeeded" || info.Pools[0].Version != akstest.StartVersion {
		t.Errorf("after the upgrade: %+v", info)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	tests := []struct {
		name      string
		op        string
		throttles int
		call      func(context.Context, *testing.T, *aks.AKS) error
		// attempts is how many requests the throttled route gets.
		attempts int
		wantErr  bool
	}{
		{name: "describe", op: akstest.OpGetCluster, throttles: 2, call: describe, attempts: 3},
		{name: "control plane upgrade", op: akstest.OpPutCluster, throttles: 2, call: upgradeAndWait, attempts: 3},
		{name: "poll", op: akstest.OpOperationStatus, throttles: 2, call: upgradeAndWait, attempts: 3 + 2},
		{name: "throttled past the retries", op: akstest.OpGetCluster, throttles: 4, call: describe, attempts: 4, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := newAKS(t)
			s.RetryAfter = 50 * time.Millisecond
			s.Throttle(tt.op, tt.throttles)
			err := tt.call(testContext(t), t, a)
			calls := s.Calls(tt.op)
			if len(calls) != tt.attempts {
				t.Errorf("%s requested %d times, want %d", tt.op, len(calls), tt.attempts)
			}
			if tt.wantErr {
				var armErr *aks.ARMError
				if !errors.As(err, &armErr) || armErr.StatusCode != http.StatusTooManyRequests || armErr.Code != "TooManyRequests" {
					t.Fatalf("err = %v, want a 429 TooManyRequests", err)
				}
				errorNames(t, err, akstest.ClusterName)
				return
			}
			if err != nil {
				t.Fatalf("after %d throttles: %v", tt.throttles, err)
			}
			for i := range tt.throttles {
				if calls[i].Status != http.StatusTooManyRequests {
					t.Errorf("answer %d: %d, want 429", i, calls[i].Status)
				}
				// The SDK waited as Retry-After said, not its 1ms backoff.
				if gap := calls[i+1].At.Sub(calls[i].At); gap < s.RetryAfter {
					t.Errorf("retry %d came after %s, before Retry-After's %s", i+1, gap, s.RetryAfter)
				}
			}
			if last := calls[tt.throttles]; last.Status != http.StatusOK {
				t.Errorf("answer after the throttles: %d", last.Status)
			}
			if tt.op == akstest.OpPutCluster && !cmp.Equal(calls[0].Body, calls[tt.throttles].Body) {
				t.Errorf("the retried PUT changed its body")
			}
		})
	}
}

func describe(ctx context.Context, _ *testing.T, a *aks.AKS) error {
	_, err := a.Describe(ctx)
	return err
}

func upgradeAndWait(ctx context.Context, _ *testing.T, a *aks.AKS) error {
	op, err := a.StartControlPlaneUpgrade(ctx, "1.23")
	if err != nil {
		return err
	}
	_, err = a.Wait(ctx, op, nil)
	return err
}

// TestInFlightOperationIsReattached starts an upgrade twice, as after a
// crash that lost the first start's answer: the second start is refused
// with 409, wraps ErrOperationInProgress and returns an operation that a
// provider built from scratch, given only what the journal holds, polls
// to the end of the first, without another PUT.
func TestInFlightOperationIsReattached(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		target string
		putOp  string
		setup  func(*testing.T, *aks.AKS)
		start  func(context.Context, *aks.AKS) (provider.Operation, error)
		check  func(*testing.T, *akstest.Server)
	}{
		{
			name: "control plane", kind: aks.KindControlPlane, putOp: akstest.OpPutCluster,
			start: func(ctx context.Context, a *aks.AKS) (provider.Operation, error) {
				return a.StartControlPlaneUpgrade(ctx, "1.23")
			},
			check: func(t *testing.T, s *akstest.Server) {
				if c := s.Cluster(); c.CurrentKubernetesVersion != "1.23.15" {
					t.Errorf("cluster = %+v", c)
				}
			},
		},
		{
			name: "agent pool", kind: aks.KindPool, target: akstest.PoolVantiq, putOp: akstest.OpPutPool, setup: controlPlaneTo123,
			start: func(ctx context.Context, a *aks.AKS) (provider.Operation, error) {
				return a.StartPoolUpgrade(ctx, akstest.PoolVantiq, "1.23", provider.PoolUpgrade{MaxSurge: 1})
			},
			check: func(t *testing.T, s *akstest.Server) {
				if p, _ := s.Pool(akstest.PoolVantiq); p.CurrentOrchestratorVersion != "1.23.15" || p.ProvisioningState != "Succeeded" {
					t.Errorf("pool = %+v", p)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := newAKS(t)
			if tt.setup != nil {
				tt.setup(t, a)
			}
			s.PollsToFinish = 5
			ctx := testContext(t)
			first, err := tt.start(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tt.start(ctx, a)
			if !errors.Is(err, provider.ErrOperationInProgress) {
				t.Fatalf("second start: err = %v, want ErrOperationInProgress", err)
			}
			errorNames(t, err, "409 OperationNotAllowed", akstest.ClusterName, "re-attached")
			if again.ID == "" || again.Kind != tt.kind || again.Target != tt.target || again.Version != "1.23" || again.Status != provider.OpInProgress {
				t.Fatalf("second start returned %+v, want an operation to re-attach to", again)
			}

			// Resume: what the journal holds, through JSON, polled by a
			// provider built from scratch.
			journalled := roundTrip(t, provider.Operation{ID: again.ID, Kind: again.Kind, Target: again.Target, Version: again.Version})
			done, err := fresh(t, s).Wait(ctx, journalled, nil)
			if err != nil {
				t.Fatal(err)
			}
			if done.ID != again.ID || done.Status != provider.OpSuccessful || done.Version != "1.23" {
				t.Errorf("re-attached wait ended with %+v", done)
			}
			if n := len(s.Calls(tt.putOp)); n != 2 {
				t.Errorf("%d PUTs, want the first and the refused second", n)
			}
			ops := s.Operations()
			if st := s.OperationStatus(ops[len(ops)-1]); st != "Succeeded" {
				t.Errorf("server holds the operation as %q", st)
			}
			tt.check(t, s)
			// The first start's own operation has ended too.
			if done, err := fresh(t, s).Wait(ctx, first, nil); err != nil || done.Status != provider.OpSuccessful {
				t.Errorf("first operation: %+v, %v", done, err)
			}
		})
	}
}

// roundTrip sends op through JSON, as the journal stores it.
func roundTrip(t *testing.T, op provider.Operation) provider.Operation {
	t.Helper()
	b, err := json.Marshal(op)
	if err != nil {
		t.Fatal(err)
	}
	var out provider.Operation
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOtherOperationInFlight: a pool upgrade refused while the control
// plane upgrades has nothing to re-attach to.
func TestOtherOperationInFlight(t *testing.T) {
	s, a := newAKS(t)
	s.PollsToFinish = 5
	ctx := testContext(t)
	if _, err := a.StartControlPlaneUpgrade(ctx, "1.23"); err != nil {
		t.Fatal(err)
	}
	op, err := a.StartPoolUpgrade(ctx, akstest.PoolMongoDB, "1.23", provider.PoolUpgrade{MaxSurge: 1})
	if !errors.Is(err, provider.ErrOperationInProgress) {
		t.Fatalf("err = %v, want ErrOperationInProgress", err)
	}
	if op.ID != "" {
		t.Errorf("op = %+v, want none: the operation in flight is not this one", op)
	}
	errorNames(t, err, "agent pool mongodb", "the control plane is Upgrading", "409 OperationNotAllowed", akstest.ClusterName)
}

// TestResumeFromJournal: a second provider, created from scratch and
// given only the journalled operation, polls the same operation to its
// end without sending another PUT.
func TestResumeFromJournal(t *testing.T) {
	s, a := newAKS(t)
	s.PollsToFinish = 3
	ctx := testContext(t)
	op, err := a.StartControlPlaneUpgrade(ctx, "1.23")
	if err != nil {
		t.Fatal(err)
	}
	if cur, err := a.Poll(ctx, op); err != nil || cur.Status != provider.OpInProgress {
		t.Fatalf("first poll: %+v, %v", cur, err)
	}
	journalled := roundTrip(t, provider.Operation{ID: op.ID, Kind: op.Kind, Version: op.Version})
	b := fresh(t, s)
	done, err := b.Wait(ctx, journalled, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != provider.OpSuccessful || done.ID != op.ID {
		t.Errorf("done = %+v", done)
	}
	if n := len(s.Calls(akstest.OpPutCluster)); n != 1 {
		t.Errorf("%d PUTs, want 1", n)
	}
	if n := len(s.Operations()); n != 1 {
		t.Errorf("%d operations started, want 1", n)
	}
	if n := len(s.Calls(akstest.OpOperationStatus)); n != 4 {
		t.Errorf("operation status read %d times, want 4", n)
	}
}

func TestFailedOperation(t *testing.T) {
	tests := []struct {
		name  string
		pool  string
		code  string
		msg   string
		setup func(*testing.T, *aks.AKS)
		start func(context.Context, *aks.AKS) (provider.Operation, error)
		check func(*testing.T, *akstest.Server)
	}{
		{
			name: "agent pool drain", pool: akstest.PoolMongoDB, setup: controlPlaneTo123,
			code: "UnsatisfiablePDB",
			msg:  "Upgrade is blocked due to invalid Pod Disruption Budgets (PDBs): PDB shared/telegraf-prom allows no disruption (minAvailable 1, 1 replica).",
			start: func(ctx context.Context, a *aks.AKS) (provider.Operation, error) {
				return a.StartPoolUpgrade(ctx, akstest.PoolMongoDB, "1.23", provider.PoolUpgrade{DrainTimeout: 30 * time.Minute})
			},
			check: func(t *testing.T, s *akstest.Server) {
				if p, _ := s.Pool(akstest.PoolMongoDB); p.ProvisioningState != "Failed" || p.CurrentOrchestratorVersion != akstest.StartVersion {
					t.Errorf("pool = %+v", p)
				}
			},
		},
		{
			name: "control plane", code: "UpgradeFailed", msg: "Upgrade of the control plane to 1.23.15 failed: the API server did not become ready.",
			start: func(ctx context.Context, a *aks.AKS) (provider.Operation, error) {
				return a.StartControlPlaneUpgrade(ctx, "1.23")
			},
			check: func(t *testing.T, s *akstest.Server) {
				if c := s.Cluster(); c.ProvisioningState != "Failed" || c.CurrentKubernetesVersion != akstest.StartVersion {
					t.Errorf("cluster = %+v", c)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := newAKS(t)
			if tt.setup != nil {
				tt.setup(t, a)
			}
			s.FailNextOperation(tt.pool, tt.code, tt.msg)
			ctx := testContext(t)
			op, err := tt.start(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			done, err := a.Wait(ctx, op, nil)
			if !errors.Is(err, provider.ErrOperationFailed) {
				t.Fatalf("Wait: err = %v, want ErrOperationFailed", err)
			}
			errorNames(t, err, akstest.ClusterName, akstest.SubscriptionID, tt.code, tt.msg)
			if tt.pool != "" {
				errorNames(t, err, "agent pool "+tt.pool)
			}
			if done.Status != provider.OpFailed || len(done.Errors) != 1 || done.Errors[0] != tt.code+": "+tt.msg {
				t.Errorf("done = %+v", done)
			}
			tt.check(t, s)
		})
	}
}

func TestPoolUpgrade(t *testing.T) {
	tests := []struct {
		name string
		opts provider.PoolUpgrade
		// wantSettings is the PUT's upgradeSettings.
		wantSettings map[string]any
		wantState    akstest.PoolState
	}{
		{
			name:         "surge and drain timeout",
			opts:         provider.PoolUpgrade{MaxSurge: 2, DrainTimeout: 45 * time.Minute},
			wantSettings: map[string]any{"maxSurge": "2", "drainTimeoutInMinutes": float64(45)},
			wantState:    akstest.PoolState{MaxSurge: "2", DrainTimeoutInMinutes: 45},
		},
		{
			name:         "drain timeout rounded up, the pool's surge kept",
			opts:         provider.PoolUpgrade{DrainTimeout: 90 * time.Second},
			wantSettings: map[string]any{"maxSurge": akstest.SeededMaxSurge, "drainTimeoutInMinutes": float64(2)},
			wantState:    akstest.PoolState{MaxSurge: akstest.SeededMaxSurge, DrainTimeoutInMinutes: 2},
		},
		{
			name:         "the pool's own settings",
			wantSettings: map[string]any{"maxSurge": akstest.SeededMaxSurge},
			wantState:    akstest.PoolState{MaxSurge: akstest.SeededMaxSurge},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := newAKS(t)
			controlPlaneTo123(t, a)
			ctx := testContext(t)
			op, err := a.StartPoolUpgrade(ctx, akstest.PoolVantiq, "v1.23", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if op.Kind != aks.KindPool || op.Target != akstest.PoolVantiq || op.Version != "1.23" || op.Status != provider.OpInProgress || op.ID == "" {
				t.Errorf("op = %+v", op)
			}
			put := s.Calls(akstest.OpPutPool)[0]
			body := props(t, put)
			if body["orchestratorVersion"] != "1.23" {
				t.Errorf("orchestratorVersion = %v", body["orchestratorVersion"])
			}
			if diff := cmp.Diff(tt.wantSettings, body["upgradeSettings"]); diff != "" {
				t.Errorf("upgradeSettings (-want +got):\n%s", diff)
			}
			if !strings.HasSuffix(put.Path, "/managedClusters/vantiq/agentPools/vantiq") || put.Header.Get("If-Match") == "" {
				t.Errorf("PUT %s, If-Match %q", put.Path, put.Header.Get("If-Match"))
			}
			if _, err := a.Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
			want := tt.wantState
			want.OrchestratorVersion, want.CurrentOrchestratorVersion, want.ProvisioningState = "1.23", "1.23.15", "Succeeded"
			want.NodeImageVersion, want.Count = "AKSUbuntu-1804gen2containerd-2023.01.10", 3
			if got, _ := s.Pool(akstest.PoolVantiq); got != want {
				t.Errorf("pool = %+v, want %+v", got, want)
			}
			// One pool at a time: mongodb has not moved.
			if got, _ := s.Pool(akstest.PoolMongoDB); got.CurrentOrchestratorVersion != akstest.StartVersion {
				t.Errorf("mongodb moved: %+v", got)
			}
		})
	}
}

func TestPoolUpgradeRefused(t *testing.T) {
	tests := []struct {
		name    string
		pool    string
		version string
		opts    provider.PoolUpgrade
		// sent says whether the refusal is ARM's (a PUT was sent).
		sent   bool
		status int
		want   []string
	}{
		{
			name: "newer than the control plane", pool: akstest.PoolKeycloak, version: "1.23", sent: true, status: http.StatusBadRequest,
			want: []string{"agent pool keycloak", "400 NodePoolMcVersionIncompatible", "Node pool version 1.23.15 and control plane version 1.22.15 are incompatible"},
		},
		{name: "unknown pool", pool: "default", version: "1.22", status: http.StatusNotFound, want: []string{"agent pool default", "404 NotFound"}},
		{name: "negative surge", pool: akstest.PoolKeycloak, version: "1.22", opts: provider.PoolUpgrade{MaxSurge: -1}, want: []string{"agent pool keycloak", "max surge -1"}},
		{name: "drain timeout too long", pool: akstest.PoolKeycloak, version: "1.22", opts: provider.PoolUpgrade{DrainTimeout: 25 * time.Hour}, want: []string{"agent pool keycloak", "1440 minutes"}},
		{name: "not a version", pool: akstest.PoolKeycloak, version: "1.x", want: []string{"agent pool keycloak", `version "1.x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, a := newAKS(t)
			_, err := a.StartPoolUpgrade(testContext(t), tt.pool, tt.version, tt.opts)
			errorNames(t, err, append(tt.want, akstest.ClusterName, akstest.ResourceGroup)...)
			if errors.Is(err, provider.ErrOperationInProgress) {
				t.Errorf("err wraps ErrOperationInProgress")
			}
			var armErr *aks.ARMError
			if got := errors.As(err, &armErr); got != (tt.status != 0) || got && armErr.StatusCode != tt.status {
				t.Errorf("err = %#v, want an ARM error with status %d", err, tt.status)
			}
			if n := len(s.Calls(akstest.OpPutPool)); (n != 0) != tt.sent {
				t.Errorf("%d PUTs sent", n)
			}
			if n := len(s.Operations()); n != 0 {
				t.Errorf("%d operations started", n)
			}
			if p, ok := s.Pool(tt.pool); ok && p.OrchestratorVersion != akstest.StartVersion {
				t.Errorf("pool changed: %+v", p)
			}
		})
	}
}

func TestUpgradeProfiles(t *testing.T) {
	_, a := newAKS(t)
	ctx := testContext(t)
	got, err := a.UpgradeProfile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1.23.12", "1.23.15"}, got); diff != "" {
		t.Errorf("control plane upgrades (-want +got):\n%s", diff)
	}
	pool, err := a.PoolUpgradeProfile(ctx, akstest.PoolMongoDB)
	if err != nil || len(pool) != 0 {
		t.Errorf("pool upgrades with the control plane at 1.22.15: %v, %v", pool, err)
	}
	controlPlaneTo123(t, a)
	if got, err = a.UpgradeProfile(ctx); err != nil || !cmp.Equal(got, []string{"1.24.9", "1.24.10"}) {
		t.Errorf("control plane upgrades at 1.23.15: %v, %v", got, err)
	}
	if pool, err = a.PoolUpgradeProfile(ctx, akstest.PoolMongoDB); err != nil || !cmp.Equal(pool, []string{"1.23.12", "1.23.15"}) {
		t.Errorf("pool upgrades at 1.23.15: %v, %v", pool, err)
	}
	_, err = a.PoolUpgradeProfile(ctx, "default")
	errorNames(t, err, "agent pool default", "404 NotFound")
}

func TestAddons(t *testing.T) {
	s, a := newAKS(t)
	ctx := testContext(t)
	got, err := a.Addons(ctx, "1.23")
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Addon{
		{Name: "azureKeyvaultSecretsProvider", Status: "Enabled"},
		{Name: "azurepolicy", Status: "Disabled"},
		{Name: "omsagent", Status: "Enabled"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Addons (-want +got):\n%s", diff)
	}
	before := len(s.Calls(""))
	op, err := a.UpdateAddon(ctx, "omsagent", "v1")
	if !errors.Is(err, aks.ErrAddonUpdateNotSupported) || !errors.Is(err, errors.ErrUnsupported) || op.ID != "" {
		t.Fatalf("UpdateAddon = %+v, %v", op, err)
	}
	errorNames(t, err, "add-on omsagent", "add-ons move with the control plane", akstest.ClusterName)
	if n := len(s.Calls("")); n != before {
		t.Errorf("UpdateAddon sent %d requests", n-before)
	}
}

func TestPollErrors(t *testing.T) {
	s, a := newAKS(t)
	s.PollsToFinish = 5
	ctx := testContext(t)
	cp, err := a.StartControlPlaneUpgrade(ctx, "1.23")
	if err != nil {
		t.Fatal(err)
	}
	// A start refused while cp runs re-attaches with a watch of the cluster.
	watch, err := a.StartControlPlaneUpgrade(ctx, "1.23")
	if !errors.Is(err, provider.ErrOperationInProgress) || watch.ID == "" {
		t.Fatalf("re-attach: %+v, %v", watch, err)
	}
	other, err := aks.New(akstest.SubscriptionID, akstest.ResourceGroup, "vantiq-dr", akstest.Credential, s.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Poll(ctx, watch); err == nil || !strings.Contains(err.Error(), "the token follows "+"/subscriptions/"+akstest.SubscriptionID) {
		t.Errorf("another cluster's provider polled the watch: %v", err)
	}
	tests := []struct {
		name string
		op   provider.Operation
		want []string
	}{
		{name: "not a token", op: provider.Operation{ID: "0000-not-a-token", Kind: aks.KindControlPlane}, want: []string{"control plane", "resume"}},
		{name: "another kind's token", op: provider.Operation{ID: cp.ID, Kind: aks.KindPool, Target: akstest.PoolVantiq}, want: []string{"agent pool vantiq", "resume", "ManagedClustersClientCreateOrUpdateResponse"}},
		{name: "unknown kind", op: provider.Operation{ID: cp.ID, Kind: "vm"}, want: []string{`"vm"`}},
		{name: "no ID", op: provider.Operation{Kind: aks.KindPool, Target: akstest.PoolVantiq, Status: provider.OpInProgress}, want: []string{"agent pool vantiq", "no resume token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Poll(ctx, tt.op)
			errorNames(t, err, append(tt.want, akstest.ClusterName)...)
		})
	}
	// An operation that ended without an ID is returned as it is.
	ended := provider.Operation{Kind: aks.KindControlPlane, Version: "1.22", Status: provider.OpSuccessful}
	if got, err := a.Poll(ctx, ended); err != nil || !cmp.Equal(got, ended) {
		t.Errorf("Poll(ended) = %+v, %v", got, err)
	}
}
