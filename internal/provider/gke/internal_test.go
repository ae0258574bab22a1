package gke

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"cloud.google.com/go/container/apiv1/containerpb"
	"github.com/google/go-cmp/cmp"
	gax "github.com/googleapis/gax-go/v2"
	rpcstatus "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/kubehop/kubehop/internal/provider"
)

func TestVersions(t *testing.T) {
	tests := []struct {
		in           string
		master, node string // "" when refused
	}{
		{in: "1.30", master: "1.30", node: "1.30"},
		{in: "v1.30", master: "1.30", node: "1.30"},
		{in: " 1.30.5 ", master: "1.30.5", node: "1.30.5"},
		{in: "1.30.5-gke.1443001", master: "1.30.5-gke.1443001", node: "1.30.5-gke.1443001"},
		{in: "latest", master: "latest", node: "latest"},
		{in: "-", node: "-"},
		{in: "1"},
		{in: "1.30.5.6"},
		{in: "1.x"},
		{in: "1.30-gke.1"},
		{in: "1.30.5-"},
		{in: ""},
	}
	for _, tt := range tests {
		m, err := masterVersion(tt.in)
		if m != tt.master || (err != nil) != (tt.master == "") {
			t.Errorf("masterVersion(%q) = %q, %v; want %q", tt.in, m, err, tt.master)
		}
		n, err := nodeVersion(tt.in)
		if n != tt.node || (err != nil) != (tt.node == "") {
			t.Errorf("nodeVersion(%q) = %q, %v; want %q", tt.in, n, err, tt.node)
		}
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		want, have string
		match      bool
	}{
		{"1.30", "1.30.5-gke.1443001", true},
		{"1.30.5", "1.30.5-gke.1443001", true},
		{"1.30.5-gke.1443001", "1.30.5-gke.1443001", true},
		{"1.30.5-gke.1014001", "1.30.5-gke.1443001", false},
		{"1.30.4", "1.30.5-gke.1443001", false},
		{"1.3", "1.30.5-gke.1443001", false},
		{"1.31", "1.30.5-gke.1443001", false},
		{"latest", "1.30.5-gke.1443001", false},
		{"1.30", "", false},
	}
	for _, tt := range tests {
		if got := matches(tt.want, tt.have); got != tt.match {
			t.Errorf("matches(%q, %q) = %v", tt.want, tt.have, got)
		}
	}
}

