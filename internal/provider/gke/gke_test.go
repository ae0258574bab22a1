package gke_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/container/apiv1/containerpb"
	"github.com/google/go-cmp/cmp"
	gax "github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/gke"
	"github.com/kubehop/kubehop/internal/provider/gke/gketest"
)

// Versions of the seeded server config.
const (
	v130       = "1.30.5-gke.1443001"
	opIDPrefix = "projects/" + gketest.Project + "/locations/" + gketest.Location + "/operations/operation-"
)

// newGKE starts a server and returns a provider on its cluster, talking
// through the official client over gRPC.
func newGKE(t *testing.T) (*gketest.Server, *gke.GKE) {
	t.Helper()
	s := gketest.Start(t)
	return s, fresh(t, s)
}

// fresh is a new provider value with its own client, as after a restart:
// polling every millisecond, three tries a call a millisecond apart.
func fresh(t *testing.T, s *gketest.Server) *gke.GKE {
	g := gke.New(s.Client(t), gketest.Project, gketest.Location, gketest.ClusterName)
	g.PollInterval = time.Millisecond
	g.Retry = gke.Retry{Attempts: 3, Backoff: gax.Backoff{Initial: time.Millisecond, Max: time.Millisecond}}
	return g
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantErr fails unless err names the cluster and each of want.
func wantErr(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one naming %q", want)
	}
	for _, w := range append(want, gketest.ClusterPath) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %q", err, w)
		}
	}
}

// codesOf lists the answers to the calls of method.
func codesOf(s *gketest.Server, method string) []codes.Code {
	var out []codes.Code
	for _, c := range s.Calls(method) {
		out = append(out, c.Code)
	}
	return out
}

