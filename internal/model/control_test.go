package model

import "testing"

func TestCheckControl(t *testing.T) {
	type inner struct {
		Note string `json:"note"`
	}
	type req struct {
		Name   string            `json:"name"`
		Skip   string            `json:"-"`
		Items  []inner           `json:"items"`
		Extra  map[string]string `json:"extra"`
		Ptr    *inner            `json:"ptr"`
		Raw    []byte            `json:"raw"`
		hidden string
	}
	for _, tc := range []struct {
		v     any
		field string // "" for none
	}{
		{req{Name: "Ada\tLovelace\r\n"}, ""},
		{req{Name: "Ada\x00"}, "name"},
		{req{Name: "ok", Items: []inner{{"fine"}, {"bell\x07"}}}, "items[1].note"},
		{req{Extra: map[string]string{"k": "del\x7f"}}, "extra.k"},
		{req{Ptr: &inner{Note: "esc\x1b[0m"}}, "ptr.note"},
		{req{Skip: "\x00", Raw: []byte{0}, hidden: "\x00"}, ""},
		{"plain\x00", "body"},
		{req{Name: "é, 中文, emoji 🙂"}, ""},
	} {
		err := CheckControl(tc.v)
		ve, ok := AsValidationError(err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v, want none", tc.v, err)
		case tc.field != "" && (!ok || ve.Field != tc.field):
			t.Errorf("%+v: %v, want field %q", tc.v, err, tc.field)
		}
	}
}
