package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Decode splits data into documents and returns the objects they hold, in
// order, skipping empty documents. source names data in errors.
func Decode(source string, data []byte) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: read document %d: %w", source, doc, err)
		}
		data, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, doc, err)
		}
		if trimmed := bytes.TrimSpace(data); bytes.Equal(trimmed, []byte("null")) || bytes.Equal(trimmed, []byte("{}")) {
			continue
		}
		var typeMeta metav1.TypeMeta
		if err := json.Unmarshal(data, &typeMeta); err != nil {
			return nil, fmt.Errorf("%s: document %d: want an object: %w", source, doc, err)
		}
		if typeMeta.APIVersion == "" || typeMeta.Kind == "" {
			return nil, fmt.Errorf("%s: document %d: apiVersion and kind are required", source, doc)
		}
		// The unstructured JSON scheme keeps integers as int64, as the
		// API machinery expects.
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, doc, err)
		}
		objs = append(objs, obj)
	}
}
