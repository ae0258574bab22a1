// Package cli is kubehop's command line: the root command, its global flags
// and the mapping of errors to exit codes. Each verb lives in a package of
// its own under internal/cli.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/appcmd"
	"github.com/kubehop/kubehop/internal/cli/apply"
	"github.com/kubehop/kubehop/internal/cli/calendarcmd"
	"github.com/kubehop/kubehop/internal/cli/check"
	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/cli/demo"
	"github.com/kubehop/kubehop/internal/cli/initcmd"
	"github.com/kubehop/kubehop/internal/cli/meshcmd"
	"github.com/kubehop/kubehop/internal/cli/plan"
	"github.com/kubehop/kubehop/internal/cli/renewcmd"
	"github.com/kubehop/kubehop/internal/cli/report"
	"github.com/kubehop/kubehop/internal/cli/snapshot"
	"github.com/kubehop/kubehop/internal/cli/tf"
	"github.com/kubehop/kubehop/internal/cli/verify"
	"github.com/kubehop/kubehop/internal/cli/version"
	"github.com/kubehop/kubehop/internal/exitcode"
)

const rootLong = `kubehop plans, runs and verifies Kubernetes cluster upgrades, and the
upgrades of the stateful platforms running on them, so that nobody has to
follow a long manual runbook at 2 a.m.

The workflow, one command per step:

  1. check   read the cluster (or a saved snapshot) and report what will break
             on the way to the target version: removed APIs, drain blockers,
             version skew, container runtime, add-ons, certificates.
  2. plan    build a reviewable, hop-by-hop plan (one minor version at a
             time) that respects node-pool ordering and disruption budgets.
  3. apply   execute the plan with a durable journal; after a crash or Ctrl-C,
             resume continues exactly where it stopped.
  4. verify  prove the cluster is healthy afterwards, against the snapshot
             taken before the upgrade.

  5. report  write the run's report from its journal: one self-contained HTML
             file with the plan, a timeline of every pool and node, what
             waited on which budget, and the verification; or Markdown, JSON.

For Terraform-managed clusters, tf bump sets the version attributes in
place (comments and layout kept), tf guard fails a terraform plan that does
anything but the expected version changes, and tf ignore-changes adds or
removes the runbooks' temporary lifecycle { ignore_changes = [...] }.

apply runs every provider: local (kubehop's own test cluster), eks, aks,
gke, anthos-bm (bmctl), kubeadm (over ssh) and terraform (bump, plan, guard,
apply); EKS node groups still on docker are moved to containerd on the way
to 1.24.

The platform runbooks run on the same engine and journal:
  app upgrade|rollback    the stateful application's minor upgrade (backup,
                          held at one replica while its schema migrates) and
                          patch upgrade; a failed migration rolls back
  mesh upgrade|rollback   Istio/ASM canary upgrade by revision
  cert renew|rollback     a checked certificate into its Secrets
  license renew|rollback  licence files into their Secrets
  approve                 let a run waiting at a manual gate go on
  calendar                what is due: expiries, end of support, plans

demo starts a real local cluster (etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and kwok nodes) with the runbooks'
platform on it and upgrades it.

Exit codes (see docs/exit-codes.md):
  0 success, 1 failure, 2 bad input (nothing changed), 3 warnings found,
  4 blockers found, 5 verification failed, 130 interrupted.`

// NewRootCommand builds the kubehop command tree.
func NewRootCommand(streams cmdutil.IOStreams) *cobra.Command {
	global := &cmdutil.GlobalOptions{}
	root := &cobra.Command{
		Use:           "kubehop",
		Short:         "Plan, run and verify Kubernetes cluster upgrades",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		Example: `  # What stands between the current cluster and 1.37
  kubehop check --target 1.37

  # Write a profile, review the plan, run it (resume after any interruption)
  kubehop init -o kubehop.yaml
  kubehop plan -p kubehop.yaml
  kubehop apply -p kubehop.yaml
  kubehop resume -p kubehop.yaml

  # Prove the cluster healthy against the snapshot apply kept; the report
  kubehop verify -p kubehop.yaml
  kubehop report -p kubehop.yaml

  # Terraform: bump constants.tf, then guard the plan before applying it
  kubehop tf bump --dir infra --control-plane 1.24 --dry-run
  terraform -chdir=infra plan -out plan.out && terraform -chdir=infra show -json plan.out > plan.json
  kubehop tf guard plan.json

  # Start the local demo cluster, upgrade its platform, keep it running
  kubehop demo --keep

  # Print the version as JSON
  kubehop version -o json`,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	global.AddFlags(root.PersistentFlags())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return exitcode.Invalid(err) })
	root.AddCommand(
		check.NewCommand(streams, global),
		initcmd.NewCommand(streams, global),
		plan.NewCommand(streams, global),
		apply.NewCommand(streams, global),
		apply.NewResumeCommand(streams, global),
		verify.NewCommand(streams, global),
		report.NewCommand(streams),
		snapshot.NewCommand(streams, global),
		demo.NewCommand(streams, global),
		tf.NewCommand(streams, global),
		appcmd.NewCommand(streams, global),
		appcmd.NewApproveCommand(streams, global),
		calendarcmd.NewCommand(streams, global),
		meshcmd.NewCommand(streams, global),
		renewcmd.NewCertCommand(streams, global),
		renewcmd.NewLicenseCommand(streams, global),
		version.NewCommand(streams),
	)
	return root
}

// Main runs kubehop with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, cmdutil.StdStreams(), os.Args[1:])
}

// Run executes one command line and returns its exit code, printing any
// error to streams.ErrOut.
func Run(ctx context.Context, streams cmdutil.IOStreams, args []string) int {
	root := NewRootCommand(streams)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitcode.OK
	}
	code := exitcode.From(err)
	switch {
	case errors.Is(err, exitcode.ErrQuiet):
	case code == exitcode.Interrupted:
		fmt.Fprintln(streams.ErrOut, "kubehop: interrupted")
	default:
		fmt.Fprintf(streams.ErrOut, "Error: %v\n", err)
		if code == exitcode.BadInput && cmd != nil {
			fmt.Fprintf(streams.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	return code
}
