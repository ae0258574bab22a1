package eks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubehop/kubehop/internal/provider"
)

// CreatePool implements provider.PoolLifecycle with CreateNodegroup: node
// group spec.Name with the settings DescribeNodegroup reads of node group
// spec.From (subnets, node role, scaling and update config, instance
// types, capacity type, AMI type, labels with spec.Labels added, taints)
// at its Kubernetes version; EKS picks the latest AMI release for it. Tags
// are not copied.
//
// With spec.LaunchTemplate the node group is deployed with that launch
// template, and without diskSize and remoteAccess, which EKS refuses
// together with one (the template carries the disk and the key pair).
// Without it the source's launch template is kept (by ID: EKS takes an ID
// or a name, not both), or else its diskSize and remoteAccess. A source
// whose AMI type is CUSTOM (a launch template with its own AMI) gives
// neither amiType nor version, which EKS refuses with a custom AMI; a new
// launch template with its own AMI needs such a source. The launch
// template must not name an instance type when the source has instance
// types: EKS fails that deployment.
//
// The clientRequestToken is derived from the cluster, the node group and
// its version, so that a request repeated after a crash is the same
// request to EKS. When EKS answers ResourceInUseException because the node
// group exists already, its creation's operation is returned all the same
// (re-attach) and Poll tells whether it is ACTIVE; one being deleted is an
// error.
//
// The operation's ID is "create/<node group>" (a creation is no EKS
// update), its Version the node group's Kubernetes version.
func (e *EKS) CreatePool(ctx context.Context, spec provider.NewPool) (provider.Operation, error) {
	t := target{kind: KindPoolCreate, name: spec.Name}
	if err := checkNewPool(spec); err != nil {
		return provider.Operation{}, e.errorf("%s: create: %w", t, err)
	}
	src, err := e.nodegroup(ctx, spec.From)
	if err != nil {
		return provider.Operation{}, err
	}
	out, err := e.api.CreateNodegroup(ctx, createInput(e.cluster, spec, src))
	var ng *types.Nodegroup
	switch {
	case err == nil:
		ng = out.Nodegroup
	case !isInUse(err):
		return provider.Operation{}, e.errorf("%s: create from node group %s: %w", t, spec.From, err)
	default:
		var derr error
		if ng, derr = e.nodegroup(ctx, spec.Name); derr != nil {
			return provider.Operation{}, e.errorf("%s: create: %w, and the node group could not be read: %v", t, err, derr)
		}
	}
	op := provider.Operation{ID: createID(spec.Name), Kind: KindPoolCreate, Target: spec.Name, Version: aws.ToString(src.Version), Status: provider.OpInProgress}
	if ng == nil {
		return op, nil
	}
	// The same token answers the node group it created, whatever its
	// state: one being deleted is no creation to re-attach to.
	if ng.Status == types.NodegroupStatusDeleting || ng.Status == types.NodegroupStatusDeleteFailed {
		refusal := "exists"
		if err != nil {
			refusal = err.Error()
		}
		return provider.Operation{}, e.errorf("%s: create: the node group is %s, try again once it is gone (%s)", t, ng.Status, refusal)
	}
	if v := aws.ToString(ng.Version); v != "" {
		op.Version = v
	}
	return op, nil
}

// checkNewPool checks what CreatePool can check of spec before asking EKS.
func checkNewPool(spec provider.NewPool) error {
	lt := spec.LaunchTemplate
	switch {
	case spec.Name == "" || spec.From == "":
		return errors.New("a new node group needs a name and a node group to copy")
	case spec.Name == spec.From:
		return fmt.Errorf("node group %s cannot be created from itself", spec.Name)
	case lt.ID != "" && lt.Name != "":
		return fmt.Errorf("launch template %s (%s): EKS takes its ID or its name, not both", lt.ID, lt.Name)
	case lt.Version != "" && lt.ID == "" && lt.Name == "":
		return fmt.Errorf("launch template version %s without the template's ID or name", lt.Version)
	}
	return nil
}

