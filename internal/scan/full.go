package scan

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// object is a Kubernetes object found by a full parse.
type object struct {
	apiVersion, kind, name, namespace string
	line                              int
}

// parseFull parses a document with a YAML parser (JSON is YAML too) and
// returns its objects: the document itself, or a List's items. line is
// the line the document starts at.
func parseFull(doc []byte, line int) ([]object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var objs []object
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return objs, err
		}
		if len(n.Content) == 0 {
			continue
		}
		objs = appendObjects(objs, n.Content[0], line-1)
	}
}

func appendObjects(objs []object, n *yaml.Node, offset int) []object {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		return objs
	}
	var o object
	var items *yaml.Node
	readFields(n, &o, &items, offset)
	if o.apiVersion != "" && o.kind != "" {
		objs = append(objs, o)
	}
	if items != nil && items.Kind == yaml.SequenceNode && len(o.kind) >= 4 && o.kind[len(o.kind)-4:] == "List" {
		for _, item := range items.Content {
			objs = appendObjects(objs, item, offset)
		}
	}
	return objs
}

// readFields reads apiVersion, kind, metadata and items of a mapping,
// following merge keys (<<) for fields the mapping does not set itself.
func readFields(n *yaml.Node, o *object, items **yaml.Node, offset int) {
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "apiVersion":
			if v.Kind == yaml.ScalarNode {
				o.apiVersion, o.line = v.Value, k.Line+offset
			}
		case "kind":
			if v.Kind == yaml.ScalarNode {
				o.kind = v.Value
			}
		case "metadata":
			if v.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(v.Content); j += 2 {
					switch v.Content[j].Value {
					case "name":
						o.name = resolve(v.Content[j+1]).Value
					case "namespace":
						o.namespace = resolve(v.Content[j+1]).Value
					}
				}
			}
		case "items":
			*items = v
		case "<<":
			if v.Kind == yaml.SequenceNode {
				merges = append(merges, v.Content...)
			} else {
				merges = append(merges, v)
			}
		}
	}
	for _, m := range merges {
		if m = resolve(m); m.Kind != yaml.MappingNode {
			continue
		}
		var merged object
		var mergedItems *yaml.Node
		readFields(m, &merged, &mergedItems, offset)
		if o.apiVersion == "" && merged.apiVersion != "" {
			o.apiVersion, o.line = merged.apiVersion, merged.line
		}
		o.kind = cmp.Or(o.kind, merged.kind)
		o.name = cmp.Or(o.name, merged.name)
		o.namespace = cmp.Or(o.namespace, merged.namespace)
		if *items == nil {
			*items = mergedItems
		}
	}
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// yamlErrorLine extracts the line a yaml.v3 error names ("yaml: line 7: ..."),
// relative to the document.
func yamlErrorLine(err error) int {
	var line int
	if _, scanErr := fmt.Sscanf(err.Error(), "yaml: line %d:", &line); scanErr == nil {
		return line
	}
	return 0
}
