package eks_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/eks"
	"github.com/kubehop/kubehop/internal/provider/eks/ekstest"
)

// sizeCall is one OnNodegroupSize call.
type sizeCall struct {
	Nodegroup string
	Desired   int
	Version   string
}

// sizeLog records a server's OnNodegroupSize calls.
type sizeLog struct {
	mu    sync.Mutex
	calls []sizeCall
}

func watchSizes(s *ekstest.Server) *sizeLog {
	l := &sizeLog{}
	s.OnNodegroupSize = func(nodegroup string, desired int, version string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.calls = append(l.calls, sizeCall{nodegroup, desired, version})
	}
	return l
}

func (l *sizeLog) got() []sizeCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]sizeCall(nil), l.calls...)
}

// containerd is the temporary node group of the dockershim migration:
// mongodb's settings, the containerd launch template, a label.
var containerd = provider.NewPool{
	Name:           "mongodb-containerd",
	From:           "mongodb",
	LaunchTemplate: provider.LaunchTemplate{ID: "lt-0d1e2f3a4b5c6d7e8", Version: "3"},
	Labels:         map[string]string{"kubehop.io/container-runtime": "containerd"},
}

func TestCreatePool(t *testing.T) {
	s, e := newEKS(t)
	sizes := watchSizes(s)
	ctx := testContext(t)
	op, err := e.CreatePool(ctx, containerd)
	if err != nil {
		t.Fatal(err)
	}
	want := provider.Operation{ID: "create/mongodb-containerd", Kind: provider.KindPoolCreate, Target: "mongodb-containerd", Version: "1.23", Status: provider.OpInProgress}
	if diff := cmp.Diff(want, op); diff != "" {
		t.Errorf("op (-want +got):\n%s", diff)
	}

	calls := s.Calls("CreateNodegroup")
	if len(calls) != 1 || calls[0].Method != "POST" || calls[0].Path != "/clusters/"+ekstest.ClusterName+"/node-groups" {
		t.Fatalf("CreateNodegroup calls = %+v, want one POST to the cluster's node-groups", calls)
	}
	body := calls[0].Body
	wantBody := map[string]any{
		"nodegroupName": "mongodb-containerd",
		"nodeRole":      ekstest.NodeRole,
		"subnets":       []any{ekstest.Subnets[0], ekstest.Subnets[1], ekstest.Subnets[2]},
		"scalingConfig": map[string]any{"minSize": float64(3), "maxSize": float64(3), "desiredSize": float64(3)},
		"updateConfig":  map[string]any{"maxUnavailable": float64(1)},
		"labels":        map[string]any{"node.kubernetes.io/workload": "mongodb", "kubehop.io/container-runtime": "containerd"},
		"taints":        []any{map[string]any{"key": "dedicated", "value": "mongodb", "effect": "NO_SCHEDULE"}},
		"capacityType":  "ON_DEMAND",
		"instanceTypes": []any{"r5.xlarge"},
		"amiType":       "AL2_x86_64",
		"version":       "1.23",
		"launchTemplate": map[string]any{
			"id": "lt-0d1e2f3a4b5c6d7e8", "version": "3",
		},
		"clientRequestToken": body["clientRequestToken"],
	}
	if diff := cmp.Diff(wantBody, body); diff != "" {
		t.Errorf("CreateNodegroup body (-want +got):\n%s", diff)
	}
	if tok, _ := body["clientRequestToken"].(string); !strings.HasPrefix(tok, "kubehop-create-") {
		t.Errorf("clientRequestToken = %q, want one kubehop derives", tok)
	}

	var seen []string
	done, err := e.Wait(ctx, op, func(o provider.Operation) {
		seen = append(seen, o.Status)
		// The hook runs before the answer that shows the node group
		// ACTIVE, so nodes are there once the creation is seen done.
		if o.Status == provider.OpSuccessful && len(sizes.got()) != 1 {
			t.Errorf("creation done before OnNodegroupSize was called")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.ID != op.ID || done.Status != provider.OpSuccessful || done.Version != "1.23" {
		t.Errorf("done = %+v", done)
	}
	if diff := cmp.Diff([]string{provider.OpInProgress, provider.OpSuccessful}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]sizeCall{{"mongodb-containerd", 3, "1.23"}}, sizes.got()); diff != "" {
		t.Errorf("OnNodegroupSize calls (-want +got):\n%s", diff)
	}
	got, ok := s.Nodegroup("mongodb-containerd")
	wantState := ekstest.NodegroupState{
		Version: "1.23", ReleaseVersion: "1.23.17-20230825", Status: "ACTIVE", MaxUnavailable: 1,
		MinSize: 3, MaxSize: 3, DesiredSize: 3,
		LaunchTemplate: ekstest.LaunchTemplate{ID: "lt-0d1e2f3a4b5c6d7e8", Version: "3"},
		Labels:         got.Labels,
		Taints:         []ekstest.Taint{{Key: "dedicated", Value: "mongodb", Effect: "NO_SCHEDULE"}},
	}
	if !ok || !reflect.DeepEqual(got, wantState) {
		t.Errorf("node group = %+v, %v; want %+v", got, ok, wantState)
	}

	// As EKS describes it: no disk size or remote access beside the
	// launch template.
	out, err := s.Client().DescribeNodegroup(ctx, &awseks.DescribeNodegroupInput{ClusterName: aws.String(ekstest.ClusterName), NodegroupName: aws.String("mongodb-containerd")})
	if err != nil {
		t.Fatal(err)
	}
	ng := out.Nodegroup
	if ng.DiskSize != nil || ng.RemoteAccess != nil || aws.ToString(ng.LaunchTemplate.Id) != "lt-0d1e2f3a4b5c6d7e8" {
		t.Errorf("node group has diskSize %v, remoteAccess %v, launch template %v", ng.DiskSize, ng.RemoteAccess, ng.LaunchTemplate)
	}
	if ng.Labels["kubehop.io/container-runtime"] != "containerd" || len(ng.Taints) != 1 || ng.Taints[0].Effect != types.TaintEffectNoSchedule {
		t.Errorf("node group labels %v, taints %v", ng.Labels, ng.Taints)
	}
	info, err := e.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(info.Pools); n != 4 {
		t.Errorf("Describe lists %d pools, want 4", n)
	}
}

func TestCreatePoolAgain(t *testing.T) {
	tests := []struct {
		name string
		// before runs before CreatePool (with PollsToFinish 3).
		before func(context.Context, *testing.T, *ekstest.Server, *eks.EKS)
		// statuses are CreateNodegroup's answers, the last CreatePool's
		// last.
		statuses []int
	}{
		{
			name: "while creating",
			before: func(ctx context.Context, t *testing.T, _ *ekstest.Server, e *eks.EKS) {
				if _, err := e.CreatePool(ctx, containerd); err != nil {
					t.Fatal(err)
				}
			},
			// The same clientRequestToken: EKS answers the node group.
			statuses: []int{200, 200},
		},
		{
			name: "after a restart, once active",
			before: func(ctx context.Context, t *testing.T, s *ekstest.Server, e *eks.EKS) {
				op, err := e.CreatePool(ctx, containerd)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := fresh(s).Wait(ctx, op, nil); err != nil {
					t.Fatal(err)
				}
			},
			statuses: []int{200, 200},
		},
		{
			name: "created by someone else",
			before: func(ctx context.Context, t *testing.T, s *ekstest.Server, _ *eks.EKS) {
				// The console's request: another token.
				_, err := s.Client().CreateNodegroup(ctx, &awseks.CreateNodegroupInput{
					ClusterName: aws.String(ekstest.ClusterName), NodegroupName: aws.String(containerd.Name),
					NodeRole: aws.String(ekstest.NodeRole), Subnets: ekstest.Subnets,
				})
				if err != nil {
					t.Fatal(err)
				}
			},
			// ResourceInUseException: re-attached all the same.
			statuses: []int{200, 409},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			s.PollsToFinish = 3
			ctx := testContext(t)
			tt.before(ctx, t, s, e)
			op, err := fresh(s).CreatePool(ctx, containerd)
			if err != nil {
				t.Fatal(err)
			}
			if op.ID != "create/mongodb-containerd" || op.Kind != provider.KindPoolCreate || op.Status != provider.OpInProgress {
				t.Errorf("op = %+v", op)
			}
			var statuses []int
			for _, c := range s.Calls("CreateNodegroup") {
				statuses = append(statuses, c.Status)
			}
			if diff := cmp.Diff(tt.statuses, statuses); diff != "" {
				t.Errorf("CreateNodegroup answers (-want +got):\n%s", diff)
			}
			if _, err := e.Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
			info, err := e.Describe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, p := range info.Pools {
				if p.Name == containerd.Name {
					n++
				}
			}
			if n != 1 || len(info.Pools) != 4 {
				t.Errorf("%d node groups named %s among %d, want one among 4", n, containerd.Name, len(info.Pools))
			}
		})
	}
}

// TestCreateNodegroupLaunchTemplateRules sends what CreatePool never sends
// straight through the SDK: EKS refuses diskSize and remoteAccess beside a
// launch template, and wants the template's ID or name.
func TestCreateNodegroupLaunchTemplateRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(*awseks.CreateNodegroupInput)
		msg    string
	}{
		{
			name:   "disk size",
			change: func(in *awseks.CreateNodegroupInput) { in.DiskSize = aws.Int32(100) },
			msg:    "Disk size must be specified within the launch template.",
		},
		{
			name: "remote access",
			change: func(in *awseks.CreateNodegroupInput) {
				in.RemoteAccess = &types.RemoteAccessConfig{Ec2SshKey: aws.String(ekstest.SSHKey)}
			},
			msg: "Remote access configuration cannot be specified with a launch template.",
		},
		{
			name:   "ID and name",
			change: func(in *awseks.CreateNodegroupInput) { in.LaunchTemplate.Name = aws.String("containerd") },
			msg:    "cannot both be specified",
		},
		{
			name:   "neither ID nor name",
			change: func(in *awseks.CreateNodegroupInput) { in.LaunchTemplate.Id = nil },
			msg:    "must be specified",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ekstest.Start(t)
			in := &awseks.CreateNodegroupInput{
				ClusterName: aws.String(ekstest.ClusterName), NodegroupName: aws.String("containerd"),
				NodeRole: aws.String(ekstest.NodeRole), Subnets: ekstest.Subnets,
				LaunchTemplate: &types.LaunchTemplateSpecification{Id: aws.String("lt-0d1e2f3a4b5c6d7e8"), Version: aws.String("3")},
			}
			tt.change(in)
			_, err := s.Client().CreateNodegroup(testContext(t), in)
			var invalid *types.InvalidParameterException
			if !errors.As(err, &invalid) || !strings.Contains(aws.ToString(invalid.Message), tt.msg) {
				t.Fatalf("err = %v, want an InvalidParameterException saying %q", err, tt.msg)
			}
			if _, ok := s.Nodegroup("containerd"); ok {
				t.Error("the node group was created")
			}
		})
	}
}

