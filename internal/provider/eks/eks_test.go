package eks_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/eks"
	"github.com/kubehop/kubehop/internal/provider/eks/ekstest"
)

// newEKS starts a server and returns a provider on its cluster, talking
// through the official SDK client over HTTP.
func newEKS(t *testing.T) (*ekstest.Server, *eks.EKS) {
	t.Helper()
	s := ekstest.Start(t)
	return s, fresh(s)
}

// fresh is a new provider value with its own client, as after a restart.
func fresh(s *ekstest.Server) *eks.EKS {
	e := eks.New(s.Client(), ekstest.ClusterName)
	e.PollInterval = time.Millisecond
	return e
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// controlPlaneTo124 moves the seeded cluster's control plane to 1.24, as
// node groups may not pass it.
func controlPlaneTo124(t *testing.T, e *eks.EKS) {
	t.Helper()
	ctx := testContext(t)
	op, err := e.StartControlPlaneUpgrade(ctx, "1.24")
	if err != nil {
		t.Fatalf("start control plane upgrade: %v", err)
	}
	if _, err := e.Wait(ctx, op, nil); err != nil {
		t.Fatalf("wait control plane upgrade: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	s, e := newEKS(t)
	got, err := e.Describe(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	pool := func(name string, nodes int) provider.PoolInfo {
		return provider.PoolInfo{Name: name, Version: "1.23", Status: "ACTIVE", ReleaseVersion: "1.23.17-20230825", Nodes: nodes}
	}
	want := &provider.ClusterInfo{
		Name: ekstest.ClusterName, Version: "1.23", Status: "ACTIVE",
		Pools: []provider.PoolInfo{pool("vantiq", 3), pool("mongodb", 3), pool("keycloak", 2)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Describe (-want +got):\n%s", diff)
	}
	// Three node groups on pages of two: the client followed nextToken.
	if n := len(s.Calls("ListNodegroups")); n != 2 {
		t.Errorf("ListNodegroups called %d times, want 2 pages", n)
	}
	if e.Name() != "eks" {
		t.Errorf("Name = %q", e.Name())
	}
}

func TestDescribeUnknownCluster(t *testing.T) {
	s := ekstest.Start(t)
	e := eks.New(s.Client(), "no-such-cluster")
	_, err := e.Describe(testContext(t))
	var notFound *types.ResourceNotFoundException
	if !errors.As(err, &notFound) {
		t.Fatalf("err = %v, want a ResourceNotFoundException", err)
	}
	if !strings.Contains(err.Error(), "eks cluster no-such-cluster") {
		t.Errorf("error %q does not name the cluster", err)
	}
}

func TestStartControlPlaneUpgrade(t *testing.T) {
	tests := []struct {
		name    string
		version string
		// sent is the version UpdateClusterVersion carries ("" when the
		// call must fail before).
		sent       string
		wantStatus string
		wantID     bool
		wantErr    string
	}{
		{name: "minor", version: "1.24", sent: "1.24", wantStatus: provider.OpInProgress, wantID: true},
		{name: "full version", version: "v1.24.7", sent: "1.24", wantStatus: provider.OpInProgress, wantID: true},
		{name: "already there", version: "1.23", sent: "1.23", wantStatus: provider.OpSuccessful},
		{name: "skips a minor", version: "1.25", sent: "1.25", wantErr: "InvalidParameterException"},
		{name: "not a version", version: "latest", wantErr: `version "latest"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			op, err := e.StartControlPlaneUpgrade(testContext(t), tt.version)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), ekstest.ClusterName) {
					t.Fatalf("err = %v, want one naming the cluster and %q", err, tt.wantErr)
				}
				if errors.Is(err, provider.ErrOperationInProgress) {
					t.Errorf("err wraps ErrOperationInProgress")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if calls := s.Calls("UpdateClusterVersion"); tt.sent != "" && (len(calls) != 1 || calls[0].Body["version"] != tt.sent) {
				t.Errorf("UpdateClusterVersion calls = %+v, want one with version %s", calls, tt.sent)
			}
			if tt.wantErr != "" {
				return
			}
			if op.Kind != eks.KindControlPlane || op.Status != tt.wantStatus || (op.ID != "") != tt.wantID || op.Version != tt.sent {
				t.Errorf("op = %+v", op)
			}
		})
	}
}

func TestControlPlaneUpgradeWaits(t *testing.T) {
	s, e := newEKS(t)
	s.PollsToFinish = 3
	ctx := testContext(t)
	op, err := e.StartControlPlaneUpgrade(ctx, "1.24")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	done, err := provider.Wait(ctx, e, op, e.PollInterval, func(o provider.Operation) { seen = append(seen, o.Status) })
	if err != nil {
		t.Fatal(err)
	}
	if done.ID != op.ID || done.Status != provider.OpSuccessful || done.Version != "1.24" {
		t.Errorf("done = %+v", done)
	}
	if diff := cmp.Diff([]string{provider.OpInProgress, provider.OpSuccessful}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if n := len(s.Calls("DescribeUpdate")); n != 4 {
		t.Errorf("DescribeUpdate called %d times, want 4 (3 in progress, 1 done)", n)
	}
	if v := s.ClusterVersion(); v != "1.24" {
		t.Errorf("cluster version = %s, want 1.24", v)
	}
	info, err := e.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "1.24" || info.Status != "ACTIVE" {
		t.Errorf("after the upgrade the cluster is %s %s", info.Version, info.Status)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	tests := []struct {
		name      string
		op        string
		throttles int
		call      func(context.Context, *eks.EKS) error
		wantErr   bool
	}{
		{name: "describe twice", op: "DescribeCluster", throttles: 2, call: describe},
		{name: "describe thrice", op: "DescribeCluster", throttles: 3, call: describe, wantErr: true},
		{name: "update twice", op: "UpdateClusterVersion", throttles: 2, call: startControlPlane},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			s.FailNext(tt.op, tt.throttles, "ThrottlingException")
			err := tt.call(testContext(t), e)
			calls := s.Calls(tt.op)
			if tt.wantErr {
				var throttled *types.ThrottlingException
				if !errors.As(err, &throttled) || !strings.Contains(err.Error(), ekstest.ClusterName) {
					t.Fatalf("err = %v, want a ThrottlingException naming the cluster", err)
				}
				if len(calls) != 3 {
					t.Errorf("%s called %d times, want the SDK's 3 attempts", tt.op, len(calls))
				}
				return
			}
			if err != nil {
				t.Fatalf("after %d throttles: %v", tt.throttles, err)
			}
			var statuses []int
			for _, c := range calls {
				statuses = append(statuses, c.Status)
			}
			if diff := cmp.Diff([]int{429, 429, 200}, statuses); diff != "" {
				t.Errorf("%s answers (-want +got):\n%s", tt.op, diff)
			}
			// A retried mutation carries the same idempotency token.
			if tok := calls[0].Body["clientRequestToken"]; tok != nil && tok != calls[2].Body["clientRequestToken"] {
				t.Errorf("retry changed clientRequestToken: %v then %v", tok, calls[2].Body["clientRequestToken"])
			}
		})
	}
}

func describe(ctx context.Context, e *eks.EKS) error {
	_, err := e.Describe(ctx)
	return err
}

func startControlPlane(ctx context.Context, e *eks.EKS) error {
	_, err := e.StartControlPlaneUpgrade(ctx, "1.24")
	return err
}

func TestInFlightUpdateIsReattached(t *testing.T) {
	tests := []struct {
		name   string
		kind   string
		target string
		// setup runs before the first start (node groups need the control
		// plane at 1.24 first).
		setup func(*testing.T, *eks.EKS)
		start func(context.Context, *eks.EKS) (provider.Operation, error)
		// version is what the finished operation reports.
		version string
	}{
		{
			name: "control plane", kind: eks.KindControlPlane, version: "1.24",
			start: func(ctx context.Context, e *eks.EKS) (provider.Operation, error) {
				return e.StartControlPlaneUpgrade(ctx, "1.24")
			},
		},
		{
			name: "node group", kind: eks.KindPool, target: "mongodb", version: "1.24", setup: controlPlaneTo124,
			start: func(ctx context.Context, e *eks.EKS) (provider.Operation, error) {
				return e.StartPoolUpgrade(ctx, "mongodb", "1.24", provider.PoolUpgrade{MaxUnavailable: 1})
			},
		},
		{
			name: "add-on", kind: eks.KindAddon, target: "coredns", version: "v1.8.7-eksbuild.4",
			start: func(ctx context.Context, e *eks.EKS) (provider.Operation, error) {
				return e.UpdateAddon(ctx, "coredns", "v1.8.7-eksbuild.4")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			s.PollsToFinish = 5
			ctx := testContext(t)
			first, err := tt.start(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tt.start(ctx, e)
			if !errors.Is(err, provider.ErrOperationInProgress) {
				t.Fatalf("second start: err = %v, want ErrOperationInProgress", err)
			}
			if again.ID != first.ID || again.Kind != tt.kind || again.Target != tt.target || again.Status != provider.OpInProgress {
				t.Errorf("second start returned %+v, want the in-flight %+v", again, first)
			}
			if !strings.Contains(err.Error(), first.ID) {
				t.Errorf("error %q does not name update %s", err, first.ID)
			}

			// Resume: a provider built from scratch, given only what the
			// journal holds, polls the update to its end.
			journalled := provider.Operation{ID: first.ID, Kind: tt.kind, Target: tt.target}
			done, err := fresh(s).Wait(ctx, journalled, nil)
			if err != nil {
				t.Fatal(err)
			}
			if done.ID != first.ID || done.Status != provider.OpSuccessful || done.Version != tt.version {
				t.Errorf("resumed wait ended with %+v", done)
			}
			if st := s.UpdateStatus(first.ID); st != "Successful" {
				t.Errorf("server holds update %s as %q", first.ID, st)
			}
		})
	}
}

func TestFailedUpdate(t *testing.T) {
	tests := []struct {
		name  string
		scope ekstest.Scope
		code  string
		msg   string
		ids   []string
		setup func(*testing.T, *eks.EKS)
		start func(context.Context, *eks.EKS) (provider.Operation, error)
	}{
		{
			name: "node group drain", scope: ekstest.Scope{Nodegroup: "mongodb"}, setup: controlPlaneTo124,
			code: "PodEvictionFailure", msg: "Reached max retries while trying to evict pods from nodes in node group mongodb",
			ids: []string{"ip-10-0-1-23.ec2.internal"},
			start: func(ctx context.Context, e *eks.EKS) (provider.Operation, error) {
				return e.StartPoolUpgrade(ctx, "mongodb", "1.24", provider.PoolUpgrade{})
			},
		},
		{
			name: "control plane", code: "ClusterUnreachable", msg: "The cluster's API server could not be reached",
			start: func(ctx context.Context, e *eks.EKS) (provider.Operation, error) {
				return e.StartControlPlaneUpgrade(ctx, "1.24")
			},
		},
		{
			name: "add-on", scope: ekstest.Scope{Addon: "kube-proxy"}, code: "ConfigurationConflict",
			msg: "Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.",
			start: func(ctx context.Context, e *eks.EKS) (provider.Operation, error) {
				return e.UpdateAddon(ctx, "kube-proxy", "v1.23.17-eksbuild.5")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			s.FailNextUpdate(tt.scope, tt.code, tt.msg, tt.ids...)
			ctx := testContext(t)
			op, err := tt.start(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			done, err := e.Wait(ctx, op, nil)
			if !errors.Is(err, provider.ErrOperationFailed) {
				t.Fatalf("Wait: err = %v, want ErrOperationFailed", err)
			}
			for _, want := range append([]string{ekstest.ClusterName, op.ID, tt.code, tt.msg}, tt.ids...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
			if done.Status != provider.OpFailed || len(done.Errors) != 1 || !strings.HasPrefix(done.Errors[0], tt.code+": ") {
				t.Errorf("done = %+v", done)
			}
		})
	}
}

func TestPoolUpgrade(t *testing.T) {
	tests := []struct {
		name string
		opts provider.PoolUpgrade
		// wantConfig is UpdateNodegroupConfig's updateConfig, nil when it
		// must not be called.
		wantConfig  map[string]any
		wantRelease string
		wantState   ekstest.NodegroupState
	}{
		{
			name:        "percentage, pinned release, force",
			opts:        provider.PoolUpgrade{MaxUnavailablePercent: 33, ReleaseVersion: "1.24.15-20230703", Force: true},
			wantConfig:  map[string]any{"maxUnavailablePercentage": float64(33)},
			wantRelease: "1.24.15-20230703",
			wantState:   ekstest.NodegroupState{Version: "1.24", ReleaseVersion: "1.24.15-20230703", Status: "ACTIVE", MaxUnavailablePercentage: 33},
		},
		{
			name:       "count",
			opts:       provider.PoolUpgrade{MaxUnavailable: 2},
			wantConfig: map[string]any{"maxUnavailable": float64(2)},
			wantState:  ekstest.NodegroupState{Version: "1.24", ReleaseVersion: "1.24.17-20230825", Status: "ACTIVE", MaxUnavailable: 2},
		},
		{
			name:      "config already so",
			opts:      provider.PoolUpgrade{MaxUnavailable: 1},
			wantState: ekstest.NodegroupState{Version: "1.24", ReleaseVersion: "1.24.17-20230825", Status: "ACTIVE", MaxUnavailable: 1},
		},
		{
			name:      "service defaults",
			wantState: ekstest.NodegroupState{Version: "1.24", ReleaseVersion: "1.24.17-20230825", Status: "ACTIVE", MaxUnavailable: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			controlPlaneTo124(t, e)
			ctx := testContext(t)
			op, err := e.StartPoolUpgrade(ctx, "vantiq", "v1.24.17", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if op.Kind != eks.KindPool || op.Target != "vantiq" || op.Version != "1.24" || op.Status != provider.OpInProgress {
				t.Errorf("op = %+v", op)
			}
			checkPoolCalls(t, s, tt.wantConfig, tt.wantRelease, tt.opts.Force)
			if _, err := e.Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
			// The seeded scaling and disk of vantiq stay as they were.
			want := tt.wantState
			want.MinSize, want.MaxSize, want.DesiredSize, want.DiskSize = 3, 6, 3, 50
			got, _ := s.Nodegroup("vantiq")
			got.Labels, got.Taints = nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("node group = %+v, want %+v", got, want)
			}
		})
	}
}

// checkPoolCalls checks the wire requests of a pool upgrade: the config
// update (if any) before the version update, and the version update's
// body.
func checkPoolCalls(t *testing.T, s *ekstest.Server, wantConfig map[string]any, wantRelease string, force bool) {
	t.Helper()
	var order []string
	for _, c := range s.Calls("") {
		if c.Op == "UpdateNodegroupConfig" || c.Op == "UpdateNodegroupVersion" {
			order = append(order, c.Op)
		}
	}
	wantOrder := []string{"UpdateNodegroupVersion"}
	if wantConfig != nil {
		wantOrder = []string{"UpdateNodegroupConfig", "UpdateNodegroupVersion"}
		body := s.Calls("UpdateNodegroupConfig")[0]
		if diff := cmp.Diff(wantConfig, body.Body["updateConfig"]); diff != "" {
			t.Errorf("updateConfig (-want +got):\n%s", diff)
		}
		if body.Path != "/clusters/"+ekstest.ClusterName+"/node-groups/vantiq/update-config" {
			t.Errorf("config update path %s", body.Path)
		}
	}
	if diff := cmp.Diff(wantOrder, order); diff != "" {
		t.Fatalf("calls (-want +got):\n%s", diff)
	}
	v := s.Calls("UpdateNodegroupVersion")[0]
	if v.Body["version"] != "1.24" {
		t.Errorf("version = %v, want 1.24", v.Body["version"])
	}
	if rel, ok := v.Body["releaseVersion"]; wantRelease == "" && ok || wantRelease != "" && rel != wantRelease {
		t.Errorf("releaseVersion = %v, want %q", rel, wantRelease)
	}
	if got, _ := v.Body["force"].(bool); got != force {
		t.Errorf("force = %v, want %v", v.Body["force"], force)
	}
}

func TestPoolUpgradeRefused(t *testing.T) {
	tests := []struct {
		name    string
		pool    string
		version string
		opts    provider.PoolUpgrade
		want    []string
	}{
		{name: "newer than the control plane", pool: "keycloak", version: "1.24", want: []string{"node group keycloak", "InvalidParameterException"}},
		{name: "unknown node group", pool: "grafana", version: "1.23", want: []string{"node group grafana", "ResourceNotFoundException"}},
		{name: "unknown release", pool: "keycloak", version: "1.23", opts: provider.PoolUpgrade{ReleaseVersion: "1.23.99-20990101"}, want: []string{"node group keycloak", "1.23.99-20990101"}},
		{name: "bad percentage", pool: "keycloak", version: "1.23", opts: provider.PoolUpgrade{MaxUnavailablePercent: 150}, want: []string{"node group keycloak", "150"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newEKS(t)
			_, err := e.StartPoolUpgrade(testContext(t), tt.pool, tt.version, tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, ekstest.ClusterName) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestUpdateAddon(t *testing.T) {
	s, e := newEKS(t)
	ctx := testContext(t)
	op, err := e.UpdateAddon(ctx, "coredns", "v1.8.7-eksbuild.4")
	if err != nil {
		t.Fatal(err)
	}
	body := s.Calls("UpdateAddon")[0].Body
	if body["addonVersion"] != "v1.8.7-eksbuild.4" || body["resolveConflicts"] != "PRESERVE" {
		t.Errorf("UpdateAddon body = %v", body)
	}
	done, err := e.Wait(ctx, op, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Kind != eks.KindAddon || done.Target != "coredns" || done.Version != "v1.8.7-eksbuild.4" {
		t.Errorf("done = %+v", done)
	}
	if v := s.AddonVersion("coredns"); v != "v1.8.7-eksbuild.4" {
		t.Errorf("coredns at %s", v)
	}
	// kube-proxy 1.24 does not run on a 1.23 control plane.
	_, err = e.UpdateAddon(ctx, "kube-proxy", "v1.24.10-eksbuild.2")
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) || !strings.Contains(err.Error(), "add-on kube-proxy") {
		t.Errorf("err = %v, want an InvalidParameterException naming the add-on", err)
	}
}

func TestAddonsAndMissingRequired(t *testing.T) {
	s, e := newEKS(t)
	ctx := testContext(t)
	got, err := e.Addons(ctx, "1.24")
	if err != nil {
		t.Fatal(err)
	}
	want := []provider.Addon{
		{Name: "coredns", Version: "v1.8.7-eksbuild.3", Status: "ACTIVE", Default: "v1.8.7-eksbuild.4",
			Compatible: []string{"v1.9.3-eksbuild.5", "v1.8.7-eksbuild.4", "v1.8.7-eksbuild.3"}},
		{Name: "kube-proxy", Version: "v1.23.16-eksbuild.2", Status: "ACTIVE", Default: "v1.24.10-eksbuild.2",
			Compatible: []string{"v1.24.17-eksbuild.4", "v1.24.10-eksbuild.2"}},
		{Name: "vpc-cni", Version: "v1.12.6-eksbuild.2", Status: "ACTIVE", Default: "v1.12.6-eksbuild.2",
			Compatible: []string{"v1.15.1-eksbuild.1", "v1.12.6-eksbuild.2"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Addons (-want +got):\n%s", diff)
	}
	for _, c := range s.Calls("DescribeAddonVersions") {
		if c.Query.Get("kubernetesVersion") != "1.24" || c.Query.Get("addonName") == "" {
			t.Errorf("DescribeAddonVersions query %v, want addonName and kubernetesVersion=1.24", c.Query)
		}
	}
	if diff := cmp.Diff([]string{eks.AddonEBSCSI}, eks.MissingRequired(got, "1.24")); diff != "" {
		t.Errorf("MissingRequired before install (-want +got):\n%s", diff)
	}

	ebs, err := e.AddonVersions(ctx, eks.AddonEBSCSI, "1.24")
	if err != nil {
		t.Fatal(err)
	}
	if ebs.Default != "v1.19.0-eksbuild.2" || ebs.Version != "" {
		t.Errorf("ebs-csi offer = %+v", ebs)
	}
	s.InstallAddon(eks.AddonEBSCSI, ebs.Default)
	got, err = e.Addons(ctx, "v1.24.7")
	if err != nil {
		t.Fatal(err)
	}
	if missing := eks.MissingRequired(got, "1.24"); missing != nil {
		t.Errorf("MissingRequired after install = %v", missing)
	}
}

func TestMissingRequired(t *testing.T) {
	installed := []provider.Addon{{Name: "coredns", Version: "v1.8.7-eksbuild.3"}, {Name: "vpc-cni", Version: "v1.12.6-eksbuild.2"}}
	withEBS := append([]provider.Addon{{Name: eks.AddonEBSCSI, Version: "v1.19.0-eksbuild.2"}}, installed...)
	tests := []struct {
		target string
		addons []provider.Addon
		want   []string
	}{
		{"1.22", installed, nil},
		{"1.23", installed, []string{eks.AddonEBSCSI}},
		{"1.24", installed, []string{eks.AddonEBSCSI}},
		{"v1.24.7", installed, []string{eks.AddonEBSCSI}},
		{"1.30", nil, []string{eks.AddonEBSCSI}},
		{"1.24", withEBS, nil},
		{"1.24", append(installed, provider.Addon{Name: eks.AddonEBSCSI}), []string{eks.AddonEBSCSI}},
		{"latest", installed, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, eks.MissingRequired(tt.addons, tt.target)); diff != "" {
			t.Errorf("MissingRequired(%v, %s) (-want +got):\n%s", tt.addons, tt.target, diff)
		}
	}
}

func TestUpgradeInsights(t *testing.T) {
	s, e := newEKS(t)
	got, err := e.UpgradeInsights(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	last := time.Date(2023, 3, 2, 5, 0, 0, 0, time.UTC)
	want := []eks.Insight{
		{
			ID: ekstest.InsightDeprecatedAPI, Name: "Deprecated APIs removed in Kubernetes v1.25",
			Status: "WARNING", Reason: "Deprecated API usage detected within last 30 days and your cluster is on Kubernetes v1.23.",
			KubernetesVersion: "1.25",
			Description:       "Checks for usage of deprecated APIs that are scheduled for removal in Kubernetes v1.25. Upgrading your cluster before migrating to the updated APIs supported by v1.25 could cause application impact.",
			Recommendation:    "Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v1.25.",
			Deprecations: []eks.Deprecation{
				{
					Usage: "/apis/batch/v1beta1/cronjobs", ReplacedWith: "/apis/batch/v1/cronjobs",
					StopServingVersion: "1.25", StartServingReplacementVersion: "1.21",
					Clients: []eks.APIClient{{UserAgent: "kubectl/v1.22.17 (linux/amd64) kubernetes/a7736ea", Requests: 14, LastRequest: last}},
				},
				{
					Usage: "/apis/policy/v1beta1/poddisruptionbudgets", ReplacedWith: "/apis/policy/v1/poddisruptionbudgets",
					StopServingVersion: "1.25", StartServingReplacementVersion: "1.21",
					Clients: []eks.APIClient{
						{UserAgent: "Helm/3.8.2", Requests: 3, LastRequest: last.Add(-time.Hour)},
						{UserAgent: "vantiq-deploy/1.34 (linux/amd64)", Requests: 41, LastRequest: last},
					},
				},
				{
					Usage: "/apis/policy/v1beta1/podsecuritypolicies", StopServingVersion: "1.25",
					Clients: []eks.APIClient{{UserAgent: "kube-controller-manager/v1.23.17 (linux/amd64) kubernetes/a7736ea/system:serviceaccount:kube-system:generic-garbage-collector", Requests: 720, LastRequest: last}},
				},
			},
			Resources: []eks.InsightResource{
				{KubernetesResourceURI: "/apis/batch/v1beta1/namespaces/shared/cronjobs/mongodb-backup", Status: "WARNING"},
				{KubernetesResourceURI: "/apis/policy/v1beta1/namespaces/shared/poddisruptionbudgets/telegraf-prom", Status: "WARNING"},
			},
		},
		{
			ID: ekstest.InsightAddonCompat, Name: "Amazon EKS add-on version compatibility",
			Status: "ERROR", Reason: "Add-on versions are not compatible with the next Kubernetes version.",
			KubernetesVersion: "1.24",
			Description:       "Checks version of installed EKS add-ons to ensure they are compatible with the next version of Kubernetes.",
			Recommendation:    "Upgrade your EKS add-on to a newer version that is supported by the Kubernetes version you're upgrading to.",
			Addons:            []eks.AddonCompatibility{{Name: "kube-proxy", CompatibleVersions: []string{"v1.24.17-eksbuild.4", "v1.24.10-eksbuild.2"}}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpgradeInsights (-want +got):\n%s", diff)
	}
	for _, c := range s.Calls("ListInsights") {
		filter, _ := c.Body["filter"].(map[string]any)
		if diff := cmp.Diff([]any{"UPGRADE_READINESS"}, filter["categories"]); diff != "" {
			t.Errorf("ListInsights filter categories (-want +got):\n%s", diff)
		}
	}
	var described []string
	for _, c := range s.Calls("DescribeInsight") {
		described = append(described, c.Path[strings.LastIndex(c.Path, "/")+1:])
	}
	if diff := cmp.Diff([]string{ekstest.InsightDeprecatedAPI, ekstest.InsightAddonCompat}, described); diff != "" {
		t.Errorf("DescribeInsight only for insights not passing (-want +got):\n%s", diff)
	}
}

func TestPollErrorsNameTheUpdate(t *testing.T) {
	tests := []struct {
		name string
		op   provider.Operation
		want []string
	}{
		{name: "unknown update", op: provider.Operation{ID: "0000-missing", Kind: eks.KindControlPlane}, want: []string{"0000-missing", "control plane", "ResourceNotFoundException"}},
		{name: "pool update asked at cluster scope", op: provider.Operation{ID: "0000-missing", Kind: eks.KindPool, Target: "vantiq"}, want: []string{"0000-missing", "node group vantiq"}},
		{name: "unknown kind", op: provider.Operation{ID: "abc", Kind: "vm"}, want: []string{"abc", `"vm"`}},
		{name: "no ID", op: provider.Operation{Kind: eks.KindPool, Target: "vantiq", Status: provider.OpInProgress}, want: []string{"node group vantiq", "no update ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newEKS(t)
			_, err := e.Poll(testContext(t), tt.op)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, ekstest.ClusterName) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}
