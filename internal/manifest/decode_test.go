package manifest

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	data := `# leading comment
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
---
# only a comment
---
{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "a"}}
`
	objs, err := Decode("in.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetKind() != "Namespace" || objs[1].GetName() != "b" || objs[1].GetNamespace() != "a" {
		t.Fatalf("got %d objects: %v", len(objs), objs)
	}
}

func TestDecodeErrorsNameSourceAndDocument(t *testing.T) {
	for name, data := range map[string]string{
		"no kind":   "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n",
		"malformed": "apiVersion: v1\nkind: Namespace\n---\nkind: [unclosed\n",
	} {
		_, err := Decode("platform.yaml", []byte(data))
		if err == nil || !strings.Contains(err.Error(), "platform.yaml: document 2") {
			t.Errorf("%s: error %v should name the file and document 2", name, err)
		}
	}
}
