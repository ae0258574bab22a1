package terraform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Allowed are the attributes a guarded plan may change in place. Each
// entry is an attribute name (orchestrator_version), which any resource
// may change, or TYPE.NAME (aws_eks_node_group.version), which only
// resources of that type may. A change is matched on the last name of its
// path: node_pool.0.orchestrator_version matches orchestrator_version.
type Allowed struct {
	Attributes []string `json:"attributes"`
}

// DefaultAllowed are the Kubernetes version attributes of the AKS, EKS and
// GKE resources and of modules' variables: cluster_version,
// kubernetes_version and orchestrator_version anywhere; version on EKS
// clusters and node groups and GKE node pools; GKE's min_master_version and
// node_version; AKS's current_kubernetes_version, which follows
// kubernetes_version. EKS's release_version (the node AMI) is not among
// them: allow it explicitly.
func DefaultAllowed() Allowed {
	return Allowed{Attributes: []string{
		"cluster_version",
		"kubernetes_version",
		"orchestrator_version",
		"aws_eks_cluster.version",
		"aws_eks_node_group.version",
		"azurerm_kubernetes_cluster.current_kubernetes_version",
		"google_container_cluster.min_master_version",
		"google_container_cluster.node_version",
		"google_container_node_pool.version",
	}}
}

// With returns the allowed attributes plus more.
func (a Allowed) With(attrs ...string) Allowed {
	out := Allowed{Attributes: slices.Clone(a.Attributes)}
	for _, x := range attrs {
		if !slices.Contains(out.Attributes, x) {
			out.Attributes = append(out.Attributes, x)
		}
	}
	return out
}

func (a Allowed) allows(resourceType string, path []string) bool {
	name := ""
	for i := len(path) - 1; i >= 0; i-- {
		if _, err := strconv.Atoi(path[i]); err != nil {
			name = path[i]
			break
		}
	}
	return name != "" && (slices.Contains(a.Attributes, name) || slices.Contains(a.Attributes, resourceType+"."+name))
}

// Violation is a change in a plan that is not an allowed version change.
type Violation struct {
	// Address is the resource's address (module.aks.azurerm_kubernetes_cluster.aks-vantiq),
	// output.NAME for an output, or "plan" for the plan as a whole.
	Address string `json:"address"`
	// Action is create, delete, replace, update, drift, forget, import,
	// move, deferred, invoke, output or incomplete.
	Action string `json:"action"`
	// Attribute is the changed attribute's path, such as
	// node_pool.0.orchestrator_version; for a replacement, the paths that
	// force it.
	Attribute string `json:"attribute,omitempty"`
	Before    string `json:"before,omitempty"`
	After     string `json:"after,omitempty"`
	Reason    string `json:"reason"`
}

func (v Violation) String() string {
	s := v.Address + ": " + v.Action
	if v.Attribute != "" {
		s += " " + v.Attribute
	}
	if v.Before != "" || v.After != "" {
		s += " " + v.Before + " → " + v.After
	}
	return s + " (" + v.Reason + ")"
}

// Change is an allowed attribute change in a plan.
type Change struct {
	Address   string `json:"address"`
	Attribute string `json:"attribute"`
	Before    string `json:"before"`
	After     string `json:"after"`
}

func (c Change) String() string {
	return fmt.Sprintf("%s: %s %s → %s", c.Address, c.Attribute, c.Before, c.After)
}

// GuardResult is a plan judged: the allowed changes it holds and its
// violations.
type GuardResult struct {
	Allowed    []Change    `json:"allowed"`
	Violations []Violation `json:"violations"`
}

// OK reports whether the plan holds nothing but allowed changes.
func (r *GuardResult) OK() bool { return len(r.Violations) == 0 }

// Guard returns every change in a plan (`terraform show -json` output)
// that is not an allowed version change. See [CheckPlan].
func Guard(plan *tfjson.Plan, allowed Allowed) []Violation {
	return CheckPlan(plan, allowed).Violations
}

// CheckPlan judges a plan for a version upgrade. Every resource change must
// be a no-op, a read of a data source, or an in-place update whose every
// changed attribute (compared recursively through nested blocks, objects
// and lists, unknown values included) is allowed. Anything else is a
// violation: a creation, deletion, replacement, forgotten or imported
// resource, a moved address, an unexpected attribute change, every change
// Terraform found made outside it (resource drift), deferred changes, an
// incomplete plan (such as one made with -target), action invocations, and
// removed outputs (configurations reading them through remote state would
// break). Other output changes follow from resource changes and are not
// judged on their own. Sensitive values are masked.
func CheckPlan(plan *tfjson.Plan, allowed Allowed) *GuardResult {
	r := &GuardResult{Allowed: []Change{}, Violations: []Violation{}}
	if plan == nil {
		return r
	}
	for _, rc := range plan.ResourceDrift {
		r.drift(rc)
	}
	for _, rc := range plan.ResourceChanges {
		r.resourceChange(rc, allowed)
	}
	for _, d := range plan.DeferredChanges {
		addr := "plan"
		if d.ResourceChange != nil {
			addr = d.ResourceChange.Address
		}
		r.violate(Violation{Address: addr, Action: "deferred", Reason: "Terraform deferred this change (" + d.Reason + "); plan again until nothing is deferred"})
	}
	if plan.Complete != nil && !*plan.Complete {
		r.violate(Violation{Address: "plan", Action: "incomplete", Reason: "the plan is partial (made with -target, or with deferred changes); guard a full plan"})
	}
	for _, ai := range plan.ActionInvocations {
		r.violate(Violation{Address: ai.Address, Action: "invoke", Reason: "the plan invokes a provider action"})
	}
	names := make([]string, 0, len(plan.OutputChanges))
	for name := range plan.OutputChanges {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if c := plan.OutputChanges[name]; c != nil && c.Actions.Delete() && !c.Actions.Create() {
			r.violate(Violation{Address: "output." + name, Action: "output", Reason: "the output would be removed; configurations that read it through remote state would break"})
		}
	}
	return r
}

