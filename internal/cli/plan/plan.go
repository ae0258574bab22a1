// Package plan implements `kubehop plan`, and prepares the plan that
// `kubehop apply` executes.
package plan

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubehop/kubehop/internal/apidata"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/cli/snapshot"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	upgradeplan "github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
)

const long = `Build the upgrade plan for the cluster a profile names, and print it for
review: hops of one minor version; in each, the control plane and then the
node pools, in the order and with the exclusions the profile asks for; the
steps that relax drain blockers (a Deployment whose PodDisruptionBudget
allows no disruption is scaled to 0 before the first pool moves and back
after the last); and a final verification. Nothing is changed.

-o markdown prints a runbook a person could follow by hand.`

// Options are the flags of `kubehop plan`.
type Options struct {
	Profile string
	Output  *cmdutil.OutputOptions

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewCommand returns the plan command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := &Options{Profile: "kubehop.yaml", Output: cmdutil.NewOutputOptions("text", "json", "yaml", "markdown"), streams: streams, global: global}
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Print the hop-by-hop upgrade plan for review; changes nothing",
		Long:  long,
		Example: `  kubehop plan --profile kubehop.yaml
  kubehop plan --profile kubehop.yaml -o markdown > runbook.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			prep, err := Prepare(cmd.Context(), o.global, o.Profile, o.streams)
			if err != nil {
				return err
			}
			switch o.Output.Format {
			case "text":
				prep.Plan.Outline(o.streams.Out)
			case "markdown":
				prep.Plan.Markdown(o.streams.Out)
			default:
				return o.Output.PrintStructured(o.streams.Out, prep.Plan)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Profile, "profile", "p", o.Profile, "profile file (kubehop init writes one)")
	o.Output.AddFlags(cmd.Flags())
	return cmd
}

// Prepared is what apply needs: the profile, a client for the right
// cluster, and the plan.
type Prepared struct {
	Profile  *profile.Profile
	Cluster  *cmdutil.Cluster
	Client   kubernetes.Interface
	Plan     *upgradeplan.Plan
	Snapshot *inventory.Snapshot
}

// Prepare loads the profile, refuses a kubeconfig that points at another
// cluster, reads the cluster and builds the plan. It changes nothing.
func Prepare(ctx context.Context, global *cmdutil.GlobalOptions, profilePath string, streams cmdutil.IOStreams) (*Prepared, error) {
	prof, err := profile.Load(profilePath)
	if err != nil {
		return nil, exitcode.Invalid(err)
	}
	cluster, client, err := Connect(ctx, global, prof)
	if err != nil {
		return nil, err
	}
	snap, err := snapshot.Read(ctx, global, prof.PoolLabel, apidata.Default().Kinds(), streams)
	if err != nil {
		return nil, err
	}
	pl, err := upgradeplan.Build(prof, snap)
	if err != nil {
		return nil, exitcode.Invalid(fmt.Errorf("plan: %w", err))
	}
	return &Prepared{Profile: prof, Cluster: cluster, Client: client, Plan: pl, Snapshot: snap}, nil
}

// Connect opens the cluster the global flags select and refuses it unless
// it is the one the profile names.
func Connect(ctx context.Context, global *cmdutil.GlobalOptions, prof *profile.Profile) (*cmdutil.Cluster, kubernetes.Interface, error) {
	cluster, err := global.Cluster.Load()
	if err != nil {
		return nil, nil, err
	}
	if prof.Cluster.Context != "" && cluster.Context != prof.Cluster.Context {
		return nil, nil, exitcode.Invalid(fmt.Errorf("%w: the profile %s expects kubeconfig context %q, the current one is %q; nothing was changed",
			execute.ErrWrongCluster, prof.File(), prof.Cluster.Context, cluster.Context))
	}
	client, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		return nil, nil, err
	}
	if err := execute.CheckCluster(ctx, client, &upgradeplan.Plan{Cluster: prof.Cluster}); err != nil {
		if errors.Is(err, execute.ErrWrongCluster) {
			return nil, nil, exitcode.Invalid(err)
		}
		return nil, nil, err
	}
	return cluster, client, nil
}

// ClusterUID reads the identity kubehop keeps in profiles: the UID of the
// kube-system namespace.
func ClusterUID(ctx context.Context, client kubernetes.Interface) (string, error) {
	ns, err := client.CoreV1().Namespaces().Get(ctx, metav1.NamespaceSystem, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("read the cluster's identity (namespace kube-system): %w", err)
	}
	return string(ns.UID), nil
}
