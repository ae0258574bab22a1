// Command gen regenerates documents.json, the ground truth of the scanner corpus.
//
// Usage (from this directory): go run . .. > ../documents.json
//
// It lists every Kubernetes object (a document, or an item of a *List, whose
// apiVersion and kind are both string scalars) of every corpus file, with the
// 1-based line of its apiVersion key.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

type entry struct {
	File       string `json:"file"`
	Line       int    `json:"line"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace"`
	InList     bool   `json:"inList"`
}

func main() {
	root := os.Args[1]
	var out []entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "gen" {
				return filepath.SkipDir
			}
			return nil
		}
		if rel == "SOURCES.md" || rel == "documents.json" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var es []entry
		if strings.HasSuffix(p, ".json") {
			es, err = fromJSON(data)
		} else {
			es, err = fromYAML(data)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		for i := range es {
			es[i].File = filepath.ToSlash(rel)
		}
		out = append(out, es...)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].File != out[j].File {
			return out[i].File < out[j].File
		}
		return out[i].Line < out[j].Line
	})
	b, _ := json.MarshalIndent(out, "", " ")
	os.Stdout.Write(append(b, '\n'))
}

// ---- YAML ----

func field(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return k, m.Content[i+1]
		}
	}
	return nil, nil
}

func str(m *yaml.Node, key string) (string, bool) {
	_, v := field(m, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		return "", false
	}
	return v.Value, true
}

func yamlEntry(n *yaml.Node, inList bool) (entry, bool) {
	av, ok1 := str(n, "apiVersion")
	kind, ok2 := str(n, "kind")
	if !ok1 || !ok2 {
		return entry{}, false
	}
	k, _ := field(n, "apiVersion")
	_, md := field(n, "metadata")
	name, _ := str(md, "name")
	ns, _ := str(md, "namespace")
	return entry{Line: k.Line, APIVersion: av, Kind: kind, Name: name, Namespace: ns, InList: inList}, true
}

func fromYAML(data []byte) ([]entry, error) {
	var out []entry
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		if len(doc.Content) == 0 {
			continue
		}
		n := doc.Content[0]
		e, ok := yamlEntry(n, false)
		if !ok {
			continue
		}
		out = append(out, e)
		if _, items := field(n, "items"); strings.HasSuffix(e.Kind, "List") && items != nil && items.Kind == yaml.SequenceNode {
			for _, it := range items.Content {
				if ie, ok := yamlEntry(it, true); ok {
					out = append(out, ie)
				}
			}
		}
	}
}

// ---- JSON ----

type jval struct {
	obj   map[string]*jval
	lines map[string]int
	arr   []*jval
	s     *string
}

func parseJSON(dec *json.Decoder, data []byte) (*jval, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jval{obj: map[string]*jval{}, lines: map[string]int{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key := kt.(string)
				line := 1 + bytes.Count(data[:dec.InputOffset()], []byte("\n"))
				c, err := parseJSON(dec, data)
				if err != nil {
					return nil, err
				}
				v.obj[key], v.lines[key] = c, line
			}
			_, err := dec.Token()
			return v, err
		case '[':
			v := &jval{arr: []*jval{}}
			for dec.More() {
				c, err := parseJSON(dec, data)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, c)
			}
			_, err := dec.Token()
			return v, err
		}
	case string:
		return &jval{s: &t}, nil
	}
	return &jval{}, nil
}

func (v *jval) str(key string) (string, bool) {
	if v == nil || v.obj == nil || v.obj[key] == nil || v.obj[key].s == nil {
		return "", false
	}
	return *v.obj[key].s, true
}

func jsonEntry(v *jval, inList bool) (entry, bool) {
	av, ok1 := v.str("apiVersion")
	kind, ok2 := v.str("kind")
	if !ok1 || !ok2 {
		return entry{}, false
	}
	md := v.obj["metadata"]
	name, _ := md.str("name")
	ns, _ := md.str("namespace")
	return entry{Line: v.lines["apiVersion"], APIVersion: av, Kind: kind, Name: name, Namespace: ns, InList: inList}, true
}

func fromJSON(data []byte) ([]entry, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	root, err := parseJSON(dec, data)
	if err != nil {
		return nil, err
	}
	e, ok := jsonEntry(root, false)
	if !ok {
		return nil, nil
	}
	out := []entry{e}
	if items := root.obj["items"]; strings.HasSuffix(e.Kind, "List") && items != nil && items.arr != nil {
		for _, it := range items.arr {
			if ie, ok := jsonEntry(it, true); ok {
				out = append(out, ie)
			}
		}
	}
	return out, nil
}
