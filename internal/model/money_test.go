package model

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
)

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		key  string // "" = accepted
	}{
		{"0", 0, ""},
		{"32", 32_00, ""},
		{"32.5", 32_50, ""},
		{"32.05", 32_05, ""},
		{"32.50", 32_50, ""},
		{"32.500", 32_50, ""}, // trailing zeros are not decimals
		{"0.01", 1, ""},
		{"0.1", 10, ""},
		{"-0", 0, ""},
		{"-0.00", 0, ""},
		{"3.25e1", 32_50, ""},
		{"325E-1", 32_50, ""},
		{"1e2", 100_00, ""},
		{"12345e-4", 0, "money_decimals"},
		{"0.29", 29, ""}, // 0.29*100 is 28.999999999999996 in float64
		{"2.675", 0, "money_decimals"},
		{"32.555", 0, "money_decimals"},
		{"0.001", 0, "money_decimals"},
		{"1e-3", 0, "money_decimals"},
		{"-1", 0, "negative"},
		{"-0.5", 0, "negative"},
		{"100000000000", MaxMoney, ""},
		{"100000000000.01", 0, "money_range"},
		{"1e12", 0, "money_range"},
		{"1e999999999999", 0, "money_range"},
		{"0e999999999999", 0, ""},
		{"99999999999999999999999", 0, "money_range"},
		{"", 0, "money_format"},
		{"NaN", 0, "money_format"},
		{"Infinity", 0, "money_format"},
		{"+1", 0, "money_format"},
		{"01", 0, "money_format"},
		{"1.", 0, "money_format"},
		{".5", 0, "money_format"},
		{"1e", 0, "money_format"},
		{"1e+", 0, "money_format"},
		{"1x", 0, "money_format"},
		{" 1", 0, "money_format"},
		{"1,50", 0, "money_format"},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if tt.key == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseMoney(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			continue
		}
		ve, ok := AsValidationError(err)
		if !ok || ve.Key != tt.key {
			t.Errorf("ParseMoney(%q) = %v, %v; want key %q", tt.in, got, err, tt.key)
		}
	}
}

func TestMoneyFormat(t *testing.T) {
	tests := []struct {
		m             Money
		decimal, text string
	}{
		{0, "0", "0.00"},
		{1, "0.01", "0.01"},
		{10, "0.1", "0.10"},
		{32_00, "32", "32.00"},
		{32_50, "32.5", "32.50"},
		{32_05, "32.05", "32.05"},
		{-5, "-0.05", "-0.05"},
		{-1_20, "-1.2", "-1.20"},
		{MaxMoney, "100000000000", "100000000000.00"},
		{math.MinInt64, "-92233720368547758.08", "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := tt.m.Decimal(); got != tt.decimal {
			t.Errorf("Money(%d).Decimal() = %q, want %q", int64(tt.m), got, tt.decimal)
		}
		if got := tt.m.String(); got != tt.text {
			t.Errorf("Money(%d).String() = %q, want %q", int64(tt.m), got, tt.text)
		}
		b, err := json.Marshal(tt.m)
		if err != nil || string(b) != tt.decimal {
			t.Errorf("json.Marshal(Money(%d)) = %s, %v", int64(tt.m), b, err)
		}
		if tt.m >= 0 && tt.m <= MaxMoney {
			var back Money
			if err := json.Unmarshal(b, &back); err != nil || back != tt.m {
				t.Errorf("round trip of %s: %v, %v", b, back, err)
			}
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	type site struct {
		Name string `json:"name"`
		Cost Money  `json:"cost_per_hour"`
	}
	tests := []struct {
		body   string
		want   Money
		key    string // validation key from MoneyError
		typeOf string // a plain type error: the JSON kind refused
	}{
		{`{"cost_per_hour": 18.5}`, 18_50, "", ""},
		{`{"cost_per_hour": 0.29}`, 29, "", ""},
		{`{"cost_per_hour": null}`, 0, "", ""},
		{`{"cost_per_hour": 18.555}`, 0, "money_decimals", ""},
		{`{"cost_per_hour": -3}`, 0, "negative", ""},
		{`{"cost_per_hour": 1e300}`, 0, "money_range", ""},
		{`{"cost_per_hour": "NaN"}`, 0, "", "string"},
		{`{"cost_per_hour": "18.50"}`, 0, "", "string"},
		{`{"cost_per_hour": true}`, 0, "", "bool"},
		{`{"cost_per_hour": [1]}`, 0, "", "array"},
	}
	for _, tt := range tests {
		var v site
		err := json.Unmarshal([]byte(tt.body), &v)
		ve, isMoney := MoneyError(err)
		switch {
		case tt.key == "" && tt.typeOf == "":
			if err != nil || v.Cost != tt.want {
				t.Errorf("%s: got %v, %v; want %v", tt.body, v.Cost, err, tt.want)
			}
		case tt.key != "":
			if !isMoney || ve.Key != tt.key || ve.Field != "cost_per_hour" {
				t.Errorf("%s: error %v (%+v); want key %q on cost_per_hour", tt.body, err, ve, tt.key)
			}
		default:
			var te *json.UnmarshalTypeError
			if isMoney || !asTypeError(err, &te) || te.Field != "cost_per_hour" || te.Value != tt.typeOf {
				t.Errorf("%s: error %v; want a type error on cost_per_hour for a %s", tt.body, err, tt.typeOf)
			}
		}
	}
	// Nested fields are named by their path.
	var nested struct {
		Sites []site `json:"sites"`
	}
	ve, ok := MoneyError(json.Unmarshal([]byte(`{"sites":[{"name":"a","cost_per_hour":1},{"name":"b","cost_per_hour":1.001}]}`), &nested))
	if !ok || ve.Field != "sites.cost_per_hour" || !strings.Contains(ve.Error(), "2 decimals") {
		t.Errorf("nested: %v, %v", ve, ok)
	}
	if _, ok := MoneyError(json.Unmarshal([]byte(`{"name": 3}`), &site{})); ok {
		t.Error("a type error on another field is not a money error")
	}
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	*te = e
	return ok
}

func TestRoundCents(t *testing.T) {
	tests := []struct {
		num, den int64
		want     Money
	}{
		{0, 1, 0},
		{1, 2, 1}, // half a cent: away from zero
		{-1, 2, -1},
		{1, -2, -1},
		{3, 2, 2},
		{5, 2, 3}, // not to even
		{1, 3, 0},
		{2, 3, 1},
		{-2, 3, -1},
		{49, 100, 0},
		{51, 100, 1},
		{1350 * 90, 60, 2025}, // 90 paid minutes at 13.50/hour: 20.25
		{1350 * 45, 60, 1013}, // 45 minutes at 13.50/hour: 10.125 -> 10.13
	}
	for _, tt := range tests {
		got, ok := RoundCents(big.NewInt(tt.num), big.NewInt(tt.den))
		if !ok || got != tt.want {
			t.Errorf("RoundCents(%d/%d) = %v, %v; want %v", tt.num, tt.den, got, ok, tt.want)
		}
	}
	if _, ok := RoundCents(big.NewInt(1), big.NewInt(0)); ok {
		t.Error("division by zero accepted")
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 80)
	if _, ok := RoundCents(huge, big.NewInt(1)); ok {
		t.Error("overflow accepted")
	}
}