// createInput is the CreateNodegroup request for spec, copying src; see
// CreatePool.
func createInput(cluster string, spec provider.NewPool, src *types.Nodegroup) *awseks.CreateNodegroupInput {
	var labels map[string]string
	if len(src.Labels)+len(spec.Labels) > 0 {
		labels = maps.Clone(src.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		maps.Copy(labels, spec.Labels)
	}
	in := &awseks.CreateNodegroupInput{
		ClusterName:        aws.String(cluster),
		NodegroupName:      aws.String(spec.Name),
		NodeRole:           src.NodeRole,
		Subnets:            slices.Clone(src.Subnets),
		InstanceTypes:      slices.Clone(src.InstanceTypes),
		CapacityType:       src.CapacityType,
		Labels:             labels,
		Taints:             slices.Clone(src.Taints),
		ClientRequestToken: aws.String(createToken(cluster, spec.Name, aws.ToString(src.Version))),
	}
	if sc := src.ScalingConfig; sc != nil {
		c := *sc
		in.ScalingConfig = &c
	}
	if uc := src.UpdateConfig; uc != nil && (uc.MaxUnavailable != nil || uc.MaxUnavailablePercentage != nil) {
		c := *uc
		in.UpdateConfig = &c
	}
	if src.AmiType != types.AMITypesCustom {
		in.AmiType, in.Version = src.AmiType, src.Version
	}
	switch lt, from := spec.LaunchTemplate, src.LaunchTemplate; {
	case lt != (provider.LaunchTemplate{}):
		in.LaunchTemplate = &types.LaunchTemplateSpecification{Id: optional(lt.ID), Name: optional(lt.Name), Version: optional(lt.Version)}
	case from != nil && (from.Id != nil || from.Name != nil):
		in.LaunchTemplate = &types.LaunchTemplateSpecification{Id: from.Id, Version: from.Version}
		if from.Id == nil {
			in.LaunchTemplate.Name = from.Name
		}
	default:
		in.DiskSize = src.DiskSize
		if ra := src.RemoteAccess; ra != nil {
			c := *ra
			in.RemoteAccess = &c
		}
	}
	return in
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// createToken is the clientRequestToken of node group name's creation at
// version: the same for every attempt, across restarts.
func createToken(cluster, name, version string) string {
	sum := sha256.Sum256([]byte(cluster + "/" + name + "/" + version))
	return "kubehop-create-" + hex.EncodeToString(sum[:12])
}

// IDs of node group creations and deletions, which EKS does not number.
func createID(nodegroup string) string { return "create/" + nodegroup }
func deleteID(nodegroup string) string { return "delete/" + nodegroup }

// poolName is the node group of a creation or deletion: its Target, or
// else what its ID names.
func poolName(op provider.Operation) string {
	if op.Target != "" {
		return op.Target
	}
	_, name, _ := strings.Cut(op.ID, "/")
	return name
}

// ScalePool implements provider.PoolLifecycle with UpdateNodegroupConfig's
// scalingConfig (minSize, maxSize, desiredSize): a ConfigUpdate, polled
// like any other update. A node group already at size gives a Successful
// operation without an ID and no update (a resumed step). A config update
// in flight is returned with an error wrapping
// provider.ErrOperationInProgress; a version update in flight is an error
// naming it. EKS wants maxSize of at least 1, so a node group scaled to 0
// keeps its maxSize.
func (e *EKS) ScalePool(ctx context.Context, pool string, size provider.PoolSize) (provider.Operation, error) {
	t := target{kind: KindPoolScale, name: pool, size: size}
	if err := checkSize(size); err != nil {
		return provider.Operation{}, e.errorf("%s: %s: %w", t, t.change(), err)
	}
	cur, err := e.PoolSize(ctx, pool)
	if err != nil {
		return provider.Operation{}, err
	}
	if cur == size {
		return provider.Operation{Kind: KindPoolScale, Target: pool, Status: provider.OpSuccessful}, nil
	}
	out, err := e.api.UpdateNodegroupConfig(ctx, &awseks.UpdateNodegroupConfigInput{
		ClusterName:   aws.String(e.cluster),
		NodegroupName: aws.String(pool),
		ScalingConfig: &types.NodegroupScalingConfig{
			MinSize:     aws.Int32(int32(size.Min)),
			MaxSize:     aws.Int32(int32(size.Max)),
			DesiredSize: aws.Int32(int32(size.Desired)),
		},
	})
	if err != nil {
		return e.refused(ctx, t, err)
	}
	return e.operation(t, out.Update)
}

// maxPoolSize bounds the sizes ScalePool sends (EKS's own quota is far
// lower).
const maxPoolSize = 1 << 20

func checkSize(s provider.PoolSize) error {
	switch {
	case s.Min < 0 || s.Desired < 0 || s.Max < 0:
		return errors.New("sizes may not be negative")
	case s.Max > maxPoolSize:
		return fmt.Errorf("max %d is more than %d", s.Max, maxPoolSize)
	case s.Min > s.Desired || s.Desired > s.Max:
		return fmt.Errorf("desired %d is not between min %d and max %d", s.Desired, s.Min, s.Max)
	}
	return nil
}

// sizeText is "desired 0 (min 0, max 6)".
func sizeText(s provider.PoolSize) string {
	return fmt.Sprintf("desired %d (min %d, max %d)", s.Desired, s.Min, s.Max)
}

// PoolSize implements provider.PoolLifecycle: the node group's scaling
// config, as DescribeNodegroup reads it.
func (e *EKS) PoolSize(ctx context.Context, pool string) (provider.PoolSize, error) {
	ng, err := e.nodegroup(ctx, pool)
	if err != nil {
		return provider.PoolSize{}, err
	}
	sc := ng.ScalingConfig
	if sc == nil {
		return provider.PoolSize{}, e.errorf("node group %s: describe: the answer has no scaling config", pool)
	}
	return provider.PoolSize{Min: int(aws.ToInt32(sc.MinSize)), Max: int(aws.ToInt32(sc.MaxSize)), Desired: int(aws.ToInt32(sc.DesiredSize))}, nil
}

// DeletePool implements provider.PoolLifecycle with DeleteNodegroup. A
// node group already gone (ResourceNotFoundException while the cluster is
// there) gives a Successful operation, one being deleted its deletion in
// progress. When EKS refuses because the node group is busy
// (ResourceInUseException) with its creation or an update, that operation
// is returned with an error wrapping provider.ErrOperationInProgress.
//
// The operation's ID is "delete/<node group>"; Poll ends it Successful
// once the node group is gone.
func (e *EKS) DeletePool(ctx context.Context, pool string) (provider.Operation, error) {
	t := target{kind: KindPoolDelete, name: pool}
	op := provider.Operation{ID: deleteID(pool), Kind: KindPoolDelete, Target: pool, Status: provider.OpInProgress}
	out, err := e.api.DeleteNodegroup(ctx, &awseks.DeleteNodegroupInput{ClusterName: aws.String(e.cluster), NodegroupName: aws.String(pool)})
	if err == nil {
		if out.Nodegroup != nil {
			op.Version = aws.ToString(out.Nodegroup.Version)
		}
		return op, nil
	}
	gone, gerr := e.gone(ctx, err)
	switch {
	case gerr != nil:
		return provider.Operation{}, e.errorf("%s: delete: %w, and the cluster could not be read: %w", t, err, gerr)
	case gone:
		op.Status = provider.OpSuccessful
		return op, nil
	case isInUse(err):
		return e.deleteRefused(ctx, op, err)
	}
	return provider.Operation{}, e.errorf("%s: delete: %w", t, err)
}

// deleteRefused handles DeleteNodegroup refused with
// ResourceInUseException: a deletion already under way is op, a creation
// or an update in flight is returned with an error wrapping
// provider.ErrOperationInProgress.
func (e *EKS) deleteRefused(ctx context.Context, op provider.Operation, refusal error) (provider.Operation, error) {
	t := target{kind: KindPoolDelete, name: op.Target}
	ng, err := e.nodegroup(ctx, t.name)
	if err != nil {
		return provider.Operation{}, e.errorf("%s: delete refused (%v), and the node group could not be read: %w", t, refusal, err)
	}
	switch ng.Status {
	case types.NodegroupStatusDeleting:
		op.Version = aws.ToString(ng.Version)
		return op, nil
	case types.NodegroupStatusCreating:
		c := provider.Operation{ID: createID(t.name), Kind: KindPoolCreate, Target: t.name, Version: aws.ToString(ng.Version), Status: provider.OpInProgress}
		return c, e.errorf("%s: delete: %w: the node group is being created (%s)", t, provider.ErrOperationInProgress, c.ID)
	}
	u, err := e.inFlight(ctx, target{kind: KindPool, name: t.name})
	if err != nil {
		return provider.Operation{}, e.errorf("%s: delete refused (%v), and the update in flight could not be read: %w", t, refusal, err)
	}
	if u == nil {
		return provider.Operation{}, e.errorf("%s: delete: %w (the node group is %s, no update is in flight: try again)", t, refusal, ng.Status)
	}
	kind := KindPool
	if u.Type == types.UpdateTypeConfigUpdate {
		kind = KindPoolScale
	}
	busy, err := e.operation(target{kind: kind, name: t.name}, u)
	if err != nil {
		return provider.Operation{}, err
	}
	return busy, e.errorf("%s: delete: %w: %s update %s%s", t, provider.ErrOperationInProgress, u.Type, busy.ID, updateText(u))
}

// gone reports whether err, from a call about a node group, says that the
// node group does not exist: a ResourceNotFoundException while the cluster
// exists (DescribeCluster), as EKS answers the same exception for an
// unknown cluster.
func (e *EKS) gone(ctx context.Context, err error) (bool, error) {
	if !isNotFound(err) {
		return false, nil
	}
	if _, cerr := e.api.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String(e.cluster)}); cerr != nil {
		return false, cerr
	}
	return true, nil
}

