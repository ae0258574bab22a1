package eks

import (
	"context"
	"slices"
	"strconv"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/kubehop/kubehop/internal/provider"
)

// Add-on names the runbook deals with.
const (
	AddonCoreDNS   = "coredns"
	AddonKubeProxy = "kube-proxy"
	AddonVPCCNI    = "vpc-cni"
	AddonEBSCSI    = "aws-ebs-csi-driver"
)

// requiredAddons are the add-ons a cluster must run from a Kubernetes
// minor on. From 1.23 the in-tree EBS volume plugin hands over to the EBS
// CSI driver (CSIMigrationAWS), so without the driver add-on pods lose
// their EBS volumes; the runbook installs it before the control plane
// moves to 1.23.
var requiredAddons = []struct {
	name         string
	major, minor int
}{
	{AddonEBSCSI, 1, 23},
}

// MissingRequired names the add-ons that a cluster moving to targetMinor
// ("1.24", "v1.24.7") must have installed and that addons (as Addons
// returns them) lack: aws-ebs-csi-driver from 1.23 on. An add-on listed
// without a Version counts as not installed; a target that is not a
// Kubernetes version requires nothing.
func MissingRequired(addons []provider.Addon, targetMinor string) []string {
	major, minorN, ok := minorNumbers(targetMinor)
	if !ok {
		return nil
	}
	var missing []string
	for _, req := range requiredAddons {
		if major < req.major || major == req.major && minorN < req.minor {
			continue
		}
		installed := slices.ContainsFunc(addons, func(a provider.Addon) bool { return a.Name == req.name && a.Version != "" })
		if !installed {
			missing = append(missing, req.name)
		}
	}
	return missing
}

// Addons implements provider.Cloud: the installed add-ons (ListAddons,
// DescribeAddon) with their version and status, and for each the versions
// EKS offers for kubernetesVersion (DescribeAddonVersions).
func (e *EKS) Addons(ctx context.Context, kubernetesVersion string) ([]provider.Addon, error) {
	k8s, err := minor(kubernetesVersion)
	if err != nil {
		return nil, e.errorf("add-ons: %w", err)
	}
	names, err := e.addonNames(ctx)
	if err != nil {
		return nil, err
	}
	var out []provider.Addon
	for _, name := range names {
		a, err := e.addon(ctx, name)
		if err != nil {
			return nil, err
		}
		offer, err := e.AddonVersions(ctx, name, k8s)
		if err != nil {
			return nil, err
		}
		offer.Version = aws.ToString(a.AddonVersion)
		offer.Status = string(a.Status)
		out = append(out, offer)
	}
	return out, nil
}

// AddonVersions is what EKS offers of add-on name for kubernetesVersion,
// installed or not (to plan installing aws-ebs-csi-driver, say): Default
// is the version EKS marks default for it, Compatible every version
// compatible with it, newest first. Version and Status are empty.
func (e *EKS) AddonVersions(ctx context.Context, name, kubernetesVersion string) (provider.Addon, error) {
	k8s, err := minor(kubernetesVersion)
	if err != nil {
		return provider.Addon{}, e.errorf("add-on %s: versions: %w", name, err)
	}
	offer := provider.Addon{Name: name}
	p := awseks.NewDescribeAddonVersionsPaginator(e.api, &awseks.DescribeAddonVersionsInput{
		AddonName:         aws.String(name),
		KubernetesVersion: aws.String(k8s),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return provider.Addon{}, e.errorf("add-on %s: versions for Kubernetes %s: %w", name, k8s, err)
		}
		for _, info := range page.Addons {
			if aws.ToString(info.AddonName) == name {
				addOffers(&offer, info.AddonVersions, k8s)
			}
		}
	}
	slices.SortFunc(offer.Compatible, func(a, b string) int { return compareAddonVersions(b, a) })
	return offer, nil
}

// addOffers adds the versions compatible with k8s to offer, and the one
// EKS marks default there as its Default.
func addOffers(offer *provider.Addon, versions []types.AddonVersionInfo, k8s string) {
	for _, v := range versions {
		name := aws.ToString(v.AddonVersion)
		for _, c := range v.Compatibilities {
			if aws.ToString(c.ClusterVersion) != k8s {
				continue
			}
			if !slices.Contains(offer.Compatible, name) {
				offer.Compatible = append(offer.Compatible, name)
			}
			if c.DefaultVersion {
				offer.Default = name
			}
		}
	}
}

// compareAddonVersions orders add-on versions ("v1.8.7-eksbuild.4") by
// their numbers in turn (1, 8, 7, 4), then as text.
func compareAddonVersions(a, b string) int {
	na, nb := versionNumbers(a), versionNumbers(b)
	for i := range min(len(na), len(nb)) {
		if na[i] != nb[i] {
			if na[i] < nb[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(na) != len(nb):
		return len(na) - len(nb)
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// versionNumbers reads the runs of digits in v.
func versionNumbers(v string) []int {
	var nums []int
	start := -1
	for i, r := range v + " " {
		switch {
		case unicode.IsDigit(r) && start < 0:
			start = i
		case !unicode.IsDigit(r) && start >= 0:
			n, _ := strconv.Atoi(v[start:i])
			nums = append(nums, n)
			start = -1
		}
	}
	return nums
}

// addonNames lists the installed add-ons, every page.
func (e *EKS) addonNames(ctx context.Context) ([]string, error) {
	var names []string
	p := awseks.NewListAddonsPaginator(e.api, &awseks.ListAddonsInput{ClusterName: aws.String(e.cluster)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, e.errorf("list add-ons: %w", err)
		}
		names = append(names, page.Addons...)
	}
	return names, nil
}

func (e *EKS) addon(ctx context.Context, name string) (*types.Addon, error) {
	out, err := e.api.DescribeAddon(ctx, &awseks.DescribeAddonInput{ClusterName: aws.String(e.cluster), AddonName: aws.String(name)})
	if err != nil {
		return nil, e.errorf("add-on %s: describe: %w", name, err)
	}
	if out.Addon == nil {
		return nil, e.errorf("add-on %s: describe: the answer has no add-on", name)
	}
	return out.Addon, nil
}
