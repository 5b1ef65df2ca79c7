package model

import (
	"slices"
	"strings"
)

// dialPlan is what turning a national number into E.164 needs: the
// country's calling code, whether national numbers start with a trunk
// prefix "0" that E.164 drops, and the lengths of the national
// significant number (after the trunk prefix).
type dialPlan struct {
	code    string
	trunk0  bool
	lengths []int
}

// dialPlans covers the countries Plateau's centers and their customers are
// in (ISO 3166-1 alpha-2). A country not listed takes only international
// numbers (+...).
var dialPlans = map[string]dialPlan{
	"FR": {"33", true, []int{9}},
	"BE": {"32", true, []int{8, 9}},
	"CH": {"41", true, []int{9}},
	"LU": {"352", false, []int{6, 7, 8, 9, 10, 11}},
	"MC": {"377", false, []int{8, 9}},
	"MA": {"212", true, []int{9}},
	"TN": {"216", false, []int{8}},
	"DZ": {"213", true, []int{8, 9}},
	"SN": {"221", false, []int{9}},
	"CI": {"225", false, []int{10}},
	"MG": {"261", true, []int{9}},
	"MU": {"230", false, []int{7, 8}},
	"DE": {"49", true, []int{6, 7, 8, 9, 10, 11}},
	"ES": {"34", false, []int{9}},
	"PT": {"351", false, []int{9}},
	"IT": {"39", false, []int{6, 7, 8, 9, 10, 11}}, // Italy keeps its leading 0
	"GB": {"44", true, []int{9, 10}},
	"IE": {"353", true, []int{7, 8, 9}},
	"NL": {"31", true, []int{9}},
	"US": {"1", false, []int{10}},
	"CA": {"1", false, []int{10}},
}

// NormalizePhone returns raw as an E.164 number, reading a national number
// ("06 12 34 56 78", "06.12.34.56.78") as one of country (ISO 3166-1
// alpha-2, e.g. "FR"): spaces, dots, dashes and brackets are dropped, "00"
// stands for "+", and the trunk prefix 0 is removed. ok is false when raw
// is not a phone number, or is national and country has no known dial plan.
func NormalizePhone(raw, country string) (e164 string, ok bool) {
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')', '/', '\u00a0':
			return -1
		}
		return r
	}, strings.TrimSpace(raw))
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	if strings.HasPrefix(s, "+") {
		return s, ValidE164(s)
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return "", false
	}
	plan, known := dialPlans[strings.ToUpper(country)]
	if !known {
		return "", false
	}
	if plan.trunk0 {
		if !strings.HasPrefix(s, "0") {
			return "", false
		}
		s = s[1:]
	} else if plan.code == "1" {
		s = strings.TrimPrefix(s, "1")
	}
	if !slices.Contains(plan.lengths, len(s)) {
		return "", false
	}
	e164 = "+" + plan.code + s
	return e164, ValidE164(e164)
}

// PhoneCountry returns a country whose calling code an E.164 number
// starts with ("+33..." is "FR"), "" when none of the known dial plans
// matches; +1 is read as "US" (the same plan as Canada's).
func PhoneCountry(e164 string) string {
	if !ValidE164(e164) {
		return ""
	}
	best, bestLen := "", 0
	for country, p := range dialPlans {
		if strings.HasPrefix(e164[1:], p.code) && (len(p.code) > bestLen || len(p.code) == bestLen && country > best) {
			best, bestLen = country, len(p.code)
		}
	}
	return best
}
