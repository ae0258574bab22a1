// Package plan implements `kubehop plan`, and prepares the plan that
// `kubehop apply` executes.
package plan

import (
	"context"
	"errors"
	"fmt"
	"time"

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

-o markdown prints a runbook a person could follow by hand.

With --pod-ready and --node-ready (how long this cluster's pods take to
become Ready, and new nodes to join), plan also prints the lower bound of
the node pools' work: the longest disruption-budget chain (a budget that
lets one of ten pods go at a time needs ten pod start-ups in a row) or the
surge rounds' node boots, whichever is longer. No executor can do better;
kubehop's own runs are measured against it in docs/benchmarks.md.`

// Options are the flags of `kubehop plan`.
type Options struct {
	Profile   string
	Output    *cmdutil.OutputOptions
	PodReady  time.Duration
	NodeReady time.Duration

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
  kubehop plan --profile kubehop.yaml -o markdown > runbook.md

  # How fast could the pools go, with pods Ready in 30s and nodes in 3m?
  kubehop plan --profile kubehop.yaml --pod-ready 30s --node-ready 3m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Output.Validate(); err != nil {
				return err
			}
			if o.PodReady < 0 || o.NodeReady < 0 {
				return exitcode.Invalid(fmt.Errorf("--pod-ready and --node-ready must not be negative"))
			}
			prep, err := Prepare(cmd.Context(), o.global, o.Profile, o.streams)
			if err != nil {
				return err
			}
			if o.PodReady > 0 || o.NodeReady > 0 {
				b := upgradeplan.LowerBound(prep.Plan, prep.Snapshot, upgradeplan.Timing{PodReady: o.PodReady, NodeReady: o.NodeReady}, parallelism(prep.Profile), prep.Profile.PoolLabel)
				prep.Plan.LowerBound = &b
			}
			switch o.Output.Format {
			case "text":
				prep.Plan.Outline(o.streams.Out)
				if b := prep.Plan.LowerBound; b != nil {
					fmt.Fprintf(o.streams.Out, "\nLower bound of the node pools (pods Ready in %s, new nodes in %s): %s\n", o.PodReady, o.NodeReady, b)
				}
			case "markdown":
				prep.Plan.Markdown(o.streams.Out)
			default:
				return o.Output.PrintStructured(o.streams.Out, prep.Plan)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Profile, "profile", "p", o.Profile, "profile file (kubehop init writes one)")
	cmd.Flags().DurationVar(&o.PodReady, "pod-ready", 0, "how long a new pod takes to become Ready here; with --node-ready, prints the pools' lower bound")
	cmd.Flags().DurationVar(&o.NodeReady, "node-ready", 0, "how long a new node takes to become Ready here (for the lower bound)")
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

// parallelism is how many pools the executor moves at once for a profile.
func parallelism(p *profile.Profile) int {
	if p.Parallelism <= 0 {
		return 2 // the executor's default
	}
	return p.Parallelism
}
