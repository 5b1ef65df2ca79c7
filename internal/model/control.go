package model

import (
	"reflect"
	"strconv"
	"strings"
)

// IsControl reports whether r is a control character refused in text:
// C0 controls and DEL, except tab, line feed and carriage return.
func IsControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}

// HasControl reports whether s holds a character IsControl refuses.
func HasControl(s string) bool { return strings.IndexFunc(s, IsControl) >= 0 }

// CheckControl walks v (a decoded request: structs, pointers, slices,
// maps, strings) and returns a *ValidationError naming the first string
// field, by its JSON name, that holds a control character. PostgreSQL
// refuses U+0000 in text where SQLite stores it: refusing them all at the
// edge keeps both backends alike and the records clean.
func CheckControl(v any) error {
	if field, ok := findControl(reflect.ValueOf(v), ""); ok {
		if field == "" {
			field = "body"
		}
		return invalidKey(field, "control", nil, "must not contain control characters (U+0000 to U+001F other than tab and line breaks, or U+007F)")
	}
	return nil
}

func findControl(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return path, HasControl(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return findControl(v.Elem(), path)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Name
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == "-" {
				continue
			} else if tag != "" {
				name = tag
			}
			sub := join(path, name)
			if f.Anonymous && f.Tag.Get("json") == "" {
				sub = path // embedded: its fields are the outer object's
			}
			if p, ok := findControl(v.Field(i), sub); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // bytes (raw JSON, audio), not text
		}
		for i := range v.Len() {
			if p, ok := findControl(v.Index(i), path+"["+strconv.Itoa(i)+"]"); ok {
				return p, true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String && HasControl(k.String()) {
				return path, true
			}
			if p, ok := findControl(it.Value(), join(path, k.String())); ok {
				return p, true
			}
		}
	}
	return "", false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
