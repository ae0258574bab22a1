package ekstest

import (
	"slices"
	"time"
)

// The cluster the server starts with: the EKS cluster of the seed runbook
// before its 1.23 → 1.24 hop.
const (
	// ClusterName is the seeded cluster's name.
	ClusterName = "vantiq-prod"
	// Region is the region the server signs for and the seeded ARNs name.
	Region = "us-east-1"
	// Account is the seeded ARNs' account.
	Account = "123456789012"
	// NodeRole is the seeded node groups' IAM role.
	NodeRole = "arn:aws:iam::" + Account + ":role/vantiq-prod-eks-node"
	// SSHKey is the EC2 key pair of the seeded node groups' remote access.
	SSHKey = "vantiq-ops"
)

// Subnets are the seeded node groups' subnets, one per availability zone.
var Subnets = []string{"subnet-0a12b34c56d78e901", "subnet-0b23c45d67e89f012", "subnet-0c34d56e78f90a123"}

// Add-on names the seeds care about.
const (
	CoreDNS   = "coredns"
	KubeProxy = "kube-proxy"
	VPCCNI    = "vpc-cni"
	EBSCSI    = "aws-ebs-csi-driver"
)

// seededAt is when the seeded resources were created.
var seededAt = time.Date(2023, 3, 1, 9, 0, 0, 0, time.UTC)

// amiReleases are the EKS optimized AMI releases per Kubernetes minor,
// oldest first; the last is the latest.
var amiReleases = map[string][]string{
	"1.23": {"1.23.16-20230703", "1.23.17-20230825"},
	"1.24": {"1.24.15-20230703", "1.24.17-20230825"},
	"1.25": {"1.25.12-20230825"},
}

func int32p(v int32) *int32 { return &v }

func (s *Server) seed() {
	s.cluster = &cluster{name: ClusterName, version: "1.23", platform: "eks.8", status: "ACTIVE"}
	for _, ng := range []struct {
		name               string
		min, max, desired  int32
		workload, instance string
		disk               int32
		taints             []wireTaint
	}{
		{"vantiq", 3, 6, 3, "vantiq", "c5.xlarge", 50, nil},
		{"mongodb", 3, 3, 3, "mongodb", "r5.xlarge", 200, []wireTaint{{Key: "dedicated", Value: "mongodb", Effect: "NO_SCHEDULE"}}},
		{"keycloak", 2, 4, 2, "keycloak", "t3.large", 50, nil},
	} {
		s.nodegroups = append(s.nodegroups, &nodegroup{
			name: ng.name, version: "1.23", release: "1.23.17-20230825", status: "ACTIVE",
			min: ng.min, max: ng.max, desired: ng.desired,
			maxUnavailable: int32p(1), instanceTypes: []string{ng.instance},
			labels:  map[string]string{"node.kubernetes.io/workload": ng.workload},
			taints:  ng.taints,
			subnets: slices.Clone(Subnets), nodeRole: NodeRole, amiType: "AL2_x86_64", capacity: "ON_DEMAND",
			diskSize: int32p(ng.disk), remoteAccess: &wireRemoteAccess{Ec2SshKey: SSHKey},
			createdAt: seededAt,
		})
	}
	for _, a := range [][2]string{
		{CoreDNS, "v1.8.7-eksbuild.3"},
		{KubeProxy, "v1.23.16-eksbuild.2"},
		{VPCCNI, "v1.12.6-eksbuild.2"},
	} {
		s.addons = append(s.addons, &addon{name: a[0], version: a[1], status: "ACTIVE"})
	}
	s.catalog = seedCatalog()
	s.insights = seedInsights()
}

// compat is one add-on version's compatibility: the cluster versions it
// runs on and those where it is the default.
func compat(defaults []string, others ...string) []wireCompatibility {
	var out []wireCompatibility
	for _, v := range defaults {
		out = append(out, wireCompatibility{ClusterVersion: v, PlatformVersions: []string{"*"}, DefaultVersion: true})
	}
	for _, v := range others {
		out = append(out, wireCompatibility{ClusterVersion: v, PlatformVersions: []string{"*"}})
	}
	return out
}

