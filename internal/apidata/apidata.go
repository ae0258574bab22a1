package apidata

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// SchemaVersion is the only schemaVersion Load and Parse accept.
const SchemaVersion = 1

// API is one removed (or scheduled for removal) apiVersion and kind.
type API struct {
	// APIVersion is what a manifest says: "group/version", or "v1" for the
	// core group.
	APIVersion string `json:"apiVersion" yaml:"apiVersion"`
	Kind       string `json:"kind" yaml:"kind"`
	// DeprecatedIn is the minor ("1.14") that deprecated it; "" if unknown
	// or never announced, as for most alpha versions.
	DeprecatedIn string `json:"deprecatedIn,omitempty" yaml:"deprecatedIn,omitempty"`
	// RemovedIn is the first minor ("1.22") that no longer serves it. A
	// minor after the data's LatestRelease is a scheduled removal.
	RemovedIn string `json:"removedIn" yaml:"removedIn"`
	// Replacement is the apiVersion to migrate to, "" if there is none. It
	// may itself be removed later: look it up again.
	Replacement string `json:"replacement" yaml:"replacement"`
	// ReplacementKind is set only when the replacement has another kind.
	ReplacementKind string `json:"replacementKind,omitempty" yaml:"replacementKind,omitempty"`
	Notes           string `json:"notes,omitempty" yaml:"notes,omitempty"`
}

// Group returns the API group; "" for the core group.
func (a API) Group() string {
	group, _, ok := strings.Cut(a.APIVersion, "/")
	if !ok {
		return ""
	}
	return group
}

// Version returns the API version within the group, e.g. "v1beta1".
func (a API) Version() string {
	_, version, ok := strings.Cut(a.APIVersion, "/")
	if !ok {
		return a.APIVersion
	}
	return version
}

// ReplacementKindOrKind returns the kind to use with Replacement.
func (a API) ReplacementKindOrKind() string {
	if a.ReplacementKind != "" {
		return a.ReplacementKind
	}
	return a.Kind
}

// key indexes APIs; a struct of two strings, so looking one up does not
// allocate.
type key struct{ apiVersion, kind string }

// Data is a parsed removed-APIs file, indexed by apiVersion and kind. It is
// read-only and safe for concurrent use.
type Data struct {
	apis    []API // sorted by removedIn, group, version, kind
	index   map[key]int
	latest  string
	version string
}

//go:embed removed-apis.yaml
var embedded []byte

var defaultData = sync.OnceValue(func() *Data {
	d, err := Parse("removed-apis.yaml", embedded)
	if err != nil {
		panic(fmt.Sprintf("apidata: embedded data is broken: %v", err))
	}
	return d
})

// Default returns the embedded data, parsed on first use. It panics only if
// the embedded file is broken, which the package's tests rule out.
func Default() *Data { return defaultData() }

// Lookup returns the entry for apiVersion and kind, which must match
// exactly ("extensions/v1beta1", "Ingress"); a nil Data has no entries. It
// does not allocate.
func (d *Data) Lookup(apiVersion, kind string) (API, bool) {
	if d == nil {
		return API{}, false
	}
	i, ok := d.index[key{apiVersion, kind}]
	if !ok {
		return API{}, false
	}
	return d.apis[i], true
}

// All returns a copy of every entry, sorted by removedIn, then group,
// version and kind.
func (d *Data) All() []API {
	if d == nil {
		return nil
	}
	return slices.Clone(d.apis)
}

// Len returns the number of entries.
func (d *Data) Len() int {
	if d == nil {
		return 0
	}
	return len(d.apis)
}

// LatestRelease returns the newest Kubernetes minor the data covers
// ("1.37"), or "" if the file does not say.
func (d *Data) LatestRelease() string { return d.latest }

// Version identifies the data for reports: the schema version, the newest
// release covered and a hash of the entries, e.g. "1/k8s-1.37/5e0c9a1f3b2d".
func (d *Data) Version() string { return d.version }

// Kinds is the set of kinds the data lists, in any API version.
func (d *Data) Kinds() map[string]bool {
	kinds := make(map[string]bool, len(d.apis))
	for _, a := range d.apis {
		kinds[a.Kind] = true
	}
	return kinds
}
