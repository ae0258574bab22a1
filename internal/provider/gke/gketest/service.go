package gketest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/container/apiv1/containerpb"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// service is the ClusterManager gRPC service over a Server's state.
type service struct {
	containerpb.UnimplementedClusterManagerServer
	s *Server
}

func (v *service) GetCluster(_ context.Context, req *containerpb.GetClusterRequest) (*containerpb.Cluster, error) {
	return handle(v.s, MethodGetCluster, req, v.s.getCluster)
}

func (v *service) UpdateMaster(_ context.Context, req *containerpb.UpdateMasterRequest) (*containerpb.Operation, error) {
	return handle(v.s, MethodUpdateMaster, req, v.s.updateMaster)
}

func (v *service) UpdateNodePool(_ context.Context, req *containerpb.UpdateNodePoolRequest) (*containerpb.Operation, error) {
	return handle(v.s, MethodUpdateNodePool, req, v.s.updateNodePool)
}

func (v *service) GetOperation(_ context.Context, req *containerpb.GetOperationRequest) (*containerpb.Operation, error) {
	return handle(v.s, MethodGetOperation, req, v.s.getOperation)
}

func (v *service) ListOperations(_ context.Context, req *containerpb.ListOperationsRequest) (*containerpb.ListOperationsResponse, error) {
	return handle(v.s, MethodListOperations, req, v.s.listOperations)
}

func (v *service) GetServerConfig(_ context.Context, req *containerpb.GetServerConfigRequest) (*containerpb.ServerConfig, error) {
	return handle(v.s, MethodGetServerConfig, req, v.s.getServerConfig)
}

// handle answers one request under the server's lock: a scripted fault if
// one is queued for method, else fn's answer (a copy, so that the state
// may change while it is sent), and records the call.
func handle[Req, Resp proto.Message](s *Server, method string, req Req, fn func(Req) (Resp, error)) (Resp, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var resp Resp
	var err error
	if q := s.faults[method]; len(q) > 0 {
		s.faults[method], err = q[1:], q[0]
	} else {
		resp, err = fn(req)
	}
	s.calls = append(s.calls, Call{Method: method, Request: proto.Clone(req), Code: grpcstatus.Code(err)})
	if err != nil {
		var zero Resp
		return zero, err
	}
	return proto.Clone(resp).(Resp), nil
}

func invalid(format string, args ...any) error {
	return grpcstatus.Errorf(codes.InvalidArgument, format, args...)
}

func notFound(name string) error {
	return grpcstatus.Errorf(codes.NotFound, "Not found: %s.", name)
}

// Names.

// parent checks the project and location of a resource name's first four
// segments (projects/P/locations/L): the project's ID or number, and the
// server's location ("-" too when anyLocation is true).
func parent(parts []string, anyLocation bool) bool {
	return len(parts) >= 4 && parts[0] == "projects" && parts[2] == "locations" &&
		(parts[1] == Project || parts[1] == ProjectNumber) &&
		(parts[3] == Location || anyLocation && parts[3] == "-")
}

// checkCluster wants the cluster's full name, as kubehop sends it in the
// name field (the deprecated project, zone and cluster fields are not
// modelled).
func (s *Server) checkCluster(name string) error {
	parts := strings.Split(name, "/")
	switch {
	case name == "":
		return invalid("name is required: projects/*/locations/*/clusters/*")
	case len(parts) != 6 || parts[4] != "clusters":
		return invalid("Invalid cluster name %q: want projects/*/locations/*/clusters/*.", name)
	case !parent(parts, false) || parts[5] != s.cluster.GetName():
		return notFound(name)
	}
	return nil
}

// poolFor finds the node pool a full name names.
func (s *Server) poolFor(name string) (*containerpb.NodePool, error) {
	parts := strings.Split(name, "/")
	if name == "" {
		return nil, invalid("name is required: projects/*/locations/*/clusters/*/nodePools/*")
	}
	if len(parts) != 8 || parts[6] != "nodePools" {
		return nil, invalid("Invalid node pool name %q: want projects/*/locations/*/clusters/*/nodePools/*.", name)
	}
	if err := s.checkCluster(strings.Join(parts[:6], "/")); err != nil {
		return nil, err
	}
	np := s.pool(parts[7])
	if np == nil {
		return nil, notFound(name)
	}
	return np, nil
}

func (s *Server) pool(name string) *containerpb.NodePool {
	for _, np := range s.cluster.GetNodePools() {
		if np.GetName() == name {
			return np
		}
	}
	return nil
}

// operation finds an operation by its ID or full name.
func (s *Server) operation(id string) *operation {
	id = id[strings.LastIndex(id, "/")+1:]
	for _, op := range s.ops {
		if op.pb.GetName() == id {
			return op
		}
	}
	return nil
}

// Versions.

