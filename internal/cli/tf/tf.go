// Package tf implements `kubehop tf`: the Terraform steps of a managed
// cluster upgrade (bump the version attributes, guard the plan, add and
// remove the temporary ignore_changes).
package tf

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
)

const long = `Upgrade a cluster that Terraform manages (AKS, EKS) the way the runbooks
do, without editing the files by hand:

  1. kubehop tf bump --control-plane 1.24
       edits cluster_version in constants.tf (only the string literal: every
       comment, alignment and blank line stays);
  2. terraform plan -out plan.out && terraform show -json plan.out > plan.json
     kubehop tf guard plan.json
       passes only when the plan changes nothing but version attributes:
       any creation, destruction, replacement, drift or other attribute
       change is a blocker (exit code 4);
  3. terraform apply plan.out
  4. kubehop tf bump --control-plane 1.24 --nodes 1.24
       then plan, guard and apply again for the node pools or node groups.

On EKS, when the plan also moves the node groups' AMI (release_version)
before you want it to, ignore it for the control plane step and remove the
ignore afterwards:

  kubehop tf ignore-changes add    --file modules/eks/node_group.tf --resource aws_eks_node_group.vantiq-nodegroup --attr release_version
  kubehop tf ignore-changes remove --file modules/eks/node_group.tf --resource aws_eks_node_group.vantiq-nodegroup --attr release_version

Removing gives back the file exactly as it was before adding.

Exit codes: 0 success, 2 bad input (nothing written), 4 the plan holds
blockers, 1 other errors (such as a file that could not be written).`

// NewCommand returns the tf command and its subcommands.
func NewCommand(streams cmdutil.IOStreams, _ *cmdutil.GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tf",
		Short: "Bump Kubernetes versions in Terraform files and guard the plan that follows",
		Long:  long,
		Example: `  # Control plane first: edit constants.tf, then check Terraform's plan
  kubehop tf bump --dir infra/ --control-plane 1.24 --dry-run
  kubehop tf bump --dir infra/ --control-plane 1.24
  terraform -chdir=infra plan -out plan.out
  terraform -chdir=infra show -json plan.out | kubehop tf guard -

  # Then the node groups, with their AMI release allowed to move
  kubehop tf bump --dir infra/ --control-plane 1.24 --nodes 1.24
  kubehop tf guard plan.json --allow release_version`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRunE,
	}
	cmd.AddCommand(
		newBumpCommand(streams),
		newGuardCommand(streams),
		newIgnoreChangesCommand(streams),
	)
	return cmd
}

// groupRunE prints a command group's help, or refuses a subcommand it does
// not have.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return exitcode.Invalid(fmt.Errorf("unknown command %q for %q; see %s --help", args[0], cmd.CommandPath(), cmd.CommandPath()))
	}
	return cmd.Help()
}
