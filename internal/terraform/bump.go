package terraform

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Versions are the versions a bump moves to. Each is a Kubernetes minor
// ("1.24") or a full version ("1.22.15"); an empty field leaves its
// attributes alone.
type Versions struct {
	// ControlPlane sets cluster_version anywhere, and kubernetes_version
	// where it is the cluster's own version: directly in a
	// resource "azurerm_kubernetes_cluster" or in a module block.
	ControlPlane string `json:"controlPlane,omitempty"`
	// Nodes sets orchestrator_version (AKS node pools) and
	// kubernetes_version everywhere else (node pool and node group maps).
	Nodes string `json:"nodes,omitempty"`
	// Kubectl sets the operator machines' kubectl: every attribute whose
	// name ends in kubectl_version (opnode_kubectl_version,
	// bastion_kubectl_version).
	Kubectl string `json:"kubectl,omitempty"`
}

// Validate checks that at least one version is given and that each given
// one is a Kubernetes version.
func (v Versions) Validate() error {
	if v.ControlPlane == "" && v.Nodes == "" && v.Kubectl == "" {
		return errors.New("nothing to bump: give a control plane, nodes or kubectl version")
	}
	var errs []error
	for _, r := range []role{roleControlPlane, roleNodes, roleKubectl} {
		if t := v.target(r); t != "" {
			if err := ValidateVersion(t); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", r.flag(), err))
			}
		}
	}
	return errors.Join(errs...)
}

func (v Versions) target(r role) string {
	switch r {
	case roleControlPlane:
		return v.ControlPlane
	case roleNodes:
		return v.Nodes
	case roleKubectl:
		return v.Kubectl
	}
	return ""
}

// role is what a version attribute pins.
type role int

const (
	roleNone role = iota
	roleControlPlane
	roleNodes
	roleKubectl
)

// flag names the command-line flag that sets the role's version.
func (r role) flag() string {
	switch r {
	case roleControlPlane:
		return "--control-plane"
	case roleNodes:
		return "--nodes"
	case roleKubectl:
		return "--kubectl"
	}
	return ""
}

// Edit is one version literal a bump changes.
type Edit struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Attribute is the attribute's path: the block (locals, a resource's
	// TYPE.NAME, module.NAME) then the attribute and object keys, such as
	// locals.common_config.cluster_version.
	Attribute string `json:"attribute"`
	Old       string `json:"old"`
	New       string `json:"new"`
}

func (e Edit) String() string {
	return fmt.Sprintf("%s:%d %s %q → %q", e.File, e.Line, e.Attribute, e.Old, e.New)
}

// Note tells about a version attribute that a bump does not edit because it
// refers to one it does, such as
// `cluster_version = local.common_config.cluster_version` in a module block.
type Note struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Attribute string `json:"attribute"`
	Text      string `json:"text"`
}

func (n Note) String() string { return fmt.Sprintf("%s:%d %s %s", n.File, n.Line, n.Attribute, n.Text) }

