package ekstest

// The EKS REST-JSON shapes the server reads and writes. Field names are the
// service's own JSON member names (as in the EKS API reference and the
// SDK's schemas); timestamps are epoch seconds, the protocol's default.

// epoch is a timestamp on the wire: seconds since the Unix epoch.
type epoch float64

type wireCluster struct {
	Name            string `json:"name"`
	Arn             string `json:"arn"`
	Version         string `json:"version"`
	PlatformVersion string `json:"platformVersion"`
	Status          string `json:"status"`
	Endpoint        string `json:"endpoint"`
	CreatedAt       epoch  `json:"createdAt"`
}

type wireScalingConfig struct {
	MinSize     *int32 `json:"minSize,omitempty"`
	MaxSize     *int32 `json:"maxSize,omitempty"`
	DesiredSize *int32 `json:"desiredSize,omitempty"`
}

type wireUpdateConfig struct {
	MaxUnavailable           *int32 `json:"maxUnavailable,omitempty"`
	MaxUnavailablePercentage *int32 `json:"maxUnavailablePercentage,omitempty"`
	UpdateStrategy           string `json:"updateStrategy,omitempty"`
}

// wireRemoteAccess is a node group's remoteAccess (SSH for Linux nodes).
type wireRemoteAccess struct {
	Ec2SshKey            string   `json:"ec2SshKey,omitempty"`
	SourceSecurityGroups []string `json:"sourceSecurityGroups,omitempty"`
}

// wireTaint is a Kubernetes taint; effect is NO_SCHEDULE, NO_EXECUTE or
// PREFER_NO_SCHEDULE.
type wireTaint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// wireLaunchTemplate is a launchTemplate specification: an EC2 launch
// template by ID or name, at a version.
type wireLaunchTemplate struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	ID      string `json:"id,omitempty"`
}

// wireIssue is one of a node group's health issues.
type wireIssue struct {
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	ResourceIds []string `json:"resourceIds,omitempty"`
}

type wireHealth struct {
	Issues []wireIssue `json:"issues"`
}

// wireNodegroup is a node group as DescribeNodegroup, CreateNodegroup and
// DeleteNodegroup answer it. diskSize, remoteAccess and instanceTypes are
// null for a node group deployed with a launch template (as the API
// reference says of diskSize and remoteAccess), launchTemplate null for
// one deployed without.
type wireNodegroup struct {
	NodegroupName  string              `json:"nodegroupName"`
	NodegroupArn   string              `json:"nodegroupArn"`
	ClusterName    string              `json:"clusterName"`
	Version        string              `json:"version"`
	ReleaseVersion string              `json:"releaseVersion"`
	Status         string              `json:"status"`
	CapacityType   string              `json:"capacityType"`
	AmiType        string              `json:"amiType"`
	InstanceTypes  []string            `json:"instanceTypes,omitempty"`
	Subnets        []string            `json:"subnets"`
	NodeRole       string              `json:"nodeRole"`
	DiskSize       *int32              `json:"diskSize,omitempty"`
	RemoteAccess   *wireRemoteAccess   `json:"remoteAccess,omitempty"`
	LaunchTemplate *wireLaunchTemplate `json:"launchTemplate,omitempty"`
	ScalingConfig  wireScalingConfig   `json:"scalingConfig"`
	UpdateConfig   wireUpdateConfig    `json:"updateConfig"`
	Labels         map[string]string   `json:"labels,omitempty"`
	Taints         []wireTaint         `json:"taints,omitempty"`
	Health         wireHealth          `json:"health"`
	CreatedAt      epoch               `json:"createdAt"`
	ModifiedAt     epoch               `json:"modifiedAt"`
}

type wireAddon struct {
	AddonName    string `json:"addonName"`
	ClusterName  string `json:"clusterName"`
	AddonVersion string `json:"addonVersion"`
	AddonArn     string `json:"addonArn"`
	Status       string `json:"status"`
	CreatedAt    epoch  `json:"createdAt"`
	ModifiedAt   epoch  `json:"modifiedAt"`
}

type wireCompatibility struct {
	ClusterVersion   string   `json:"clusterVersion"`
	PlatformVersions []string `json:"platformVersions"`
	DefaultVersion   bool     `json:"defaultVersion"`
}

type wireAddonVersion struct {
	AddonVersion          string              `json:"addonVersion"`
	Architecture          []string            `json:"architecture"`
	Compatibilities       []wireCompatibility `json:"compatibilities"`
	RequiresConfiguration bool                `json:"requiresConfiguration"`
}

type wireAddonInfo struct {
	AddonName     string             `json:"addonName"`
	Type          string             `json:"type"`
	Owner         string             `json:"owner"`
	Publisher     string             `json:"publisher"`
	AddonVersions []wireAddonVersion `json:"addonVersions"`
}

