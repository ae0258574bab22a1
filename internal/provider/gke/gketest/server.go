// Package gketest is a local gRPC server that implements the
// google.container.v1.ClusterManager methods kubehop uses (GetCluster,
// UpdateMaster, UpdateNodePool, GetOperation, ListOperations,
// GetServerConfig), so that tests drive the official
// cloud.google.com/go/container/apiv1 client over a real gRPC connection
// on 127.0.0.1 instead of a fake client. Every other method answers
// UNIMPLEMENTED.
//
// It keeps a small in-memory state seeded with one zonal cluster,
// ClusterName in Project and Location, its control plane and node pools
// "vantiq", "mongodb" and "keycloak" at MasterVersion, and a server
// config offering control plane versions from 1.29 to 1.31. It checks
// what GKE checks of the requests kubehop sends: resource names (the name
// and parent fields, not the deprecated project/zone/cluster ones),
// versions (an offered version or alias, no control plane downgrade or
// skipped minor, no pool newer than the control plane), upgrade settings,
// and one operation at a time on the cluster: a change asked while one
// runs answers FAILED_PRECONDITION with GKE's message ("Cluster is running
// incompatible operation operation-…", or "Operation operation-… is
// currently upgrading cluster …" while the control plane upgrades), as
// GKE's users have reported them. The INVALID_ARGUMENT and NOT_FOUND
// messages are in GKE's style but modelled, as are the version rules'
// exact codes.
//
// Operations start PENDING, show RUNNING for PollsToFinish GetOperation
// answers and then end DONE, applying their change, or with an error as
// scripted with FailNextOperation. FailNext scripts error answers
// (RESOURCE_EXHAUSTED "Quota exceeded"...) for any method; Calls records
// every request.
package gketest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	container "cloud.google.com/go/container/apiv1"
	"cloud.google.com/go/container/apiv1/containerpb"
	"google.golang.org/api/option"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Method names (Call.Method, FailNext).
const (
	MethodGetCluster      = "GetCluster"
	MethodUpdateMaster    = "UpdateMaster"
	MethodUpdateNodePool  = "UpdateNodePool"
	MethodGetOperation    = "GetOperation"
	MethodListOperations  = "ListOperations"
	MethodGetServerConfig = "GetServerConfig"
)

// Server is an in-memory GKE endpoint for one cluster.
type Server struct {
	// Addr is the endpoint to give the client (host:port).
	Addr string
	// PollsToFinish is how many GetOperation answers show an operation
	// RUNNING before it ends; it is read when the operation starts.
	PollsToFinish int

	srv *grpc.Server

	mu       sync.Mutex
	cluster  *containerpb.Cluster
	config   *containerpb.ServerConfig
	ops      []*operation
	faults   map[string][]error
	failNext *status.Status
	calls    []Call
	seq      int
}

// Call is one request the server received, for tests to assert on.
type Call struct {
	// Method is the RPC ("UpdateMaster").
	Method string
	// Request is a copy of the request message.
	Request proto.Message
	// Code is the answer's status code (codes.OK for success).
	Code codes.Code
}

// operation is a GKE operation and what it does when it ends.
type operation struct {
	pb        *containerpb.Operation
	pollsLeft int
	fail      *status.Status
	// apply makes the change when the operation succeeds; end runs
	// whatever the outcome (statuses back to RUNNING).
	apply, end func()
}

// New starts a server with the seeded state on a free port of 127.0.0.1.
func New() (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("gketest: listen: %w", err)
	}
	s := &Server{PollsToFinish: 2, faults: map[string][]error{}, Addr: lis.Addr().String()}
	s.seed()
	s.srv = grpc.NewServer()
	containerpb.RegisterClusterManagerServer(s.srv, &service{s: s})
	go func() { _ = s.srv.Serve(lis) }()
	return s, nil
}

// Start is New for a test: the server stops when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := New()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Stop() }

// ClientOptions point the official client at the server: its address,
// plain-text gRPC (the loopback endpoint has no TLS) and no credentials.
func (s *Server) ClientOptions() []option.ClientOption {
	return []option.ClientOption{
		option.WithEndpoint(s.Addr),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}
}

// NewClient is the official gRPC client talking to the server.
func (s *Server) NewClient(ctx context.Context) (*container.ClusterManagerClient, error) {
	return container.NewClusterManagerClient(ctx, s.ClientOptions()...)
}

// Client is NewClient for a test: the client closes when the test ends.
func (s *Server) Client(tb testing.TB) *container.ClusterManagerClient {
	tb.Helper()
	c, err := s.NewClient(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// FailNext makes the next times calls of method (MethodGetCluster...)
// answer code with message msg, before the server looks at the request:
// FailNext(MethodUpdateMaster, 2, codes.ResourceExhausted, "Quota
// exceeded...") models GKE's API quota.
func (s *Server) FailNext(method string, times int, code codes.Code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range times {
		s.faults[method] = append(s.faults[method], grpcstatus.Error(code, msg))
	}
}

// FailNextOperation makes the next operation started end DONE with the
// error code and message (and the same status message, which GKE still
// fills), its change not applied.
func (s *Server) FailNextOperation(code codes.Code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = &status.Status{Code: int32(code), Message: msg}
}

// StartOperation starts an operation of typ on the cluster, or on node
// pool pool when it is not "", as GKE itself or another client would (an
// auto-upgrade, a resize): it blocks other changes until it ends, which it
// does after PollsToFinish GetOperation answers or FinishOperation. It
// returns the operation's ID.
func (s *Server) StartOperation(typ containerpb.Operation_Type, pool string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.start(typ, pool).pb.GetName()
}

// FinishOperation ends operation id (its ID or full name) now, as it
// would have ended polled.
func (s *Server) FinishOperation(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op := s.operation(id); op != nil {
		op.pollsLeft = 0
		op.pb.Status = containerpb.Operation_RUNNING
		op.advance()
	}
}

// Calls returns the requests received for method, or all when method is
// "".
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// MasterVersion is the control plane's version.
func (s *Server) MasterVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cluster.GetCurrentMasterVersion()
}

// SetMasterVersion moves the control plane to version at once, as if an
// upgrade had ended before the test.
func (s *Server) SetMasterVersion(version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cluster.CurrentMasterVersion = version
}

// ClusterStatus is the cluster's status ("RUNNING", "RECONCILING").
func (s *Server) ClusterStatus() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cluster.GetStatus().String()
}

// Pool returns a copy of node pool name, nil when there is none.
func (s *Server) Pool(name string) *containerpb.NodePool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if np := s.pool(name); np != nil {
		return proto.Clone(np).(*containerpb.NodePool)
	}
	return nil
}

// Operation returns a copy of operation id (its ID or full name), nil when
// there is none.
func (s *Server) Operation(id string) *containerpb.Operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op := s.operation(id); op != nil {
		return proto.Clone(op.pb).(*containerpb.Operation)
	}
	return nil
}

// SetAddons replaces the cluster's addonsConfig.
func (s *Server) SetAddons(cfg *containerpb.AddonsConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cluster.AddonsConfig = proto.Clone(cfg).(*containerpb.AddonsConfig)
}
