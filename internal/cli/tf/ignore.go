package tf

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/terraform"
)

const ignoreLong = `Add or remove attributes in a resource's lifecycle ignore_changes list: the
runbooks' temporary workaround while an EKS cluster is upgraded through
Terraform.

  add     appends to an existing ignore_changes list, adds ignore_changes
          to an existing lifecycle block, or adds a lifecycle block at the
          end of the resource;
  remove  takes the attributes out again, and the ignore_changes attribute
          or the lifecycle block with them when nothing else is left in it.

Removing what add put there gives back the file byte for byte. Nothing else
in the file changes, and it is replaced atomically. An attribute already
present (add) or absent (remove) changes nothing.

--resource is TYPE.NAME as in the file; an address as Terraform prints it
(module.eks.aws_eks_node_group.vantiq-nodegroup["VANTIQ"]) works too.

Exit codes: 0 success, 2 bad input (nothing written), 1 the file could not
be written.`

type ignoreOptions struct {
	file     string
	resource string
	attrs    []string
	dryRun   bool
	output   *cmdutil.OutputOptions
	streams  cmdutil.IOStreams
}

func newIgnoreChangesCommand(streams cmdutil.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ignore-changes add|remove --file FILE --resource TYPE.NAME --attr NAME",
		Short: "Add or remove a resource's temporary lifecycle ignore_changes entries",
		Long:  ignoreLong,
		Example: `  # Before the EKS control plane step: keep the node groups' AMI where it is
  kubehop tf ignore-changes add --file modules/eks/node_group.tf \
      --resource aws_eks_node_group.vantiq-nodegroup --attr release_version

  # After the node groups moved: remove it again, as if it was never there
  kubehop tf ignore-changes remove --file modules/eks/node_group.tf \
      --resource aws_eks_node_group.vantiq-nodegroup --attr release_version

  # The dockershim migration: node group sizes changed by hand meanwhile
  kubehop tf ignore-changes add --file modules/eks/node_group.tf \
      --resource aws_eks_node_group.vantiq-nodegroup --attr scaling_config --dry-run`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRunE,
	}
	cmd.AddCommand(
		newIgnoreSubcommand(streams, "add", true),
		newIgnoreSubcommand(streams, "remove", false),
	)
	return cmd
}

func newIgnoreSubcommand(streams cmdutil.IOStreams, verb string, present bool) *cobra.Command {
	o := &ignoreOptions{streams: streams, output: cmdutil.NewOutputOptions("text", "json")}
	short := "Add attributes to a resource's lifecycle ignore_changes"
	if !present {
		short = "Remove attributes from a resource's lifecycle ignore_changes"
	}
	cmd := &cobra.Command{
		Use:   verb + " --file FILE --resource TYPE.NAME --attr NAME",
		Short: short,
		Long:  ignoreLong,
		Example: `  kubehop tf ignore-changes ` + verb + ` --file modules/eks/node_group.tf \
      --resource aws_eks_node_group.vantiq-nodegroup --attr release_version`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return o.run(present) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.file, "file", "", "the .tf file that declares the resource (required)")
	fs.StringVar(&o.resource, "resource", "", "the resource, TYPE.NAME, such as aws_eks_node_group.vantiq-nodegroup (required)")
	fs.StringSliceVar(&o.attrs, "attr", nil, "attribute to ignore, such as release_version or scaling_config (repeatable, or comma-separated; required)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the diff; write nothing")
	o.output.AddFlags(fs)
	return cmd
}

// ignoreReport is the -o json output.
type ignoreReport struct {
	File       string   `json:"file"`
	Resource   string   `json:"resource"`
	Attributes []string `json:"attributes"`
	Present    bool     `json:"present"`
	Changed    bool     `json:"changed"`
	DryRun     bool     `json:"dryRun"`
	Diff       string   `json:"diff,omitempty"`
}

func (o *ignoreOptions) run(present bool) error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	var missing []string
	for _, f := range []struct {
		flag  string
		unset bool
	}{{"--file", o.file == ""}, {"--resource", o.resource == ""}, {"--attr", len(o.attrs) == 0}} {
		if f.unset {
			missing = append(missing, f.flag)
		}
	}
	if len(missing) > 0 {
		return exitcode.Invalid(fmt.Errorf("missing %s: name the file, the resource (TYPE.NAME) and the attributes", strings.Join(missing, ", ")))
	}
	typ, name, err := terraform.ParseResourceAddress(o.resource)
	if err != nil {
		return exitcode.Invalid(err)
	}
	src, err := os.ReadFile(o.file)
	if err != nil {
		return exitcode.Invalid(err)
	}
	out, err := terraform.SetIgnoreChanges(o.file, src, typ, name, o.attrs, present)
	if err != nil {
		return exitcode.Invalid(err)
	}
	rep := ignoreReport{File: o.file, Resource: typ + "." + name, Attributes: o.attrs, Present: present,
		Changed: !bytes.Equal(src, out), DryRun: o.dryRun, Diff: terraform.UnifiedDiff(o.file, src, out)}
	if rep.Changed && !o.dryRun {
		r := &terraform.Result{Files: []*terraform.FileChange{{Path: o.file, Before: src, After: out}}}
		if err := r.Write(); err != nil {
			return err
		}
	}
	if o.output.Structured() {
		return o.output.PrintStructured(o.streams.Out, rep)
	}
	printIgnore(o.streams.Out, rep)
	return nil
}

func printIgnore(w io.Writer, r ignoreReport) {
	list := strings.Join(r.Attributes, ", ")
	if !r.Changed {
		if r.Present {
			fmt.Fprintf(w, "%s already ignores changes to %s in %s; nothing changed.\n", r.Resource, list, r.File)
		} else {
			fmt.Fprintf(w, "%s does not ignore changes to %s in %s; nothing changed.\n", r.Resource, list, r.File)
		}
		return
	}
	fmt.Fprint(w, r.Diff)
	verb := "now ignores"
	if !r.Present {
		verb = "no longer ignores"
	}
	if r.DryRun {
		fmt.Fprintf(w, "Dry run: %s would be changed so that %s %s changes to %s; nothing was written.\n", r.File, r.Resource, strings.TrimPrefix(verb, "now "), list)
		return
	}
	fmt.Fprintf(w, "%s %s changes to %s (%s).\n", r.Resource, verb, list, r.File)
}
