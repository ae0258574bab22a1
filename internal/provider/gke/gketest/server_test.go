package gketest

import (
	"context"
	"strings"
	"testing"
	"time"

	container "cloud.google.com/go/container/apiv1"
	"cloud.google.com/go/container/apiv1/containerpb"
	"github.com/google/go-cmp/cmp"
	gax "github.com/googleapis/gax-go/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// noRetry turns the client's own retries off, so that each test sees the
// server's first answer.
var noRetry = gax.WithRetry(func() gax.Retryer { return nil })

func operationName(id string) string {
	return "projects/" + Project + "/locations/" + Location + "/operations/" + id
}

// TestOperationLifecycle follows a control plane upgrade on the wire:
// PENDING when started, RUNNING for PollsToFinish answers, then DONE with
// the version applied, the cluster RECONCILING meanwhile.
func TestOperationLifecycle(t *testing.T) {
	s := Start(t)
	c := s.Client(t)
	ctx := testContext(t)
	op, err := c.UpdateMaster(ctx, &containerpb.UpdateMasterRequest{Name: ClusterPath, MasterVersion: "1.30"})
	if err != nil {
		t.Fatal(err)
	}
	if op.GetStatus() != containerpb.Operation_PENDING || op.GetOperationType() != containerpb.Operation_UPGRADE_MASTER {
		t.Fatalf("started %v", op)
	}
	wantLink := "https://container.googleapis.com/v1/projects/" + ProjectNumber + "/zones/" + Location + "/clusters/" + ClusterName
	if op.GetTargetLink() != wantLink || !strings.HasPrefix(op.GetName(), "operation-") {
		t.Errorf("name %s, target link %s", op.GetName(), op.GetTargetLink())
	}
	if got := s.ClusterStatus(); got != "RECONCILING" {
		t.Errorf("cluster %s while upgrading", got)
	}
	var seen []string
	for range 3 {
		got, err := c.GetOperation(ctx, &containerpb.GetOperationRequest{Name: operationName(op.GetName())})
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, got.GetStatus().String())
	}
	if diff := cmp.Diff([]string{"RUNNING", "RUNNING", "DONE"}, seen); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if v, st := s.MasterVersion(), s.ClusterStatus(); v != "1.30.5-gke.1443001" || st != "RUNNING" {
		t.Errorf("after the upgrade: %s %s", v, st)
	}
	calls := s.Calls(MethodUpdateMaster)
	if len(calls) != 1 || calls[0].Code != codes.OK || calls[0].Request.(*containerpb.UpdateMasterRequest).GetMasterVersion() != "1.30" {
		t.Errorf("UpdateMaster calls = %v", calls)
	}
}

func TestFailedOperation(t *testing.T) {
	s := Start(t)
	s.PollsToFinish = 0
	c := s.Client(t)
	ctx := testContext(t)
	s.FailNextOperation(codes.FailedPrecondition, "Node pool upgrade failed: PDB blocked the drain of node gke-vantiq-1")
	op, err := c.UpdateNodePool(ctx, &containerpb.UpdateNodePoolRequest{Name: ClusterPath + "/nodePools/" + PoolVantiq, NodeVersion: "-"})
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.GetOperation(ctx, &containerpb.GetOperationRequest{Name: operationName(op.GetName())})
	if err != nil {
		t.Fatal(err)
	}
	if done.GetStatus() != containerpb.Operation_DONE || done.GetError().GetCode() != int32(codes.FailedPrecondition) ||
		done.GetStatusMessage() != done.GetError().GetMessage() {
		t.Errorf("done = %v", done)
	}
	if np := s.Pool(PoolVantiq); np.GetStatus() != containerpb.NodePool_RUNNING || np.GetVersion() != MasterVersion {
		t.Errorf("pool after the failure: %v", np)
	}
}

