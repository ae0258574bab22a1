package profile

import (
	"fmt"
	"net/url"
	"strings"
)

// Providers a profile may name.
var providers = []string{"local", "eks", "aks", "gke", "anthos-bm", "kubeadm", "terraform"}

// EKS are the settings of provider eks. Credentials come from the AWS SDK's
// default chain (environment, shared config and SSO, web identity,
// instance role), narrowed to Profile when it is set.
type EKS struct {
	// Region is the cluster's AWS region, such as ap-northeast-1.
	Region string `yaml:"region"`
	// Name is the EKS cluster's name; "" is cluster.name.
	Name string `yaml:"name,omitempty"`
	// Profile names a profile of the AWS shared config files.
	Profile string `yaml:"profile,omitempty"`
	// Endpoint overrides the EKS endpoint (a VPC endpoint, or a test
	// server); "" is the region's public one.
	Endpoint string `yaml:"endpoint,omitempty"`
	// ContainerdLaunchTemplates are, for each node group still on docker
	// when the target is 1.24 or later, the launch template of its
	// temporary containerd node group (the runbook's step 1: the group's
	// own template with --container-runtime containerd added to
	// bootstrap.sh).
	ContainerdLaunchTemplates map[string]LaunchTemplate `yaml:"containerdLaunchTemplates,omitempty"`
}

// LaunchTemplate names an EC2 launch template by id or name, at a version
// ("" is its default version).
type LaunchTemplate struct {
	ID      string `yaml:"id,omitempty" json:"id,omitempty"`
	Name    string `yaml:"name,omitempty" json:"name,omitempty"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
}

// String names the template as a person would.
func (t LaunchTemplate) String() string {
	s := t.Name
	if s == "" {
		s = t.ID
	}
	if t.Version != "" {
		s += " version " + t.Version
	}
	return s
}

// AKS are the settings of provider aks. Credentials come from the Azure
// SDK's default chain (environment, workload identity, managed identity,
// az login).
type AKS struct {
	Subscription  string `yaml:"subscription"`
	ResourceGroup string `yaml:"resourceGroup"`
	// Name is the managed cluster's name; "" is cluster.name.
	Name string `yaml:"name,omitempty"`
	// Endpoint overrides the Azure Resource Manager endpoint (a sovereign
	// cloud, or a test server).
	Endpoint string `yaml:"endpoint,omitempty"`
}

// GKE are the settings of provider gke. Credentials are Application
// Default Credentials.
type GKE struct {
	Project string `yaml:"project"`
	// Location is the cluster's region or zone.
	Location string `yaml:"location"`
	// Name is the GKE cluster's name; "" is cluster.name.
	Name string `yaml:"name,omitempty"`
	// Endpoint overrides the GKE API endpoint (host:port).
	Endpoint string `yaml:"endpoint,omitempty"`
}

// AnthosBM are the settings of provider anthos-bm: bmctl upgrades the
// cluster and its node pools to an Anthos release.
type AnthosBM struct {
	// Version is the Anthos bare-metal release to upgrade to, such as
	// 1.16.0; it brings the profile's target Kubernetes minor.
	Version string `yaml:"version"`
	// Bmctl is the bmctl binary of that release; "" is bmctl on PATH.
	Bmctl string `yaml:"bmctl,omitempty"`
	// Workdir is the directory holding bmctl-workspace/, relative to the
	// profile; "" is the profile's directory.
	Workdir string `yaml:"workdir,omitempty"`
	// Kubeconfig is what bmctl upgrade is given (the admin cluster's for a
	// user cluster); "" is kubehop's own kubeconfig.
	Kubeconfig string `yaml:"kubeconfig,omitempty"`
	// Name is the cluster's name in bmctl; "" is cluster.name. Namespace
	// is its Cluster resource's namespace; "" is cluster-<name>.
	Name      string `yaml:"name,omitempty"`
	Namespace string `yaml:"namespace,omitempty"`
}

// Kubeadm are the settings of provider kubeadm.
type Kubeadm struct {
	// Runner is ssh (the default) or local.
	Runner string `yaml:"runner,omitempty"`
	SSH    SSH    `yaml:"ssh,omitempty"`
	// ControlPlanes are the control plane hosts, the first runs `kubeadm
	// upgrade apply`.
	ControlPlanes []string `yaml:"controlPlanes"`
	// Hosts maps node names to the host the runner reaches them by; a
	// node not listed is reached by its name.
	Hosts map[string]string `yaml:"hosts,omitempty"`
	// Version is the full release to install, such as 1.27.1; "" takes
	// what `kubeadm upgrade plan` offers for the target minor (the new
	// kubeadm must be on the first control plane already).
	Version string `yaml:"version,omitempty"`
	// PackageUpgrade installs one package at a version (see kubehop's
	// kubeadm provider), such as ["apt-get", "install", "-y",
	// "{{.Package}}={{.Version}}-*"].
	PackageUpgrade []string `yaml:"packageUpgrade,omitempty"`
}