func TestParseLink(t *testing.T) {
	tests := []struct {
		in   string
		want link
		ok   bool
	}{
		{
			in:   "https://container.googleapis.com/v1/projects/123/zones/europe-west1-c/clusters/peopledata/nodePools/default-pool",
			want: link{location: "europe-west1-c", cluster: "peopledata", pool: "default-pool"}, ok: true,
		},
		{
			in:   "https://container.googleapis.com/v1/projects/my-project/locations/us-central1/clusters/my-cluster",
			want: link{location: "us-central1", cluster: "my-cluster"}, ok: true,
		},
		{
			in:   "https://container.googleapis.com/v1/projects/123/zones/us-central1-c/clusters/c/nodePools/np/node/n-1",
			want: link{location: "us-central1-c", cluster: "c", pool: "np"}, ok: true,
		},
		{in: "https://container.googleapis.com/v1/projects/123/zones/us-central1-c", want: link{location: "us-central1-c"}},
		{in: ""},
	}
	for _, tt := range tests {
		got, ok := parseLink(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseLink(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		name   string
		op     *containerpb.Operation
		status string
		errs   []string
	}{
		{name: "success", op: &containerpb.Operation{}, status: provider.OpSuccessful},
		{
			name: "error", status: provider.OpFailed, errs: []string{"INTERNAL: boom"},
			op: &containerpb.Operation{Error: &rpcstatus.Status{Code: int32(codes.Internal), Message: "boom"}, StatusMessage: "boom"},
		},
		{
			name: "status message only", status: provider.OpFailed,
			errs: []string{"Failed to start node upgrade: Desired node version (1.7.0) cannot be greater than current master version (1.6.6)"},
			op:   &containerpb.Operation{StatusMessage: "Failed to start node upgrade: Desired node version (1.7.0) cannot be greater than current master version (1.6.6)"},
		},
		{
			name: "both, different", status: provider.OpFailed, errs: []string{"UNAVAILABLE: zone down", "retry later"},
			op: &containerpb.Operation{Error: &rpcstatus.Status{Code: int32(codes.Unavailable), Message: "zone down"}, StatusMessage: "retry later"},
		},
		{
			name: "cancelled", status: provider.OpCancelled, errs: []string{"CANCELLED: by the user"},
			op: &containerpb.Operation{Error: &rpcstatus.Status{Code: int32(codes.Canceled), Message: "by the user"}},
		},
		{name: "OK error status", op: &containerpb.Operation{Error: &rpcstatus.Status{}}, status: provider.OpSuccessful},
	}
	for _, tt := range tests {
		st, errs := outcome(tt.op)
		if st != tt.status || !cmp.Equal(errs, tt.errs) {
			t.Errorf("%s: outcome = %s %q; want %s %q", tt.name, st, errs, tt.status, tt.errs)
		}
	}
}

func TestBusy(t *testing.T) {
	tests := []struct {
		err  error
		id   string
		busy bool
	}{
		{
			err: status.Error(codes.FailedPrecondition, "Cluster is running incompatible operation operation-1718024305921-fd4f65ea-7da5-4d36-a166-f619a83fb205."),
			id:  "operation-1718024305921-fd4f65ea-7da5-4d36-a166-f619a83fb205", busy: true,
		},
		{
			err: fmt.Errorf("wrapped: %w", status.Error(codes.FailedPrecondition, "Operation operation-1596064640049-1b03e177 is currently upgrading cluster c. Please wait and try again once it is done.")),
			id:  "operation-1596064640049-1b03e177", busy: true,
		},
		{err: status.Error(codes.FailedPrecondition, "Cluster is running incompatible operation."), busy: true},
		{
			// The REST transport's HTTP 400.
			err: status.Error(codes.InvalidArgument, "Operation operation-1596064640049-1b03e177 is currently deleting a node pool for cluster c. Please wait and try again once it is done."),
			id:  "operation-1596064640049-1b03e177", busy: true,
		},
		{err: status.Error(codes.FailedPrecondition, "Node pool is not RUNNING.")},
		{err: status.Error(codes.FailedPrecondition, "Operation operation-1-2 failed.")},
		{err: status.Error(codes.InvalidArgument, "Operation operation-1-2 is bad")},
		{err: errors.New("operation-1-2 incompatible operation")},
	}
	for _, tt := range tests {
		id, ok := busy(tt.err)
		if id != tt.id || ok != tt.busy {
			t.Errorf("busy(%v) = %q, %v; want %q, %v", tt.err, id, ok, tt.id, tt.busy)
		}
	}
}

func TestRetryer(t *testing.T) {
	r := &retryer{codes: writeCodes, backoff: gax.Backoff{Initial: time.Millisecond, Max: time.Millisecond}, left: 2}
	quota := status.Error(codes.ResourceExhausted, "Quota exceeded")
	if _, ok := r.Retry(status.Error(codes.Unavailable, "down")); ok {
		t.Error("a write retried UNAVAILABLE")
	}
	for i := range 2 {
		if d, ok := r.Retry(quota); !ok || d > time.Millisecond {
			t.Errorf("try %d: Retry = %s, %v", i+2, d, ok)
		}
	}
	if _, ok := r.Retry(quota); ok {
		t.Error("retried past its attempts")
	}
}

func TestUpgradeSettings(t *testing.T) {
	cur := &containerpb.NodePool_UpgradeSettings{MaxSurge: 1, Strategy: containerpb.NodePoolUpdateStrategy_SURGE.Enum()}
	tests := []struct {
		name      string
		cur       *containerpb.NodePool_UpgradeSettings
		opts      provider.PoolUpgrade
		blueGreen *BlueGreenSettings
		want      *containerpb.NodePool_UpgradeSettings
	}{
		{name: "nothing asked", cur: cur},
		{name: "no settings yet", opts: provider.PoolUpgrade{MaxUnavailable: 2},
			want: &containerpb.NodePool_UpgradeSettings{MaxUnavailable: 2, Strategy: containerpb.NodePoolUpdateStrategy_SURGE.Enum()}},
		{name: "same", cur: cur, opts: provider.PoolUpgrade{MaxSurge: 1}},
		{name: "merged", cur: cur, opts: provider.PoolUpgrade{MaxUnavailable: 1},
			want: &containerpb.NodePool_UpgradeSettings{MaxSurge: 1, MaxUnavailable: 1, Strategy: containerpb.NodePoolUpdateStrategy_SURGE.Enum()}},
		{name: "blue-green over surge counts", cur: cur, opts: provider.PoolUpgrade{MaxSurge: 4}, blueGreen: &BlueGreenSettings{NodePoolSoakDuration: time.Hour},
			want: &containerpb.NodePool_UpgradeSettings{
				MaxSurge: 1, Strategy: containerpb.NodePoolUpdateStrategy_BLUE_GREEN.Enum(),
				BlueGreenSettings: (&BlueGreenSettings{NodePoolSoakDuration: time.Hour}).proto(),
			}},
	}
	for _, tt := range tests {
		g := &GKE{BlueGreen: tt.blueGreen}
		got := g.upgradeSettings(tt.cur, tt.opts)
		if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
			t.Errorf("%s: upgradeSettings (-want +got):\n%s", tt.name, diff)
		}
	}
	if cur.GetMaxUnavailable() != 0 {
		t.Errorf("the pool's settings were changed in place: %v", cur)
	}
}

func TestAddonNames(t *testing.T) {
	fields := (&containerpb.AddonsConfig{}).ProtoReflect().Descriptor().Fields()
	want := map[string]string{
		"http_load_balancing":                   "HttpLoadBalancing",
		"gce_persistent_disk_csi_driver_config": "GcePersistentDiskCsiDriver",
		"dns_cache_config":                      "DnsCache",
	}
	for field, name := range want {
		f := fields.ByName(protoreflect.Name(field))
		if f == nil {
			t.Fatalf("AddonsConfig has no field %s", field)
		}
		if got := addonName(f); got != name {
			t.Errorf("addonName(%s) = %q, want %q", field, got, name)
		}
	}
}
