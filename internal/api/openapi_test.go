package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes checks that every registered route is documented
// and every documented operation is routed, with the same roles.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	w := e.do(cred{}, http.MethodGet, "/api/v1/openapi.json", nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
		Comp    struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
		Catalogue []ErrorDef `json:"x-error-catalogue"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	if !reflect.DeepEqual(doc.Catalogue, Catalogue()) {
		t.Errorf("x-error-catalogue differs from Catalogue()")
	}

	ids := map[string]string{}
	for _, rt := range e.api.routes {
		op, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]
		if !ok {
			t.Errorf("%s is routed but not documented", rt.pattern())
			continue
		}
		if op["operationId"] != rt.name {
			t.Errorf("%s: operationId %v, want %s", rt.pattern(), op["operationId"], rt.name)
		}
		if prev, dup := ids[rt.name]; dup {
			t.Errorf("operationId %s used by %s and %s", rt.name, prev, rt.pattern())
		}
		ids[rt.name] = rt.pattern()
		if !jsonEqual(t, op["x-roles"], rt.access.roles()) {
			t.Errorf("%s: x-roles %v, want %v", rt.pattern(), op["x-roles"], rt.access.roles())
		}
		if body, has := op["requestBody"]; has != (rt.in != nil || rt.rawIn != "") {
			t.Errorf("%s: requestBody documented %v, route takes a body %v", rt.pattern(), has, rt.in != nil || rt.rawIn != "")
		} else if rt.rawIn != "" {
			if content, _ := body.(map[string]any)["content"].(map[string]any); content[rt.rawIn] == nil || len(content) != 1 {
				t.Errorf("%s: request body documented as %v, want %s", rt.pattern(), content, rt.rawIn)
			}
		}
		if len(rt.access.roles()) == 0 {
			t.Errorf("%s: no role may call it", rt.pattern())
		}
		success, _ := op["responses"].(map[string]any)[itoa(rt.status)].(map[string]any)
		content, _ := success["content"].(map[string]any)
		switch {
		case rt.rawOut != "":
			if content[rt.rawOut] == nil || len(content) != 1 {
				t.Errorf("%s: response documented as %v, want %s", rt.pattern(), content, rt.rawOut)
			}
		case rt.stream != "":
			media, _ := content[rt.stream].(map[string]any)
			if len(content) != 1 || media == nil || media["x-event-data"] == nil {
				t.Errorf("%s: stream documented as %v, want %s with x-event-data", rt.pattern(), content, rt.stream)
			}
		case rt.out != nil:
			want := 1
			if rt.csv {
				want = 2
				if content[textCSV] == nil {
					t.Errorf("%s: response documented as %v, want text/csv too", rt.pattern(), content)
				}
			}
			if _, has := content["application/json"]; !has || len(content) != want {
				t.Errorf("%s: response documented as %v, want application/json", rt.pattern(), content)
			}
		}
	}
	streams := 0
	for _, rt := range e.api.routes {
		if rt.stream != "" {
			streams++
		}
	}
	if streams != 1 {
		t.Errorf("%d streaming routes, want 1 (the wallboard's)", streams)
	}

	for path, item := range doc.Paths {
		for method := range item {
			concrete := strings.NewReplacer("{tid}", "1", "{id}", "2").Replace(path)
			r := httptest.NewRequest(strings.ToUpper(method), concrete, nil)
			_, pattern := e.api.mux.Handler(r)
			if want := strings.ToUpper(method) + " " + path; pattern != want {
				t.Errorf("documented %s is routed to %q", want, pattern)
			}
		}
	}

	// Every schema reference resolves.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if name, ok := strings.CutPrefix(ref, "#/components/schemas/"); ok {
					if _, ok := doc.Comp.Schemas[name]; !ok {
						t.Errorf("dangling $ref %s", ref)
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var raw any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	walk(raw)
	for _, name := range []string{"Site", "Queue", "Agent", "UserInput", "CreatedToken", "ErrorResponse"} {
		if _, ok := doc.Comp.Schemas[name]; !ok {
			t.Errorf("schema %s missing", name)
		}
	}
	// Embedded structs are flattened as encoding/json does.
	props := doc.Comp.Schemas["CreatedToken"].(map[string]any)["properties"].(map[string]any)
	for _, f := range []string{"id", "name", "tenant_id", "token"} {
		if _, ok := props[f]; !ok {
			t.Errorf("CreatedToken lacks %s: %v", f, props)
		}
	}
	if _, ok := props["hash"]; ok {
		t.Errorf("CreatedToken documents the hash")
	}
}

func TestSchemaGen(t *testing.T) {
	t.Parallel()
	type inner struct {
		N int `json:"n"`
	}
	type sample struct {
		inner
		S      string            `json:"s,omitempty"`
		P      *int64            `json:"p"`
		I      *inner            `json:"i"`
		L      []string          `json:"l"`
		M      map[string]bool   `json:"m"`
		Hidden string            `json:"-"`
		Raw    json.RawMessage   `json:"raw"`
		F      float64           `json:"f"`
		Tagged map[string]string `json:"tagged"`
	}
	g := &schemaGen{defs: obj{}, enums: enumValues()}
	ref := g.schema(reflect.TypeFor[sample]())
	if ref["$ref"] != "#/components/schemas/sample" {
		t.Fatalf("ref %v", ref)
	}
	props := g.defs["sample"].(obj)["properties"].(obj)
	tests := []struct {
		field string
		want  string
	}{
		{"n", `{"type":"integer"}`},
		{"s", `{"type":"string"}`},
		{"p", `{"format":"int64","type":["integer","null"]}`},
		{"i", `{"anyOf":[{"$ref":"#/components/schemas/inner"},{"type":"null"}]}`},
		{"l", `{"items":{"type":"string"},"type":"array"}`},
		{"m", `{"additionalProperties":{"type":"boolean"},"type":"object"}`},
		{"raw", `{"type":"object"}`},
		{"f", `{"type":"number"}`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(props[tc.field])
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("%s: %s, want %s", tc.field, b, tc.want)
		}
	}
	for _, absent := range []string{"Hidden", "-", "inner"} {
		if _, ok := props[absent]; ok {
			t.Errorf("property %q should not be documented", absent)
		}
	}
}
