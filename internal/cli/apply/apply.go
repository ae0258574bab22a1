// Package apply implements `kubehop apply` and `kubehop resume`.
package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	cliplan "github.com/kubehop/kubehop/internal/cli/plan"
	clireport "github.com/kubehop/kubehop/internal/cli/report"
	"github.com/kubehop/kubehop/internal/drain"
	"github.com/kubehop/kubehop/internal/execute"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/profile"
	"github.com/kubehop/kubehop/internal/provider/setup"
	"github.com/kubehop/kubehop/internal/terraform"
)

// Options are the flags of `kubehop apply` and `kubehop resume`.
type Options struct {
	Profile string
	Journal string
	Yes     bool
	DryRun  bool
	// InCluster also keeps the journal in a ConfigMap of the cluster;
	// FromCluster restores a lost local journal from it.
	InCluster   bool
	FromCluster bool
	resume      bool
	// Setup, when set, changes the providers' options (tests point the
	// cloud clients at local servers).
	Setup func(*setup.Options)
	// OperationInterval is how often cloud operations are polled.
	OperationInterval time.Duration

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewOptions returns apply's defaults.
func NewOptions(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *Options {
	return &Options{Profile: "kubehop.yaml", streams: streams, global: global}
}

// NewCommand returns the apply command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := NewOptions(streams, global)
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Execute the upgrade plan, with a journal that survives a crash",
		Long: `Build the plan (as kubehop plan prints it), ask for confirmation, and execute
it. Before each change the journal records what is about to change and its
original state (replicas, cordon state), fsynced. If the run stops — a failed
step, Ctrl-C, a crash — whatever it relaxed or cordoned is restored, and
'kubehop resume' continues from exactly where it stopped.

kubehop refuses to act on a cluster other than the one the profile names.`,
		Example: `  kubehop apply --profile kubehop.yaml
  kubehop apply --profile kubehop.yaml --yes --journal /var/lib/kubehop/prod.journal`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.Run(cmd.Context()) },
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation before the first change")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "change nothing: send each step's first change with server-side dry-run (scaling, cordons, every eviction and its budget) and report")
	return cmd
}

// NewResumeCommand returns the resume command.
func NewResumeCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := &Options{Profile: "kubehop.yaml", resume: true, Yes: true, streams: streams, global: global}
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Continue an interrupted apply from its journal",
		Long: `Continue the plan recorded in the journal after a crash, Ctrl-C or failed
step: steps already done are skipped, steps that were in flight run again
(every step is idempotent), and what the interrupted run relaxed is relaxed
again before the nodes move.`,
		Example: `  kubehop resume --profile kubehop.yaml`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.Run(cmd.Context()) },
	}
	o.addFlags(cmd)
	return cmd
}

func (o *Options) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.Profile, "profile", "p", o.Profile, "profile file")
	cmd.Flags().StringVar(&o.Journal, "journal", "", "journal file (default .kubehop/<cluster>.journal beside the profile)")
	cmd.Flags().DurationVar(&o.OperationInterval, "operation-interval", 15*time.Second, "how often a cloud provider's long operations (EKS updates, AKS and GKE operations) are polled")
	cmd.Flags().BoolVar(&o.InCluster, "journal-configmap", false, "also keep the journal in ConfigMap kube-system/kubehop-journal-<cluster>, so another machine can resume")
	if o.resume {
		cmd.Flags().BoolVar(&o.FromCluster, "from-cluster", false, "restore the local journal from the cluster's ConfigMap copy first (when this machine lost it)")
	}
}

// mirror is the ConfigMap copy of a profile's journal.
func mirror(client kubernetes.Interface, prof *profile.Profile) *journal.ConfigMapMirror {
	return &journal.ConfigMapMirror{Client: client, Namespace: "kube-system", Name: "kubehop-journal-" + prof.Cluster.Name}
}

// files are where the profile's runs keep their journal, baseline
// snapshot and report.
func (o *Options) files(prof *profile.Profile) clireport.Files {
	return clireport.FilesFor(o.Profile, prof.Cluster.Name, o.Journal)
}

type planRecord struct {
	ID   string     `json:"id"`
	Plan *plan.Plan `json:"plan"`
}