// TestErrorAnswers checks the codes and messages of refused requests.
func TestErrorAnswers(t *testing.T) {
	pool := ClusterPath + "/nodePools/" + PoolVantiq
	tests := []struct {
		name  string
		setup func(*Server)
		call  func(context.Context, *container.ClusterManagerClient) error
		code  codes.Code
		msg   string
	}{
		{
			name: "deprecated fields", code: codes.InvalidArgument, msg: "name is required",
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.GetCluster(ctx, &containerpb.GetClusterRequest{ProjectId: Project, Zone: Location, ClusterId: ClusterName}, noRetry)
				return err
			},
		},
		{
			name: "unknown cluster", code: codes.NotFound, msg: "Not found: projects/" + Project + "/locations/" + Location + "/clusters/other.",
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.GetCluster(ctx, &containerpb.GetClusterRequest{Name: "projects/" + Project + "/locations/" + Location + "/clusters/other"}, noRetry)
				return err
			},
		},
		{
			name: "skipped minor", code: codes.InvalidArgument, msg: "one minor version at a time",
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.UpdateMaster(ctx, &containerpb.UpdateMasterRequest{Name: ClusterPath, MasterVersion: "latest"}, noRetry)
				return err
			},
		},
		{
			name: "downgrade", code: codes.InvalidArgument, msg: "cannot be downgraded",
			setup: func(s *Server) { s.SetMasterVersion("1.30.5-gke.1014001") },
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.UpdateMaster(ctx, &containerpb.UpdateMasterRequest{Name: ClusterPath, MasterVersion: "1.29"}, noRetry)
				return err
			},
		},
		{
			name: "pool past the control plane", code: codes.InvalidArgument, msg: "cannot be greater than current master version",
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.UpdateNodePool(ctx, &containerpb.UpdateNodePoolRequest{Name: pool, NodeVersion: "1.30"}, noRetry)
				return err
			},
		},
		{
			name: "no surge", code: codes.InvalidArgument, msg: "nor both 0",
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.UpdateNodePool(ctx, &containerpb.UpdateNodePoolRequest{
					Name: pool, NodeVersion: "-", UpgradeSettings: &containerpb.NodePool_UpgradeSettings{},
				}, noRetry)
				return err
			},
		},
		{
			name: "control plane upgrading", code: codes.FailedPrecondition, msg: "is currently upgrading cluster " + ClusterName + ". Please wait",
			setup: func(s *Server) { s.StartOperation(containerpb.Operation_UPGRADE_MASTER, "") },
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.UpdateNodePool(ctx, &containerpb.UpdateNodePoolRequest{Name: pool, NodeVersion: "-"}, noRetry)
				return err
			},
		},
		{
			name: "pool resizing", code: codes.FailedPrecondition, msg: "Cluster is running incompatible operation operation-",
			setup: func(s *Server) { s.StartOperation(containerpb.Operation_SET_NODE_POOL_SIZE, PoolMongoDB) },
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.UpdateMaster(ctx, &containerpb.UpdateMasterRequest{Name: ClusterPath, MasterVersion: "1.30"}, noRetry)
				return err
			},
		},
		{
			name: "quota", code: codes.ResourceExhausted, msg: "Quota exceeded",
			setup: func(s *Server) {
				s.FailNext(MethodListOperations, 1, codes.ResourceExhausted, "Quota exceeded for quota metric 'Read requests'")
			},
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.ListOperations(ctx, &containerpb.ListOperationsRequest{Parent: "projects/" + Project + "/locations/" + Location}, noRetry)
				return err
			},
		},
		{
			name: "unknown operation", code: codes.NotFound, msg: "Not found",
			call: func(ctx context.Context, c *container.ClusterManagerClient) error {
				_, err := c.GetOperation(ctx, &containerpb.GetOperationRequest{Name: operationName("operation-1-2")}, noRetry)
				return err
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			if tt.setup != nil {
				tt.setup(s)
			}
			err := tt.call(testContext(t), s.Client(t))
			if st := status.Convert(err); st.Code() != tt.code || !strings.Contains(st.Message(), tt.msg) {
				t.Errorf("err = %v, want %s with %q", err, tt.code, tt.msg)
			}
			all := s.Calls("")
			if len(all) != 1 || all[0].Code != tt.code {
				t.Errorf("calls = %v, want one answered %s", all, tt.code)
			}
		})
	}
}

func TestFinishOperation(t *testing.T) {
	s := Start(t)
	id := s.StartOperation(containerpb.Operation_AUTO_UPGRADE_NODES, PoolKeycloak)
	if op := s.Operation(id); op.GetStatus() != containerpb.Operation_PENDING {
		t.Fatalf("started %v", op)
	}
	s.FinishOperation(id)
	if op := s.Operation(operationName(id)); op.GetStatus() != containerpb.Operation_DONE {
		t.Errorf("finished %v", op)
	}
	c := s.Client(t)
	if _, err := c.UpdateMaster(testContext(t), &containerpb.UpdateMasterRequest{Name: ClusterPath, MasterVersion: "1.30"}); err != nil {
		t.Errorf("after the operation ended: %v", err)
	}
}
