package eks

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubehop/kubehop/internal/provider"
)

// Describe implements provider.Cloud: the cluster (DescribeCluster) and
// each of its managed node groups (ListNodegroups, DescribeNodegroup), in
// the order EKS lists them. A pool's Nodes is its desired size.
func (e *EKS) Describe(ctx context.Context) (*provider.ClusterInfo, error) {
	out, err := e.api.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String(e.cluster)})
	if err != nil {
		return nil, e.errorf("describe: %w", err)
	}
	c := out.Cluster
	if c == nil {
		return nil, e.errorf("describe: the answer has no cluster")
	}
	info := &provider.ClusterInfo{Name: aws.ToString(c.Name), Version: aws.ToString(c.Version), Status: string(c.Status)}
	names, err := e.nodegroupNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		ng, err := e.nodegroup(ctx, name)
		if err != nil {
			return nil, err
		}
		info.Pools = append(info.Pools, poolInfo(ng))
	}
	return info, nil
}

// nodegroupNames lists the cluster's managed node groups, every page.
func (e *EKS) nodegroupNames(ctx context.Context) ([]string, error) {
	var names []string
	p := awseks.NewListNodegroupsPaginator(e.api, &awseks.ListNodegroupsInput{ClusterName: aws.String(e.cluster)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, e.errorf("list node groups: %w", err)
		}
		names = append(names, page.Nodegroups...)
	}
	return names, nil
}

func (e *EKS) nodegroup(ctx context.Context, name string) (*types.Nodegroup, error) {
	out, err := e.api.DescribeNodegroup(ctx, &awseks.DescribeNodegroupInput{ClusterName: aws.String(e.cluster), NodegroupName: aws.String(name)})
	if err != nil {
		return nil, e.errorf("node group %s: describe: %w", name, err)
	}
	if out.Nodegroup == nil {
		return nil, e.errorf("node group %s: describe: the answer has no node group", name)
	}
	return out.Nodegroup, nil
}

func poolInfo(ng *types.Nodegroup) provider.PoolInfo {
	p := provider.PoolInfo{
		Name:           aws.ToString(ng.NodegroupName),
		Version:        aws.ToString(ng.Version),
		Status:         string(ng.Status),
		ReleaseVersion: aws.ToString(ng.ReleaseVersion),
	}
	if sc := ng.ScalingConfig; sc != nil {
		p.Nodes = int(aws.ToInt32(sc.DesiredSize))
	}
	return p
}