type wireUpdateParam struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type wireErrorDetail struct {
	ErrorCode    string   `json:"errorCode"`
	ErrorMessage string   `json:"errorMessage"`
	ResourceIds  []string `json:"resourceIds,omitempty"`
}

type wireUpdate struct {
	ID        string            `json:"id"`
	Status    string            `json:"status"`
	Type      string            `json:"type"`
	Params    []wireUpdateParam `json:"params"`
	CreatedAt epoch             `json:"createdAt"`
	Errors    []wireErrorDetail `json:"errors"`
}

type wireInsightStatus struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

type wireInsightSummary struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	Category           string            `json:"category"`
	KubernetesVersion  string            `json:"kubernetesVersion"`
	LastRefreshTime    epoch             `json:"lastRefreshTime"`
	LastTransitionTime epoch             `json:"lastTransitionTime"`
	Description        string            `json:"description"`
	InsightStatus      wireInsightStatus `json:"insightStatus"`
}

type wireClientStat struct {
	UserAgent                  string `json:"userAgent"`
	NumberOfRequestsLast30Days int32  `json:"numberOfRequestsLast30Days"`
	LastRequestTime            epoch  `json:"lastRequestTime"`
}

type wireDeprecationDetail struct {
	Usage                          string           `json:"usage"`
	ReplacedWith                   string           `json:"replacedWith,omitempty"`
	StopServingVersion             string           `json:"stopServingVersion"`
	StartServingReplacementVersion string           `json:"startServingReplacementVersion,omitempty"`
	ClientStats                    []wireClientStat `json:"clientStats"`
}

type wireAddonCompatibilityDetail struct {
	Name               string   `json:"name"`
	CompatibleVersions []string `json:"compatibleVersions"`
}

type wireCategorySpecificSummary struct {
	DeprecationDetails        []wireDeprecationDetail        `json:"deprecationDetails,omitempty"`
	AddonCompatibilityDetails []wireAddonCompatibilityDetail `json:"addonCompatibilityDetails,omitempty"`
}

type wireInsightResource struct {
	InsightStatus         wireInsightStatus `json:"insightStatus"`
	KubernetesResourceURI string            `json:"kubernetesResourceUri,omitempty"`
	Arn                   string            `json:"arn,omitempty"`
}

type wireInsight struct {
	wireInsightSummary
	Recommendation          string                      `json:"recommendation"`
	AdditionalInfo          map[string]string           `json:"additionalInfo,omitempty"`
	Resources               []wireInsightResource       `json:"resources,omitempty"`
	CategorySpecificSummary wireCategorySpecificSummary `json:"categorySpecificSummary"`
}

// Request bodies.

type updateClusterVersionRequest struct {
	Version            string `json:"version"`
	ClientRequestToken string `json:"clientRequestToken"`
	Force              bool   `json:"force"`
}

type updateNodegroupVersionRequest struct {
	Version            string `json:"version"`
	ReleaseVersion     string `json:"releaseVersion"`
	Force              bool   `json:"force"`
	ClientRequestToken string `json:"clientRequestToken"`
}

type createNodegroupRequest struct {
	NodegroupName      string              `json:"nodegroupName"`
	ScalingConfig      *wireScalingConfig  `json:"scalingConfig"`
	DiskSize           *int32              `json:"diskSize"`
	Subnets            []string            `json:"subnets"`
	InstanceTypes      []string            `json:"instanceTypes"`
	AmiType            string              `json:"amiType"`
	RemoteAccess       *wireRemoteAccess   `json:"remoteAccess"`
	NodeRole           string              `json:"nodeRole"`
	Labels             map[string]string   `json:"labels"`
	Taints             []wireTaint         `json:"taints"`
	Tags               map[string]string   `json:"tags"`
	ClientRequestToken string              `json:"clientRequestToken"`
	LaunchTemplate     *wireLaunchTemplate `json:"launchTemplate"`
	UpdateConfig       *wireUpdateConfig   `json:"updateConfig"`
	CapacityType       string              `json:"capacityType"`
	Version            string              `json:"version"`
	ReleaseVersion     string              `json:"releaseVersion"`
}

type updateNodegroupConfigRequest struct {
	UpdateConfig       *wireUpdateConfig  `json:"updateConfig"`
	ScalingConfig      *wireScalingConfig `json:"scalingConfig"`
	ClientRequestToken string             `json:"clientRequestToken"`
}

type updateAddonRequest struct {
	AddonVersion          string `json:"addonVersion"`
	ResolveConflicts      string `json:"resolveConflicts"`
	ServiceAccountRoleArn string `json:"serviceAccountRoleArn"`
	ConfigurationValues   string `json:"configurationValues"`
	ClientRequestToken    string `json:"clientRequestToken"`
}

type listInsightsRequest struct {
	Filter *struct {
		Categories         []string `json:"categories"`
		KubernetesVersions []string `json:"kubernetesVersions"`
		Statuses           []string `json:"statuses"`
	} `json:"filter"`
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}