// pollPool reads a node group's creation or deletion from its status
// (DescribeNodegroup). CREATING (for a creation) and DELETING (for a
// deletion) are InProgress; ACTIVE and UPDATING end a creation
// Successful, the node group gone a deletion. CREATE_FAILED,
// DELETE_FAILED and DEGRADED end either Failed, with the node group's
// health issues as the operation's errors, and so does a status that does
// not fit the operation (a creation whose node group is being deleted, a
// node group created again after its deletion).
func (e *EKS) pollPool(ctx context.Context, op provider.Operation) (provider.Operation, error) {
	name := poolName(op)
	t := target{kind: op.Kind, name: name}
	if name == "" {
		return op, e.errorf("%s operation %q names no node group", op.Kind, op.ID)
	}
	cur := op
	cur.Target, cur.Errors = name, nil
	out, err := e.api.DescribeNodegroup(ctx, &awseks.DescribeNodegroupInput{ClusterName: aws.String(e.cluster), NodegroupName: aws.String(name)})
	if err != nil {
		gone, gerr := e.gone(ctx, err)
		switch {
		case gerr != nil:
			return op, e.errorf("%s: describe: %w, and the cluster could not be read: %w", t, err, gerr)
		case !gone:
			return op, e.errorf("%s: describe: %w", t, err)
		case op.Kind == KindPoolDelete:
			cur.Status = provider.OpSuccessful
		default:
			cur.Status, cur.Errors = provider.OpFailed, []string{"the node group does not exist"}
		}
		return cur, nil
	}
	ng := out.Nodegroup
	if ng == nil {
		return op, e.errorf("%s: describe: the answer has no node group", t)
	}
	if v := aws.ToString(ng.Version); v != "" {
		cur.Version = v
	}
	cur.Status, cur.Errors = poolState(op.Kind, ng)
	return cur, nil
}

// poolState is the state of a node group's creation or deletion (kind)
// that its status tells; see pollPool.
func poolState(kind string, ng *types.Nodegroup) (string, []string) {
	switch st := ng.Status; {
	case kind == KindPoolCreate && st == types.NodegroupStatusCreating,
		kind == KindPoolDelete && st == types.NodegroupStatusDeleting:
		return provider.OpInProgress, nil
	case kind == KindPoolCreate && (st == types.NodegroupStatusActive || st == types.NodegroupStatusUpdating):
		return provider.OpSuccessful, nil
	case st == types.NodegroupStatusCreateFailed, st == types.NodegroupStatusDeleteFailed, st == types.NodegroupStatusDegraded:
		var issues []string
		if h := ng.Health; h != nil {
			for _, i := range h.Issues {
				issues = append(issues, detailText(string(i.Code), aws.ToString(i.Message), i.ResourceIds))
			}
		}
		if len(issues) == 0 {
			issues = []string{fmt.Sprintf("the node group is %s", st)}
		}
		return provider.OpFailed, issues
	default:
		return provider.OpFailed, []string{fmt.Sprintf("the node group is %s", st)}
	}
}
