package scan

import (
	"strconv"
	"strings"
	"testing"
)

func TestScanHeader(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      header
	}{
		{"plain", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n",
			header{apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "shop", line: 1}},
		{"comments and quotes", "# a comment\n\n'kind': \"Ingress\" # trailing\napiVersion: 'extensions/v1beta1'\nmetadata:\n  # inner\n  labels:\n    name: not-this\n  name: site\n",
			header{apiVersion: "extensions/v1beta1", kind: "Ingress", name: "site", line: 4}},
		{"indented document", "  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n",
			header{apiVersion: "v1", kind: "ConfigMap", name: "c", line: 1}},
		{"marker content", "--- apiVersion: v1\nkind: Namespace\n", header{apiVersion: "v1", line: 1, full: true}},
		{"flow", "{apiVersion: v1, kind: Namespace}\n", header{full: true}},
		{"list", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n", header{apiVersion: "v1", kind: "List", line: 1, full: true}},
		{"tab", "apiVersion: v1\nkind: ConfigMap\n\tdata: x\n", header{apiVersion: "v1", kind: "ConfigMap", line: 1, full: true}},
		{"anchor", "apiVersion: &v v1\nkind: ConfigMap\n", header{line: 1, kind: "ConfigMap", full: true}},
		{"not an object", "replicaCount: 2\nimage:\n  tag: 1.0\n", header{}},
		{"bad top line", "apiVersion: v1\nkind: ConfigMap\nthis is not yaml\n", header{apiVersion: "v1", kind: "ConfigMap", line: 1, full: true}},
		{"space before colon", "apiVersion : extensions/v1beta1\nkind :  Ingress\n", header{apiVersion: "extensions/v1beta1", kind: "Ingress", line: 1}},
		{"value on next line", "apiVersion:\n  extensions/v1beta1\nkind: Ingress\n", header{line: 1, kind: "Ingress", full: true}},
		{"merge key", "<<: *base\nkind: Ingress\n", header{kind: "Ingress", full: true}},
		{"directive", "%YAML 1.2\n", header{}},
		{"crlf", "apiVersion: v1\r\nkind: Secret\r\nmetadata:\r\n  name: s\r\n", header{apiVersion: "v1", kind: "Secret", name: "s", line: 1}},
		{"url value", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  url: http://x:80/a#b\n", header{apiVersion: "v1", kind: "ConfigMap", name: "a", line: 1}},
	} {
		if got := scanHeader([]byte(tc.doc)); got != tc.want {
			t.Errorf("%s: scanHeader = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestForEachDocument(t *testing.T) {
	data := "# head\n---\na: 1\n---   # comment\nb: 2\n...\n---\n--- c: 3\nd: 4\n"
	var got []string
	forEachDocument([]byte(data), 10, func(doc []byte, line int) {
		got = append(got, strings.TrimSpace(string(doc))+"@"+strconv.Itoa(line))
	})
	want := []string{"# head@10", "a: 1@12", "b: 2@14", "--- c: 3\nd: 4@17"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("documents %q, want %q", got, want)
	}
}