func TestCreatePoolRefused(t *testing.T) {
	tests := []struct {
		name  string
		spec  provider.NewPool
		setup func(*testing.T, *ekstest.Server, *eks.EKS)
		want  []string
		// sent reports whether CreateNodegroup must have been called.
		sent bool
	}{
		{name: "from itself", spec: provider.NewPool{Name: "vantiq", From: "vantiq"}, want: []string{"node group vantiq", "from itself"}},
		{name: "no source", spec: provider.NewPool{Name: "vantiq-containerd"}, want: []string{"node group vantiq-containerd", "node group to copy"}},
		{
			name: "launch template ID and name",
			spec: provider.NewPool{Name: "vantiq-containerd", From: "vantiq", LaunchTemplate: provider.LaunchTemplate{ID: "lt-0d1e2f3a4b5c6d7e8", Name: "containerd"}},
			want: []string{"lt-0d1e2f3a4b5c6d7e8", "not both"},
		},
		{name: "unknown source", spec: provider.NewPool{Name: "grafana-containerd", From: "grafana"}, want: []string{"node group grafana", "ResourceNotFoundException"}},
		{
			name: "source behind the control plane",
			spec: provider.NewPool{Name: "vantiq-containerd", From: "vantiq"},
			setup: func(t *testing.T, _ *ekstest.Server, e *eks.EKS) {
				controlPlaneTo124(t, e)
			},
			want: []string{"node group vantiq-containerd", "InvalidParameterException", "1.23"},
			sent: true,
		},
		{
			name: "being deleted",
			spec: provider.NewPool{Name: "vantiq-containerd", From: "vantiq"},
			setup: func(t *testing.T, s *ekstest.Server, e *eks.EKS) {
				ctx := testContext(t)
				op, err := e.CreatePool(ctx, provider.NewPool{Name: "vantiq-containerd", From: "keycloak"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.Wait(ctx, op, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := e.DeletePool(ctx, "vantiq-containerd"); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"node group vantiq-containerd", "DELETING"},
			sent: true,
		},
		{
			name: "created by someone else, being deleted",
			spec: provider.NewPool{Name: "vantiq-containerd", From: "vantiq"},
			setup: func(t *testing.T, s *ekstest.Server, e *eks.EKS) {
				ctx := testContext(t)
				s.PollsToFinish = 0
				_, err := s.Client().CreateNodegroup(ctx, &awseks.CreateNodegroupInput{
					ClusterName: aws.String(ekstest.ClusterName), NodegroupName: aws.String("vantiq-containerd"),
					NodeRole: aws.String(ekstest.NodeRole), Subnets: ekstest.Subnets,
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.Wait(ctx, provider.Operation{ID: "create/vantiq-containerd", Kind: provider.KindPoolCreate}, nil); err != nil {
					t.Fatal(err)
				}
				s.PollsToFinish = 2
				if _, err := e.DeletePool(ctx, "vantiq-containerd"); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"node group vantiq-containerd", "DELETING", "ResourceInUseException"},
			sent: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			if tt.setup != nil {
				tt.setup(t, s, e)
			}
			before := len(s.Calls("CreateNodegroup"))
			_, err := e.CreatePool(testContext(t), tt.spec)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, ekstest.ClusterName) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if sent := len(s.Calls("CreateNodegroup")) > before; sent != tt.sent {
				t.Errorf("CreateNodegroup sent: %v, want %v", sent, tt.sent)
			}
		})
	}
}

func TestPoolCreationAndDeletionFail(t *testing.T) {
	tests := []struct {
		name string
		code string
		msg  string
		ids  []string
		// start scripts the failure with fail and starts the operation.
		start func(ctx context.Context, t *testing.T, e *eks.EKS, fail func()) provider.Operation
	}{
		{
			name: "creation", code: "NodeCreationFailure", msg: "Instances failed to join the kubernetes cluster", ids: []string{"i-0123456789abcdef0"},
			start: func(ctx context.Context, t *testing.T, e *eks.EKS, fail func()) provider.Operation {
				fail()
				op, err := e.CreatePool(ctx, containerd)
				if err != nil {
					t.Fatal(err)
				}
				return op
			},
		},
		{
			name: "deletion", code: "Ec2SecurityGroupDeletionFailure", msg: "Could not delete the remote access security group", ids: []string{"sg-0a1b2c3d4e5f67890"},
			start: func(ctx context.Context, t *testing.T, e *eks.EKS, fail func()) provider.Operation {
				op, err := e.CreatePool(ctx, containerd)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.Wait(ctx, op, nil); err != nil {
					t.Fatal(err)
				}
				fail()
				if op, err = e.DeletePool(ctx, containerd.Name); err != nil {
					t.Fatal(err)
				}
				return op
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			ctx := testContext(t)
			op := tt.start(ctx, t, e, func() {
				s.FailNextUpdate(ekstest.Scope{Nodegroup: containerd.Name}, tt.code, tt.msg, tt.ids...)
			})
			sizes := watchSizes(s)
			done, err := e.Wait(ctx, op, nil)
			if !errors.Is(err, provider.ErrOperationFailed) {
				t.Fatalf("Wait: err = %v, want ErrOperationFailed", err)
			}
			for _, w := range append([]string{ekstest.ClusterName, "node group " + containerd.Name, op.ID, tt.code, tt.msg}, tt.ids...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if done.Status != provider.OpFailed || len(done.Errors) != 1 || !strings.HasPrefix(done.Errors[0], tt.code+": ") {
				t.Errorf("done = %+v", done)
			}
			if calls := sizes.got(); len(calls) != 0 {
				t.Errorf("OnNodegroupSize called for a failed %s: %v", tt.name, calls)
			}
		})
	}
}

func TestScalePool(t *testing.T) {
	s, e := newEKS(t)
	sizes := watchSizes(s)
	ctx := testContext(t)
	steps := []struct {
		size provider.PoolSize
		// wantScaling is UpdateNodegroupConfig's scalingConfig.
		wantScaling map[string]any
	}{
		{provider.PoolSize{Min: 0, Max: 6, Desired: 0}, map[string]any{"minSize": float64(0), "maxSize": float64(6), "desiredSize": float64(0)}},
		{provider.PoolSize{Min: 3, Max: 6, Desired: 3}, map[string]any{"minSize": float64(3), "maxSize": float64(6), "desiredSize": float64(3)}},
	}
	for i, step := range steps {
		op, err := e.ScalePool(ctx, "vantiq", step.size)
		if err != nil {
			t.Fatalf("scale to %+v: %v", step.size, err)
		}
		if op.ID == "" || op.Kind != provider.KindPoolScale || op.Target != "vantiq" || op.Status != provider.OpInProgress {
			t.Errorf("op = %+v", op)
		}
		calls := s.Calls("UpdateNodegroupConfig")
		if len(calls) != i+1 {
			t.Fatalf("UpdateNodegroupConfig called %d times, want %d", len(calls), i+1)
		}
		if diff := cmp.Diff(step.wantScaling, calls[i].Body["scalingConfig"]); diff != "" {
			t.Errorf("scalingConfig (-want +got):\n%s", diff)
		}
		if _, ok := calls[i].Body["updateConfig"]; ok {
			t.Errorf("a scaling sends updateConfig: %v", calls[i].Body)
		}
		// Resumed from the journal by a fresh provider.
		done, err := fresh(s).Wait(ctx, provider.Operation{ID: op.ID, Kind: op.Kind, Target: op.Target}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != provider.OpSuccessful {
			t.Errorf("done = %+v", done)
		}
		got, err := e.PoolSize(ctx, "vantiq")
		if err != nil || got != step.size {
			t.Errorf("PoolSize = %+v, %v; want %+v", got, err, step.size)
		}
	}
	if diff := cmp.Diff([]sizeCall{{"vantiq", 0, "1.23"}, {"vantiq", 3, "1.23"}}, sizes.got()); diff != "" {
		t.Errorf("OnNodegroupSize calls (-want +got):\n%s", diff)
	}

	// At the size already (a resumed step): no update.
	op, err := e.ScalePool(ctx, "vantiq", provider.PoolSize{Min: 3, Max: 6, Desired: 3})
	if err != nil {
		t.Fatal(err)
	}
	if op.ID != "" || op.Status != provider.OpSuccessful || op.Kind != provider.KindPoolScale {
		t.Errorf("op = %+v, want a Successful one without ID", op)
	}
	if n := len(s.Calls("UpdateNodegroupConfig")); n != 2 {
		t.Errorf("UpdateNodegroupConfig called %d times, want no third", n)
	}
	if done, err := e.Wait(ctx, op, nil); err != nil || !cmp.Equal(done, op) {
		t.Errorf("Wait = %+v, %v", done, err)
	}
}

func TestScalePoolRefused(t *testing.T) {
	tests := []struct {
		name string
		pool string
		size provider.PoolSize
		want []string
		// sent reports whether UpdateNodegroupConfig must have been called.
		sent bool
	}{
		{name: "desired above max", pool: "vantiq", size: provider.PoolSize{Min: 0, Max: 2, Desired: 3}, want: []string{"node group vantiq", "desired 3"}},
		{name: "negative", pool: "vantiq", size: provider.PoolSize{Min: -1, Max: 2, Desired: 0}, want: []string{"node group vantiq", "negative"}},
		{name: "max 0", pool: "vantiq", size: provider.PoolSize{}, want: []string{"node group vantiq", "InvalidParameterException", "maxSize"}, sent: true},
		{name: "unknown node group", pool: "grafana", size: provider.PoolSize{Max: 1}, want: []string{"node group grafana", "ResourceNotFoundException"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			_, err := e.ScalePool(testContext(t), tt.pool, tt.size)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range append(tt.want, ekstest.ClusterName) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if sent := len(s.Calls("UpdateNodegroupConfig")) > 0; sent != tt.sent {
				t.Errorf("UpdateNodegroupConfig sent: %v, want %v", sent, tt.sent)
			}
		})
	}
}

func TestScalePoolInFlight(t *testing.T) {
	tests := []struct {
		name string
		// start starts the update in flight.
		start func(context.Context, *testing.T, *eks.EKS) provider.Operation
		// inProgress: the update is returned with ErrOperationInProgress;
		// else it is a plain error naming it.
		inProgress bool
	}{
		{
			name: "scaling", inProgress: true,
			start: func(ctx context.Context, t *testing.T, e *eks.EKS) provider.Operation {
				op, err := e.ScalePool(ctx, "vantiq", provider.PoolSize{Min: 0, Max: 6, Desired: 0})
				if err != nil {
					t.Fatal(err)
				}
				return op
			},
		},
		{
			name: "version update",
			start: func(ctx context.Context, t *testing.T, e *eks.EKS) provider.Operation {
				controlPlaneTo124(t, e)
				op, err := e.StartPoolUpgrade(ctx, "vantiq", "1.24", provider.PoolUpgrade{})
				if err != nil {
					t.Fatal(err)
				}
				return op
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			ctx := testContext(t)
			s.PollsToFinish = 5
			first := tt.start(ctx, t, e)
			op, err := e.ScalePool(ctx, "vantiq", provider.PoolSize{Min: 1, Max: 6, Desired: 1})
			if err == nil || !strings.Contains(err.Error(), first.ID) || !strings.Contains(err.Error(), ekstest.ClusterName) {
				t.Fatalf("err = %v, want one naming the cluster and update %s", err, first.ID)
			}
			if got := errors.Is(err, provider.ErrOperationInProgress); got != tt.inProgress {
				t.Fatalf("err = %v: wraps ErrOperationInProgress %v, want %v", err, got, tt.inProgress)
			}
			if !tt.inProgress {
				return
			}
			if op.ID != first.ID || op.Kind != provider.KindPoolScale || op.Target != "vantiq" || op.Status != provider.OpInProgress {
				t.Errorf("op = %+v, want the in-flight %+v", op, first)
			}
			if _, err := fresh(s).Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
			// Once it ends, the scaling asked for goes through.
			op, err = e.ScalePool(ctx, "vantiq", provider.PoolSize{Min: 1, Max: 6, Desired: 1})
			if err != nil || op.ID == first.ID {
				t.Fatalf("scale after the update in flight: %+v, %v", op, err)
			}
		})
	}
}

func TestDeletePool(t *testing.T) {
	s, e := newEKS(t)
	sizes := watchSizes(s)
	s.PollsToFinish = 3
	ctx := testContext(t)
	op, err := e.DeletePool(ctx, "keycloak")
	if err != nil {
		t.Fatal(err)
	}
	want := provider.Operation{ID: "delete/keycloak", Kind: provider.KindPoolDelete, Target: "keycloak", Version: "1.23", Status: provider.OpInProgress}
	if diff := cmp.Diff(want, op); diff != "" {
		t.Errorf("op (-want +got):\n%s", diff)
	}
	if c := s.Calls("DeleteNodegroup"); len(c) != 1 || c[0].Method != "DELETE" || c[0].Path != "/clusters/"+ekstest.ClusterName+"/node-groups/keycloak" {
		t.Errorf("DeleteNodegroup calls = %+v", c)
	}

	// Again while it is being deleted: the deletion, re-attached.
	again, err := fresh(s).DeletePool(ctx, "keycloak")
	if err != nil || !cmp.Equal(again, op) {
		t.Errorf("delete while deleting = %+v, %v; want %+v", again, err, op)
	}
	done, err := fresh(s).Wait(ctx, provider.Operation{ID: op.ID, Kind: op.Kind}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != provider.OpSuccessful || done.Target != "keycloak" {
		t.Errorf("done = %+v", done)
	}
	if _, ok := s.Nodegroup("keycloak"); ok {
		t.Error("keycloak is still there")
	}
	if diff := cmp.Diff([]sizeCall{{"keycloak", 0, "1.23"}}, sizes.got()); diff != "" {
		t.Errorf("OnNodegroupSize calls (-want +got):\n%s", diff)
	}

	// Once gone: Successful, nothing to wait for.
	gone, err := e.DeletePool(ctx, "keycloak")
	if err != nil || gone.Status != provider.OpSuccessful || gone.ID != "delete/keycloak" {
		t.Errorf("delete of a deleted node group = %+v, %v", gone, err)
	}
	calls := s.Calls("DeleteNodegroup")
	if last := calls[len(calls)-1]; last.Status != 404 {
		t.Errorf("last DeleteNodegroup answered %d, want 404", last.Status)
	}
	if polled, err := e.Poll(ctx, gone); err != nil || polled.Status != provider.OpSuccessful {
		t.Errorf("Poll of the deletion = %+v, %v", polled, err)
	}
}

func TestDeletePoolRefused(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		setup   func(context.Context, *testing.T, *eks.EKS) provider.Operation
		// busy is the operation returned with ErrOperationInProgress
		// (its ID from setup's when "").
		busyKind string
		want     []string
	}{
		{
			name: "being created", busyKind: provider.KindPoolCreate,
			setup: func(ctx context.Context, t *testing.T, e *eks.EKS) provider.Operation {
				op, err := e.CreatePool(ctx, containerd)
				if err != nil {
					t.Fatal(err)
				}
				return op
			},
			want: []string{"node group mongodb-containerd", "being created"},
		},
		{
			name: "scaling", busyKind: provider.KindPoolScale,
			setup: func(ctx context.Context, t *testing.T, e *eks.EKS) provider.Operation {
				op, err := e.CreatePool(ctx, containerd)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.Wait(ctx, op, nil); err != nil {
					t.Fatal(err)
				}
				if op, err = e.ScalePool(ctx, containerd.Name, provider.PoolSize{Max: 3}); err != nil {
					t.Fatal(err)
				}
				return op
			},
			want: []string{"node group mongodb-containerd", "ConfigUpdate"},
		},
		{
			name: "unknown cluster", cluster: "no-such-cluster",
			want: []string{"no-such-cluster", "ResourceNotFoundException"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e := newEKS(t)
			ctx := testContext(t)
			var busy provider.Operation
			if tt.setup != nil {
				s.PollsToFinish = 5
				busy = tt.setup(ctx, t, e)
				s.PollsToFinish = 0
			}
			if tt.cluster != "" {
				e = eks.New(s.Client(), tt.cluster)
			}
			op, err := e.DeletePool(ctx, containerd.Name)
			if err == nil {
				t.Fatalf("DeletePool = %+v, want an error", op)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
			if got := errors.Is(err, provider.ErrOperationInProgress); got != (tt.busyKind != "") {
				t.Fatalf("err = %v: wraps ErrOperationInProgress %v", err, got)
			}
			if tt.busyKind == "" {
				return
			}
			if op.ID != busy.ID || op.Kind != tt.busyKind || op.Target != containerd.Name || op.Status != provider.OpInProgress {
				t.Errorf("op = %+v, want the busy %+v", op, busy)
			}
			// Once that is over, the deletion goes through.
			if _, err := e.Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
			if op, err = e.DeletePool(ctx, containerd.Name); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Wait(ctx, op, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPoolLifecycleThrottlingIsRetried(t *testing.T) {
	tests := []struct {
		op   string
		call func(context.Context, *eks.EKS) error
		// changed checks that the server made the change once.
		changed func(*testing.T, *ekstest.Server)
	}{
		{
			op: "CreateNodegroup",
			call: func(ctx context.Context, e *eks.EKS) error {
				_, err := e.CreatePool(ctx, containerd)
				return err
			},
			changed: func(t *testing.T, s *ekstest.Server) {
				if st, ok := s.Nodegroup(containerd.Name); !ok || st.Status != "CREATING" {
					t.Errorf("node group %s: %+v, %v", containerd.Name, st, ok)
				}
			},
		},
		{
			op: "UpdateNodegroupConfig",
			call: func(ctx context.Context, e *eks.EKS) error {
				_, err := e.ScalePool(ctx, "vantiq", provider.PoolSize{Max: 6})
				return err
			},
			changed: func(t *testing.T, s *ekstest.Server) {
				if n := len(s.Calls("ListUpdates")); n != 0 {
					t.Errorf("ListUpdates called %d times: the retry was taken for an update in flight", n)
				}
			},
		},
		{
			op: "DeleteNodegroup",
			call: func(ctx context.Context, e *eks.EKS) error {
				_, err := e.DeletePool(ctx, "vantiq")
				return err
			},
			changed: func(t *testing.T, s *ekstest.Server) {
				if st, _ := s.Nodegroup("vantiq"); st.Status != "DELETING" {
					t.Errorf("vantiq is %s", st.Status)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			s, e := newEKS(t)
			s.FailNext(tt.op, 2, "ThrottlingException")
			if err := tt.call(testContext(t), e); err != nil {
				t.Fatalf("after 2 throttles: %v", err)
			}
			calls := s.Calls(tt.op)
			var statuses []int
			for _, c := range calls {
				statuses = append(statuses, c.Status)
			}
			if diff := cmp.Diff([]int{429, 429, 200}, statuses); diff != "" {
				t.Errorf("%s answers (-want +got):\n%s", tt.op, diff)
			}
			if tok := calls[0].Body["clientRequestToken"]; tok != calls[2].Body["clientRequestToken"] {
				t.Errorf("retry changed clientRequestToken: %v then %v", tok, calls[2].Body["clientRequestToken"])
			}
			tt.changed(t, s)
		})
	}
}

func TestPollPool(t *testing.T) {
	tests := []struct {
		name    string
		op      provider.Operation
		want    string
		wantErr []string
	}{
		{name: "creation of an existing node group", op: provider.Operation{ID: "create/vantiq", Kind: provider.KindPoolCreate}, want: provider.OpSuccessful},
		{name: "creation of a node group that is not there", op: provider.Operation{ID: "create/grafana", Kind: provider.KindPoolCreate, Target: "grafana"}, want: provider.OpFailed},
		{name: "deletion of a node group that is there", op: provider.Operation{ID: "delete/vantiq", Kind: provider.KindPoolDelete, Target: "vantiq"}, want: provider.OpFailed},
		{name: "deletion of a node group that is not there", op: provider.Operation{ID: "delete/grafana", Kind: provider.KindPoolDelete, Target: "grafana"}, want: provider.OpSuccessful},
		{name: "no node group", op: provider.Operation{ID: "create", Kind: provider.KindPoolCreate}, wantErr: []string{"names no node group"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := newEKS(t)
			got, err := e.Poll(testContext(t), tt.op)
			if tt.wantErr != nil {
				for _, w := range append(tt.wantErr, ekstest.ClusterName) {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("err = %v, want one naming %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want || got.Target == "" || got.ID != tt.op.ID {
				t.Errorf("Poll = %+v, want %s", got, tt.want)
			}
			if got.Status == provider.OpFailed && len(got.Errors) == 0 {
				t.Errorf("a Failed operation without errors: %+v", got)
			}
		})
	}
}
