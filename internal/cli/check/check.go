// Package check implements `kubehop check`.
package check

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/kubehop/kubehop/internal/apidata"
	"github.com/kubehop/kubehop/internal/check"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/cli/snapshot"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/inventory"
	"github.com/kubehop/kubehop/internal/report"
	"github.com/kubehop/kubehop/internal/scan"
)

const long = `Say what will break on the way to the target version, why, and what to do,
before anything moves.

kubehop reads the cluster (or a snapshot) and the manifests you name, plans the
hops (one minor version at a time) and runs every check that applies:

  KH-VER-*      the hop path and kubelet version skew
  KH-HEALTH-*   nodes not Ready and pods not Running before the upgrade
  KH-API-*      removed and deprecated API versions in manifest files, stdin,
                Helm release manifests and live objects (last-applied
                configuration and managed fields)
  KH-DRAIN-*    PodDisruptionBudgets that block every drain, pods without a
                controller, emptyDir data, single-replica workloads
  KH-RUNTIME-*  dockershim nodes before 1.24
  KH-EKS-*      the EBS CSI driver before EKS 1.23
  KH-ADDON-*    kube-proxy and CoreDNS that must move with the control plane
  KH-CERT-*     TLS certificates expiring before or soon after the window
  KH-APP-*      application releases that do not support the target
                (--release-map)

Without -f, the current kubeconfig context is read. With -f only the files
are scanned (add --cluster to read the cluster too); --from names the
cluster's current version so that findings are grouped by hop.

Exit codes: 0 nothing found, 3 warnings only, 4 blockers, 2 bad input.`

// Options are the flags of `kubehop check`.
type Options struct {
	Target       string
	From         string
	Files        []string
	Snapshot     string
	Cluster      bool
	Provider     string
	PoolLabel    string
	APIData      string
	ReleaseMap   string
	WindowEnd    string
	CertWarnDays int
	Strict       bool
	Output       *cmdutil.OutputOptions

	streams cmdutil.IOStreams
	global  *cmdutil.GlobalOptions
	now     func() time.Time
}