func addonVersion(v string, c []wireCompatibility) wireAddonVersion {
	return wireAddonVersion{AddonVersion: v, Architecture: []string{"amd64", "arm64"}, Compatibilities: c}
}

// seedCatalog is what DescribeAddonVersions offers, newest version first
// as the service lists them.
func seedCatalog() []wireAddonInfo {
	info := func(name, typ string, versions ...wireAddonVersion) wireAddonInfo {
		return wireAddonInfo{AddonName: name, Type: typ, Owner: "aws", Publisher: "eks", AddonVersions: versions}
	}
	return []wireAddonInfo{
		info(CoreDNS, "networking",
			addonVersion("v1.9.3-eksbuild.5", compat([]string{"1.25"}, "1.24")),
			addonVersion("v1.8.7-eksbuild.4", compat([]string{"1.24"}, "1.23")),
			addonVersion("v1.8.7-eksbuild.3", compat([]string{"1.23"}, "1.24")),
		),
		info(KubeProxy, "networking",
			addonVersion("v1.24.17-eksbuild.4", compat(nil, "1.24")),
			addonVersion("v1.24.10-eksbuild.2", compat([]string{"1.24"})),
			addonVersion("v1.23.17-eksbuild.5", compat(nil, "1.23")),
			addonVersion("v1.23.16-eksbuild.2", compat([]string{"1.23"})),
		),
		info(VPCCNI, "networking",
			addonVersion("v1.15.1-eksbuild.1", compat(nil, "1.23", "1.24", "1.25")),
			addonVersion("v1.12.6-eksbuild.2", compat([]string{"1.23", "1.24", "1.25"})),
		),
		info(EBSCSI, "storage",
			addonVersion("v1.23.0-eksbuild.1", compat(nil, "1.23", "1.24", "1.25")),
			addonVersion("v1.19.0-eksbuild.2", compat([]string{"1.23", "1.24", "1.25"})),
		),
	}
}

// Seeded insight IDs.
const (
	InsightKubeletSkew   = "4a7c2d0e-1b3f-4c5d-9e8f-0a1b2c3d4e01"
	InsightDeprecatedAPI = "4a7c2d0e-1b3f-4c5d-9e8f-0a1b2c3d4e02"
	InsightAddonCompat   = "4a7c2d0e-1b3f-4c5d-9e8f-0a1b2c3d4e03"
	InsightClusterHealth = "4a7c2d0e-1b3f-4c5d-9e8f-0a1b2c3d4e04"
	InsightMisconfig     = "4a7c2d0e-1b3f-4c5d-9e8f-0a1b2c3d4e05"
)

func summary(id, name, category, version, status, reason, description string) wireInsightSummary {
	at := epoch(seededAt.Add(24 * time.Hour).Unix())
	return wireInsightSummary{
		ID: id, Name: name, Category: category, KubernetesVersion: version,
		LastRefreshTime: at, LastTransitionTime: at, Description: description,
		InsightStatus: wireInsightStatus{Status: status, Reason: reason},
	}
}

