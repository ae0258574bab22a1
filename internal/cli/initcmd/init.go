// Package initcmd implements `kubehop init`.
package initcmd

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/apidata"
	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/cli/plan"
	"github.com/kubehop/kubehop/internal/cli/snapshot"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
)

// Options are the flags of `kubehop init`.
type Options struct {
	Output   string
	Name     string
	Target   string
	Provider string
	Force    bool

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewCommand returns the init command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := &Options{Output: "kubehop.yaml", streams: streams, global: global}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a starting profile (kubehop.yaml) from the current cluster",
		Long: `Read the current context's cluster and write a profile for it: its identity
(the kube-system namespace UID, so that kubehop refuses any other cluster), the
provider, the next minor version as the target, and every node pool with the
surge strategy. Review it before planning: pool order, exclusions and gates
are yours to add (see docs/kubehop.example.yaml).`,
		Example: `  kubehop init
  kubehop init --target 1.37 --name prod -o prod.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.Run(cmd.Context()) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.Output, "output", "o", o.Output, "file to write; - for standard output")
	fs.StringVar(&o.Name, "name", "", "a name for the cluster (default: the kubeconfig context)")
	fs.StringVar(&o.Target, "target", "", "target version (default: the next minor)")
	fs.StringVar(&o.Provider, "provider", "", "provider (default: detected from the nodes)")
	fs.BoolVar(&o.Force, "force", false, "overwrite an existing file")
	return cmd
}

// Run writes the profile.
func (o *Options) Run(ctx context.Context) error {
	if o.Output != "-" && !o.Force {
		if _, err := os.Stat(o.Output); err == nil {
			return exitcode.Invalid(fmt.Errorf("%s exists; pass --force to overwrite it", o.Output))
		}
	}
	cluster, err := o.global.Cluster.Load()
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		return err
	}
	uid, err := plan.ClusterUID(ctx, client)
	if err != nil {
		return err
	}
	s, err := snapshot.Read(ctx, o.global, "", apidata.Default().Kinds(), o.streams)
	if err != nil {
		return err
	}
	target := o.Target
	if target == "" {
		cur, err := version.ParseGeneric(s.Cluster.Version)
		if err != nil {
			return err
		}
		target = fmt.Sprintf("%d.%d", cur.Major(), cur.Minor()+1)
	}
	if _, err := check.DefaultPolicy().ParseMinor(target); err != nil {
		return exitcode.Invalid(fmt.Errorf("--target: %w", err))
	}
	provider := o.Provider
	if provider == "" {
		provider = inventory.DetectProvider(s)
	}
	if provider == "" {
		return exitcode.Invalid(errors.New("the provider cannot be told from the nodes: pass --provider (eks, aks, gke, anthos-bm, kubeadm or local)"))
	}
	name := o.Name
	if name == "" {
		name = cluster.Context
	}
	data, err := profile.FromSnapshot(s, name, uid, provider, target).YAML()
	if err != nil {
		return err
	}
	if o.Output == "-" {
		_, err := o.streams.Out.Write(data)
		return err
	}
	if err := os.WriteFile(o.Output, data, 0o644); err != nil {
		return fmt.Errorf("write profile: %w", err)
	}
	fmt.Fprintf(o.streams.ErrOut, "Wrote %s for cluster %s (%s, target %s, %d pools). Review it, then: kubehop plan --profile %s\n",
		o.Output, name, provider, target, len(profile.FromSnapshot(s, name, uid, provider, target).Pools), o.Output)
	if _, err := profile.Parse(o.Output, data); err != nil {
		// The provider's settings the nodes do not tell (an AKS resource
		// group, an Anthos release) are the operator's to fill in.
		fmt.Fprintf(o.streams.ErrOut, "Fill in before planning: %v\n", err)
	}
	return nil
}