// resolve is the offered version (newest first) a request names: itself,
// the newest of its minor or patch ("1.30", "1.30.5"), or for "latest"
// the newest.
func resolve(v string, offered []string) (string, bool) {
	if v == "latest" {
		return offered[0], true
	}
	for _, o := range offered {
		if o == v || strings.HasPrefix(o, v+".") || strings.HasPrefix(o, v+"-") {
			return o, true
		}
	}
	return "", false
}

// versionNumbers reads "1.30.5-gke.1443001" as 1, 30, 5, 1443001.
func versionNumbers(v string) []int {
	var out []int
	for f := range strings.FieldsFuncSeq(v, func(r rune) bool { return r < '0' || r > '9' }) {
		n, _ := strconv.Atoi(f)
		out = append(out, n)
	}
	return out
}

func compareVersions(a, b string) int { return slices.Compare(versionNumbers(a), versionNumbers(b)) }

// minorsApart is how many minors b is ahead of a.
func minorsApart(a, b string) int {
	na, nb := versionNumbers(a), versionNumbers(b)
	return (nb[0]-na[0])*100 + nb[1] - na[1]
}

// Operations.

// busy is GKE's refusal of a change while an operation runs on the
// cluster, nil when none does.
func (s *Server) busy() error {
	for _, op := range s.ops {
		st := op.pb.GetStatus()
		if st == containerpb.Operation_DONE {
			continue
		}
		if op.pb.GetOperationType() == containerpb.Operation_UPGRADE_MASTER {
			return grpcstatus.Errorf(codes.FailedPrecondition,
				"Operation %s is currently upgrading cluster %s. Please wait and try again once it is done.", op.pb.GetName(), s.cluster.GetName())
		}
		return grpcstatus.Errorf(codes.FailedPrecondition, "Cluster is running incompatible operation %s.", op.pb.GetName())
	}
	return nil
}

// start records a new PENDING operation of typ on the cluster or on node
// pool pool; the caller sets its apply and end.
func (s *Server) start(typ containerpb.Operation_Type, pool string) *operation {
	s.seq++
	name := fmt.Sprintf("operation-%d-%08x", 1732492800000+int64(s.seq)*1007, uint32(s.seq)*2654435761)
	target := "clusters/" + s.cluster.GetName()
	if pool != "" {
		target += "/nodePools/" + pool
	}
	op := &operation{
		pb: &containerpb.Operation{
			Name:          name,
			Zone:          Location,
			Location:      Location,
			OperationType: typ,
			Status:        containerpb.Operation_PENDING,
			SelfLink:      link("operations/" + name),
			TargetLink:    link(target),
			StartTime:     time.Now().UTC().Format(time.RFC3339Nano),
		},
		pollsLeft: s.PollsToFinish,
		fail:      s.failNext,
		apply:     func() {},
		end:       func() {},
	}
	s.failNext = nil
	s.ops = append(s.ops, op)
	return op
}

// advance counts one GetOperation answer: RUNNING while polls are left,
// then DONE, the change applied or the scripted error set.
func (op *operation) advance() {
	if op.pb.GetStatus() == containerpb.Operation_DONE {
		return
	}
	if op.pollsLeft > 0 {
		op.pollsLeft--
		op.pb.Status = containerpb.Operation_RUNNING
		return
	}
	if op.fail != nil {
		op.pb.Error = op.fail
		op.pb.StatusMessage = op.fail.GetMessage()
	} else {
		op.apply()
	}
	op.pb.Status = containerpb.Operation_DONE
	op.pb.EndTime = time.Now().UTC().Format(time.RFC3339Nano)
	op.end()
}

// Handlers.

func (s *Server) getCluster(req *containerpb.GetClusterRequest) (*containerpb.Cluster, error) {
	if err := s.checkCluster(req.GetName()); err != nil {
		return nil, err
	}
	return s.cluster, nil
}

func (s *Server) updateMaster(req *containerpb.UpdateMasterRequest) (*containerpb.Operation, error) {
	if err := s.checkCluster(req.GetName()); err != nil {
		return nil, err
	}
	v, err := s.masterTarget(req.GetMasterVersion())
	if err != nil {
		return nil, err
	}
	if err := s.busy(); err != nil {
		return nil, err
	}
	op := s.start(containerpb.Operation_UPGRADE_MASTER, "")
	s.cluster.Status = containerpb.Cluster_RECONCILING
	op.apply = func() { s.cluster.CurrentMasterVersion = v }
	op.end = func() { s.cluster.Status = containerpb.Cluster_RUNNING }
	return op.pb, nil
}

// masterTarget is the version an UpdateMaster asks for: offered, no
// downgrade, one minor at a time.
func (s *Server) masterTarget(asked string) (string, error) {
	if asked == "" {
		return "", invalid("master_version is required.")
	}
	v, ok := resolve(asked, s.config.GetValidMasterVersions())
	cur := s.cluster.GetCurrentMasterVersion()
	switch {
	case !ok:
		return "", invalid("Master version %q is unsupported.", asked)
	case compareVersions(v, cur) < 0:
		return "", invalid("Master cannot be downgraded from %q to %q.", cur, v)
	case minorsApart(cur, v) > 1:
		return "", invalid("Master cannot be upgraded from %q to %q: upgrade one minor version at a time.", cur, v)
	}
	return v, nil
}

