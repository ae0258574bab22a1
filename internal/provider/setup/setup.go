// Package setup builds the providers a profile names: the provider.Provider
// the executor moves nodes with (local, kubeadm) and the provider.Cloud
// whose service upgrades the control plane and whole pools (eks, aks, gke,
// anthos-bm). Each cloud client is the official SDK's, with its default
// credential chain; Options override endpoints and credentials for tests
// and unusual networks.
package setup

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	container "cloud.google.com/go/container/apiv1"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"google.golang.org/api/option"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/localcluster"
	"github.com/kubehop/kubehop/internal/profile"
	"github.com/kubehop/kubehop/internal/provider"
	"github.com/kubehop/kubehop/internal/provider/aks"
	"github.com/kubehop/kubehop/internal/provider/anthosbm"
	"github.com/kubehop/kubehop/internal/provider/eks"
	"github.com/kubehop/kubehop/internal/provider/gke"
	"github.com/kubehop/kubehop/internal/provider/kubeadm"
	"github.com/kubehop/kubehop/internal/provider/local"
)

// Options are what a profile does not say.
type Options struct {
	// Kubeconfig is the file kubehop reads the cluster with (the local
	// cluster's control socket sits beside it; bmctl gets it unless the
	// profile names another). Client is the cluster's client.
	Kubeconfig string
	Client     kubernetes.Interface
	// Output gets the lines the tools print (bmctl's log, kubeadm's
	// commands).
	Output func(line string)
	// PollInterval, when set, is how often the cloud providers poll their
	// operations (their own defaults otherwise: EKS 15 s).
	PollInterval time.Duration

	// AWS changes the EKS client's options after the profile's (a test
	// server's endpoint, credentials and HTTP client).
	AWS func(*awseks.Options)
	// AzureCredential replaces the Azure SDK's default credential chain;
	// Azure the ARM client's options (a test server's cloud and transport).
	AzureCredential azcore.TokenCredential
	Azure           *arm.ClientOptions
	// Google are added to the GKE client's options.
	Google []option.ClientOption
}

// Providers are what a profile's run is carried out with. Nodes is nil for
// the managed services, which move their own nodes; Cloud is nil for local
// and kubeadm.
type Providers struct {
	Nodes provider.Provider
	Cloud provider.Cloud
	close func() error
}

// Close releases the clients' connections.
func (p *Providers) Close() error {
	if p == nil || p.close == nil {
		return nil
	}
	return p.close()
}

// For builds the providers of prof. The terraform provider has none: its
// steps run the terraform binary.
func For(ctx context.Context, prof *profile.Profile, opts Options) (*Providers, error) {
	switch prof.Provider {
	case "local":
		return &Providers{Nodes: local.New(opts.Client, localcluster.ControlSocketFor(opts.Kubeconfig))}, nil
	case "eks":
		c, err := newEKS(ctx, prof, opts)
		if err == nil && opts.PollInterval > 0 {
			c.PollInterval = opts.PollInterval
		}
		return &Providers{Cloud: c}, err
	case "aks":
		c, err := newAKS(prof, opts)
		if err == nil && opts.PollInterval > 0 {
			c.PollInterval = opts.PollInterval
		}
		return &Providers{Cloud: c}, err
	case "gke":
		p, err := newGKE(ctx, prof, opts)
		if err == nil && opts.PollInterval > 0 {
			p.Cloud.(*gke.GKE).PollInterval = opts.PollInterval
		}
		return p, err
	case "anthos-bm":
		return &Providers{Cloud: newAnthosBM(prof, opts)}, nil
	case "kubeadm":
		return &Providers{Nodes: newKubeadm(prof, opts)}, nil
	case "terraform":
		return &Providers{}, nil
	}
	return nil, fmt.Errorf("%s: unknown provider %q", prof.File(), prof.Provider)
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func newEKS(ctx context.Context, prof *profile.Profile, opts Options) (*eks.EKS, error) {
	s := prof.EKS
	load := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(s.Region)}
	if s.Profile != "" {
		load = append(load, awsconfig.WithSharedConfigProfile(s.Profile))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("%s: eks: load the AWS configuration: %w", prof.File(), err)
	}
	client := awseks.NewFromConfig(cfg, func(o *awseks.Options) {
		if s.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.Endpoint)
		}
		if opts.AWS != nil {
			opts.AWS(o)
		}
	})
	return eks.New(client, or(s.Name, prof.Cluster.Name)), nil
}