// Run applies, or resumes, the plan.
func (o *Options) Run(ctx context.Context) error {
	prof, err := profile.Load(o.Profile)
	if err != nil {
		return exitcode.Invalid(err)
	}
	if o.DryRun {
		return o.dryRun(ctx, prof)
	}
	files := o.files(prof)
	path := files.Journal
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create journal directory: %w", err)
	}
	if o.FromCluster {
		_, client, err := cliplan.Connect(ctx, o.global, prof)
		if err != nil {
			return err
		}
		if err := mirror(client, prof).Restore(ctx, path); err != nil {
			return exitcode.Invalid(err)
		}
		fmt.Fprintf(o.streams.ErrOut, "Restored the journal from the cluster into %s.\n", path)
	}
	j, entries, err := journal.Open(path)
	if err != nil {
		return err
	}
	defer j.Close()
	state := journal.Replay(entries)

	var pl *plan.Plan
	var client kubernetes.Interface
	var cluster *cmdutil.Cluster
	switch {
	case state.Plan != nil:
		var rec planRecord
		if err := json.Unmarshal(state.Plan, &rec); err != nil {
			return fmt.Errorf("%w: %s: the plan entry cannot be read: %v", journal.ErrCorrupt, path, err)
		}
		pl = rec.Plan
		if !o.resume {
			if journal.Finished(entries) {
				return exitcode.Invalid(fmt.Errorf("the journal %s records a finished run; move it away to start a new one", path))
			}
			return exitcode.Invalid(fmt.Errorf("the journal %s holds a run that has not finished: continue it with kubehop resume --profile %s", path, o.Profile))
		}
		if journal.Finished(entries) {
			fmt.Fprintf(o.streams.ErrOut, "The run recorded in %s has finished; nothing to resume.\n", path)
			return nil
		}
		if cluster, client, err = cliplan.Connect(ctx, o.global, prof); err != nil {
			return err
		}
		// Connect checked the cluster against the profile; the journalled
		// plan must be for the same one.
		if pl.Cluster.UID != prof.Cluster.UID {
			return exitcode.Invalid(fmt.Errorf("%w: the journal %s holds a plan for cluster %s (uid %s), the profile names uid %s; nothing was changed",
				execute.ErrWrongCluster, path, pl.Cluster.Name, pl.Cluster.UID, prof.Cluster.UID))
		}
		fmt.Fprintf(o.streams.ErrOut, "Resuming plan %s from %s: %d step(s) done, %d in flight.\n", rec.ID, path, len(state.Done), len(state.Started))
	case o.resume:
		return exitcode.Invalid(fmt.Errorf("nothing to resume: the journal %s is empty; start with kubehop apply", path))
	default:
		prep, err := cliplan.Prepare(ctx, o.global, o.Profile, o.streams)
		if err != nil {
			return err
		}
		pl, client, cluster = prep.Plan, prep.Client, prep.Cluster
		pl.Outline(o.streams.ErrOut)
		if !o.Yes {
			if err := cmdutil.Confirm(o.streams, "Apply this plan to cluster "+pl.Cluster.Name, "pass --yes to apply without asking"); err != nil {
				return err
			}
		}
		// The snapshot verification compares the cluster with, kept
		// before the first change.
		if err := prep.Snapshot.Save(files.Baseline); err != nil {
			return fmt.Errorf("save the snapshot taken before the run: %w", err)
		}
		data, err := json.Marshal(planRecord{ID: pl.ID(), Plan: pl})
		if err != nil {
			return err
		}
		if _, err := j.Append(journal.Entry{Type: journal.Plan, Data: data, Message: "plan " + pl.ID()}); err != nil {
			return err
		}
	}

	if o.InCluster {
		if err := j.MirrorTo(ctx, mirror(client, prof)); err != nil {
			return err
		}
		j.MirrorFailed = func(err error) { fmt.Fprintf(o.streams.ErrOut, "warning: %v (the local journal is complete)\n", err) }
	}
	provs, err := o.providers(ctx, prof, client)
	if err != nil {
		return err
	}
	defer provs.Close()
	env := &execute.Env{
		Client: client, Provider: provs.Nodes, Cloud: provs.Cloud, Journal: j, PoolLabel: prof.PoolLabel, Parallelism: prof.Parallelism,
		Drain:             drain.Options{DeleteEmptyDir: prof.Drain.DeleteEmptyDir, EvictNaked: prof.Drain.EvictNaked},
		DrainTimeout:      prof.Drain.Timeout.Duration,
		Progress:          Lines(o.streams.ErrOut),
		Since:             time.Now(),
		OperationInterval: o.OperationInterval,
	}
	if len(entries) > 0 {
		env.Since = entries[0].Time
	}
	if env.Terraform, err = terraformEnv(prof, files, o.streams.ErrOut); err != nil {
		return exitcode.Invalid(err)
	}
	if baseline, err := inventory.Load(files.Baseline); err == nil {
		env.Baseline = baseline
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read the snapshot taken before the run: %w", err)
	} else {
		fmt.Fprintf(o.streams.ErrOut, "warning: no snapshot from before the run at %s: verification will not compare with it\n", files.Baseline)
	}
	var view *liveView
	if cmdutil.IsTerminal(o.streams.ErrOut) {
		view = newLiveView(o.streams.ErrOut, cmdutil.TerminalWidth(o.streams.ErrOut), pl, state.Done)
		env.Progress = view.event
	}
	start := time.Now()
	err = execute.Run(ctx, env, pl, state)
	if view != nil {
		view.Close()
	}
	if err != nil {
		o.writeReport(files, prof)
		fmt.Fprintf(o.streams.ErrOut, "\nThe run stopped; the journal is %s. Fix the cause, then: kubehop resume --profile %s\n", path, o.Profile)
		switch {
		case errors.Is(err, execute.ErrVerifyFailed):
			return exitcode.With(exitcode.VerifyFailed, err)
		case errors.Is(err, execute.ErrGuard):
			return exitcode.With(exitcode.Blockers, err)
		}
		return err
	}
	if _, err := j.Append(journal.FinishedEntry()); err != nil {
		return err
	}
	fmt.Fprintf(o.streams.Out, "Upgraded cluster %s (%s) to %s in %s; journal %s.\n", pl.Cluster.Name, cluster.Context, pl.Target, time.Since(start).Round(time.Second), path)
	o.writeReport(files, prof)
	return nil
}