// SSH says how the kubeadm runner logs in; the operator's ssh config
// applies too.
type SSH struct {
	User         string   `yaml:"user,omitempty"`
	IdentityFile string   `yaml:"identityFile,omitempty"`
	Options      []string `yaml:"options,omitempty"`
}

// Terraform are the settings of provider terraform: the cluster is
// upgraded by changing its Terraform (or OpenTofu) configuration and
// applying it, each plan checked by kubehop's guard first.
type Terraform struct {
	// Dir is the root module, relative to the profile.
	Dir string `yaml:"dir"`
	// Binary is terraform or tofu; "" looks for tofu, then terraform, on
	// PATH.
	Binary string `yaml:"binary,omitempty"`
	// Kubectl is the full kubectl version for the operator machines'
	// *kubectl_version attributes at the target, such as 1.24.7; "" leaves
	// them.
	Kubectl string `yaml:"kubectl,omitempty"`
	// Allow names attributes the guard accepts besides the version ones
	// (TYPE.NAME or NAME), such as aws_eks_node_group.release_version.
	Allow []string `yaml:"allow,omitempty"`
	// IgnoreChanges are the runbook's temporary lifecycle ignore_changes:
	// added before the control plane moves, removed before the nodes do.
	IgnoreChanges []IgnoreChanges `yaml:"ignoreChanges,omitempty"`
}

// IgnoreChanges is one resource's temporary ignore_changes list.
type IgnoreChanges struct {
	// Resource is TYPE.NAME as written in the configuration.
	Resource   string   `yaml:"resource"`
	Attributes []string `yaml:"attributes"`
}

// validateProvider checks the provider's own section, and that no other
// provider's is given.
func (p *Profile) validateProvider(fail func(field, format string, args ...any) error) error {
	sections := map[string]bool{"eks": p.EKS != nil, "aks": p.AKS != nil, "gke": p.GKE != nil,
		"anthosBM": p.AnthosBM != nil, "kubeadm": p.Kubeadm != nil, "terraform": p.Terraform != nil}
	own := map[string]string{"eks": "eks", "aks": "aks", "gke": "gke", "anthos-bm": "anthosBM", "kubeadm": "kubeadm", "terraform": "terraform"}
	for _, s := range []string{"eks", "aks", "gke", "anthosBM", "kubeadm", "terraform"} {
		if sections[s] && own[p.Provider] != s {
			return fail(s, "settings for another provider: provider is %q", p.Provider)
		}
	}
	if s, ok := own[p.Provider]; ok && !sections[s] {
		return fail(s, "provider %s needs its settings under %s:", p.Provider, s)
	}
	required := func(section string, fields ...string) error {
		for i := 0; i+1 < len(fields); i += 2 {
			if strings.TrimSpace(fields[i+1]) == "" {
				return fail(section+"."+fields[i], "is required for provider %s", p.Provider)
			}
		}
		return nil
	}
	endpoint := func(field, value string) error {
		if value == "" {
			return nil
		}
		if u, err := url.Parse(value); err != nil || u.Host == "" {
			return fail(field, "%q is not a URL such as https://eks.example.com", value)
		}
		return nil
	}
	switch p.Provider {
	case "eks":
		if err := required("eks", "region", p.EKS.Region); err != nil {
			return err
		}
		for pool, t := range p.EKS.ContainerdLaunchTemplates {
			if (t.ID == "") == (t.Name == "") {
				return fail("eks.containerdLaunchTemplates."+pool, "give the launch template's id or its name, not both")
			}
		}
		return endpoint("eks.endpoint", p.EKS.Endpoint)
	case "aks":
		if err := required("aks", "subscription", p.AKS.Subscription, "resourceGroup", p.AKS.ResourceGroup); err != nil {
			return err
		}
		return endpoint("aks.endpoint", p.AKS.Endpoint)
	case "gke":
		return required("gke", "project", p.GKE.Project, "location", p.GKE.Location)
	case "anthos-bm":
		return required("anthosBM", "version", p.AnthosBM.Version)
	case "kubeadm":
		if len(p.Kubeadm.ControlPlanes) == 0 {
			return fail("kubeadm.controlPlanes", "is required for provider kubeadm: the first runs kubeadm upgrade apply")
		}
		if r := p.Kubeadm.Runner; r != "" && r != "ssh" && r != "local" {
			return fail("kubeadm.runner", "%q is not one of ssh, local", r)
		}
		for i, pool := range p.Pools {
			if pool.Strategy != InPlace {
				return fail(fmt.Sprintf("pools[%d].strategy", i), "kubeadm upgrades nodes in place: want inplace, not %q", pool.Strategy)
			}
		}
	case "terraform":
		return required("terraform", "dir", p.Terraform.Dir)
	}
	return nil
}