func TestDescribe(t *testing.T) {
	_, g := newGKE(t)
	got, err := g.Describe(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	pool := func(name string, nodes int) provider.PoolInfo {
		return provider.PoolInfo{Name: name, Version: gketest.MasterVersion, Status: "RUNNING", Nodes: nodes}
	}
	want := &provider.ClusterInfo{
		Name: gketest.ClusterName, Version: gketest.MasterVersion, Status: "RUNNING",
		// mongodb runs one node in each of three zones.
		Pools: []provider.PoolInfo{pool(gketest.PoolVantiq, 3), pool(gketest.PoolMongoDB, 3), pool(gketest.PoolKeycloak, 2)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
	if g.Name() != "gke" || g.Cluster() != gketest.ClusterPath {
		t.Errorf("Name %q, Cluster %q", g.Name(), g.Cluster())
	}
}

func TestDescribeUnknownCluster(t *testing.T) {
	s := gketest.Start(t)
	g := gke.New(s.Client(t), gketest.Project, gketest.Location, "other")
	_, err := g.Describe(testContext(t))
	if status.Code(err) != codes.NotFound || !strings.Contains(err.Error(), "gke cluster projects/"+gketest.Project+"/locations/"+gketest.Location+"/clusters/other: ") {
		t.Errorf("err = %v, want NotFound naming the cluster", err)
	}
}

func TestStartControlPlaneUpgrade(t *testing.T) {
	tests := []struct {
		name    string
		version string
		// sent is the version UpdateMaster carries, "" when it must not
		// be called.
		sent       string
		wantStatus string
		wantID     bool
		// wantErr is in the error; noCall that no call at all was made.
		wantErr string
		noCall  bool
	}{
		{name: "minor", version: "1.30", sent: "1.30", wantStatus: provider.OpInProgress, wantID: true},
		{name: "full version", version: "v1.30.5-gke.1014001", sent: "1.30.5-gke.1014001", wantStatus: provider.OpInProgress, wantID: true},
		{name: "patch", version: " 1.30.5 ", sent: "1.30.5", wantStatus: provider.OpInProgress, wantID: true},
		{name: "latest skips a minor", version: "latest", sent: "latest", wantErr: "one minor version at a time"},
		{name: "already at the minor", version: "1.29", wantStatus: provider.OpSuccessful},
		{name: "already at the version", version: gketest.MasterVersion, wantStatus: provider.OpSuccessful},
		{name: "not a version", version: "one.two", wantErr: `version "one.two"`, noCall: true},
		{name: "major only", version: "1", wantErr: `version "1"`, noCall: true},
		{name: "empty", version: "", wantErr: `version ""`, noCall: true},
		{name: "bad suffix", version: "1.30.5_gke", wantErr: `version "1.30.5_gke"`, noCall: true},
		{name: "node alias", version: "-", wantErr: `version "-"`, noCall: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			op, err := g.StartControlPlaneUpgrade(testContext(t), tt.version)
			if tt.noCall && len(s.Calls("")) != 0 {
				t.Errorf("calls made before the version was refused: %v", s.Calls(""))
			}
			calls := s.Calls(gketest.MethodUpdateMaster)
			if tt.sent == "" && len(calls) != 0 || tt.sent != "" && (len(calls) != 1 || calls[0].Request.(*containerpb.UpdateMasterRequest).GetMasterVersion() != tt.sent) {
				t.Errorf("UpdateMaster calls = %v, want one with %q", calls, tt.sent)
			}
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if op.Kind != gke.KindControlPlane || op.Status != tt.wantStatus || (op.ID != "") != tt.wantID || op.Version != strings.TrimPrefix(strings.TrimSpace(tt.version), "v") {
				t.Errorf("op = %+v", op)
			}
			if tt.wantID && !strings.HasPrefix(op.ID, opIDPrefix) {
				t.Errorf("op ID %q is not a full operation name", op.ID)
			}
		})
	}
}

func TestControlPlaneUpgradeWaits(t *testing.T) {
	s, g := newGKE(t)
	s.PollsToFinish = 3
	ctx := testContext(t)
	op, err := g.StartControlPlaneUpgrade(ctx, "1.30")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	done, err := g.Wait(ctx, op, func(o provider.Operation) { seen = append(seen, o.Status) })
	if err != nil {
		t.Fatal(err)
	}
	if done.ID != op.ID || done.Status != provider.OpSuccessful || done.Version != "1.30" {
		t.Errorf("done = %+v", done)
	}
	if diff := cmp.Diff([]string{provider.OpInProgress, provider.OpSuccessful}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if n := len(s.Calls(gketest.MethodGetOperation)); n != 4 {
		t.Errorf("GetOperation called %d times, want 4 (3 running, 1 done)", n)
	}
	info, err := g.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != v130 || info.Status != "RUNNING" {
		t.Errorf("after the upgrade the cluster is %s %s", info.Version, info.Status)
	}
}

func surge(maxSurge, maxUnavailable int32) *containerpb.NodePool_UpgradeSettings {
	return &containerpb.NodePool_UpgradeSettings{
		MaxSurge: maxSurge, MaxUnavailable: maxUnavailable, Strategy: containerpb.NodePoolUpdateStrategy_SURGE.Enum(),
	}
}

func TestPoolUpgrade(t *testing.T) {
	tests := []struct {
		name    string
		version string
		opts    provider.PoolUpgrade
		// sent are the upgrade settings UpdateNodePool carries (nil: none);
		// want the pool's afterwards.
		sent, want *containerpb.NodePool_UpgradeSettings
	}{
		{
			name: "surge settings", version: "1.30",
			opts: provider.PoolUpgrade{MaxSurge: 2, MaxUnavailable: 1, DrainTimeout: 10 * time.Minute, Force: true},
			sent: surge(2, 1), want: surge(2, 1),
		},
		{name: "max unavailable only", version: "v1.30", opts: provider.PoolUpgrade{MaxUnavailable: 1}, sent: surge(1, 1), want: surge(1, 1)},
		{name: "settings already so", version: v130, opts: provider.PoolUpgrade{MaxSurge: 1}, want: surge(1, 0)},
		{name: "service defaults", version: "1.30.5", want: surge(1, 0)},
		{name: "control plane's version", version: "-", opts: provider.PoolUpgrade{MaxSurge: 3}, sent: surge(3, 0), want: surge(3, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			s.SetMasterVersion(v130)
			ctx := testContext(t)
			op, err := g.StartPoolUpgrade(ctx, gketest.PoolVantiq, tt.version, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if op.Kind != gke.KindPool || op.Target != gketest.PoolVantiq || op.Status != provider.OpInProgress || !strings.HasPrefix(op.ID, opIDPrefix) {
				t.Errorf("op = %+v", op)
			}
			calls := s.Calls(gketest.MethodUpdateNodePool)
			if len(calls) != 1 {
				t.Fatalf("UpdateNodePool called %d times, want once (version and settings in one request)", len(calls))
			}
			req := calls[0].Request.(*containerpb.UpdateNodePoolRequest)
			if req.GetName() != gketest.ClusterPath+"/nodePools/"+gketest.PoolVantiq || req.GetNodeVersion() != strings.TrimPrefix(tt.version, "v") {
				t.Errorf("request name %s, node version %s", req.GetName(), req.GetNodeVersion())
			}
			if diff := cmp.Diff(tt.sent, req.GetUpgradeSettings(), protocmp.Transform()); diff != "" {
				t.Errorf("upgrade settings sent (-want +got):\n%s", diff)
			}
			if _, err := g.Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
			np := s.Pool(gketest.PoolVantiq)
			if np.GetVersion() != v130 || np.GetStatus() != containerpb.NodePool_RUNNING {
				t.Errorf("pool at %s %s", np.GetVersion(), np.GetStatus())
			}
			if diff := cmp.Diff(tt.want, np.GetUpgradeSettings(), protocmp.Transform()); diff != "" {
				t.Errorf("pool's upgrade settings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPoolAlreadyUpgraded(t *testing.T) {
	s, g := newGKE(t)
	for _, v := range []string{"1.29", gketest.MasterVersion, "-"} {
		op, err := g.StartPoolUpgrade(testContext(t), gketest.PoolKeycloak, v, provider.PoolUpgrade{MaxSurge: 2})
		if err != nil || op.ID != "" || op.Status != provider.OpSuccessful || op.Target != gketest.PoolKeycloak {
			t.Errorf("%s: op = %+v, err = %v; want Successful without an ID", v, op, err)
		}
	}
	if calls := s.Calls(gketest.MethodUpdateNodePool); len(calls) != 0 {
		t.Errorf("UpdateNodePool called: %v", calls)
	}
}

func TestBlueGreenPoolUpgrade(t *testing.T) {
	tests := []struct {
		name   string
		bg     gke.BlueGreenSettings
		policy *containerpb.BlueGreenSettings_StandardRolloutPolicy
		soak   *durationpb.Duration
	}{
		{
			name: "batch percentage",
			bg:   gke.BlueGreenSettings{BatchPercentage: 0.25, BatchSoakDuration: 2 * time.Minute, NodePoolSoakDuration: 30 * time.Minute},
			policy: &containerpb.BlueGreenSettings_StandardRolloutPolicy{
				UpdateBatchSize:   &containerpb.BlueGreenSettings_StandardRolloutPolicy_BatchPercentage{BatchPercentage: 0.25},
				BatchSoakDuration: durationpb.New(2 * time.Minute),
			},
			soak: durationpb.New(30 * time.Minute),
		},
		{
			name: "batch node count",
			bg:   gke.BlueGreenSettings{BatchNodeCount: 1},
			policy: &containerpb.BlueGreenSettings_StandardRolloutPolicy{
				UpdateBatchSize: &containerpb.BlueGreenSettings_StandardRolloutPolicy_BatchNodeCount{BatchNodeCount: 1},
			},
		},
		{name: "GKE's defaults", policy: &containerpb.BlueGreenSettings_StandardRolloutPolicy{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			s.SetMasterVersion(v130)
			g.BlueGreen = &tt.bg
			ctx := testContext(t)
			// The plan's surge counts do not apply to a blue-green upgrade.
			op, err := g.StartPoolUpgrade(ctx, gketest.PoolMongoDB, "1.30", provider.PoolUpgrade{MaxSurge: 3})
			if err != nil {
				t.Fatal(err)
			}
			want := &containerpb.NodePool_UpgradeSettings{
				MaxSurge: 1,
				Strategy: containerpb.NodePoolUpdateStrategy_BLUE_GREEN.Enum(),
				BlueGreenSettings: &containerpb.BlueGreenSettings{
					RolloutPolicy:        &containerpb.BlueGreenSettings_StandardRolloutPolicy_{StandardRolloutPolicy: tt.policy},
					NodePoolSoakDuration: tt.soak,
				},
			}
			req := s.Calls(gketest.MethodUpdateNodePool)[0].Request.(*containerpb.UpdateNodePoolRequest)
			if diff := cmp.Diff(want, req.GetUpgradeSettings(), protocmp.Transform()); diff != "" {
				t.Errorf("upgrade settings sent (-want +got):\n%s", diff)
			}
			if _, err := g.Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
			if np := s.Pool(gketest.PoolMongoDB); np.GetVersion() != v130 || np.GetUpgradeSettings().GetStrategy() != containerpb.NodePoolUpdateStrategy_BLUE_GREEN {
				t.Errorf("pool after the upgrade: %v", np)
			}
		})
	}
}

func TestPoolUpgradeRefused(t *testing.T) {
	tests := []struct {
		name      string
		pool      string
		version   string
		opts      provider.PoolUpgrade
		blueGreen *gke.BlueGreenSettings
		want      []string
		// noCall: refused before any call.
		noCall bool
	}{
		{name: "newer than the control plane", pool: gketest.PoolVantiq, version: "1.30", want: []string{"node pool vantiq", "cannot be greater than current master version"}},
		{name: "unknown pool", pool: "grafana", version: "-", want: []string{"node pool grafana", "its pools: vantiq, mongodb, keycloak"}},
		{name: "not a version", pool: gketest.PoolVantiq, version: "v1", want: []string{"node pool vantiq", `version "v1"`}, noCall: true},
		{name: "percentage", pool: gketest.PoolVantiq, version: "-", opts: provider.PoolUpgrade{MaxUnavailablePercent: 25}, want: []string{"node pool vantiq", "25%", "node count"}, noCall: true},
		{name: "negative surge", pool: gketest.PoolVantiq, version: "-", opts: provider.PoolUpgrade{MaxSurge: -1}, want: []string{"max surge -1"}, noCall: true},
		{name: "release version", pool: gketest.PoolVantiq, version: "-", opts: provider.PoolUpgrade{ReleaseVersion: "1.24.17-20230825"}, want: []string{"1.24.17-20230825"}, noCall: true},
		{name: "batch percentage", pool: gketest.PoolVantiq, version: "-", blueGreen: &gke.BlueGreenSettings{BatchPercentage: 25}, want: []string{"batch percentage 25"}, noCall: true},
		{name: "both batch sizes", pool: gketest.PoolVantiq, version: "-", blueGreen: &gke.BlueGreenSettings{BatchPercentage: 0.5, BatchNodeCount: 2}, want: []string{"set one"}, noCall: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			g.BlueGreen = tt.blueGreen
			_, err := g.StartPoolUpgrade(testContext(t), tt.pool, tt.version, tt.opts)
			wantErr(t, err, tt.want...)
			if errors.Is(err, provider.ErrOperationInProgress) {
				t.Errorf("err wraps ErrOperationInProgress")
			}
			if tt.noCall && len(s.Calls("")) != 0 {
				t.Errorf("calls made: %v", s.Calls(""))
			}
		})
	}
}

// TestResumePollsJournalledOperation is a restart while the control plane
// upgrades: a new provider, given only the journalled operation, polls it
// to its end without asking for the upgrade again.
func TestResumePollsJournalledOperation(t *testing.T) {
	s, g := newGKE(t)
	ctx := testContext(t)
	op, err := g.StartControlPlaneUpgrade(ctx, "1.30")
	if err != nil {
		t.Fatal(err)
	}
	journalled := provider.Operation{ID: op.ID, Kind: op.Kind, Target: op.Target, Version: op.Version, Status: op.Status}
	done, err := fresh(t, s).Wait(ctx, journalled, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.ID != op.ID || done.Status != provider.OpSuccessful || done.Version != "1.30" {
		t.Errorf("resumed wait ended with %+v", done)
	}
	if n := len(s.Calls(gketest.MethodUpdateMaster)); n != 1 {
		t.Errorf("UpdateMaster called %d times, want exactly once", n)
	}
	if s.MasterVersion() != v130 {
		t.Errorf("master at %s", s.MasterVersion())
	}
}

func TestInFlightOperationIsReattached(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		target string
		method string
		start  func(context.Context, *gke.GKE) (provider.Operation, error)
	}{
		{
			name: "control plane", kind: gke.KindControlPlane, method: gketest.MethodUpdateMaster,
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartControlPlaneUpgrade(ctx, "1.30")
			},
		},
		{
			name: "node pool", kind: gke.KindPool, target: gketest.PoolMongoDB, method: gketest.MethodUpdateNodePool,
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartPoolUpgrade(ctx, gketest.PoolMongoDB, "1.30", provider.PoolUpgrade{MaxSurge: 2})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			s.SetMasterVersion(v130)
			if tt.kind == gke.KindControlPlane {
				s.SetMasterVersion(gketest.MasterVersion)
			}
			s.PollsToFinish = 5
			ctx := testContext(t)
			first, err := tt.start(ctx, g)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tt.start(ctx, g)
			if !errors.Is(err, provider.ErrOperationInProgress) {
				t.Fatalf("second start: err = %v, want ErrOperationInProgress", err)
			}
			if again.ID != first.ID || again.Kind != tt.kind || again.Target != tt.target || again.Status != provider.OpInProgress || again.Version != "1.30" {
				t.Errorf("second start returned %+v, want the in-flight %+v", again, first)
			}
			wantErr(t, err, first.ID)

			// Resume: a provider built from scratch, given only what the
			// journal holds, polls the operation to its end.
			journalled := provider.Operation{ID: again.ID, Kind: again.Kind, Target: again.Target, Version: again.Version}
			done, err := fresh(t, s).Wait(ctx, journalled, nil)
			if err != nil {
				t.Fatal(err)
			}
			if done.ID != first.ID || done.Status != provider.OpSuccessful {
				t.Errorf("resumed wait ended with %+v", done)
			}
			if diff := cmp.Diff([]codes.Code{codes.OK, codes.FailedPrecondition}, codesOf(s, tt.method)); diff != "" {
				t.Errorf("%s answers (-want +got): one upgrade started\n%s", tt.method, diff)
			}
		})
	}
}

// TestOtherOperationInFlight: what runs is not this upgrade, so there is
// nothing to re-attach to, but the error still says the cluster is busy.
func TestOtherOperationInFlight(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*gketest.Server)
		start func(context.Context, *gke.GKE) (provider.Operation, error)
		// want is in the error; inProgress whether it wraps
		// ErrOperationInProgress.
		want       []string
		inProgress bool
	}{
		{
			name: "another pool's auto-upgrade",
			setup: func(s *gketest.Server) {
				s.SetMasterVersion(v130)
				s.StartOperation(containerpb.Operation_AUTO_UPGRADE_NODES, gketest.PoolKeycloak)
			},
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartPoolUpgrade(ctx, gketest.PoolVantiq, "-", provider.PoolUpgrade{})
			},
			want: []string{"node pool vantiq", "AUTO_UPGRADE_NODES operation operation-", "on node pool keycloak", "incompatible operation"}, inProgress: true,
		},
		{
			name:  "a pool upgrade under the control plane's",
			setup: func(s *gketest.Server) { s.StartOperation(containerpb.Operation_UPGRADE_NODES, gketest.PoolMongoDB) },
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartControlPlaneUpgrade(ctx, "1.30")
			},
			want: []string{"control plane", "UPGRADE_NODES operation operation-", "on node pool mongodb"}, inProgress: true,
		},
		{
			name: "a control plane upgrade under a pool's",
			setup: func(s *gketest.Server) {
				s.SetMasterVersion(v130)
				s.StartOperation(containerpb.Operation_UPGRADE_MASTER, "")
			},
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartPoolUpgrade(ctx, gketest.PoolVantiq, "-", provider.PoolUpgrade{})
			},
			want: []string{"node pool vantiq", "UPGRADE_MASTER operation operation-", "on the cluster", "is currently upgrading cluster"}, inProgress: true,
		},
		{
			name: "the operation ended meanwhile",
			setup: func(s *gketest.Server) {
				s.FailNext(gketest.MethodUpdateMaster, 1, codes.FailedPrecondition, "Cluster is running incompatible operation operation-1732492801007-9e3779b1.")
			},
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartControlPlaneUpgrade(ctx, "1.30")
			},
			want: []string{"control plane", "no operation runs on the cluster any more"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			tt.setup(s)
			op, err := tt.start(testContext(t), g)
			wantErr(t, err, tt.want...)
			if errors.Is(err, provider.ErrOperationInProgress) != tt.inProgress {
				t.Errorf("errors.Is(err, ErrOperationInProgress) = %v, want %v", !tt.inProgress, tt.inProgress)
			}
			if status.Code(err) != codes.FailedPrecondition {
				t.Errorf("err does not carry GKE's FAILED_PRECONDITION: %v", err)
			}
			if !cmp.Equal(op, provider.Operation{}) {
				t.Errorf("op = %+v, want none", op)
			}
			if n := len(s.Calls(gketest.MethodListOperations)); n != 1 {
				t.Errorf("ListOperations called %d times", n)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name   string
		method string
		fail   codes.Code
		times  int
		// poolUpgrade: the control plane is at 1.30 and call upgrades a
		// pool.
		poolUpgrade bool
		call        func(context.Context, *gke.GKE) error
		// want are the answers the server gave; wantErr whether the call
		// fails in the end.
		want    []codes.Code
		wantErr bool
	}{
		{
			name: "read throttled twice", method: gketest.MethodGetCluster, fail: codes.ResourceExhausted, times: 2, call: describe,
			want: []codes.Code{codes.ResourceExhausted, codes.ResourceExhausted, codes.OK},
		},
		{
			name: "read throttled thrice", method: gketest.MethodGetCluster, fail: codes.ResourceExhausted, times: 3, call: describe,
			want: []codes.Code{codes.ResourceExhausted, codes.ResourceExhausted, codes.ResourceExhausted}, wantErr: true,
		},
		{
			name: "master upgrade throttled twice", method: gketest.MethodUpdateMaster, fail: codes.ResourceExhausted, times: 2, call: startControlPlane,
			want: []codes.Code{codes.ResourceExhausted, codes.ResourceExhausted, codes.OK},
		},
		{
			name: "pool upgrade throttled twice", method: gketest.MethodUpdateNodePool, fail: codes.ResourceExhausted, times: 2, poolUpgrade: true, call: startPool,
			want: []codes.Code{codes.ResourceExhausted, codes.ResourceExhausted, codes.OK},
		},
		{
			name: "poll unavailable twice", method: gketest.MethodGetOperation, fail: codes.Unavailable, times: 2, call: upgradeAndWait,
			want: []codes.Code{codes.Unavailable, codes.Unavailable, codes.OK, codes.OK, codes.OK},
		},
		{
			name: "master upgrade unavailable is not retried", method: gketest.MethodUpdateMaster, fail: codes.Unavailable, times: 1, call: startControlPlane,
			want: []codes.Code{codes.Unavailable}, wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			if tt.poolUpgrade {
				s.SetMasterVersion(v130)
			}
			s.FailNext(tt.method, tt.times, tt.fail, "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'container.googleapis.com'")
			err := tt.call(testContext(t), g)
			if diff := cmp.Diff(tt.want, codesOf(s, tt.method)); diff != "" {
				t.Errorf("%s answers (-want +got):\n%s", tt.method, diff)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("after %d × %s: %v", tt.times, tt.fail, err)
				}
				return
			}
			if status.Code(err) != tt.fail {
				t.Errorf("err = %v, want %s", err, tt.fail)
			}
			wantErr(t, err, "Quota exceeded")
		})
	}
}

func describe(ctx context.Context, g *gke.GKE) error {
	_, err := g.Describe(ctx)
	return err
}

func startControlPlane(ctx context.Context, g *gke.GKE) error {
	_, err := g.StartControlPlaneUpgrade(ctx, "1.30")
	return err
}

func startPool(ctx context.Context, g *gke.GKE) error {
	_, err := g.StartPoolUpgrade(ctx, gketest.PoolVantiq, "-", provider.PoolUpgrade{MaxSurge: 2})
	return err
}

func upgradeAndWait(ctx context.Context, g *gke.GKE) error {
	op, err := g.StartControlPlaneUpgrade(ctx, "1.30")
	if err != nil {
		return err
	}
	_, err = g.Wait(ctx, op, nil)
	return err
}

func TestFailedOperation(t *testing.T) {
	tests := []struct {
		name       string
		code       codes.Code
		msg        string
		start      func(context.Context, *gke.GKE) (provider.Operation, error)
		wantStatus string
		wantCode   string
		// poolUpgrade: the control plane is at 1.30 and start upgrades a
		// pool.
		poolUpgrade bool
	}{
		{
			name: "control plane", code: codes.Internal, msg: "Failed to upgrade the control plane: etcd health check failed",
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartControlPlaneUpgrade(ctx, "1.30")
			},
			wantStatus: provider.OpFailed, wantCode: "INTERNAL",
		},
		{
			name: "node pool drain", code: codes.FailedPrecondition,
			msg: "Node pool upgrade failed: PodDisruptionBudget mongodb-pdb blocked the drain of gke-vantiq-prod-mongodb-1a2b3c4d-x7k2 for 1h",
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartPoolUpgrade(ctx, gketest.PoolMongoDB, "-", provider.PoolUpgrade{})
			},
			wantStatus: provider.OpFailed, wantCode: "FAILED_PRECONDITION", poolUpgrade: true,
		},
		{
			name: "cancelled", code: codes.Canceled, msg: "Operation was cancelled by the user",
			start: func(ctx context.Context, g *gke.GKE) (provider.Operation, error) {
				return g.StartControlPlaneUpgrade(ctx, "1.30")
			},
			wantStatus: provider.OpCancelled, wantCode: "CANCELLED",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g := newGKE(t)
			if tt.poolUpgrade {
				s.SetMasterVersion(v130)
			}
			s.FailNextOperation(tt.code, tt.msg)
			ctx := testContext(t)
			op, err := tt.start(ctx, g)
			if err != nil {
				t.Fatal(err)
			}
			done, err := g.Wait(ctx, op, nil)
			if !errors.Is(err, provider.ErrOperationFailed) {
				t.Fatalf("Wait: err = %v, want ErrOperationFailed", err)
			}
			wantErr(t, err, op.ID, tt.wantCode+": "+tt.msg)
			if done.Status != tt.wantStatus || len(done.Errors) != 1 || done.Errors[0] != tt.wantCode+": "+tt.msg {
				t.Errorf("done = %+v", done)
			}
			if tt.poolUpgrade {
				if v := s.Pool(gketest.PoolMongoDB).GetVersion(); v != gketest.MasterVersion {
					t.Errorf("pool moved to %s", v)
				}
			} else if s.MasterVersion() != gketest.MasterVersion {
				t.Errorf("master moved to %s", s.MasterVersion())
			}
		})
	}
}

