package terraform

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// SetIgnoreChanges adds (present) or removes (!present) attribute names in
// the lifecycle ignore_changes list of resource "resourceType"
// "resourceName", as the runbooks do around an EKS upgrade with
// `lifecycle { ignore_changes = [release_version] }`.
//
// Adding merges with what is there: it appends to an existing
// ignore_changes list, adds the attribute to an existing lifecycle block,
// or adds a lifecycle block at the end of the resource. Removing takes the
// names out of the list, and the attribute or block with them when nothing
// else is left in it, so that removing what was added gives back the file
// byte for byte. Names already present (or already absent) are left alone;
// the returned content then equals src.
func SetIgnoreChanges(filename string, src []byte, resourceType, resourceName string, attrs []string, present bool) ([]byte, error) {
	if len(attrs) == 0 {
		return nil, errors.New("name at least one attribute to ignore, such as release_version")
	}
	for _, a := range attrs {
		if !attrPattern.MatchString(a) {
			return nil, fmt.Errorf("%q is not an attribute name such as release_version or scaling_config", a)
		}
	}
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("parse %s: %w", filename, diags)
	}
	res, err := findResource(filename, f.Body.(*hclsyntax.Body), resourceType, resourceName)
	if err != nil {
		return nil, err
	}
	e := &ignoreEditor{file: filename, src: src, nl: newline(src), res: res}
	var out []byte
	if present {
		out, err = e.add(attrs)
	} else {
		out, err = e.remove(attrs)
	}
	if err != nil {
		return nil, err
	}
	if _, diags := hclsyntax.ParseConfig(out, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, fmt.Errorf("%s: the edited file does not parse (a bug in kubehop): %w", filename, diags)
	}
	return out, nil
}

