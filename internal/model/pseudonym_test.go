package model

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckPseudonym(t *testing.T) {
	for _, ok := range []string{"", "Léa", "Jean-Marc", "D'Arcy", "Agent 7", "Nour el Houda", "Zoé.", strings.Repeat("a", MaxPseudonymLen)} {
		if err := CheckPseudonym(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"A", " Léa", "Léa ", "<b>Léa</b>", "Léa<script>", "Léa & co", "7up", "Léa\nMartin", `Léa"`, strings.Repeat("a", MaxPseudonymLen+1), "\xff\xfe"} {
		err := CheckPseudonym(bad)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "pseudonym" {
			t.Errorf("%q: %v, want a pseudonym validation error", bad, err)
		}
	}
	u := User{Login: "lea", DisplayName: "Léa Martin", Role: RoleSupervisor, TenantID: new(int64(1)), Pseudonym: "<i>x</i>"}
	if err := u.Validate(); err == nil {
		t.Error("a user with markup in its pseudonym is valid")
	}
}

func TestCustomerFacing(t *testing.T) {
	for _, c := range []struct{ name, pseudonym, want string }{
		{"Léa Martin", "", "Léa"}, {"Léa Martin", "Zoé", "Zoé"}, {"  Amina  Benali ", "", "Amina"}, {"", "", ""},
	} {
		if got := CustomerFacing(c.name, c.pseudonym); got != c.want {
			t.Errorf("CustomerFacing(%q, %q) = %q, want %q", c.name, c.pseudonym, got, c.want)
		}
	}
}