func TestPollErrors(t *testing.T) {
	tests := []struct {
		name string
		op   provider.Operation
		want []string
	}{
		{name: "unknown operation", op: provider.Operation{ID: opIDPrefix + "1-2", Kind: gke.KindControlPlane}, want: []string{"control plane", opIDPrefix + "1-2", "NotFound"}},
		{name: "unknown kind", op: provider.Operation{ID: "operation-1-2", Kind: "vm"}, want: []string{"operation-1-2", `"vm"`}},
		{name: "no ID", op: provider.Operation{Kind: gke.KindPool, Target: "vantiq", Status: provider.OpInProgress}, want: []string{"node pool vantiq", "no ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, g := newGKE(t)
			_, err := g.Poll(testContext(t), tt.op)
			wantErr(t, err, tt.want...)
		})
	}
}

func TestPollShortID(t *testing.T) {
	s, g := newGKE(t)
	s.PollsToFinish = 0
	ctx := testContext(t)
	op, err := g.StartControlPlaneUpgrade(ctx, "1.30")
	if err != nil {
		t.Fatal(err)
	}
	op.ID = strings.TrimPrefix(op.ID, opIDPrefix[:len(opIDPrefix)-len("operation-")])
	done, err := g.Poll(ctx, op)
	if err != nil || done.Status != provider.OpSuccessful || !strings.HasPrefix(done.ID, opIDPrefix) {
		t.Errorf("Poll(%s) = %+v, %v", op.ID, done, err)
	}
	// An operation found done at start has no ID and stays as it is.
	already := provider.Operation{Kind: gke.KindControlPlane, Version: "1.30", Status: provider.OpSuccessful}
	if got, err := g.Poll(ctx, already); err != nil || !cmp.Equal(got, already) {
		t.Errorf("Poll(%+v) = %+v, %v", already, got, err)
	}
}