// attrPattern is an attribute reference such as release_version or
// scaling_config[0].desired_size.
var attrPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\])*$`)

// ParseResourceAddress splits TYPE.NAME into its parts. It also takes a
// whole address as Terraform prints it, with module path and instance key
// (module.eks.aws_eks_node_group.vantiq-nodegroup["VANTIQ"]), and keeps
// the resource's own type and name.
func ParseResourceAddress(addr string) (resourceType, resourceName string, err error) {
	a := addr
	if i := strings.Index(a, "["); i >= 0 && strings.HasSuffix(a, "]") && !strings.Contains(a[:i], "[") {
		a = a[:i]
	}
	parts := strings.Split(a, ".")
	for len(parts) > 2 && parts[0] == "module" {
		parts = parts[2:]
	}
	if len(parts) != 2 || !isIdentifier(parts[0]) || !isIdentifier(parts[1]) {
		return "", "", fmt.Errorf("resource %q: want TYPE.NAME, such as aws_eks_node_group.vantiq-nodegroup", addr)
	}
	return parts[0], parts[1], nil
}

func findResource(filename string, body *hclsyntax.Body, typ, name string) (*hclsyntax.Block, error) {
	var names []string
	for _, b := range body.Blocks {
		if b.Type != "resource" || len(b.Labels) != 2 {
			continue
		}
		if b.Labels[0] == typ && b.Labels[1] == name {
			return b, nil
		}
		names = append(names, b.Labels[0]+"."+b.Labels[1])
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no resource %s.%s (the file declares no resources)", filename, typ, name)
	}
	return nil, fmt.Errorf("%s: no resource %s.%s; the file declares %s", filename, typ, name, strings.Join(names, ", "))
}

type ignoreEditor struct {
	file string
	src  []byte
	nl   string
	res  *hclsyntax.Block
}

// lifecycle returns the resource's lifecycle block and its ignore_changes
// attribute, either of which may be nil.
func (e *ignoreEditor) lifecycle() (*hclsyntax.Block, *hclsyntax.Attribute) {
	for _, b := range e.res.Body.Blocks {
		if b.Type == "lifecycle" {
			return b, b.Body.Attributes["ignore_changes"]
		}
	}
	return nil, nil
}

func (e *ignoreEditor) add(attrs []string) ([]byte, error) {
	lc, ic := e.lifecycle()
	list := strings.Join(attrs, ", ")
	switch {
	case lc == nil:
		inner := e.bodyIndent(e.res)
		unit := strings.TrimPrefix(inner, e.indentAt(e.res.TypeRange.Start.Byte))
		if unit == "" {
			unit = "  "
		}
		text := inner + "lifecycle {" + e.nl + inner + unit + "ignore_changes = [" + list + "]" + e.nl + inner + "}" + e.nl
		return e.insertLineBefore(e.res.CloseBraceRange, text, "resource "+e.res.Labels[0]+"."+e.res.Labels[1])
	case ic == nil:
		text := e.bodyIndent(lc) + "ignore_changes = [" + list + "]" + e.nl
		return e.insertLineBefore(lc.CloseBraceRange, text, "its lifecycle block")
	}
	if isKeyword(ic.Expr, "all") {
		return e.src, nil // already ignores every attribute
	}
	tuple, ok := ic.Expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		return nil, e.errAt(ic.SrcRange, "ignore_changes is not a list; edit it by hand")
	}
	names := e.elementNames(tuple)
	var missing []string
	for _, a := range attrs {
		if !slices.Contains(names, a) && !slices.Contains(missing, a) {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return e.src, nil
	}
	if len(tuple.Exprs) == 0 {
		return insert(e.src, tuple.OpenRange.End.Byte, strings.Join(missing, ", ")), nil
	}
	last := tuple.Exprs[len(tuple.Exprs)-1].Range().End.Byte
	return insert(e.src, last, ", "+strings.Join(missing, ", ")), nil
}

func (e *ignoreEditor) remove(attrs []string) ([]byte, error) {
	lc, ic := e.lifecycle()
	if ic == nil {
		return e.src, nil
	}
	tuple, ok := ic.Expr.(*hclsyntax.TupleConsExpr)
	if !ok {
		if isKeyword(ic.Expr, "all") {
			return nil, e.errAt(ic.SrcRange, "ignore_changes = all ignores every attribute; edit it by hand")
		}
		return nil, e.errAt(ic.SrcRange, "ignore_changes is not a list; edit it by hand")
	}
	names := e.elementNames(tuple)
	var drop []int
	for i, n := range names {
		if slices.Contains(attrs, n) {
			drop = append(drop, i)
		}
	}
	switch {
	case len(drop) == 0:
		return e.src, nil
	case len(drop) < len(names):
		return deleteSpans(e.src, elementSpans(tuple, drop)), nil
	case len(lc.Body.Attributes) == 1 && len(lc.Body.Blocks) == 0:
		// ignore_changes was all there was in the lifecycle block.
		return e.deleteLines(lc.TypeRange.Start.Byte, lc.CloseBraceRange.End.Byte, "the lifecycle block")
	default:
		return e.deleteLines(ic.SrcRange.Start.Byte, ic.SrcRange.End.Byte, "ignore_changes")
	}
}

// elementNames returns how each list element reads: release_version,
// scaling_config[0].desired_size, or a quoted string's value.
func (e *ignoreEditor) elementNames(t *hclsyntax.TupleConsExpr) []string {
	names := make([]string, len(t.Exprs))
	for i, x := range t.Exprs {
		if v, ok := stringLiteral(x, e.src); ok {
			names[i] = v
		} else {
			names[i] = strings.Join(strings.Fields(string(x.Range().SliceBytes(e.src))), "")
		}
	}
	return names
}

// elementSpans are the byte ranges that remove the dropped elements of a
// list, separators included, leaving at least one element: each dropped
// element goes with the separator before it, except leading ones, which go
// up to the first element kept.
func elementSpans(t *hclsyntax.TupleConsExpr, drop []int) [][2]int {
	var spans [][2]int
	keep := 0
	for keep < len(t.Exprs) && slices.Contains(drop, keep) {
		keep++
	}
	if keep > 0 {
		spans = append(spans, [2]int{t.Exprs[0].Range().Start.Byte, t.Exprs[keep].Range().Start.Byte})
	}
	for _, i := range drop {
		if i > keep {
			spans = append(spans, [2]int{t.Exprs[i-1].Range().End.Byte, t.Exprs[i].Range().End.Byte})
		}
	}
	return spans
}

// deleteSpans removes non-overlapping byte ranges from src.
func deleteSpans(src []byte, spans [][2]int) []byte {
	slices.SortFunc(spans, func(a, b [2]int) int { return b[0] - a[0] })
	out := bytes.Clone(src)
	for _, s := range spans {
		out = append(out[:s[0]], out[s[1]:]...)
	}
	return out
}

// insertLineBefore inserts text, whole lines, just before the line of a
// closing brace that stands on its own line.
func (e *ignoreEditor) insertLineBefore(brace hcl.Range, text, what string) ([]byte, error) {
	at := lineStart(e.src, brace.Start.Byte)
	if strings.TrimSpace(string(e.src[at:brace.Start.Byte])) != "" {
		return nil, e.errAt(brace, fmt.Sprintf("%s closes on a line with other content; put its closing brace on a line of its own first", what))
	}
	return insert(e.src, at, text), nil
}

// deleteLines removes the whole lines from the one holding start to the
// one holding end, which must hold nothing else but blanks and a comment.
func (e *ignoreEditor) deleteLines(start, end int, what string) ([]byte, error) {
	from := lineStart(e.src, start)
	to := lineEnd(e.src, end)
	before := strings.TrimSpace(string(e.src[from:start]))
	after := strings.TrimSpace(string(e.src[end:to]))
	if before != "" || (after != "" && !strings.HasPrefix(after, "#") && !strings.HasPrefix(after, "//")) {
		return nil, e.errAt(hcl.Range{Filename: e.file, Start: e.pos(start)}, what+" shares its lines with other content; edit it by hand")
	}
	return append(bytes.Clone(e.src[:from]), e.src[to:]...), nil
}

// bodyIndent is the indentation of the first line inside a block: that of
// its first attribute or nested block, else the block's own plus two
// spaces.
func (e *ignoreEditor) bodyIndent(b *hclsyntax.Block) string {
	first := -1
	for _, a := range b.Body.Attributes {
		if first < 0 || a.SrcRange.Start.Byte < first {
			first = a.SrcRange.Start.Byte
		}
	}
	for _, nb := range b.Body.Blocks {
		if first < 0 || nb.TypeRange.Start.Byte < first {
			first = nb.TypeRange.Start.Byte
		}
	}
	if first >= 0 && lineStart(e.src, first) > b.OpenBraceRange.Start.Byte {
		return e.indentAt(first)
	}
	return e.indentAt(b.TypeRange.Start.Byte) + "  "
}

// indentAt is the whitespace that begins the line holding offset.
func (e *ignoreEditor) indentAt(offset int) string {
	from := lineStart(e.src, offset)
	to := from
	for to < len(e.src) && (e.src[to] == ' ' || e.src[to] == '\t') {
		to++
	}
	return string(e.src[from:to])
}

func (e *ignoreEditor) pos(offset int) hcl.Pos {
	return hcl.Pos{Byte: offset, Line: bytes.Count(e.src[:offset], []byte("\n")) + 1}
}

func (e *ignoreEditor) errAt(r hcl.Range, msg string) error {
	return fmt.Errorf("%s:%d: %s.%s: %s", e.file, r.Start.Line, e.res.Labels[0], e.res.Labels[1], msg)
}

func isKeyword(expr hclsyntax.Expression, word string) bool {
	t, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	return ok && len(t.Traversal) == 1 && t.Traversal.RootName() == word
}

// newline is the file's line ending: "\r\n" if its first line ends so.
func newline(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

func lineStart(src []byte, offset int) int {
	return bytes.LastIndexByte(src[:offset], '\n') + 1
}

// lineEnd is the offset just after the newline that ends offset's line.
func lineEnd(src []byte, offset int) int {
	if i := bytes.IndexByte(src[offset:], '\n'); i >= 0 {
		return offset + i + 1
	}
	return len(src)
}

func insert(src []byte, at int, text string) []byte {
	out := make([]byte, 0, len(src)+len(text))
	out = append(out, src[:at]...)
	out = append(out, text...)
	return append(out, src[at:]...)
}