func (r *GuardResult) violate(v Violation) { r.Violations = append(r.Violations, v) }

// resourceChange judges one planned resource change.
func (r *GuardResult) resourceChange(rc *tfjson.ResourceChange, allowed Allowed) {
	if rc == nil || rc.Change == nil {
		return
	}
	c, addr := rc.Change, rc.Address
	if rc.PreviousAddress != "" && rc.PreviousAddress != addr {
		r.violate(Violation{Address: addr, Action: "move", Reason: "moved from " + rc.PreviousAddress + "; apply refactorings separately from the upgrade"})
	}
	if c.Importing != nil {
		r.violate(Violation{Address: addr, Action: "import", Reason: "the plan imports this resource; import separately from the upgrade"})
	}
	a := c.Actions
	switch {
	case a.NoOp():
	case a.Read() && rc.Mode == tfjson.DataResourceMode:
		// A data source read during apply changes nothing; what it feeds
		// into is judged on the resources that use it.
	case a.Replace():
		r.replace(rc)
	case a.Create():
		r.violate(Violation{Address: addr, Action: "create", Reason: "a new resource would be created"})
	case a.Delete():
		r.violate(Violation{Address: addr, Action: "delete", Reason: "the resource would be destroyed" + reasonSuffix(rc)})
	case a.Forget():
		r.violate(Violation{Address: addr, Action: "forget", Reason: "the resource would be removed from the state without being destroyed"})
	case a.Update():
		r.update(rc, allowed)
	default:
		r.violate(Violation{Address: addr, Action: actionsString(a), Reason: "an action kubehop does not expect in an upgrade"})
	}
}

func (r *GuardResult) update(rc *tfjson.ResourceChange, allowed Allowed) {
	diffs := diffChange(rc.Change)
	if len(diffs) == 0 {
		r.violate(Violation{Address: rc.Address, Action: "update", Reason: "an in-place update with no attribute difference in the plan; look at `terraform plan` output"})
	}
	for _, d := range diffs {
		if allowed.allows(rc.Type, d.path) {
			r.Allowed = append(r.Allowed, Change{Address: rc.Address, Attribute: formatAttrPath(d.path), Before: d.before, After: d.after})
			continue
		}
		r.violate(Violation{Address: rc.Address, Action: "update", Attribute: formatAttrPath(d.path), Before: d.before, After: d.after,
			Reason: "not an allowed version attribute"})
	}
}

func (r *GuardResult) replace(rc *tfjson.ResourceChange) {
	order := "created before the old one is destroyed"
	if rc.Change.Actions.DestroyBeforeCreate() {
		order = "destroyed, then created again"
	}
	v := Violation{Address: rc.Address, Action: "replace", Reason: "the resource would be " + order + reasonSuffix(rc)}
	var paths []string
	for _, p := range rc.Change.ReplacePaths {
		paths = append(paths, formatAttrPath(replacePath(p)))
	}
	v.Attribute = strings.Join(paths, ", ")
	if len(paths) == 1 {
		for _, d := range diffChange(rc.Change) {
			if formatAttrPath(d.path) == paths[0] {
				v.Before, v.After = d.before, d.after
			}
		}
	}
	r.violate(v)
}

// drift reports a change Terraform found made outside it.
func (r *GuardResult) drift(rc *tfjson.ResourceChange) {
	if rc == nil || rc.Change == nil {
		return
	}
	if rc.Change.Actions.Delete() {
		r.violate(Violation{Address: rc.Address, Action: "drift", Reason: "deleted outside Terraform"})
		return
	}
	diffs := diffChange(rc.Change)
	if len(diffs) == 0 {
		r.violate(Violation{Address: rc.Address, Action: "drift", Reason: "changed outside Terraform"})
	}
	for _, d := range diffs {
		r.violate(Violation{Address: rc.Address, Action: "drift", Attribute: formatAttrPath(d.path), Before: d.before, After: d.after,
			Reason: "changed outside Terraform; make the configuration match or revert the change first"})
	}
}

