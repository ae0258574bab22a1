package eks

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// Insight is an EKS upgrade insight that did not pass: a check EKS runs
// against the next Kubernetes versions, such as usage of APIs they remove.
type Insight struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Status is WARNING, ERROR or UNKNOWN; Reason says why.
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// KubernetesVersion is the version the insight is about.
	KubernetesVersion string `json:"kubernetesVersion"`
	Description       string `json:"description,omitempty"`
	Recommendation    string `json:"recommendation,omitempty"`
	// Deprecations are the removed APIs still called.
	Deprecations []Deprecation `json:"deprecations,omitempty"`
	// Addons are installed add-ons and the versions compatible with
	// KubernetesVersion.
	Addons []AddonCompatibility `json:"addons,omitempty"`
	// Resources are the Kubernetes objects or AWS resources concerned.
	Resources []InsightResource `json:"resources,omitempty"`
}

// Deprecation is one deprecated API in use.
type Deprecation struct {
	// Usage is the API called ("/apis/batch/v1beta1/cronjobs").
	Usage string `json:"usage"`
	// ReplacedWith is the API to use instead, "" when there is none.
	ReplacedWith string `json:"replacedWith,omitempty"`
	// StopServingVersion is the Kubernetes version that removes Usage;
	// StartServingReplacementVersion the first that serves ReplacedWith.
	StopServingVersion             string `json:"stopServingVersion,omitempty"`
	StartServingReplacementVersion string `json:"startServingReplacementVersion,omitempty"`
	// Clients are those that called Usage lately.
	Clients []APIClient `json:"clients,omitempty"`
}

// APIClient is a client that called a deprecated API.
type APIClient struct {
	UserAgent string `json:"userAgent"`
	// Requests is how many calls it made in the last 30 days.
	Requests    int       `json:"requests"`
	LastRequest time.Time `json:"lastRequest,omitzero"`
}

// AddonCompatibility is an add-on an insight names and the versions that
// work on the insight's Kubernetes version.
type AddonCompatibility struct {
	Name               string   `json:"name"`
	CompatibleVersions []string `json:"compatibleVersions,omitempty"`
}

// InsightResource is a resource an insight is about.
type InsightResource struct {
	// KubernetesResourceURI is the object's API path, ARN the AWS
	// resource's, whichever applies.
	KubernetesResourceURI string `json:"kubernetesResourceUri,omitempty"`
	ARN                   string `json:"arn,omitempty"`
	Status                string `json:"status,omitempty"`
	Reason                string `json:"reason,omitempty"`
}

// UpgradeInsights returns the cluster's upgrade-readiness insights that
// are not PASSING (ListInsights filtered on UPGRADE_READINESS, then
// DescribeInsight on each), in the order EKS lists them.
func (e *EKS) UpgradeInsights(ctx context.Context) ([]Insight, error) {
	p := awseks.NewListInsightsPaginator(e.api, &awseks.ListInsightsInput{
		ClusterName: aws.String(e.cluster),
		Filter:      &types.InsightsFilter{Categories: []types.Category{types.CategoryUpgradeReadiness}},
	})
	var out []Insight
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, e.errorf("list upgrade insights: %w", err)
		}
		for _, s := range page.Insights {
			if s.InsightStatus != nil && s.InsightStatus.Status == types.InsightStatusValuePassing {
				continue
			}
			ins, err := e.insight(ctx, aws.ToString(s.Id))
			if err != nil {
				return nil, err
			}
			out = append(out, ins)
		}
	}
	return out, nil
}

func (e *EKS) insight(ctx context.Context, id string) (Insight, error) {
	out, err := e.api.DescribeInsight(ctx, &awseks.DescribeInsightInput{ClusterName: aws.String(e.cluster), Id: aws.String(id)})
	if err != nil {
		return Insight{}, e.errorf("insight %s: describe: %w", id, err)
	}
	if out.Insight == nil {
		return Insight{}, e.errorf("insight %s: describe: the answer has no insight", id)
	}
	return toInsight(out.Insight), nil
}

func toInsight(in *types.Insight) Insight {
	ins := Insight{
		ID:                aws.ToString(in.Id),
		Name:              aws.ToString(in.Name),
		KubernetesVersion: aws.ToString(in.KubernetesVersion),
		Description:       aws.ToString(in.Description),
		Recommendation:    aws.ToString(in.Recommendation),
	}
	if st := in.InsightStatus; st != nil {
		ins.Status, ins.Reason = string(st.Status), aws.ToString(st.Reason)
	}
	if sum := in.CategorySpecificSummary; sum != nil {
		for _, d := range sum.DeprecationDetails {
			ins.Deprecations = append(ins.Deprecations, toDeprecation(d))
		}
		for _, a := range sum.AddonCompatibilityDetails {
			ins.Addons = append(ins.Addons, AddonCompatibility{Name: aws.ToString(a.Name), CompatibleVersions: a.CompatibleVersions})
		}
	}
	for _, r := range in.Resources {
		res := InsightResource{KubernetesResourceURI: aws.ToString(r.KubernetesResourceUri), ARN: aws.ToString(r.Arn)}
		if st := r.InsightStatus; st != nil {
			res.Status, res.Reason = string(st.Status), aws.ToString(st.Reason)
		}
		ins.Resources = append(ins.Resources, res)
	}
	return ins
}

func toDeprecation(d types.DeprecationDetail) Deprecation {
	dep := Deprecation{
		Usage:                          aws.ToString(d.Usage),
		ReplacedWith:                   aws.ToString(d.ReplacedWith),
		StopServingVersion:             aws.ToString(d.StopServingVersion),
		StartServingReplacementVersion: aws.ToString(d.StartServingReplacementVersion),
	}
	for _, c := range d.ClientStats {
		dep.Clients = append(dep.Clients, APIClient{
			UserAgent:   aws.ToString(c.UserAgent),
			Requests:    int(c.NumberOfRequestsLast30Days),
			LastRequest: aws.ToTime(c.LastRequestTime).UTC(),
		})
	}
	return dep
}
