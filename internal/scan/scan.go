package scan

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"

	"github.com/kubehop/kubehop/internal/apidata"
)

// Location says where an object was found.
type Location struct {
	// File is the path of a manifest file, "-" for standard input, or the
	// source's name (such as "helm:namespace/release").
	File string `json:"file,omitempty"`
	// Line is the 1-based line of the object's apiVersion in File.
	Line int `json:"line,omitempty"`
	// HelmRelease is namespace/name of the Helm release whose manifest
	// holds the object.
	HelmRelease string `json:"helmRelease,omitempty"`
	// Live is set for an object in the cluster; Via says where its old API
	// version is recorded.
	Live bool   `json:"live,omitempty"`
	Via  string `json:"via,omitempty"`
}

// String names the location for people: "file.yaml:12", "Helm release
// ns/name (chart/templates/x.yaml:3)" or "live object (managedFields:kubectl)".
func (l Location) String() string {
	switch {
	case l.Live:
		return "live object (" + l.Via + ")"
	case l.HelmRelease != "":
		return "Helm release " + l.HelmRelease + " (" + l.File + ":" + strconv.Itoa(l.Line) + ")"
	case l.Line > 0:
		return l.File + ":" + strconv.Itoa(l.Line)
	}
	return l.File
}

// Match is an object whose API version the data lists.
type Match struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Namespace  string      `json:"namespace,omitempty"`
	Name       string      `json:"name,omitempty"`
	Location   Location    `json:"location"`
	API        apidata.API `json:"api"`
}

// Problem is a document that could not be read.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Err  string `json:"error"`
}

// Result is what a scan found.
type Result struct {
	Matches  []Match   `json:"matches"`
	Problems []Problem `json:"problems"`
	// Files, Documents and Bytes count what was read.
	Files     int   `json:"files"`
	Documents int   `json:"documents"`
	Bytes     int64 `json:"bytes"`
}

// Merge adds o to r.
func (r *Result) Merge(o *Result) {
	r.Matches = append(r.Matches, o.Matches...)
	r.Problems = append(r.Problems, o.Problems...)
	r.Files += o.Files
	r.Documents += o.Documents
	r.Bytes += o.Bytes
}

// Sort orders matches and problems by file and line.
func (r *Result) Sort() {
	slices.SortFunc(r.Matches, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Location.HelmRelease, b.Location.HelmRelease), cmp.Compare(a.Location.File, b.Location.File),
			cmp.Compare(a.Location.Line, b.Location.Line), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace),
			cmp.Compare(a.Name, b.Name), cmp.Compare(a.APIVersion, b.APIVersion), cmp.Compare(a.Location.Via, b.Location.Via))
	})
	slices.SortFunc(r.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
}

// Scanner scans manifests against API data.
type Scanner struct {
	// Data lists the APIs to find; apidata.Default() when nil.
	Data *apidata.Data
	// Strict parses every document in full, so that any malformed one is
	// reported, at a cost in speed.
	Strict bool
	// Workers bounds parallelism; GOMAXPROCS when zero.
	Workers int
}

func (s *Scanner) data() *apidata.Data {
	if s.Data == nil {
		return apidata.Default()
	}
	return s.Data
}

func (s *Scanner) workers() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return runtime.GOMAXPROCS(0)
}