// dryRun prints the plan and what the API server says of each step's
// first change, writing no journal.
func (o *Options) dryRun(ctx context.Context, prof *profile.Profile) error {
	prep, err := cliplan.Prepare(ctx, o.global, o.Profile, o.streams)
	if err != nil {
		return err
	}
	prep.Plan.Outline(o.streams.ErrOut)
	provs, err := o.providers(ctx, prof, prep.Client)
	if err != nil {
		return err
	}
	defer provs.Close()
	env := &execute.Env{Client: prep.Client, Provider: provs.Nodes, Cloud: provs.Cloud, PoolLabel: prof.PoolLabel,
		Drain: drain.Options{DeleteEmptyDir: prof.Drain.DeleteEmptyDir, EvictNaked: prof.Drain.EvictNaked}}
	if env.Terraform, err = terraformEnv(prof, o.files(prof), o.streams.ErrOut); err != nil {
		return exitcode.Invalid(err)
	}
	lines, err := execute.DryRun(ctx, env, prep.Plan)
	fmt.Fprintf(o.streams.Out, "Dry run against cluster %s; nothing was changed.\n", prep.Cluster.Context)
	for _, l := range lines {
		fmt.Fprintln(o.streams.Out, l)
	}
	return err
}

// providers builds the profile's providers; Setup, when set, adds to
// their options (tests point the cloud clients at local servers).
func (o *Options) providers(ctx context.Context, prof *profile.Profile, client kubernetes.Interface) (*setup.Providers, error) {
	kubeconfig := o.global.Cluster.Kubeconfig
	if kubeconfig == "" {
		kubeconfig = clientcmd.NewDefaultClientConfigLoadingRules().GetDefaultFilename()
	}
	opts := setup.Options{Kubeconfig: kubeconfig, Client: client, PollInterval: o.OperationInterval,
		Output: func(line string) { fmt.Fprintln(o.streams.ErrOut, "  "+line) }}
	if o.Setup != nil {
		o.Setup(&opts)
	}
	return setup.For(ctx, prof, opts)
}

// terraformEnv is what a provider: terraform run's steps use: the binary
// in the profile's root module, plan files beside the journal, and the
// guard's allowed attributes.
func terraformEnv(prof *profile.Profile, files clireport.Files, out io.Writer) (*execute.Terraform, error) {
	s := prof.Terraform
	if prof.Provider != "terraform" || s == nil {
		return nil, nil
	}
	bin := s.Binary
	if strings.ContainsRune(bin, filepath.Separator) {
		bin = prof.Path(bin)
	}
	bin, err := terraform.FindBinary(bin)
	if err != nil {
		return nil, fmt.Errorf("%s: terraform.binary: %w", prof.File(), err)
	}
	return &execute.Terraform{
		Runner:  &terraform.Runner{Binary: bin, Dir: prof.Path(s.Dir), Output: indented{out}},
		PlanDir: filepath.Dir(files.Journal),
		Allowed: terraform.DefaultAllowed().With(s.Allow...),
	}, nil
}

// indented writes each line it is given (the Terraform runner writes
// whole lines) indented under the step's progress.
type indented struct{ w io.Writer }

func (i indented) Write(p []byte) (int, error) {
	if _, err := i.w.Write(append([]byte("  "), p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeReport writes the run's HTML report and says where it is; a report
// that cannot be written does not change the run's outcome.
func (o *Options) writeReport(files clireport.Files, prof *profile.Profile) {
	path, err := clireport.WriteFile(files, prof.Checklist)
	if err != nil {
		fmt.Fprintf(o.streams.ErrOut, "warning: the report was not written: %v (try kubehop report -p %s)\n", err, o.Profile)
		return
	}
	fmt.Fprintf(o.streams.Out, "Report: %s\n", path)
}