// Error is a version attribute a bump cannot edit, and why.
type Error struct {
	File      string `json:"file"`
	Line      int    `json:"line"`
	Attribute string `json:"attribute"`
	Problem   string `json:"problem"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Attribute, e.Problem)
}

// site is one version attribute found in a file.
type site struct {
	file  string
	line  int
	path  []string
	role  role
	kind  siteKind
	value string    // literal: its value
	rng   hcl.Range // literal: the quoted string, quotes included
	ref   []string  // reference: the locals path it names
	expr  string    // anything else: its source text
}

type siteKind int

const (
	siteLiteral siteKind = iota
	siteLocalRef
	siteOther
)

func (s *site) attribute() string { return formatPath(s.path) }

// scanFile parses a Terraform file and returns its version attributes in
// source order.
func scanFile(filename string, src []byte) ([]*site, error) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("parse %s: %w", filename, diags)
	}
	s := &scanner{file: filename, src: src}
	s.body(f.Body.(*hclsyntax.Body), nil, blockContext{})
	sort.SliceStable(s.sites, func(i, j int) bool { return s.sites[i].rng.Start.Byte < s.sites[j].rng.Start.Byte })
	return s.sites, nil
}

// blockContext is where an attribute is: which top-level block, and
// whether it sits directly in that block's body.
type blockContext struct {
	blockType    string // resource, module, locals, ...
	resourceType string // for resources and data sources
	depth        int    // 0: the top-level block's own body
}

type scanner struct {
	file  string
	src   []byte
	sites []*site
}

func (s *scanner) body(b *hclsyntax.Body, path []string, ctx blockContext) {
	attrs := make([]*hclsyntax.Attribute, 0, len(b.Attributes))
	for _, a := range b.Attributes {
		attrs = append(attrs, a)
	}
	sort.Slice(attrs, func(i, j int) bool { return attrs[i].SrcRange.Start.Byte < attrs[j].SrcRange.Start.Byte })
	for _, a := range attrs {
		s.value(a.Name, a.Expr, appendPath(path, a.Name), ctx, true)
	}
	for _, blk := range b.Blocks {
		inner := ctx
		var seg []string
		if path == nil {
			inner = blockContext{blockType: blk.Type}
			seg = topLevelPath(blk)
			if blk.Type == "resource" || blk.Type == "data" {
				inner.resourceType = blk.Labels[0]
			}
		} else {
			inner.depth++
			seg = append([]string{blk.Type}, blk.Labels...)
		}
		s.body(blk.Body, appendPath(path, seg...), inner)
	}
}

// topLevelPath names a top-level block the way Terraform addresses it:
// TYPE.NAME for a resource, data.TYPE.NAME, module.NAME, locals.
func topLevelPath(blk *hclsyntax.Block) []string {
	switch {
	case blk.Type == "resource" && len(blk.Labels) == 2:
		return blk.Labels
	case blk.Type == "locals":
		return []string{"locals"}
	}
	return append([]string{blk.Type}, blk.Labels...)
}

// value looks at an attribute or object item called name: a version
// attribute is recorded, anything else is searched for nested ones.
func (s *scanner) value(name string, expr hclsyntax.Expression, path []string, ctx blockContext, direct bool) {
	if r := roleOf(name, ctx, direct); r != roleNone {
		s.record(expr, path, r)
		return
	}
	s.nested(expr, path, ctx)
}

// nested searches object and tuple constructors (and function arguments,
// as in merge({...}, {...})) for version attributes.
func (s *scanner) nested(expr hclsyntax.Expression, path []string, ctx blockContext) {
	ctx.depth++
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		for _, item := range e.Items {
			if key, ok := objectKey(item.KeyExpr); ok {
				s.value(key, item.ValueExpr, appendPath(path, key), ctx, false)
			} else {
				s.nested(item.ValueExpr, appendPath(path, "[…]"), ctx)
			}
		}
	case *hclsyntax.TupleConsExpr:
		for i, item := range e.Exprs {
			s.nested(item, appendPath(path, fmt.Sprintf("[%d]", i)), ctx)
		}
	case *hclsyntax.ParenthesesExpr:
		s.nested(e.Expression, path, ctx)
	case *hclsyntax.FunctionCallExpr:
		for _, arg := range e.Args {
			s.nested(arg, path, ctx)
		}
	}
}

func (s *scanner) record(expr hclsyntax.Expression, path []string, r role) {
	rng := expr.Range()
	st := &site{file: s.file, line: rng.Start.Line, path: path, role: r, rng: rng}
	if v, ok := stringLiteral(expr, s.src); ok {
		st.kind, st.value = siteLiteral, v
	} else if ref, ok := localRef(expr); ok {
		st.kind, st.ref = siteLocalRef, ref
	} else {
		st.kind, st.expr = siteOther, strings.TrimSpace(string(rng.SliceBytes(s.src)))
	}
	s.sites = append(s.sites, st)
}

// roleOf says which version an attribute called name pins, if any.
func roleOf(name string, ctx blockContext, direct bool) role {
	switch {
	case name == "cluster_version":
		return roleControlPlane
	case name == "orchestrator_version":
		return roleNodes
	case name == "kubernetes_version":
		clusterLevel := ctx.blockType == "module" || (ctx.blockType == "resource" && ctx.resourceType == "azurerm_kubernetes_cluster")
		if direct && ctx.depth == 0 && clusterLevel {
			return roleControlPlane
		}
		return roleNodes
	case strings.HasSuffix(name, "kubectl_version"):
		return roleKubectl
	}
	return roleNone
}

// stringLiteral returns the value of a plain quoted string without
// interpolation.
func stringLiteral(expr hclsyntax.Expression, src []byte) (string, bool) {
	t, ok := expr.(*hclsyntax.TemplateExpr)
	if !ok || len(t.Parts) > 1 {
		return "", false
	}
	rng := t.SrcRange
	if rng.Start.Byte >= len(src) || src[rng.Start.Byte] != '"' {
		return "", false // a heredoc
	}
	if len(t.Parts) == 0 {
		return "", true
	}
	lit, ok := t.Parts[0].(*hclsyntax.LiteralValueExpr)
	if !ok || lit.Val.Type() != cty.String || !lit.Val.IsKnown() || lit.Val.IsNull() {
		return "", false
	}
	return lit.Val.AsString(), true
}

// localRef returns the path of a reference to a local value, such as
// ["locals", "common_config", "cluster_version"] for
// local.common_config.cluster_version.
func localRef(expr hclsyntax.Expression) ([]string, bool) {
	t, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok || t.Traversal.RootName() != "local" {
		return nil, false
	}
	path := []string{"locals"}
	for _, step := range t.Traversal[1:] {
		switch st := step.(type) {
		case hcl.TraverseAttr:
			path = append(path, st.Name)
		case hcl.TraverseIndex:
			switch {
			case st.Key.Type() == cty.String:
				path = append(path, st.Key.AsString())
			case st.Key.Type() == cty.Number:
				bf := st.Key.AsBigFloat()
				path = append(path, "["+bf.Text('f', -1)+"]")
			default:
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return path, true
}

// objectKey returns the name of an object constructor key: a bare name or
// a quoted string. Computed keys have none.
func objectKey(expr hclsyntax.Expression) (string, bool) {
	k, ok := expr.(*hclsyntax.ObjectConsKeyExpr)
	if !ok || k.ForceNonLiteral {
		return "", false
	}
	switch w := k.Wrapped.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		if len(w.Traversal) == 1 {
			return w.Traversal.RootName(), true
		}
	case *hclsyntax.TemplateExpr:
		if len(w.Parts) == 1 {
			if lit, ok := w.Parts[0].(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.String {
				return lit.Val.AsString(), true
			}
		}
	}
	return "", false
}

func appendPath(path []string, segs ...string) []string {
	out := make([]string, 0, len(path)+len(segs))
	return append(append(out, path...), segs...)
}

// formatPath joins path segments with dots; keys that are not identifiers
// are written as ["key"], tuple indexes as [0].
func formatPath(path []string) string {
	var b strings.Builder
	for i, seg := range path {
		switch {
		case strings.HasPrefix(seg, "["):
			b.WriteString(seg)
		case isIdentifier(seg):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(seg)
		default:
			fmt.Fprintf(&b, "[%q]", seg)
		}
	}
	return b.String()
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || !(c == '-' || (c >= '0' && c <= '9'))) {
			return false
		}
	}
	return true
}

// quoted renders a string as an HCL quoted literal.
func quoted(s string) []byte {
	return hclwrite.TokensForValue(cty.StringVal(s)).Bytes()
}
