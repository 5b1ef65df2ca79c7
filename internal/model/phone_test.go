package model

import "testing"

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct {
		raw, country, want string
		ok                 bool
	}{
		{"06 12 34 56 78", "FR", "+33612345678", true},
		{"06.12.34.56.78", "fr", "+33612345678", true},
		{"01-23-45-67-89", "FR", "+33123456789", true},
		{"+33 6 12 34 56 78", "FR", "+33612345678", true},
		{"0033 6 12 34 56 78", "", "+33612345678", true},
		{"+212 6 61 23 45 67", "FR", "+212661234567", true},
		{"0661234567", "MA", "+212661234567", true},
		{"71 234 567", "TN", "+21671234567", true},
		{"06 12 34 56 78", "", "", false},   // national, no country
		{"06 12 34 56 78", "ZZ", "", false}, // unknown country
		{"6 12 34 56 78", "FR", "", false},  // no trunk prefix
		{"06 12 34 56", "FR", "", false},    // too short
		{"06 12 34 56 78 9", "FR", "", false},
		{"12", "FR", "", false},
		{"call me", "FR", "", false},
		{"+0612", "FR", "+0612", false},
		{"(415) 555-0134", "US", "+14155550134", true},
		{"06 12 34 56 78", "IT", "+390612345678", true}, // Rome's numbers keep their 0
	} {
		got, ok := NormalizePhone(c.raw, c.country)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v, want %q, %v", c.raw, c.country, got, ok, c.want, c.ok)
		}
	}
}

func TestPhoneCountry(t *testing.T) {
	for in, want := range map[string]string{"+33123456789": "FR", "+212661234567": "MA", "+14155550134": "US", "+99912345": "", "0612": ""} {
		if got := PhoneCountry(in); got != want {
			t.Errorf("PhoneCountry(%q) = %q, want %q", in, got, want)
		}
	}
}
