// Package verify implements `kubehop verify`.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	cliplan "github.com/kubehop/kubehop/internal/cli/plan"
	clireport "github.com/kubehop/kubehop/internal/cli/report"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/profile"
	"github.com/kubehop/kubehop/internal/verify"
)

const long = `Prove the cluster healthy, as after an upgrade:

  - every node Ready, schedulable and at the target minor (--target);
  - every pod Running and Ready, but for pods of Jobs (finished or still
    running) and pods that have finished;
  - every Deployment, StatefulSet and DaemonSet observed by its controller
    with all replicas updated, ready and available: a workload whose pods
    were never created fails even though no pod looks wrong;
  - every PodDisruptionBudget with the healthy pods it needs.

Against the snapshot taken before the upgrade (--baseline; kubehop apply
keeps one beside the profile's journal) it also reports workloads that lost
replicas, StatefulSet pods now in another node pool, pods on nodes their
preferred node affinity does not favour, objects that disappeared, and, as
notes, images that changed. The Warning events since the upgrade began are
summarised.

--fix-placement moves the misplaced pods back, one at a time, through the
Eviction API: their PodDisruptionBudgets hold, and each replacement must be
Running and Ready before the next pod moves. The cluster is verified again
afterwards.

Exit codes: 0 healthy, 5 verification failed, 2 bad input, 1 other errors.`

// Options are the flags of `kubehop verify`.
type Options struct {
	Profile      string
	Target       string
	Baseline     string
	Since        string
	PoolLabel    string
	Wait         time.Duration
	FixPlacement bool
	FixTimeout   time.Duration
	output       *cmdutil.OutputOptions

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewCommand returns the verify command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := &Options{streams: streams, global: global, FixTimeout: 5 * time.Minute, output: cmdutil.NewOutputOptions("text", "json", "yaml")}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the cluster healthy after an upgrade, against the snapshot taken before it",
		Long:  long,
		Example: `  # After kubehop apply: target, baseline and pool label from the profile
  kubehop verify -p kubehop.yaml

  # Any cluster: nodes must run 1.37; compare with a snapshot saved earlier
  kubehop verify --target 1.37 --baseline before.json

  # Wait up to 10 minutes for the cluster to settle, then report as JSON
  kubehop verify -p kubehop.yaml --wait 10m -o json

  # Move pods that landed in the wrong pool back, respecting their budgets
  kubehop verify -p kubehop.yaml --fix-placement`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.Run(cmd.Context()) },
	}
	fs := cmd.Flags()
	fs.StringVarP(&o.Profile, "profile", "p", "", "profile of the upgrade: its target, pool label and the snapshot its run kept")
	fs.StringVar(&o.Target, "target", "", "minor every node must run, such as 1.37 (default: the profile's target)")
	fs.StringVar(&o.Baseline, "baseline", "", "snapshot from before the upgrade (default: the one kubehop apply kept for the profile)")
	fs.StringVar(&o.Since, "since", "", "summarise Warning events since this time (RFC 3339) or this long ago (such as 2h); default: the baseline's time")
	fs.StringVar(&o.PoolLabel, "pool-label", "", "node label that names node pools (default: the profile's, or the well-known labels)")
	fs.DurationVar(&o.Wait, "wait", 0, "verify again every few seconds until the cluster passes or this time ends (such as 10m)")
	fs.BoolVar(&o.FixPlacement, "fix-placement", false, "evict misplaced pods one at a time, respecting their budgets, so they are placed again; then verify again")
	fs.DurationVar(&o.FixTimeout, "fix-timeout", o.FixTimeout, "longest wait per pod for its budget and its replacement when fixing placement")
	o.output.AddFlags(fs)
	return cmd
}

// Run verifies the cluster.
func (o *Options) Run(ctx context.Context) error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	opts, prof, err := o.options()
	if err != nil {
		return err
	}
	cluster, err := o.global.Cluster.Load()
	if err != nil {
		return err
	}
	clients, err := inventory.NewClients(cluster.Config)
	if err != nil {
		return err
	}
	if prof != nil {
		// The profile names its cluster: refuse any other.
		if _, _, err := cliplan.Connect(ctx, o.global, prof); err != nil {
			return err
		}
	}
	fmt.Fprintf(o.streams.ErrOut, "Verifying cluster %s (%s)...\n", cluster.Context, cluster.Server)
	r, err := o.verify(ctx, clients, opts)
	if err != nil {
		return err
	}
	if o.FixPlacement && len(r.Misplaced()) > 0 {
		moved, err := verify.FixPlacement(ctx, clients.Kube, r.Misplaced(), o.FixTimeout, nil, func(s string) { fmt.Fprintln(o.streams.ErrOut, s) })
		fmt.Fprintf(o.streams.ErrOut, "Moved %d pod(s); verifying again...\n", len(moved))
		if err != nil {
			return err
		}
		if o.Wait == 0 {
			o.Wait = 2 * time.Minute // the moved pods' replacements settle
		}
		if r, err = o.verify(ctx, clients, opts); err != nil {
			return err
		}
	}
	if o.output.Structured() {
		if err := o.output.PrintStructured(o.streams.Out, r); err != nil {
			return err
		}
	} else {
		printText(o.streams.Out, cluster.Context, r)
	}
	if !r.OK() {
		return exitcode.Quiet(exitcode.VerifyFailed)
	}
	return nil
}

