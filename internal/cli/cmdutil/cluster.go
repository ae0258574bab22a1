package cmdutil

import (
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ClusterOptions select the cluster a command talks to, as kubectl does:
// --kubeconfig (else $KUBECONFIG, else ~/.kube/config) and --context.
type ClusterOptions struct {
	Kubeconfig string
	Context    string
}

// AddFlags registers --kubeconfig and --context.
func (o *ClusterOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "path to the kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
	fs.StringVar(&o.Context, "context", o.Context, "kubeconfig context to use (default the current context)")
}

// Cluster is the connection a command uses and what it is called.
type Cluster struct {
	Config  *rest.Config
	Context string
	Server  string
}

// Load resolves the kubeconfig and context into a client configuration.
func (o *ClusterOptions) Load() (*Cluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	name := o.Context
	if name == "" {
		name = raw.CurrentContext
	}
	return &Cluster{Config: cfg, Context: name, Server: cfg.Host}, nil
}