func TestAddons(t *testing.T) {
	s, g := newGKE(t)
	ctx := testContext(t)
	got, err := g.Addons(ctx, "1.30")
	if err != nil {
		t.Fatal(err)
	}
	enabled := func(name string) provider.Addon { return provider.Addon{Name: name, Status: "Enabled"} }
	want := []provider.Addon{enabled("HttpLoadBalancing"), enabled("HorizontalPodAutoscaling"), enabled("DnsCache"), enabled("GcePersistentDiskCsiDriver")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Addons (-want +got):\n%s", diff)
	}

	s.SetAddons(&containerpb.AddonsConfig{HttpLoadBalancing: &containerpb.HttpLoadBalancing{Disabled: true}})
	if got, err := g.Addons(ctx, "1.30"); err != nil || len(got) != 0 {
		t.Errorf("Addons with HTTP load balancing disabled = %v, %v; want none", got, err)
	}

	n := len(s.Calls(""))
	_, err = g.UpdateAddon(ctx, "DnsCache", "1.2.3")
	wantErr(t, err, "add-on DnsCache", "GKE upgrades its add-ons with the control plane")
	if len(s.Calls("")) != n {
		t.Errorf("UpdateAddon made a call")
	}
}

func TestServerConfig(t *testing.T) {
	s, g := newGKE(t)
	got, err := g.ServerConfig(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if got.DefaultVersion != "1.30.5-gke.1014001" || got.ValidMasterVersions[0] != "1.31.1-gke.1678000" || len(got.ValidNodeVersions) != 7 {
		t.Errorf("server config = %+v", got)
	}
	var channels []string
	for _, c := range got.Channels {
		channels = append(channels, c.Name+" "+c.DefaultVersion)
	}
	want := []string{"RAPID 1.31.1-gke.1678000", "REGULAR 1.30.5-gke.1014001", "STABLE 1.29.9-gke.1496000"}
	if diff := cmp.Diff(want, channels); diff != "" {
		t.Errorf("channels (-want +got):\n%s", diff)
	}
	req := s.Calls(gketest.MethodGetServerConfig)[0].Request.(*containerpb.GetServerConfigRequest)
	if req.GetName() != "projects/"+gketest.Project+"/locations/"+gketest.Location {
		t.Errorf("GetServerConfig name %q", req.GetName())
	}
}
