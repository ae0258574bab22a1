package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// versionDir matches the directory of a versioned API package: v1, v2beta1.
var versionDir = regexp.MustCompile(`^v[0-9]+((alpha|beta)[0-9]+)?$`)

// scanAPIModule adds to r every kind registered under root (a directory of
// k8s.io/api or of pkg/apis in apiextensions-apiserver or kube-aggregator),
// and its prerelease-lifecycle declarations.
func scanAPIModule(root string, r *release) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			return filepath.SkipDir
		}
		if !versionDir.MatchString(name) {
			return nil
		}
		if _, err := os.Stat(filepath.Join(path, "register.go")); err != nil {
			return nil // not an API package, e.g. a nested helper directory
		}
		if err := scanPackage(path, r); err != nil {
			return fmt.Errorf("scan %s: %w", path, err)
		}
		return nil
	})
}

// scanPackage reads register.go and zz_generated.prerelease-lifecycle.go of
// one versioned API package.
func scanPackage(dir string, r *release) error {
	fset := token.NewFileSet()
	reg, err := parser.ParseFile(fset, filepath.Join(dir, "register.go"), nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	group, version, kinds, err := registered(reg)
	if err != nil {
		return err
	}
	if version == "" {
		version = filepath.Base(dir)
	}
	for _, kind := range kinds {
		r.Present[gvk{group, version, kind}] = true
	}
	path := filepath.Join(dir, "zz_generated.prerelease-lifecycle.go")
	if _, err := os.Stat(path); err != nil {
		return nil // before 1.19 or never tagged: no declarations
	}
	lc, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	decls, err := lifecycles(lc)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for kind, l := range decls {
		r.Lifecycle[gvk{group, version, kind}] = l
	}
	return nil
}

// registered returns the GroupName constant, the Version of
// SchemeGroupVersion and the kinds passed to
// scheme.AddKnownTypes(SchemeGroupVersion, &Kind{}, ...).
func registered(f *ast.File) (group, version string, kinds []string, err error) {
	foundGroup := false
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gen.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					break
				}
				switch name.Name {
				case "GroupName":
					if s, ok := stringLit(vs.Values[i]); ok {
						group, foundGroup = s, true
					}
				case "SchemeGroupVersion":
					if cl, ok := vs.Values[i].(*ast.CompositeLit); ok {
						version, _ = field(cl, "Version")
					}
				}
			}
		}
	}
	if !foundGroup {
		return "", "", nil, fmt.Errorf("no GroupName string constant")
	}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) < 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "AddKnownTypes" {
			return true
		}
		if id, ok := call.Args[0].(*ast.Ident); !ok || id.Name != "SchemeGroupVersion" {
			return true
		}
		for _, arg := range call.Args[1:] {
			u, ok := arg.(*ast.UnaryExpr)
			if !ok || u.Op != token.AND {
				continue
			}
			cl, ok := u.X.(*ast.CompositeLit)
			if !ok {
				continue
			}
			if id, ok := cl.Type.(*ast.Ident); ok { // skip metav1.Status and the like
				kinds = append(kinds, id.Name)
			}
		}
		return true
	})
	return group, version, kinds, nil
}

// lifecycles reads the generated APILifecycle* methods, keyed by kind.
func lifecycles(f *ast.File) (map[string]lifecycle, error) {
	out := map[string]lifecycle{}
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 || !strings.HasPrefix(fn.Name.Name, "APILifecycle") {
			continue
		}
		star, ok := fn.Recv.List[0].Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		recv, ok := star.X.(*ast.Ident)
		if !ok {
			continue
		}
		kind := recv.Name
		if fn.Body == nil || len(fn.Body.List) != 1 {
			return nil, fmt.Errorf("%s.%s: want a single return statement", kind, fn.Name.Name)
		}
		ret, ok := fn.Body.List[0].(*ast.ReturnStmt)
		if !ok {
			return nil, fmt.Errorf("%s.%s: want a single return statement", kind, fn.Name.Name)
		}
		l := out[kind]
		var err error
		switch fn.Name.Name {
		case "APILifecycleIntroduced":
			l.Introduced, err = returnedMinor(ret)
		case "APILifecycleDeprecated":
			l.Deprecated, err = returnedMinor(ret)
		case "APILifecycleRemoved":
			l.Removed, err = returnedMinor(ret)
		case "APILifecycleReplacement":
			l.Replacement, err = returnedGVK(ret)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", kind, fn.Name.Name, err)
		}
		out[kind] = l
	}
	return out, nil
}

// returnedMinor reads `return 1, N`.
func returnedMinor(ret *ast.ReturnStmt) (int, error) {
	if len(ret.Results) != 2 {
		return 0, fmt.Errorf("want return major, minor")
	}
	var v [2]int
	for i, e := range ret.Results {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.INT {
			return 0, fmt.Errorf("want integer literals")
		}
		n, err := strconv.Atoi(lit.Value)
		if err != nil {
			return 0, err
		}
		v[i] = n
	}
	if v[0] != 1 {
		return 0, fmt.Errorf("major version %d, want 1", v[0])
	}
	return v[1], nil
}

// returnedGVK reads `return schema.GroupVersionKind{Group: ..., Version: ..., Kind: ...}`.
func returnedGVK(ret *ast.ReturnStmt) (gvk, error) {
	if len(ret.Results) != 1 {
		return gvk{}, fmt.Errorf("want one result")
	}
	cl, ok := ret.Results[0].(*ast.CompositeLit)
	if !ok {
		return gvk{}, fmt.Errorf("want a GroupVersionKind literal")
	}
	g, _ := field(cl, "Group")
	v, okV := field(cl, "Version")
	k, okK := field(cl, "Kind")
	if !okV || !okK {
		return gvk{}, fmt.Errorf("want Version and Kind")
	}
	return gvk{g, v, k}, nil
}

// field returns the string literal value of key in a keyed composite literal.
func field(cl *ast.CompositeLit, key string) (string, bool) {
	for _, elt := range cl.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if id, ok := kv.Key.(*ast.Ident); ok && id.Name == key {
			return stringLit(kv.Value)
		}
	}
	return "", false
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// scanOpenAPI adds to r.Served every kind in a kube-apiserver OpenAPI v2
// spec: each definition that names exactly one group-version-kind (resource
// and list types; DeleteOptions and WatchEvent name every group version and
// are skipped), and the kind of every operation (subresources such as Scale
// and the *Options kinds of the core group).
func scanOpenAPI(path string, r *release) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	type specGVK struct{ Group, Version, Kind string }
	var spec struct {
		Definitions map[string]struct {
			GVK []specGVK `json:"x-kubernetes-group-version-kind"`
		} `json:"definitions"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	for _, d := range spec.Definitions {
		if len(d.GVK) == 1 {
			g := d.GVK[0]
			r.Served[gvk{g.Group, g.Version, g.Kind}] = true
		}
	}
	for p, item := range spec.Paths {
		for method, raw := range item {
			if len(raw) == 0 || raw[0] != '{' { // "parameters" is a list
				continue
			}
			var op struct {
				GVK *specGVK `json:"x-kubernetes-group-version-kind"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return fmt.Errorf("decode %s: %s %s: %w", path, method, p, err)
			}
			if op.GVK != nil {
				r.Served[gvk{op.GVK.Group, op.GVK.Version, op.GVK.Kind}] = true
			}
		}
	}
	if len(r.Served) == 0 {
		return fmt.Errorf("%s: no kinds found", path)
	}
	return nil
}
