package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSchemaMatchesProfile: docs/profile.schema.json names exactly the
// fields the Profile type reads, at every level, so that editors that
// validate with it accept every profile kubehop accepts.
func TestSchemaMatchesProfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "profile.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	compare(t, "profile", reflect.TypeFor[Profile](), schema)
}

func compare(t *testing.T, path string, typ reflect.Type, schema map[string]any) {
	t.Helper()
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
		switch typ.Kind() {
		case reflect.Slice:
			items, _ := schema["items"].(map[string]any)
			if items == nil {
				if typ.Elem().Kind() == reflect.Struct {
					t.Errorf("%s: the schema has no items", path)
				}
				return
			}
			schema = items
		case reflect.Map:
			add, _ := schema["additionalProperties"].(map[string]any)
			if add == nil {
				return
			}
			schema = add
		}
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || typ == reflect.TypeFor[Duration]() {
		return
	}
	props, _ := schema["properties"].(map[string]any)
	var fields []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		fields = append(fields, name)
		sub, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("%s.%s: not in the schema", path, name)
			continue
		}
		compare(t, path+"."+name, f.Type, sub)
	}
	for name := range props {
		if !slices.Contains(fields, name) {
			t.Errorf("%s.%s: in the schema, not read by kubehop", path, name)
		}
	}
}