func (s *Server) updateNodePool(req *containerpb.UpdateNodePoolRequest) (*containerpb.Operation, error) {
	np, err := s.poolFor(req.GetName())
	if err != nil {
		return nil, err
	}
	if req.GetNodeVersion() == "" {
		return nil, grpcstatus.Error(codes.Unimplemented, "gketest: only UpdateNodePool requests with a node_version are modelled")
	}
	v, err := s.nodeTarget(req.GetNodeVersion())
	if err != nil {
		return nil, err
	}
	if err := checkUpgradeSettings(req.GetUpgradeSettings()); err != nil {
		return nil, err
	}
	if err := s.busy(); err != nil {
		return nil, err
	}
	op := s.start(containerpb.Operation_UPGRADE_NODES, np.GetName())
	if us := req.GetUpgradeSettings(); us != nil {
		np.UpgradeSettings = proto.Clone(us).(*containerpb.NodePool_UpgradeSettings)
	}
	np.Status, s.cluster.Status = containerpb.NodePool_RECONCILING, containerpb.Cluster_RECONCILING
	op.apply = func() { np.Version = v }
	op.end = func() { np.Status, s.cluster.Status = containerpb.NodePool_RUNNING, containerpb.Cluster_RUNNING }
	return op.pb, nil
}

// nodeTarget is the version an UpdateNodePool asks for: "-" for the
// control plane's, else an offered version no newer than the control
// plane.
func (s *Server) nodeTarget(asked string) (string, error) {
	master := s.cluster.GetCurrentMasterVersion()
	if asked == "-" {
		return master, nil
	}
	v, ok := resolve(asked, s.config.GetValidNodeVersions())
	switch {
	case !ok:
		return "", invalid("Node version %q is unsupported.", asked)
	case compareVersions(v, master) > 0:
		return "", invalid("Desired node version %q cannot be greater than current master version %q.", v, master)
	}
	return v, nil
}

// checkUpgradeSettings wants a surge upgrade to move at least one node at
// a time, and a blue-green one to have its settings.
func checkUpgradeSettings(us *containerpb.NodePool_UpgradeSettings) error {
	if us == nil {
		return nil
	}
	switch us.GetStrategy() {
	case containerpb.NodePoolUpdateStrategy_BLUE_GREEN:
		bg := us.GetBlueGreenSettings()
		if bg == nil {
			return invalid("upgrade_settings.blue_green_settings is required for the BLUE_GREEN strategy.")
		}
		if p := bg.GetStandardRolloutPolicy().GetBatchPercentage(); p < 0 || p > 1 {
			return invalid("batch_percentage must be in (0, 1], got %g.", p)
		}
	default:
		if us.GetMaxSurge() < 0 || us.GetMaxUnavailable() < 0 || us.GetMaxSurge()+us.GetMaxUnavailable() == 0 {
			return invalid("max_surge (%d) and max_unavailable (%d) must not be negative, nor both 0.", us.GetMaxSurge(), us.GetMaxUnavailable())
		}
	}
	return nil
}

func (s *Server) getOperation(req *containerpb.GetOperationRequest) (*containerpb.Operation, error) {
	parts := strings.Split(req.GetName(), "/")
	if len(parts) != 6 || parts[4] != "operations" {
		return nil, invalid("Invalid operation name %q: want projects/*/locations/*/operations/*.", req.GetName())
	}
	op := s.operation(parts[5])
	if !parent(parts, false) || op == nil {
		return nil, notFound(req.GetName())
	}
	op.advance()
	return op.pb, nil
}

func (s *Server) listOperations(req *containerpb.ListOperationsRequest) (*containerpb.ListOperationsResponse, error) {
	parts := strings.Split(req.GetParent(), "/")
	if len(parts) != 4 {
		return nil, invalid("Invalid parent %q: want projects/*/locations/*.", req.GetParent())
	}
	if !parent(parts, true) {
		return nil, notFound(req.GetParent())
	}
	resp := &containerpb.ListOperationsResponse{}
	for _, op := range s.ops {
		resp.Operations = append(resp.Operations, op.pb)
	}
	return resp, nil
}

func (s *Server) getServerConfig(req *containerpb.GetServerConfigRequest) (*containerpb.ServerConfig, error) {
	parts := strings.Split(req.GetName(), "/")
	if len(parts) != 4 {
		return nil, invalid("Invalid name %q: want projects/*/locations/*.", req.GetName())
	}
	if !parent(parts, false) {
		return nil, notFound(req.GetName())
	}
	return s.config, nil
}