func (o *Options) verify(ctx context.Context, clients inventory.Clients, opts verify.Options) (*verify.Result, error) {
	if o.Wait > 0 {
		return verify.Wait(ctx, clients, opts, o.Wait, 2*time.Second, nil, nil)
	}
	r, _, err := verify.Run(ctx, clients, opts)
	return r, err
}

// options reads the flags and the profile, if any, into verification
// options.
func (o *Options) options() (verify.Options, *profile.Profile, error) {
	opts := verify.Options{Target: o.Target, PoolLabel: o.PoolLabel}
	baseline := o.Baseline
	var prof *profile.Profile
	if o.Profile != "" {
		var err error
		if prof, err = profile.Load(o.Profile); err != nil {
			return opts, nil, exitcode.Invalid(err)
		}
		if opts.Target == "" {
			opts.Target = prof.Target
		}
		if opts.PoolLabel == "" {
			opts.PoolLabel = prof.PoolLabel
		}
		if baseline == "" {
			kept := clireport.FilesFor(o.Profile, prof.Cluster.Name, "").Baseline
			if _, err := os.Stat(kept); err == nil {
				baseline = kept
			}
		}
	}
	if baseline != "" {
		s, err := inventory.Load(baseline)
		if err != nil {
			return opts, nil, exitcode.Invalid(fmt.Errorf("--baseline: %w", err))
		}
		opts.Baseline = s
	}
	if o.Since != "" {
		if d, err := time.ParseDuration(o.Since); err == nil {
			opts.Since = time.Now().Add(-d)
		} else if t, err := time.Parse(time.RFC3339, o.Since); err == nil {
			opts.Since = t
		} else {
			return opts, nil, exitcode.Invalid(fmt.Errorf("--since %q: want a time such as 2026-11-24T06:00:00Z or a duration such as 2h", o.Since))
		}
	}
	if opts.Target == "" && opts.Baseline == nil && o.Profile == "" {
		return opts, nil, exitcode.Invalid(errors.New("name what to verify against: --target (such as 1.37), --baseline, or --profile"))
	}
	return opts, prof, nil
}

func printText(w io.Writer, context string, r *verify.Result) {
	verdict := "PASSED"
	if !r.OK() {
		verdict = fmt.Sprintf("FAILED, %d problem(s)", len(r.Errors()))
	}
	against := ""
	if r.Target != "" {
		against = " at " + r.Target
	}
	if r.Baseline != nil {
		against += " against the snapshot of " + r.Baseline.Format(time.RFC3339)
	}
	fmt.Fprintf(w, "Cluster %s%s: %s\n", context, against, verdict)
	c := r.Checked
	fmt.Fprintf(w, "Checked %d nodes, %d workloads, %d pods (%d Job or finished pods skipped), %d PodDisruptionBudgets.\n", c.Nodes, c.Workloads, c.Pods, c.Skipped, c.PDBs)
	table := func(title string, problems []verify.Problem) {
		if len(problems) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CHECK\tOBJECT\tREASON")
		for _, p := range problems {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Check, p.Object, p.Reason)
		}
		tw.Flush()
	}
	table("Problems:", r.Errors())
	var notes []verify.Problem
	for _, p := range r.Problems {
		if p.Severity != verify.Error {
			notes = append(notes, p)
		}
	}
	table("Notes (not failures):", notes)
	if len(r.Misplaced()) > 0 {
		fmt.Fprintf(w, "\n%d pod(s) are misplaced: kubehop verify --fix-placement moves them, respecting their budgets.\n", len(r.Misplaced()))
	}
	if len(r.Events) > 0 {
		fmt.Fprintln(w, "\nWarning events:")
		for _, e := range r.Events {
			fmt.Fprintf(w, "  %4d× %s on %s %s: %s\n", e.Count, e.Reason, e.Kind, strings.Join(e.Objects, ", "), e.Message)
		}
	}
}
