// Package demo implements `kubehop demo`: a real local cluster with the
// runbooks' platform on it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/apply"
	clicheck "github.com/kubehop/kubehop/internal/cli/check"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	platform "github.com/kubehop/kubehop/internal/demo"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/localcluster"
)

const long = `Start a real Kubernetes cluster on loopback and seed it with the platform
from the runbooks, so that every kubehop command can be tried without a cloud
account.

The cluster runs etcd, kube-apiserver, kube-controller-manager and
kube-scheduler built from the Kubernetes Go modules at pinned versions, with
kwok standing in for the kubelets. The platform has five node pools (vantiq,
mongodb, keycloak, grafana, metrics), the Vantiq StatefulSets, MongoDB with
its mongobackup CronJob, Keycloak, Grafana and InfluxDB, telegraf-prom with a
PodDisruptionBudget that blocks every drain, DaemonSets, and budgets on the
rest.

The binaries must be built first: 'make demo' does it (hack/build-bins.sh).
Without --keep the cluster is stopped and removed once the platform is ready;
with --keep it runs until Ctrl-C.`

// Options are the flags of `kubehop demo`.
type Options struct {
	Version       string
	Keep          bool
	Dir           string
	PodReadyDelay time.Duration
	Timeout       time.Duration
	NoUpgrade     bool
	Output        *cmdutil.OutputOptions

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
}

