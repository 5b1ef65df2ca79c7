package sip

import (
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

func TestEntryNumber(t *testing.T) {
	t.Parallel()
	for uri, want := range map[string]string{
		"sip:1000@127.0.0.1":                    "1000",
		"sip:1000@127.0.0.1:5060;transport=udp": "1000",
		"sip:+33123456789@plateau.example":      "+33123456789",
		"sips:support.fr@plateau.example":       "support.fr",
		"sip:%2B33123456789@h":                  "+33123456789",
		"tel:+33-1-23-45-67-89":                 "+33123456789",
	} {
		got, err := EntryNumber(uri)
		if err != nil || got != want {
			t.Errorf("EntryNumber(%q) = %q, %v; want %q", uri, got, err, want)
		}
	}
	for _, uri := range []string{
		"sip:127.0.0.1",             // no user
		"sip:+0123@h",               // not E.164
		"sip:+331234567890123456@h", // too long for E.164
		"sip:a;b@h",                 // user with a parameter
		"sip:+3312@h",               // shorter than an entry point's E.164 number may be
		"sip:.support@h",            // a SIP user an entry point cannot have
		"sip:%zz@h",                 // bad escape
		"sip:%0a1000@h",             // control character
		"sip:" + strings.Repeat("1", 200) + "@h",
		"garbage",
		"",
	} {
		if got, err := EntryNumber(uri); err == nil {
			t.Errorf("EntryNumber(%q) = %q, want an error", uri, got)
		}
	}
}

func FuzzEntryNumber(f *testing.F) {
	for _, s := range []string{"sip:1000@127.0.0.1", "tel:+33-1-23", "sip:%2B1@h;x=y", "sips:a.b@[::1]:5061", "sip:@", "sip:+@h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		n, err := EntryNumber(uri)
		if err != nil {
			return
		}
		if n == "" || len(n) > 128 {
			t.Fatalf("entry %q from %q", n, uri)
		}
		if !model.ValidE164(n) && !model.ValidSIPUser(n) {
			t.Fatalf("entry %q from %q is outside the address syntax", n, uri)
		}
	})
}
