package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// obj is a JSON object of the OpenAPI document.
type obj = map[string]any

// buildOpenAPI describes routes as an OpenAPI 3.1 document. Schemas are
// derived by reflection from the Go types the handlers decode and return.
func buildOpenAPI(routes []route) obj {
	g := &schemaGen{defs: obj{}, enums: enumValues()}
	paths := obj{}
	for _, rt := range routes {
		op := obj{
			"operationId": rt.name,
			"summary":     rt.summary,
			"tags":        []string{rt.tag},
			"x-roles":     rt.access.roles(),
		}
		if rt.access == accessPublic {
			op["security"] = []obj{}
		}
		var params []obj
		for _, p := range rt.pathParams() {
			params = append(params, obj{"name": p, "in": "path", "required": true, "schema": obj{"type": "integer", "format": "int64", "minimum": 1}})
		}
		for _, q := range rt.query {
			schema := obj{"type": "integer", "format": "int64"}
			if q.typ != "" {
				schema = obj{"type": q.typ}
			}
			params = append(params, obj{"name": q.name, "in": "query", "required": false, "description": q.description, "schema": schema})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		switch {
		case rt.in != nil:
			op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": g.schema(rt.in)}}}
		case rt.rawIn != "":
			op["requestBody"] = obj{"required": true, "content": obj{rt.rawIn: obj{"schema": obj{"type": "string", "format": "binary"}}}}
		}
		ok := obj{"description": http.StatusText(rt.status)}
		switch {
		case rt.rawOut != "":
			ok["content"] = obj{rt.rawOut: obj{"schema": obj{"type": "string", "format": "binary"}}}
		case rt.stream != "":
			ok["content"] = obj{rt.stream: obj{"schema": obj{"type": "string"}, "x-event-data": g.schema(rt.out)}}
		case rt.out != nil:
			ok["content"] = obj{"application/json": obj{"schema": g.schema(rt.out)}}
		}
		if rt.csv {
			ok["content"].(obj)[textCSV] = obj{"schema": obj{"type": "string"}}
		}
		op["responses"] = obj{
			itoa(rt.status): ok,
			"default":       obj{"$ref": "#/components/responses/Error"},
		}
		item, _ := paths[rt.path].(obj)
		if item == nil {
			item = obj{}
			paths[rt.path] = item
		}
		item[strings.ToLower(rt.method)] = op
	}
	errRef := g.schema(reflect.TypeFor[ErrorResponse]())
	codes := []string{}
	for _, d := range Catalogue() {
		codes = append(codes, string(d.Code))
	}
	if body, ok := g.defs["ErrorBody"].(obj); ok {
		body["properties"].(obj)["code"] = obj{"type": "string", "enum": codes}
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":   "Plateau API",
			"version": "v1",
			"description": "Plateau's REST API. Authenticate with Authorization: Bearer plt_... (API tokens) or the session cookie set by POST /api/v1/login; " +
				"state-changing requests authenticated by cookie must send X-CSRF-Token. x-roles lists who may call each operation. " +
				"Errors are {\"error\":{...}} with a code from x-error-catalogue.",
		},
		"paths": paths,
		"security": []obj{
			{"bearer": []string{}},
			{"session": []string{}},
		},
		"components": obj{
			"schemas": g.defs,
			"securitySchemes": obj{
				"bearer":  obj{"type": "http", "scheme": "bearer", "description": "An API token, plt_..."},
				"session": obj{"type": "apiKey", "in": "cookie", "name": SessionCookie},
			},
			"responses": obj{
				"Error": obj{"description": "An error from the catalogue", "content": obj{"application/json": obj{"schema": errRef}}},
			},
		},
		"x-error-catalogue": Catalogue(),
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// enumValues lists the known values of the model's enumerated types.
func enumValues() map[reflect.Type][]string {
	return map[reflect.Type][]string{
		reflect.TypeFor[model.SiteKind]():         strs(model.SiteKinds()),
		reflect.TypeFor[model.Channel]():          strs(model.Channels()),
		reflect.TypeFor[model.OverflowAction]():   strs(model.OverflowActions()),
		reflect.TypeFor[model.Strategy]():         strs(model.Strategies()),
		reflect.TypeFor[model.EntryPointKind]():   strs(model.EntryPointKinds()),
		reflect.TypeFor[model.Role]():             strs(model.Roles()),
		reflect.TypeFor[model.InteractionState](): strs(model.InteractionStates()),
		reflect.TypeFor[model.EndedReason]():      strs(model.EndedReasons()),
		reflect.TypeFor[model.Sender]():           strs(model.Senders()),
		reflect.TypeFor[model.Contract]():         strs(model.Contracts()),
		reflect.TypeFor[model.ExitReason]():       append([]string{""}, strs(model.ExitReasons())...),
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// schemaGen turns Go types into JSON Schemas, named structs into
// components referenced by name.
type schemaGen struct {
	defs  obj
	enums map[reflect.Type][]string
}

func (g *schemaGen) schema(t reflect.Type) obj {
	switch t {
	case reflect.TypeFor[time.Time]():
		return obj{"type": "string", "format": "date-time"}
	case reflect.TypeFor[json.RawMessage]():
		return obj{"type": "object"}
	case reflect.TypeFor[model.Milli]():
		return obj{"type": "number", "multipleOf": 0.001} // an exact decimal, three places
	case reflect.TypeFor[model.Money]():
		return obj{"type": "number", "multipleOf": 0.01} // an exact amount, in currency units to the cent
	}
	if t.Kind() != reflect.Struct && t.Kind() != reflect.Pointer && t.Implements(reflect.TypeFor[json.Marshaler]()) {
		// A scalar with its own encoding: a decimal string (billing's prices).
		return obj{"type": "string", "format": "decimal"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := g.schema(t.Elem())
		if typ, ok := inner["type"].(string); ok {
			inner["type"] = []string{typ, "null"}
			return inner
		}
		return obj{"anyOf": []obj{inner, {"type": "null"}}}
	case reflect.Struct:
		name := t.Name()
		if _, done := g.defs[name]; !done {
			g.defs[name] = obj{} // placeholder against recursion
			props := obj{}
			g.fields(t, props)
			g.defs[name] = obj{"type": "object", "properties": props, "additionalProperties": false}
		}
		return obj{"$ref": "#/components/schemas/" + name}
	case reflect.Slice, reflect.Array:
		return obj{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.String:
		s := obj{"type": "string"}
		if vs, ok := g.enums[t]; ok {
			s["enum"] = vs
		}
		return s
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		s := obj{"type": "integer"}
		if t.Kind() == reflect.Int64 {
			s["format"] = "int64"
		}
		return s
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	}
	return obj{}
}

// fields adds t's JSON fields to props, flattening embedded structs as
// encoding/json does.
func (g *schemaGen) fields(t reflect.Type, props obj) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
	}
}
