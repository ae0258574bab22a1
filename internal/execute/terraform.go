package execute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/kubehop/kubehop/internal/journal"
	"github.com/kubehop/kubehop/internal/plan"
	"github.com/kubehop/kubehop/internal/terraform"
)

// Terraform is what provider: terraform steps act through.
type Terraform struct {
	// Runner runs terraform or tofu in the root module (Runner.Dir).
	Runner *terraform.Runner
	// PlanDir holds the plan files, one per phase, and their JSON.
	PlanDir string
	// Allowed are the attributes the guard lets a plan change.
	Allowed terraform.Allowed
}

// ErrGuard is returned when a Terraform plan changes more than versions.
var ErrGuard = errors.New("the Terraform plan changes more than the versions")

// fileEdit is the journal's record of a configuration file about to be
// replaced: its content before, so that a person can put it back.
type fileEdit struct {
	Path   string `json:"path"`
	Before string `json:"before"`
	Diff   string `json:"diff,omitempty"`
}

// terraformStep runs one Terraform step. Each is idempotent: a bump or
// ignore_changes edit already made changes nothing, a plan is made again,
// and an apply whose plan went stale (an earlier run applied part of it)
// plans and guards again before it applies.
func (env *Env) terraformStep(ctx context.Context, st plan.Step) error {
	tf := env.Terraform
	if tf == nil || tf.Runner == nil || st.Terraform == nil {
		return fmt.Errorf("step %s needs the profile's terraform settings", st.ID)
	}
	switch st.Kind {
	case plan.KindTFIgnore:
		return env.tfIgnore(st)
	case plan.KindTFBump:
		return env.tfBump(st)
	case plan.KindTFPlan:
		_, err := env.tfPlan(ctx, st)
		return err
	case plan.KindTFGuard:
		p, err := readPlanJSON(tf.planFile(st) + ".json")
		if err != nil {
			return fmt.Errorf("read the plan of step %s (run its plan step again): %w", st.ID, err)
		}
		return env.tfGuard(st, p)
	case plan.KindTFApply:
		return env.tfApply(ctx, st)
	}
	return fmt.Errorf("unknown Terraform step kind %q", st.Kind)
}

// planFile is the plan file a phase's steps share: hop1/control-plane/plan
// and hop1/control-plane/apply both use hop1-control-plane.tfplan.
func (tf *Terraform) planFile(st plan.Step) string {
	phase := st.ID[:strings.LastIndex(st.ID, "/")]
	return filepath.Join(tf.PlanDir, strings.NewReplacer("/", "-", " ", "_").Replace(phase)+".tfplan")
}

// journalEdit records a file's content before it is replaced.
func (env *Env) journalEdit(step, what string, f *terraform.FileChange, diff string) error {
	data, err := json.Marshal(fileEdit{Path: f.Path, Before: string(f.Before), Diff: diff})
	if err != nil {
		return err
	}
	_, err = env.Journal.Append(journal.Entry{Type: journal.Intent, Step: step, Object: "file " + f.Path, Message: what, Data: data})
	return err
}

func (env *Env) tfIgnore(st plan.Step) error {
	t := st.Terraform
	dir := env.Terraform.Runner.Dir
	c, err := terraform.SetIgnoreChangesDir(dir, t.Resource, t.Attributes, t.Present, true)
	if err != nil {
		return err
	}
	if !c.Changed() {
		env.report(EventDone, st.ID, "", "%s already as wanted", filepath.Base(c.Path))
		return nil
	}
	verb := map[bool]string{true: "add", false: "remove"}[t.Present]
	if err := env.journalEdit(st.ID, fmt.Sprintf("%s ignore_changes %v on %s", verb, t.Attributes, t.Resource), &c.FileChange, ""); err != nil {
		return err
	}
	_, err = terraform.SetIgnoreChangesDir(dir, t.Resource, t.Attributes, t.Present, false)
	return err
}

