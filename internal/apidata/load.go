package apidata

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/version"
)

var (
	// apiVersionRE: an optional DNS-subdomain group, then v1, v2beta1, ...
	apiVersionRE = regexp.MustCompile(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$`)
	kindRE       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)
	minorRE      = regexp.MustCompile(`^1\.(0|[1-9][0-9]*)$`)
)

// Load reads and validates a removed-APIs file in the format of the
// embedded removed-apis.yaml. Errors name the file, the line and the field.
func Load(path string) (*Data, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read api data: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load for data already in memory; name is used in errors.
// Decoding is strict: unknown and repeated fields are errors. It walks the
// yaml.Node tree itself rather than decoding into structs (where
// KnownFields would do), so that every error, not only unknown fields, can
// name the line and the field.
func Parse(name string, data []byte) (*Data, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file", name)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, fmt.Errorf("%s:%d: a second YAML document; want one", name, next.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p := parser{name: name}
	return p.file(&doc)
}

// parser walks the YAML node tree, so every error can carry a line.
type parser struct{ name string }

// errorf formats "file:line: field: message"; the top level has no field.
func (p parser) errorf(n *yaml.Node, field, format string, args ...any) error {
	if field == "" {
		return fmt.Errorf("%s:%d: %s", p.name, n.Line, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%s:%d: %s: %s", p.name, n.Line, field, fmt.Sprintf(format, args...))
}

// fields returns the key and value nodes of a mapping, rejecting keys not
// in known and repeated keys.
func (p parser) fields(n *yaml.Node, path string, known ...string) (map[string][2]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		if path == "" {
			return nil, p.errorf(n, path, "want a mapping with schemaVersion and apis")
		}
		return nil, p.errorf(n, path, "want a mapping")
	}
	out := map[string][2]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := k.Value
		if path != "" {
			field = path + "." + k.Value
		}
		if k.Kind != yaml.ScalarNode || !slices.Contains(known, k.Value) {
			return nil, p.errorf(k, field, "unknown field")
		}
		if prev, dup := out[k.Value]; dup {
			return nil, p.errorf(k, field, "repeated (first on line %d)", prev[0].Line)
		}
		out[k.Value] = [2]*yaml.Node{k, v}
	}
	return out, nil
}

// str returns a scalar's text; "" for null.
func (p parser) str(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.errorf(n, field, "want a string")
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return n.Value, nil
}

func (p parser) file(doc *yaml.Node) (*Data, error) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("%s:%d: want a mapping with schemaVersion and apis", p.name, doc.Line)
	}
	root := doc.Content[0]
	fs, err := p.fields(root, "", "schemaVersion", "latestRelease", "apis")
	if err != nil {
		return nil, err
	}
	sv, ok := fs["schemaVersion"]
	if !ok {
		return nil, p.errorf(root, "schemaVersion", "missing")
	}
	if sv[1].Kind != yaml.ScalarNode || sv[1].Value != strconv.Itoa(SchemaVersion) {
		return nil, p.errorf(sv[1], "schemaVersion", "got %q, want %d", sv[1].Value, SchemaVersion)
	}
	d := &Data{index: map[key]int{}}
	if lr, ok := fs["latestRelease"]; ok {
		if d.latest, err = p.minor(lr[1], "latestRelease"); err != nil {
			return nil, err
		}
	}
	apis, ok := fs["apis"]
	if !ok {
		return nil, p.errorf(root, "apis", "missing")
	}
	if apis[1].Kind != yaml.SequenceNode {
		return nil, p.errorf(apis[1], "apis", "want a list")
	}
	lines := map[key]int{}
	removed := make(map[key]*version.Version, len(apis[1].Content))
	for i, item := range apis[1].Content {
		a, rv, err := p.api(item, fmt.Sprintf("apis[%d]", i))
		if err != nil {
			return nil, err
		}
		k := key{a.APIVersion, a.Kind}
		if first, dup := lines[k]; dup {
			return nil, p.errorf(item, fmt.Sprintf("apis[%d]", i), "duplicate of %s %s on line %d", a.APIVersion, a.Kind, first)
		}
		lines[k] = item.Line
		removed[k] = rv
		d.apis = append(d.apis, a)
	}
	slices.SortFunc(d.apis, func(a, b API) int {
		return cmp.Or(
			compareVersions(removed[key{a.APIVersion, a.Kind}], removed[key{b.APIVersion, b.Kind}]),
			cmp.Compare(a.Group(), b.Group()),
			cmp.Compare(a.Version(), b.Version()),
			cmp.Compare(a.Kind, b.Kind),
		)
	})
	for i, a := range d.apis {
		d.index[key{a.APIVersion, a.Kind}] = i
	}
	d.version = fingerprint(d)
	return d, nil
}

// minor parses a "1.N" version.
func (p parser) minor(n *yaml.Node, field string) (string, error) {
	s, err := p.str(n, field)
	if err != nil {
		return "", err
	}
	if !minorRE.MatchString(s) {
		return "", p.errorf(n, field, "%q is not a minor version like \"1.22\"", s)
	}
	return s, nil
}

// api parses and validates one entry.
func (p parser) api(n *yaml.Node, path string) (API, *version.Version, error) {
	fs, err := p.fields(n, path, "apiVersion", "kind", "deprecatedIn", "removedIn", "replacement", "replacementKind", "notes")
	if err != nil {
		return API{}, nil, err
	}
	var a API
	get := func(name string, dst *string, check func(*yaml.Node, string) (string, error)) error {
		kv, ok := fs[name]
		if !ok {
			return nil
		}
		v, err := check(kv[1], path+"."+name)
		*dst = v
		return err
	}
	pattern := func(re *regexp.Regexp, what string) func(*yaml.Node, string) (string, error) {
		return func(n *yaml.Node, field string) (string, error) {
			s, err := p.str(n, field)
			if err == nil && s != "" && !re.MatchString(s) {
				err = p.errorf(n, field, "%q is not %s", s, what)
			}
			return s, err
		}
	}
	apiVersion := pattern(apiVersionRE, `an apiVersion like "apps/v1" or "v1"`)
	kind := pattern(kindRE, `a kind like "Deployment"`)
	for _, f := range []struct {
		name  string
		dst   *string
		check func(*yaml.Node, string) (string, error)
	}{
		{"apiVersion", &a.APIVersion, apiVersion},
		{"kind", &a.Kind, kind},
		{"deprecatedIn", &a.DeprecatedIn, p.optionalMinor},
		{"removedIn", &a.RemovedIn, p.minor},
		{"replacement", &a.Replacement, apiVersion},
		{"replacementKind", &a.ReplacementKind, kind},
		{"notes", &a.Notes, p.str},
	} {
		if err := get(f.name, f.dst, f.check); err != nil {
			return API{}, nil, err
		}
	}
	for _, required := range []struct{ name, value string }{
		{"apiVersion", a.APIVersion}, {"kind", a.Kind}, {"removedIn", a.RemovedIn},
	} {
		if required.value == "" {
			at := n
			if kv, ok := fs[required.name]; ok {
				at = kv[1]
			}
			return API{}, nil, p.errorf(at, path+"."+required.name, "missing")
		}
	}
	if a.ReplacementKind != "" && a.Replacement == "" {
		return API{}, nil, p.errorf(fs["replacementKind"][1], path+".replacementKind", "set without replacement")
	}
	removed := version.MustParseGeneric(a.RemovedIn)
	if a.DeprecatedIn != "" && removed.LessThan(version.MustParseGeneric(a.DeprecatedIn)) {
		return API{}, nil, p.errorf(fs["removedIn"][1], path+".removedIn", "%s is before deprecatedIn %s", a.RemovedIn, a.DeprecatedIn)
	}
	return a, removed, nil
}

func compareVersions(a, b *version.Version) int {
	switch {
	case a.LessThan(b):
		return -1
	case b.LessThan(a):
		return 1
	}
	return 0
}

func (p parser) optionalMinor(n *yaml.Node, field string) (string, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return "", nil
	}
	return p.minor(n, field)
}

// fingerprint names the data by schema, newest release and a hash of the
// sorted entries, so reformatting the file does not change it.
func fingerprint(d *Data) string {
	h := sha256.New()
	for _, a := range d.apis {
		for _, f := range []string{a.APIVersion, a.Kind, a.DeprecatedIn, a.RemovedIn, a.Replacement, a.ReplacementKind, a.Notes} {
			h.Write([]byte(f))
			h.Write([]byte{0})
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))[:12]
	if d.latest == "" {
		return fmt.Sprintf("%d/%s", SchemaVersion, sum)
	}
	return fmt.Sprintf("%d/k8s-%s/%s", SchemaVersion, d.latest, sum)
}
