package check

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/version"
)

// ReleaseMap says which Kubernetes minors each release of an application
// supports (the runbooks' "ask the vendor first" step, S7).
//
//	apps:
//	- name: vantiq
//	  image: vantiq/vantiq-server   # the tag of this image is the app version
//	  releases:
//	  - version: "1.40"             # matches tags 1.40 and 1.40.x
//	    kubernetes: ["1.35", "1.36"]
type ReleaseMap struct {
	Apps []App `yaml:"apps"`
}

// App is one application of a release map.
type App struct {
	Name     string       `yaml:"name"`
	Image    string       `yaml:"image"`
	Releases []AppRelease `yaml:"releases"`
	line     int
}

// AppRelease is one release of an application.
type AppRelease struct {
	Version    string   `yaml:"version"`
	Kubernetes []string `yaml:"kubernetes"`
}

// ErrReleaseMap is returned for a release map kubehop cannot use.
var ErrReleaseMap = errors.New("bad release map")

// LoadReleaseMap reads a release map file. Errors name the file, the line
// and the field.
func LoadReleaseMap(path string) (*ReleaseMap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read release map: %w", err)
	}
	return ParseReleaseMap(path, data)
}

// ParseReleaseMap decodes a release map; name is used in errors.
func ParseReleaseMap(name string, data []byte) (*ReleaseMap, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var m ReleaseMap
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: %s: %s", ErrReleaseMap, name, trimYAMLError(err))
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	lines := appLines(&root)
	for i := range m.Apps {
		a := &m.Apps[i]
		if i < len(lines) {
			a.line = lines[i]
		}
		where := fmt.Sprintf("%s:%d: apps[%d]", name, a.line, i)
		if a.Name == "" || a.Image == "" {
			return nil, fmt.Errorf("%w: %s: fields name and image are required", ErrReleaseMap, where)
		}
		if len(a.Releases) == 0 {
			return nil, fmt.Errorf("%w: %s (%s): field releases is empty", ErrReleaseMap, where, a.Name)
		}
		for j, r := range a.Releases {
			if r.Version == "" {
				return nil, fmt.Errorf("%w: %s.releases[%d]: field version is required", ErrReleaseMap, where, j)
			}
			for _, k := range r.Kubernetes {
				if _, err := version.ParseGeneric(k); err != nil {
					return nil, fmt.Errorf("%w: %s.releases[%d].kubernetes: %q is not a version such as 1.36", ErrReleaseMap, where, j, k)
				}
			}
		}
	}
	return &m, nil
}

// appLines returns the line of each item of the top-level apps list.
func appLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "apps" {
			var lines []int
			for _, item := range m.Content[i+1].Content {
				lines = append(lines, item.Line)
			}
			return lines
		}
	}
	return nil
}

// trimYAMLError turns "yaml: unmarshal errors:\n  line 3: field x not found"
// into "line 3: field x not found".
func trimYAMLError(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return err.Error()
}