// NewOptions returns the defaults.
func NewOptions(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *Options {
	return &Options{
		WindowEnd: "24h", CertWarnDays: 30,
		Output:  cmdutil.NewOutputOptions("text", "json", "yaml", "markdown", "junit", "sarif"),
		streams: streams, global: global, now: time.Now,
	}
}

// NewCommand returns the check command.
func NewCommand(streams cmdutil.IOStreams, global *cmdutil.GlobalOptions) *cobra.Command {
	o := NewOptions(streams, global)
	cmd := &cobra.Command{
		Use:   "check --target VERSION",
		Short: "Report what will break on the way to a Kubernetes version, and what to do",
		Long:  long,
		Example: `  # The current context's cluster, on the way to 1.37
  kubehop check --target 1.37

  # Manifests in a repository, and a Helm chart rendered on the fly
  kubehop check --target 1.37 -f deploy/ -f kustomize/base
  helm template my-release ./chart | kubehop check --target 1.37 -f -

  # Offline, from a snapshot, as a change-ticket Markdown or for CI
  kubehop check --target 1.37 --snapshot before.json -o markdown
  kubehop check --target 1.37 -f deploy/ -o sarif > kubehop.sarif`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("cluster") {
				o.Cluster = len(o.Files) == 0 && o.Snapshot == ""
			}
			return o.Run(cmd.Context())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Target, "target", "", "Kubernetes version to upgrade to, such as 1.37 (required)")
	fs.StringVar(&o.From, "from", "", "current Kubernetes version, when no cluster or snapshot says it")
	fs.StringArrayVarP(&o.Files, "filename", "f", nil, "manifest file or directory to scan (repeatable); - reads standard input")
	fs.StringVar(&o.Snapshot, "snapshot", "", "read this snapshot file (kubehop snapshot) instead of the cluster")
	fs.BoolVar(&o.Cluster, "cluster", false, "read the cluster of the current context (default: when neither -f nor --snapshot is given)")
	fs.StringVar(&o.Provider, "provider", "", "eks, aks, gke, anthos-bm, kubeadm or local (default: detected from the nodes)")
	fs.StringVar(&o.PoolLabel, "pool-label", "", "node label that names node pools")
	fs.StringVar(&o.APIData, "api-data", "", "removed-API data file to use instead of the built-in one")
	fs.StringVar(&o.ReleaseMap, "release-map", "", "file mapping application releases to the Kubernetes versions they support")
	fs.StringVar(&o.WindowEnd, "window-end", o.WindowEnd, "end of the maintenance window: a time (2026-12-01T06:00:00Z) or a duration from now")
	fs.IntVar(&o.CertWarnDays, "cert-warn-days", o.CertWarnDays, "warn about certificates that expire within this many days after the window")
	fs.BoolVar(&o.Strict, "strict", false, "parse every manifest document in full, reporting any malformed one (slower)")
	o.Output.AddFlags(fs)
	return cmd
}

// Run checks and prints the report; the exit code says what was found.
func (o *Options) Run(ctx context.Context) error {
	if err := o.Output.Validate(); err != nil {
		return err
	}
	in, checks, err := o.input(ctx)
	if err != nil {
		return err
	}
	r := check.Run(in, checks)
	for _, p := range in.Scan.Problems {
		loc := p.File
		if p.Line > 0 {
			loc = fmt.Sprintf("%s:%d", p.File, p.Line)
		}
		r.Problems = append(r.Problems, loc+": "+p.Err)
	}
	if o.Output.Structured() {
		err = o.Output.PrintStructured(o.streams.Out, r)
	} else {
		err = report.WriteCheck(o.streams.Out, o.Output.Format, r, checks)
	}
	if err != nil {
		return err
	}
	switch {
	case r.Summary.Blockers > 0:
		return exitcode.Quiet(exitcode.Blockers)
	case r.Summary.Warnings > 0:
		return exitcode.Quiet(exitcode.Warnings)
	}
	return nil
}

// input gathers everything the checks look at. Bad input is reported
// before the cluster is read.
func (o *Options) input(ctx context.Context) (*check.Input, []*check.Check, error) {
	policy := check.DefaultPolicy()
	if o.Target == "" {
		return nil, nil, exitcode.Invalid(errors.New("--target is required, such as --target 1.37"))
	}
	target, err := policy.ParseMinor(o.Target)
	if err != nil {
		return nil, nil, exitcode.Invalid(fmt.Errorf("--target: %w", err))
	}
	if o.CertWarnDays < 0 {
		return nil, nil, exitcode.Invalid(errors.New("--cert-warn-days must not be negative"))
	}
	now := o.now().UTC()
	windowEnd, err := parseWindowEnd(o.WindowEnd, now)
	if err != nil {
		return nil, nil, exitcode.Invalid(err)
	}
	data := apidata.Default()
	if o.APIData != "" {
		if data, err = apidata.Load(o.APIData); err != nil {
			return nil, nil, exitcode.Invalid(fmt.Errorf("--api-data: %w", err))
		}
	}
	in := &check.Input{Target: target, Now: now, WindowEnd: windowEnd, CertWarn: time.Duration(o.CertWarnDays) * 24 * time.Hour, Policy: policy, Provider: o.Provider}
	if o.ReleaseMap != "" {
		if in.ReleaseMap, err = check.LoadReleaseMap(o.ReleaseMap); err != nil {
			return nil, nil, exitcode.Invalid(fmt.Errorf("--release-map: %w", err))
		}
	}
	if o.Snapshot != "" && o.Cluster {
		return nil, nil, exitcode.Invalid(errors.New("--snapshot and --cluster exclude each other"))
	}
	if o.From != "" {
		if in.Current, err = policy.ParseMinor(o.From); err != nil {
			return nil, nil, exitcode.Invalid(fmt.Errorf("--from: %w", err))
		}
	}

	switch {
	case o.Snapshot != "":
		if in.Snapshot, err = inventory.Load(o.Snapshot); err != nil {
			return nil, nil, exitcode.Invalid(err)
		}
	case o.Cluster:
		if in.Snapshot, err = snapshot.Read(ctx, o.global, o.PoolLabel, data.Kinds(), o.streams); err != nil {
			return nil, nil, err
		}
	}
	if in.Snapshot != nil {
		v, err := version.ParseGeneric(in.Snapshot.Cluster.Version)
		if err != nil {
			return nil, nil, fmt.Errorf("the cluster reports version %q: %w", in.Snapshot.Cluster.Version, err)
		}
		if in.Current != nil && (in.Current.Minor() != v.Minor() || in.Current.Major() != v.Major()) {
			return nil, nil, exitcode.Invalid(fmt.Errorf("--from %s contradicts the cluster's version %s", o.From, in.Snapshot.Cluster.Version))
		}
		in.Current = v
		if in.Provider == "" {
			in.Provider = inventory.DetectProvider(in.Snapshot)
		}
	}
	if in.Hops, err = check.PlanHops(in.Current, target); err != nil {
		return nil, nil, exitcode.Invalid(fmt.Errorf("--target: %w", err))
	}

	if in.Scan, err = o.scan(ctx, data, in.Snapshot); err != nil {
		return nil, nil, err
	}
	return in, check.Registry(), nil
}

// scan finds removed and deprecated APIs in the named files, standard
// input, the snapshot's Helm releases and its live objects.
func (o *Options) scan(ctx context.Context, data *apidata.Data, s *inventory.Snapshot) (*scan.Result, error) {
	sc := &scan.Scanner{Data: data, Strict: o.Strict}
	total := &scan.Result{}
	var paths []string
	stdin := false
	for _, f := range o.Files {
		if f == "-" {
			stdin = true
			continue
		}
		paths = append(paths, f)
	}
	var parts []*scan.Result
	if len(paths) > 0 {
		r, err := sc.ScanPaths(ctx, paths)
		if errors.Is(err, scan.ErrPath) {
			return nil, exitcode.Invalid(err)
		}
		if err != nil {
			return nil, err
		}
		parts = append(parts, r)
	}
	if stdin {
		r, err := sc.ScanReader(ctx, "-", o.streams.In)
		if err != nil {
			return nil, err
		}
		parts = append(parts, r)
	}
	if s != nil {
		parts = append(parts, sc.ScanSnapshot(s))
	}
	for _, p := range parts {
		total.Merge(p)
	}
	total.Sort()
	return total, nil
}

// parseWindowEnd reads an RFC 3339 time or a duration from now.
func parseWindowEnd(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--window-end %q: want a time such as 2026-12-01T06:00:00Z, a date, or a duration such as 48h", s)
}
