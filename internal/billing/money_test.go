package billing

import (
	"encoding/json"
	"testing"
)

// The rounding rule: exact fractions, rounded once, half away from zero
// (not half-even: 2.5 cents is 3, and -2.5 is -3).
func TestRounding(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		got  Cents
		want Cents
	}{
		{"one contact at 0.0050", Amount(UnitContact, 1, 50), 1},
		{"one contact at 0.0049", Amount(UnitContact, 1, 49), 0},
		{"three contacts at 0.0050 (1.5 cents)", Amount(UnitContact, 3, 50), 2},
		{"five contacts at 0.0050 (2.5 cents, half-even would say 2)", Amount(UnitContact, 5, 50), 3},
		{"a credit of five at 0.0050", Amount(UnitContact, -5, 50), -3},
		{"90 s at 1.0000 a minute", Amount(UnitMinute, 90_000, 10_000), 150},
		{"1 ms at 0.4250 a minute", Amount(UnitMinute, 1, 4250), 0},
		{"6.5 min at 0.4250 (2.7625)", Amount(UnitMinute, 390_000, 4250), 276},
		{"5 min at 0.4250 (2.125)", Amount(UnitMinute, 300_000, 4250), 213},
		{"30 min at 27.5000 an hour", Amount(UnitStaffedHour, 1_800_000, 275_000), 1375},
		{"a year of minutes at 100000.0000 (no overflow)", Amount(UnitMinute, 365*24*3_600_000, 100_000*PriceScale), 5_256_000_000_000},
		{"VAT 20 % of 0.25", VAT(25, 2000), 5},
		{"VAT 20 % of 12345.67 (2469.134)", VAT(1234567, 2000), 246913},
		{"VAT 50 % of -0.03", VAT(-3, 5000), -2},
		{"VAT 5.5 % of 10.00", VAT(1000, 550), 55},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	// An indexed price rounds the same way: 0.4250 × 1.034 = 0.43945 → 0.4395.
	if p := revise(4250, 1500, 280_000, 291_200); p != 4395 {
		t.Errorf("revised price %d, want 4395", p)
	}
}

func TestPriceJSON(t *testing.T) {
	t.Parallel()
	var p Price
	for s, want := range map[string]Price{`"0.4250"`: 4250, `"12"`: 120_000, `".5"`: 5000, `"-2.13"`: -21300} {
		if err := json.Unmarshal([]byte(s), &p); err != nil || p != want {
			t.Errorf("%s: %d (%v), want %d", s, p, err, want)
		}
	}
	for _, s := range []string{`0.425`, `"0.42501"`, `"abc"`, `""`, `"1e3"`} {
		if err := json.Unmarshal([]byte(s), &p); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
	b, _ := json.Marshal(Price(4395))
	if string(b) != `"0.4395"` {
		t.Errorf("marshal %s", b)
	}
	if Cents(-5).String() != "-0.05" || Cents(123456).String() != "1234.56" {
		t.Errorf("cents %s %s", Cents(-5), Cents(123456))
	}
}
