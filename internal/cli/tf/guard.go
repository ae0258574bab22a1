package tf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/spf13/cobra"

	"github.com/kubehop/kubehop/internal/cli/cmdutil"
	"github.com/kubehop/kubehop/internal/exitcode"
	"github.com/kubehop/kubehop/internal/terraform"
)

var guardLong = `Check that a Terraform plan changes nothing but Kubernetes versions, before
you apply it. Give it the plan as JSON:

  terraform plan -out plan.out
  terraform show -json plan.out > plan.json
  kubehop tf guard plan.json

Every resource change must be a no-op, a data source read, or an in-place
update whose changed attributes (nested blocks, objects and lists
included, values known only after apply too) are all allowed version
attributes. Allowed by default:

  ` + defaultAllowedText + `

--allow adds more, by name (release_version) or by resource type and name
(aws_eks_node_group.release_version). The EKS node groups' AMI release
(release_version) is deliberately not allowed by default: on the control
plane step the runbooks ignore it instead (kubehop tf ignore-changes).

Everything else is a blocker, printed one per line with the resource
address, the action and the attribute with its old and new value
(sensitive values masked): creations, destructions, replacements (with the
attributes that force them), other attribute changes, changes made outside
Terraform (drift: resolve them first), moved or imported resources,
deferred changes, a partial plan (-target), and removed outputs.

Exit codes: 0 only allowed version changes, 4 blockers found, 2 a file that
is not a JSON plan.`

var defaultAllowedText = strings.Join(terraform.DefaultAllowed().Attributes, ", ")

type guardOptions struct {
	allow   []string
	output  *cmdutil.OutputOptions
	streams cmdutil.IOStreams
}

func newGuardCommand(streams cmdutil.IOStreams) *cobra.Command {
	o := &guardOptions{streams: streams, output: cmdutil.NewOutputOptions("text", "json")}
	cmd := &cobra.Command{
		Use:   "guard PLAN.json",
		Short: "Pass a Terraform plan only if it changes nothing but Kubernetes versions",
		Long:  guardLong,
		Example: `  # After bumping the versions: plan, guard, apply
  terraform plan -out plan.out
  terraform show -json plan.out > plan.json
  kubehop tf guard plan.json && terraform apply plan.out

  # From a pipe; the node groups' AMI release may move too
  terraform show -json plan.out | kubehop tf guard - --allow release_version

  # For CI
  kubehop tf guard plan.json -o json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitcode.Invalid(errors.New("name one plan: kubehop tf guard PLAN.json (- reads standard input)"))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error { return o.run(args[0]) },
	}
	fs := cmd.Flags()
	fs.StringSliceVar(&o.allow, "allow", nil, "more attributes the plan may change, comma-separated: NAME or RESOURCE_TYPE.NAME (such as release_version)")
	o.output.AddFlags(fs)
	return cmd
}

// guardReport is the -o json output.
type guardReport struct {
	Plan       string                `json:"plan"`
	OK         bool                  `json:"ok"`
	Allow      []string              `json:"allow"`
	Allowed    []terraform.Change    `json:"allowed"`
	Violations []terraform.Violation `json:"violations"`
}

func (o *guardOptions) run(path string) error {
	if err := o.output.Validate(); err != nil {
		return err
	}
	for _, a := range o.allow {
		if a == "" || strings.ContainsAny(a, " \t[]\"") {
			return exitcode.Invalid(fmt.Errorf("--allow %q: want an attribute name such as release_version or aws_eks_node_group.release_version", a))
		}
	}
	plan, err := o.readPlan(path)
	if err != nil {
		return exitcode.Invalid(err)
	}
	allowed := terraform.DefaultAllowed().With(o.allow...)
	r := terraform.CheckPlan(plan, allowed)
	rep := guardReport{Plan: path, OK: r.OK(), Allow: allowed.Attributes, Allowed: r.Allowed, Violations: r.Violations}
	if o.output.Structured() {
		if err := o.output.PrintStructured(o.streams.Out, rep); err != nil {
			return err
		}
	} else {
		printGuard(o.streams.Out, rep)
	}
	if !r.OK() {
		return exitcode.Quiet(exitcode.Blockers)
	}
	return nil
}

// readPlan reads and decodes `terraform show -json` output, naming the
// file and the place of any error.
func (o *guardOptions) readPlan(path string) (*tfjson.Plan, error) {
	var data []byte
	var err error
	name := path
	if path == "-" {
		name = "standard input"
		data, err = io.ReadAll(o.streams.In)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	return decodePlan(name, data)
}

func decodePlan(name string, data []byte) (*tfjson.Plan, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return nil, fmt.Errorf("%s is a saved binary plan, not JSON: run terraform show -json %s > plan.json and guard that", name, name)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s is empty: want the output of terraform show -json PLANFILE", name)
	}
	var syntax any
	if err := json.Unmarshal(data, &syntax); err != nil {
		return nil, fmt.Errorf("%s: %w", jsonPlace(name, data, err), err)
	}
	if _, ok := syntax.(map[string]any); !ok {
		return nil, fmt.Errorf("%s: not a Terraform plan: want a JSON object, the output of terraform show -json PLANFILE", name)
	}
	var plan tfjson.Plan
	if err := json.Unmarshal(data, &plan); err != nil {
		return nil, fmt.Errorf("%s: not a Terraform plan (terraform show -json PLANFILE): %w", jsonPlace(name, data, err), err)
	}
	if plan.ResourceChanges == nil && plan.PlannedValues == nil && plan.OutputChanges == nil && plan.ResourceDrift == nil {
		if _, isState := syntax.(map[string]any)["values"]; isState {
			return nil, fmt.Errorf("%s is Terraform state, not a plan: run terraform show -json PLANFILE on a saved plan", name)
		}
	}
	return &plan, nil
}

// jsonPlace is name:line:column of a JSON error that knows its offset: the
// offending character of a syntax error, the end of a value of the wrong
// type.
func jsonPlace(name string, data []byte, err error) string {
	var offset int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = se.Offset - 1 // the offending byte
	case errors.As(err, &te):
		offset = te.Offset
	}
	if offset < 0 || offset > int64(len(data)) {
		return name
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return fmt.Sprintf("%s:%d:%d", name, line, col)
}

func printGuard(w io.Writer, r guardReport) {
	if len(r.Allowed) > 0 {
		fmt.Fprintln(w, "Allowed version changes:")
		for _, c := range r.Allowed {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
	if len(r.Violations) > 0 {
		if len(r.Allowed) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, "Blockers:")
		for _, v := range r.Violations {
			fmt.Fprintf(w, "  %s\n", v)
		}
		fmt.Fprintf(w, "\nBLOCKED: %d change(s) in %s are not allowed version changes; do not apply this plan.\n", len(r.Violations), r.Plan)
		return
	}
	if len(r.Allowed) == 0 {
		fmt.Fprintf(w, "PASSED: %s changes nothing (were the versions bumped?).\n", r.Plan)
		return
	}
	fmt.Fprintf(w, "\nPASSED: %s changes only Kubernetes version attributes (%d change(s)).\n", r.Plan, len(r.Allowed))
}