func reasonSuffix(rc *tfjson.ResourceChange) string {
	s := ""
	if rc.ActionReason != "" {
		s += ": " + string(rc.ActionReason)
	}
	if rc.DeposedKey != "" {
		s += " (deposed object " + rc.DeposedKey + ")"
	}
	return s
}

func actionsString(a tfjson.Actions) string {
	s := make([]string, len(a))
	for i, x := range a {
		s[i] = string(x)
	}
	return strings.Join(s, "+")
}

// replacePath converts a replace path ([]any of strings and numbers).
func replacePath(p any) []string {
	steps, _ := p.([]any)
	out := make([]string, 0, len(steps))
	for _, s := range steps {
		switch v := s.(type) {
		case string:
			out = append(out, v)
		case float64:
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		case json.Number:
			out = append(out, v.String())
		default:
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// formatAttrPath joins a path as Terraform's plan renders it,
// node_pool.0.orchestrator_version, with keys that are not names quoted:
// tags["kubernetes.io/cluster"].
func formatAttrPath(path []string) string {
	var b strings.Builder
	for i, seg := range path {
		if _, err := strconv.Atoi(seg); err == nil || isIdentifier(seg) {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg)
		} else {
			fmt.Fprintf(&b, "[%q]", seg)
		}
	}
	return b.String()
}

// attrDiff is one attribute that differs between before and after.
type attrDiff struct {
	path          []string
	before, after string
}

const (
	unknownValue   = "(known after apply)"
	sensitiveValue = "(sensitive value)"
)

// diffChange compares a change's before and after values attribute by
// attribute.
func diffChange(c *tfjson.Change) []attrDiff {
	var out []attrDiff
	diffValue(sides{c.Before, c.BeforeSensitive}, sides{c.After, c.AfterSensitive}, c.AfterUnknown, nil, &out)
	return out
}

// sides is a value and its sensitivity marks.
type sides struct {
	value     any
	sensitive any
}

func (s sides) child(key string) sides {
	return sides{childOf(s.value, key), childOf(s.sensitive, key)}
}

// childOf returns the element key of a JSON object or array; true (a mark
// for a whole subtree) stays true.
func childOf(v any, key string) any {
	switch x := v.(type) {
	case bool:
		return x
	case map[string]any:
		return x[key]
	case []any:
		if i, err := strconv.Atoi(key); err == nil && i < len(x) {
			return x[i]
		}
	}
	return nil
}

func diffValue(before, after sides, unknown any, path []string, out *[]attrDiff) {
	if u, ok := unknown.(bool); ok && u {
		*out = append(*out, attrDiff{slices.Clone(path), render(before), unknownValue})
		return
	}
	if keys, ok := childKeys(before.value, after.value, unknown); ok {
		for _, k := range keys {
			diffValue(before.child(k), after.child(k), childOf(unknown, k), append(path, k), out)
		}
		return
	}
	if !equalJSON(before.value, after.value) {
		*out = append(*out, attrDiff{slices.Clone(path), render(before), render(after)})
	}
}

// childKeys lists the keys to compare when both values are objects or both
// are arrays (the unknown marks may add keys that after omits).
func childKeys(before, after, unknown any) ([]string, bool) {
	bm, bok := before.(map[string]any)
	am, aok := after.(map[string]any)
	if bok && aok {
		set := map[string]bool{}
		for k := range bm {
			set[k] = true
		}
		for k := range am {
			set[k] = true
		}
		if um, ok := unknown.(map[string]any); ok {
			for k := range um {
				set[k] = true
			}
		}
		keys := make([]string, 0, len(set))
		for k := range set {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys, true
	}
	bl, bok := before.([]any)
	al, aok := after.([]any)
	if bok && aok {
		n := max(len(bl), len(al))
		if ul, ok := unknown.([]any); ok {
			n = max(n, len(ul))
		}
		keys := make([]string, n)
		for i := range keys {
			keys[i] = strconv.Itoa(i)
		}
		return keys, true
	}
	return nil, false
}

func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// render writes a value for a person, masking what is sensitive.
func render(s sides) string {
	if b, ok := s.sensitive.(bool); ok && b {
		return sensitiveValue
	}
	switch v := s.value.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case map[string]any, []any:
		data, err := marshalPlain(mask(v, s.sensitive))
		if err != nil {
			return fmt.Sprint(v)
		}
		if r := []rune(string(data)); len(r) > 80 {
			return string(r[:79]) + "…"
		}
		return string(data)
	default:
		data, _ := json.Marshal(v)
		return string(data)
	}
}

// marshalPlain writes v as compact JSON without escaping <, > and &
// (json.Marshal writes them as \u003c and so on, for HTML), since the
// text is for a person.
func marshalPlain(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// mask copies v with the sensitive parts replaced.
func mask(v, sensitive any) any {
	if b, ok := sensitive.(bool); ok && b {
		return sensitiveValue
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = mask(e, childOf(sensitive, k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mask(e, childOf(sensitive, strconv.Itoa(i)))
		}
		return out
	}
	return v
}