func (env *Env) tfBump(st plan.Step) error {
	to := terraform.Versions{Kubectl: st.Terraform.Kubectl}
	if st.Terraform.Role == plan.RoleControlPlane {
		to.ControlPlane = st.Version
	} else {
		to.Nodes = st.Version
	}
	dir := env.Terraform.Runner.Dir
	res, err := terraform.BumpDir(dir, to, true)
	if err != nil {
		return err
	}
	if len(res.Files) == 0 {
		env.report(EventDone, st.ID, "", "the configuration pins %s already", st.Version)
		return nil
	}
	var edits []string
	for _, e := range res.Edits {
		edits = append(edits, e.String())
	}
	for _, f := range res.Files {
		if err := env.journalEdit(st.ID, "bump: "+strings.Join(edits, "; "), f, ""); err != nil {
			return err
		}
	}
	if err := res.Write(); err != nil {
		return err
	}
	for _, e := range edits {
		env.report(EventWait, st.ID, "", "%s", e)
	}
	return nil
}

// tfPlan plans into the phase's plan file and writes its JSON beside it.
func (env *Env) tfPlan(ctx context.Context, st plan.Step) (*tfjson.Plan, error) {
	tf := env.Terraform
	if err := os.MkdirAll(tf.PlanDir, 0o755); err != nil {
		return nil, err
	}
	if err := tf.Runner.Init(ctx); err != nil {
		return nil, err
	}
	file := tf.planFile(st)
	changes, err := tf.Runner.Plan(ctx, file)
	if err != nil {
		return nil, err
	}
	p, err := tf.Runner.Show(ctx, file)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(file+".json", data, 0o644); err != nil {
		return nil, err
	}
	summary := "no changes"
	if changes {
		summary = fmt.Sprintf("%d resource change(s)", countChanges(p))
	}
	env.note(st.ID, "plan "+file, "terraform plan: "+summary, nil)
	env.report(EventWait, st.ID, "", "terraform plan: %s (%s)", summary, file)
	return p, nil
}

func countChanges(p *tfjson.Plan) int {
	n := 0
	for _, rc := range p.ResourceChanges {
		if rc.Change != nil && !rc.Change.Actions.NoOp() && !rc.Change.Actions.Read() {
			n++
		}
	}
	return n
}

func readPlanJSON(path string) (*tfjson.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p tfjson.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// tfGuard journals and refuses every change that is not an allowed
// version change.
func (env *Env) tfGuard(st plan.Step, p *tfjson.Plan) error {
	res := terraform.CheckPlan(p, env.Terraform.Allowed)
	if res.OK() {
		env.note(st.ID, "", fmt.Sprintf("guard: %d allowed version change(s)", len(res.Allowed)), res.Allowed)
		return nil
	}
	env.note(st.ID, "", fmt.Sprintf("guard: %d change(s) refused", len(res.Violations)), res.Violations)
	var lines []string
	for _, v := range res.Violations {
		lines = append(lines, "  "+v.String())
	}
	return fmt.Errorf("%w; nothing was applied. Resolve these, then resume:\n%s", ErrGuard, strings.Join(lines, "\n"))
}

// tfApply applies the phase's guarded plan file. A plan gone stale (the
// state moved since, say an earlier run applied part of it before a crash)
// is planned and guarded again first.
func (env *Env) tfApply(ctx context.Context, st plan.Step) error {
	tf := env.Terraform
	file := tf.planFile(st)
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Message: "terraform apply " + file}); err != nil {
		return err
	}
	err := tf.Runner.Apply(ctx, file)
	if !errors.Is(err, terraform.ErrStalePlan) {
		return err
	}
	env.report(EventRetry, st.ID, "", "the saved plan is stale: planning and guarding again")
	p, err := env.tfPlan(ctx, st)
	if err != nil {
		return err
	}
	if err := env.tfGuard(st, p); err != nil {
		return err
	}
	if _, err := env.Journal.Append(journal.Entry{Type: journal.Intent, Step: st.ID, Message: "terraform apply " + file + " (planned again)"}); err != nil {
		return err
	}
	return tf.Runner.Apply(ctx, file)
}
