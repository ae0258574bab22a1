package tf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/terraform"
)

const bumpLong = `Set the Kubernetes versions pinned in Terraform files, editing only the
string literals: every comment (such as "# 1.21.2 -> 1.22.15"), alignment
and blank line stays as it was.

Which attributes each flag sets, wherever they are (in resources, module
blocks, locals, and objects nested in locals such as
locals.eks_config.managed_node_group_config["VANTIQ"]):

  --control-plane  cluster_version; kubernetes_version directly in an
                   azurerm_kubernetes_cluster resource or a module block
  --nodes          orchestrator_version (AKS node pools); kubernetes_version
                   anywhere else (EKS node group maps)
  --kubectl        opnode_kubectl_version, bastion_kubectl_version (any
                   attribute named *kubectl_version)

A flag not given leaves its attributes alone. Each literal keeps its
precision: "1.23" becomes "1.24" even for --control-plane 1.24.7, and
"1.21.2" needs a full version such as 1.22.15. Downgrades are refused, and
so is a control plane jump over a minor version (one minor at a time).

An attribute that refers to a local value (cluster_version =
local.common_config.cluster_version) follows it, and is listed as a note.
Any other expression (var.x, each.value.x, "${...}") cannot be bumped here:
the error names its file, line and attribute, to change where it is
defined.

The files are read as one module: --dir DIR reads DIR/*.tf (not its
subdirectories), or name the files. Nothing is written unless every file
parses and every attribute can be bumped; each file is replaced atomically.
--dry-run prints the edits and a diff and writes nothing.

Exit codes: 0 success (also when nothing needs to change), 2 bad input or an
attribute that cannot be bumped (nothing written), 1 a file could not be
written.`

type bumpOptions struct {
	dir      string
	versions terraform.Versions
	dryRun   bool
	output   *cmdutil.OutputOptions
	streams  cmdutil.IOStreams
}

func newBumpCommand(streams cmdutil.IOStreams) *cobra.Command {
	o := &bumpOptions{streams: streams, output: cmdutil.NewOutputOptions("text", "json")}
	cmd := &cobra.Command{
		Use:   "bump [--dir DIR | FILE...] [--control-plane V] [--nodes V] [--kubectl V]",
		Short: "Set the Kubernetes versions in Terraform files, changing nothing else",
		Long:  bumpLong,
		Example: `  # AKS: the control plane (and the pools that follow it) to 1.22.15
  kubehop tf bump --dir . --control-plane 1.22.15 --kubectl 1.22.15

  # EKS, control plane first; review the diff before writing
  kubehop tf bump --control-plane 1.24 --dry-run
  kubehop tf bump --control-plane 1.24

  # Then the managed node groups in constants.tf
  kubehop tf bump constants.tf --control-plane 1.24 --nodes 1.24 -o json`,
		RunE: func(_ *cobra.Command, args []string) error { return o.run(args) },
	}
	fs := cmd.Flags()
	fs.StringVar(&o.dir, "dir", "", "module directory whose *.tf files to edit (default: the current directory, unless files are named)")
	fs.StringVar(&o.versions.ControlPlane, "control-plane", "", "control plane version, such as 1.24 or 1.22.15")
	fs.StringVar(&o.versions.Nodes, "nodes", "", "node pool and node group version")
	fs.StringVar(&o.versions.Kubectl, "kubectl", "", "kubectl version of the operator machines (opnode, bastion)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the edits and a diff; write nothing")
	o.output.AddFlags(fs)
	return cmd
}

// bumpReport is the -o json output.
type bumpReport struct {
	DryRun bool               `json:"dryRun"`
	To     terraform.Versions `json:"to"`
	Edits  []terraform.Edit   `json:"edits"`
	Notes  []terraform.Note   `json:"notes,omitempty"`
	Files  []string           `json:"files"`
	Diff   string             `json:"diff,omitempty"`
}

func (o *bumpOptions) run(args []string) error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	if err := o.versions.Validate(); err != nil {
		return exitcode.Invalid(err)
	}
	paths, err := o.files(args)
	if err != nil {
		return exitcode.Invalid(err)
	}
	r, err := terraform.BumpFiles(paths, o.versions, true)
	if err != nil {
		return exitcode.Invalid(err)
	}
	if !o.dryRun {
		if err := r.Write(); err != nil {
			return err
		}
	}
	rep := bumpReport{DryRun: o.dryRun, To: o.versions, Edits: r.Edits, Notes: r.Notes, Files: []string{}}
	for _, f := range r.Files {
		rep.Files = append(rep.Files, f.Path)
	}
	if o.dryRun {
		rep.Diff = r.Diff()
	}
	if o.output.Structured() {
		return o.output.PrintStructured(o.streams.Out, rep)
	}
	printBump(o.streams.Out, rep)
	return nil
}

// files are the .tf files to read: the named ones, or those of --dir (the
// current directory by default).
func (o *bumpOptions) files(args []string) ([]string, error) {
	if o.dir != "" && len(args) > 0 {
		return nil, errors.New("give either --dir or files, not both")
	}
	if len(args) > 0 {
		for _, a := range args {
			info, err := os.Stat(a)
			if err != nil {
				return nil, err
			}
			if info.IsDir() {
				return nil, fmt.Errorf("%s is a directory: use --dir %s", a, a)
			}
		}
		return args, nil
	}
	dir := o.dir
	if dir == "" {
		dir = "."
	}
	if info, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("--dir: %w", err)
	} else if !info.IsDir() {
		return nil, fmt.Errorf("--dir %s is not a directory", dir)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("--dir %s: no *.tf files there", dir)
	}
	sort.Strings(paths)
	return paths, nil
}

func printBump(w io.Writer, r bumpReport) {
	for _, e := range r.Edits {
		fmt.Fprintln(w, e)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	switch {
	case len(r.Edits) == 0:
		fmt.Fprintln(w, "Nothing to change: every version attribute asked for is already there.")
	case r.DryRun:
		fmt.Fprintf(w, "\n%s\nDry run: %s would change; nothing was written.\n", r.Diff, count(len(r.Edits), "value", len(r.Files), "file"))
	default:
		fmt.Fprintf(w, "Changed %s.\n", count(len(r.Edits), "value", len(r.Files), "file"))
	}
}

func count(n int, what string, m int, in string) string {
	plural := func(k int, s string) string {
		if k == 1 {
			return fmt.Sprintf("%d %s", k, s)
		}
		return fmt.Sprintf("%d %ss", k, s)
	}
	return plural(n, what) + " in " + plural(m, in)
}