func newAKS(prof *profile.Profile, opts Options) (*aks.AKS, error) {
	s := prof.AKS
	cred := opts.AzureCredential
	if cred == nil {
		c, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("%s: aks: no Azure credential (set AZURE_* variables, use a managed identity or az login): %w", prof.File(), err)
		}
		cred = c
	}
	clientOpts := &arm.ClientOptions{}
	if opts.Azure != nil {
		o := *opts.Azure
		clientOpts = &o
	}
	if s.Endpoint != "" {
		public := cloud.AzurePublic.Services[cloud.ResourceManager]
		if clientOpts.Cloud.Services == nil {
			clientOpts.Cloud = cloud.AzurePublic
		}
		clientOpts.Cloud.Services = map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: s.Endpoint, Audience: or(clientOpts.Cloud.Services[cloud.ResourceManager].Audience, public.Audience)},
		}
	}
	a, err := aks.New(s.Subscription, s.ResourceGroup, or(s.Name, prof.Cluster.Name), cred, clientOpts)
	if err != nil {
		return nil, fmt.Errorf("%s: aks: %w", prof.File(), err)
	}
	return a, nil
}

func newGKE(ctx context.Context, prof *profile.Profile, opts Options) (*Providers, error) {
	s := prof.GKE
	copts := []option.ClientOption{}
	if s.Endpoint != "" {
		copts = append(copts, option.WithEndpoint(s.Endpoint))
	}
	client, err := container.NewClusterManagerClient(ctx, append(copts, opts.Google...)...)
	if err != nil {
		return nil, fmt.Errorf("%s: gke: %w", prof.File(), err)
	}
	return &Providers{Cloud: gke.New(client, s.Project, s.Location, or(s.Name, prof.Cluster.Name)), close: client.Close}, nil
}

func newAnthosBM(prof *profile.Profile, opts Options) *anthosbm.BareMetal {
	s := prof.AnthosBM
	bmctl := s.Bmctl
	if strings.ContainsRune(bmctl, filepath.Separator) {
		bmctl = prof.Path(bmctl) // a path, not a name on PATH
	}
	kubeconfig := opts.Kubeconfig
	if s.Kubeconfig != "" {
		kubeconfig = prof.Path(s.Kubeconfig)
	}
	return &anthosbm.BareMetal{
		Runner:     kubeadm.Local{},
		Bmctl:      bmctl,
		Workdir:    prof.Path(or(s.Workdir, ".")),
		Kubeconfig: kubeconfig,
		Cluster:    or(s.Name, prof.Cluster.Name),
		Namespace:  s.Namespace,
		Progress:   opts.Output,
	}
}

func newKubeadm(prof *profile.Profile, opts Options) *kubeadm.Nodes {
	s := prof.Kubeadm
	var runner kubeadm.Runner = kubeadm.SSH{User: s.SSH.User, IdentityFile: s.SSH.IdentityFile, Options: s.SSH.Options}
	if s.Runner == "local" {
		runner = kubeadm.Local{}
	}
	k := &kubeadm.Kubeadm{Runner: runner, ControlPlanes: s.ControlPlanes, PackageUpgrade: s.PackageUpgrade}
	if opts.Output != nil {
		k.Output = func(host, line string) { opts.Output(host + ": " + line) }
	}
	return &kubeadm.Nodes{Kubeadm: k, Hosts: s.Hosts, Version: s.Version}
}