// seedInsights are the cluster's insights: upgrade readiness for the next
// versions (one passing, a deprecated-API warning, an add-on
// incompatibility) and a misconfiguration one that an upgrade-readiness
// filter must leave out.
func seedInsights() []wireInsight {
	lastCall := epoch(seededAt.Add(20 * time.Hour).Unix())
	return []wireInsight{
		{
			wireInsightSummary: summary(InsightKubeletSkew, "Kubelet version skew", "UPGRADE_READINESS", "1.24", "PASSING",
				"Node kubelet versions match the cluster control plane version.",
				"Checks for kubelet versions of worker nodes in the cluster to see if upgrade would cause noncompliance with supported Kubernetes kubelet version skew policy."),
			Recommendation: "Upgrade your worker nodes to match the Kubernetes version of your cluster control plane.",
		},
		{
			wireInsightSummary: summary(InsightDeprecatedAPI, "Deprecated APIs removed in Kubernetes v1.25", "UPGRADE_READINESS", "1.25", "WARNING",
				"Deprecated API usage detected within last 30 days and your cluster is on Kubernetes v1.23.",
				"Checks for usage of deprecated APIs that are scheduled for removal in Kubernetes v1.25. Upgrading your cluster before migrating to the updated APIs supported by v1.25 could cause application impact."),
			Recommendation: "Update manifests and API clients to use newer Kubernetes APIs if applicable before upgrading to Kubernetes v1.25.",
			AdditionalInfo: map[string]string{
				"EKS update cluster documentation":   "https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html",
				"Kubernetes v1.25 deprecation guide": "https://kubernetes.io/docs/reference/using-api/deprecation-guide/#v1-25",
			},
			Resources: []wireInsightResource{
				{InsightStatus: wireInsightStatus{Status: "WARNING"}, KubernetesResourceURI: "/apis/batch/v1beta1/namespaces/shared/cronjobs/mongodb-backup"},
				{InsightStatus: wireInsightStatus{Status: "WARNING"}, KubernetesResourceURI: "/apis/policy/v1beta1/namespaces/shared/poddisruptionbudgets/telegraf-prom"},
			},
			CategorySpecificSummary: wireCategorySpecificSummary{DeprecationDetails: []wireDeprecationDetail{
				{
					Usage: "/apis/batch/v1beta1/cronjobs", ReplacedWith: "/apis/batch/v1/cronjobs",
					StopServingVersion: "1.25", StartServingReplacementVersion: "1.21",
					ClientStats: []wireClientStat{
						{UserAgent: "kubectl/v1.22.17 (linux/amd64) kubernetes/a7736ea", NumberOfRequestsLast30Days: 14, LastRequestTime: lastCall},
					},
				},
				{
					Usage: "/apis/policy/v1beta1/poddisruptionbudgets", ReplacedWith: "/apis/policy/v1/poddisruptionbudgets",
					StopServingVersion: "1.25", StartServingReplacementVersion: "1.21",
					ClientStats: []wireClientStat{
						{UserAgent: "Helm/3.8.2", NumberOfRequestsLast30Days: 3, LastRequestTime: lastCall - 3600},
						{UserAgent: "vantiq-deploy/1.34 (linux/amd64)", NumberOfRequestsLast30Days: 41, LastRequestTime: lastCall},
					},
				},
				{
					Usage: "/apis/policy/v1beta1/podsecuritypolicies", StopServingVersion: "1.25",
					ClientStats: []wireClientStat{
						{UserAgent: "kube-controller-manager/v1.23.17 (linux/amd64) kubernetes/a7736ea/system:serviceaccount:kube-system:generic-garbage-collector", NumberOfRequestsLast30Days: 720, LastRequestTime: lastCall},
					},
				},
			}},
		},
		{
			wireInsightSummary: summary(InsightAddonCompat, "Amazon EKS add-on version compatibility", "UPGRADE_READINESS", "1.24", "ERROR",
				"Add-on versions are not compatible with the next Kubernetes version.",
				"Checks version of installed EKS add-ons to ensure they are compatible with the next version of Kubernetes."),
			Recommendation: "Upgrade your EKS add-on to a newer version that is supported by the Kubernetes version you're upgrading to.",
			CategorySpecificSummary: wireCategorySpecificSummary{AddonCompatibilityDetails: []wireAddonCompatibilityDetail{
				{Name: KubeProxy, CompatibleVersions: []string{"v1.24.17-eksbuild.4", "v1.24.10-eksbuild.2"}},
			}},
		},
		{
			wireInsightSummary: summary(InsightClusterHealth, "Cluster health issues", "UPGRADE_READINESS", "1.24", "PASSING",
				"No cluster health issues detected.",
				"Checks for any cluster health issues that prevent successful upgrade to the next Kubernetes version on EKS."),
			Recommendation: "Refer to the specific issue guidance to resolve the health issue.",
		},
		{
			wireInsightSummary: summary(InsightMisconfig, "Node IAM role misconfiguration", "MISCONFIGURATION", "1.23", "WARNING",
				"A node IAM role lacks a recommended policy.",
				"Checks the node IAM roles of managed node groups."),
			Recommendation: "Attach AmazonEKSWorkerNodePolicy to the node IAM role.",
		},
	}
}