// NewOptions returns the defaults.
func NewOptions(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *Options {
	return &Options{
		Version:       "1.36",
		PodReadyDelay: 2 * time.Second,
		Timeout:       15 * time.Minute,
		Output:        cmdutil.NewOutputOptions("text", "json", "yaml"),
		streams:       streams,
		global:        global,
	}
}

// NewCommand returns the demo command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := NewOptions(streams, global)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a local cluster seeded with the runbooks' platform",
		Long:  long,
		Example: `  # Seed the platform, print it and tear the cluster down
  kubehop demo

  # Keep it running and point kubectl at it from another shell
  kubehop demo --keep

  # A machine-readable summary
  kubehop demo -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// AddFlags registers the command's flags.
func (o *Options) AddFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&o.Version, "kubernetes-version", o.Version, "Kubernetes version to start at ("+strings.Join(localcluster.PinnedVersions().Minors(), " or ")+")")
	fs.BoolVar(&o.Keep, "keep", o.Keep, "keep the cluster running until Ctrl-C")
	fs.BoolVar(&o.NoUpgrade, "no-upgrade", o.NoUpgrade, "only seed the platform; try check, plan and apply yourself (the profile is written beside the kubeconfig)")
	fs.StringVar(&o.Dir, "dir", o.Dir, "directory for the cluster's data, kubeconfig and logs (kept afterwards); a temporary one when empty")
	fs.DurationVar(&o.PodReadyDelay, "pod-ready-delay", o.PodReadyDelay, "how long a pod takes to turn Ready, modelling start-up time")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "give up if the platform is not ready within this time")
	o.Output.AddFlags(fs)
}

// Validate checks the flags; it changes nothing.
func (o *Options) Validate() error {
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if _, err := localcluster.PinnedVersions().Resolve(o.Version); err != nil {
		return exitcode.Invalid(fmt.Errorf("--kubernetes-version: %w", err))
	}
	if o.PodReadyDelay < 0 || o.Timeout <= 0 {
		return exitcode.Invalid(errors.New("--pod-ready-delay must not be negative and --timeout must be positive"))
	}
	return nil
}

// upgrade runs what an operator would: check, then apply the demo profile's
// plan (apply prints it first). Reports and progress go to stderr; the
// demo's summary is its only output.
func (o *Options) upgrade(ctx context.Context, c *localcluster.Cluster, profilePath string, progress *progress) error {
	people := cmdutil.IOStreams{In: o.streams.In, Out: o.streams.ErrOut, ErrOut: o.streams.ErrOut}
	global := &cmdutil.GlobalOptions{Verbosity: o.global.Verbosity, LogFormat: o.global.LogFormat,
		Cluster: cmdutil.ClusterOptions{Kubeconfig: c.Kubeconfig()}}
	progress.step("kubehop check --target %s", o.upgradeTarget())
	chk := clicheck.NewOptions(people, global)
	chk.Target, chk.Cluster = o.upgradeTarget(), true
	if err := chk.Run(ctx); err != nil && !errors.Is(err, exitcode.ErrQuiet) {
		return err
	}
	progress.step("kubehop apply --profile %s --yes", profilePath)
	ap := apply.NewOptions(people, global)
	ap.Profile, ap.Yes = profilePath, true
	return ap.Run(ctx)
}

// upgradeTarget is the minor after the one the demo starts at.
func (o *Options) upgradeTarget() string {
	v, _ := localcluster.PinnedVersions().Resolve(o.Version)
	minors := localcluster.PinnedVersions().Minors()
	for i, m := range minors {
		if strings.HasPrefix(v, "v"+m+".") && i+1 < len(minors) {
			return minors[i+1]
		}
	}
	return minors[len(minors)-1]
}

// summary is what the demo prints.
type summary struct {
	KubernetesVersion string           `json:"kubernetesVersion"`
	StartedAt         string           `json:"startedAt"`
	Journal           string           `json:"journal,omitempty"`
	Kubeconfig        string           `json:"kubeconfig"`
	Profile           string           `json:"profile"`
	Dir               string           `json:"dir"`
	Kept              bool             `json:"kept"`
	Platform          *platform.Status `json:"platform"`
}

// Run starts the cluster, seeds it and prints what it made.
func (o *Options) Run(ctx context.Context) (err error) {
	log := o.global.Logger(o.streams.ErrOut)
	progress := newProgress(o.streams.ErrOut)
	started := time.Now()

	progress.step("starting a local Kubernetes cluster at %s (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)", o.Version)
	c, err := localcluster.Start(ctx, localcluster.Options{
		Version: o.Version, Dir: o.Dir, KeepDir: o.Dir != "", PodReadyDelay: o.PodReadyDelay, Logger: log,
	})
	if err != nil {
		return fmt.Errorf("start local cluster: %w", err)
	}
	defer func() {
		progress.step("stopping the local cluster")
		if stopErr := c.Stop(); stopErr != nil {
			err = errors.Join(err, fmt.Errorf("stop local cluster: %w", stopErr))
		}
	}()
	progress.step("control plane %s is up in %s; adding node pools and the platform", c.Version(), time.Since(started).Round(time.Second))
	serveCtx, stopServing := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServing()
	go func() {
		if err := c.Serve(serveCtx); err != nil {
			log.Warn("control socket stopped", "err", err)
		}
	}()

	seedCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	status, err := platform.Seed(seedCtx, c, platform.SeedOptions{Logger: log, Progress: progress.platform})
	progress.done()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("seed the demo platform (component logs in %s): %w", c.LogDir(), err)
	}
	progress.step("platform ready in %s", time.Since(started).Round(time.Second))

	profilePath := filepath.Join(c.Dir(), "kubehop.yaml")
	if err := platform.WriteProfile(ctx, c, o.upgradeTarget(), profilePath); err != nil {
		return err
	}
	s := summary{StartedAt: c.Version(), Kubeconfig: c.Kubeconfig(), Dir: c.Dir(), Profile: profilePath, Kept: o.Keep}
	if !o.NoUpgrade {
		if err := o.upgrade(ctx, c, profilePath, progress); err != nil {
			return fmt.Errorf("upgrade the demo platform (component logs in %s): %w", c.LogDir(), err)
		}
		if o.Keep || o.Dir != "" {
			s.Journal = filepath.Join(c.Dir(), ".kubehop", "kubehop-demo.journal") // kept with the cluster's directory
		}
		if status, err = platform.WaitReady(seedCtx, c.Client(), nil); err != nil {
			return fmt.Errorf("after the upgrade: %w", err)
		}
		progress.step("upgraded to %s in %s", c.Version(), time.Since(started).Round(time.Second))
	}
	s.KubernetesVersion, s.Platform = c.Version(), status
	if o.Output.Structured() {
		if err := o.Output.PrintStructured(o.streams.Out, s); err != nil {
			return err
		}
	} else {
		printSummary(o.streams.Out, s, c.Binaries().Kubectl)
	}
	if !o.Keep {
		return nil
	}
	fmt.Fprintln(o.streams.ErrOut, "The cluster keeps running; press Ctrl-C to stop it.")
	<-ctx.Done()
	return nil
}

func printSummary(w io.Writer, s summary, kubectl string) {
	if s.StartedAt != s.KubernetesVersion {
		fmt.Fprintf(w, "Local cluster upgraded from Kubernetes %s to %s with the demo platform on it.\n", s.StartedAt, s.KubernetesVersion)
		if s.Journal != "" {
			fmt.Fprintf(w, "The upgrade's journal: %s\n", s.Journal)
		}
		fmt.Fprint(w, "\nNODES\n")
	} else {
		fmt.Fprintf(w, "Local cluster at Kubernetes %s with the demo platform.\n\nNODES\n", s.KubernetesVersion)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POOL\tNODE\tKUBELET\tRUNTIME\tREADY")
	for _, n := range s.Platform.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\n", n.Pool, n.Name, n.KubeletVersion, n.Runtime, n.Ready)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nWORKLOADS")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tKIND\tNAME\tREADY")
	for _, wl := range s.Platform.Workloads {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\n", wl.Namespace, wl.Kind, wl.Name, wl.Ready, wl.Desired)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nPods: %d Running and Ready of %d (plus %d Job pods).\n", s.Platform.Pods.Ready, s.Platform.Pods.Total, s.Platform.Pods.JobPods)
	if !s.Kept {
		fmt.Fprintln(w, "\nRun 'kubehop demo --keep' to keep the cluster running and explore it with kubectl.")
		return
	}
	fmt.Fprintf(w, "\nPoint kubectl at it from another shell:\n  export KUBECONFIG=%s\n  %s get nodes -L %s\n  %s get pods -A -o wide\n",
		s.Kubeconfig, kubectl, localcluster.PoolLabel, kubectl)
}
