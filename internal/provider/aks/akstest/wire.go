package akstest

// The ARM shapes the server reads and writes for Microsoft.ContainerService
// managed clusters and agent pools. Member names are the resource
// provider's own JSON names, as armcontainerservice's models_serde.go
// writes and reads them; only the members kubehop or the SDK look at are
// modelled, and the server ignores the rest of a request body, as ARM
// ignores read-only members sent back with a PUT.

// wireError is ARM's error body: {"error": {...}}.
type wireError struct {
	Error wireErrorDetail `json:"error"`
}

type wireErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Target  string            `json:"target,omitempty"`
	Details []wireErrorDetail `json:"details,omitempty"`
}

type wirePowerState struct {
	Code string `json:"code"`
}

type wireUpgradeSettings struct {
	MaxSurge                  *string `json:"maxSurge,omitempty"`
	DrainTimeoutInMinutes     *int32  `json:"drainTimeoutInMinutes,omitempty"`
	NodeSoakDurationInMinutes *int32  `json:"nodeSoakDurationInMinutes,omitempty"`
}

// wirePoolProperties are an agent pool's properties, as the agentPools
// resource carries them; a managed cluster's agentPoolProfiles carry the
// same members plus "name".
type wirePoolProperties struct {
	Count                      *int32               `json:"count,omitempty"`
	VMSize                     string               `json:"vmSize,omitempty"`
	OSType                     string               `json:"osType,omitempty"`
	OSSKU                      string               `json:"osSKU,omitempty"`
	Mode                       string               `json:"mode,omitempty"`
	Type                       string               `json:"type,omitempty"`
	OrchestratorVersion        string               `json:"orchestratorVersion,omitempty"`
	CurrentOrchestratorVersion string               `json:"currentOrchestratorVersion,omitempty"`
	NodeImageVersion           string               `json:"nodeImageVersion,omitempty"`
	ProvisioningState          string               `json:"provisioningState,omitempty"`
	PowerState                 *wirePowerState      `json:"powerState,omitempty"`
	UpgradeSettings            *wireUpgradeSettings `json:"upgradeSettings,omitempty"`
	NodeLabels                 map[string]string    `json:"nodeLabels,omitempty"`
	ETag                       string               `json:"eTag,omitempty"`
}

type wirePoolProfile struct {
	Name string `json:"name"`
	wirePoolProperties
}

type wireAgentPool struct {
	ID         string             `json:"id,omitempty"`
	Name       string             `json:"name,omitempty"`
	Type       string             `json:"type,omitempty"`
	Properties wirePoolProperties `json:"properties"`
}

type wireAgentPoolList struct {
	Value    []wireAgentPool `json:"value"`
	NextLink string          `json:"nextLink,omitempty"`
}

type wireAddonProfile struct {
	Enabled bool              `json:"enabled"`
	Config  map[string]string `json:"config,omitempty"`
}

type wireServicePrincipal struct {
	ClientID string `json:"clientId"`
	Secret   string `json:"secret,omitempty"`
}

type wireClusterProperties struct {
	ProvisioningState        string                      `json:"provisioningState,omitempty"`
	PowerState               *wirePowerState             `json:"powerState,omitempty"`
	KubernetesVersion        string                      `json:"kubernetesVersion,omitempty"`
	CurrentKubernetesVersion string                      `json:"currentKubernetesVersion,omitempty"`
	DNSPrefix                string                      `json:"dnsPrefix,omitempty"`
	Fqdn                     string                      `json:"fqdn,omitempty"`
	AgentPoolProfiles        []wirePoolProfile           `json:"agentPoolProfiles,omitempty"`
	AddonProfiles            map[string]wireAddonProfile `json:"addonProfiles,omitempty"`
	ServicePrincipalProfile  *wireServicePrincipal       `json:"servicePrincipalProfile,omitempty"`
	NodeResourceGroup        string                      `json:"nodeResourceGroup,omitempty"`
	EnableRBAC               *bool                       `json:"enableRBAC,omitempty"`
	MaxAgentPools            int32                       `json:"maxAgentPools,omitempty"`
}

type wireSKU struct {
	Name string `json:"name"`
	Tier string `json:"tier"`
}

type wireIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId,omitempty"`
	TenantID    string `json:"tenantId,omitempty"`
}

type wireManagedCluster struct {
	ID         string                `json:"id,omitempty"`
	Name       string                `json:"name,omitempty"`
	Type       string                `json:"type,omitempty"`
	Location   string                `json:"location"`
	ETag       string                `json:"eTag,omitempty"`
	Tags       map[string]string     `json:"tags,omitempty"`
	SKU        *wireSKU              `json:"sku,omitempty"`
	Identity   *wireIdentity         `json:"identity,omitempty"`
	Properties wireClusterProperties `json:"properties"`
}

type wireUpgrade struct {
	KubernetesVersion string `json:"kubernetesVersion"`
	IsPreview         *bool  `json:"isPreview,omitempty"`
}

type wirePoolUpgradeProfile struct {
	Name              string        `json:"name,omitempty"`
	KubernetesVersion string        `json:"kubernetesVersion"`
	OSType            string        `json:"osType"`
	Upgrades          []wireUpgrade `json:"upgrades,omitempty"`
}

type wireClusterUpgradeProfile struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		ControlPlaneProfile wirePoolUpgradeProfile   `json:"controlPlaneProfile"`
		AgentPoolProfiles   []wirePoolUpgradeProfile `json:"agentPoolProfiles"`
	} `json:"properties"`
}

type wireAgentPoolUpgradeProfile struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Properties struct {
		KubernetesVersion      string        `json:"kubernetesVersion"`
		OSType                 string        `json:"osType"`
		Upgrades               []wireUpgrade `json:"upgrades,omitempty"`
		LatestNodeImageVersion string        `json:"latestNodeImageVersion,omitempty"`
	} `json:"properties"`
}

// wireOperationStatus is what an Azure-AsyncOperation URL answers: ARM's
// asynchronous operation status, "status" being InProgress, Succeeded,
// Failed or Canceled.
type wireOperationStatus struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Status    string           `json:"status"`
	StartTime string           `json:"startTime"`
	EndTime   string           `json:"endTime,omitempty"`
	Error     *wireErrorDetail `json:"error,omitempty"`
}
