package model

import (
	"encoding/json"
	"errors"
	"math/big"
	"reflect"
	"strconv"
	"strings"
)

// Money is an exact amount of money in cents (hundredths of the currency
// unit): 3250 is 32.50. It is never a float.
//
// JSON: an amount is a JSON number of currency units with at most 2
// decimals, written in its shortest form (32, 32.5, 32.05). It is read
// exactly from the JSON text, never through a float64: more than 2
// decimals (32.555, 1e-3), a negative amount, an amount above MaxMoney, or
// anything but a number (a string such as "NaN" or "32.50", true, an
// object) is refused. JSON null leaves the value unchanged, as for any
// other Go type. A negative Money (a difference) can be computed and
// printed, but is never read.
//
// Rounding: nothing is rounded when an amount is read. A computed amount
// (a rate times a duration, a share) is kept exact as a fraction of cents
// and rounded once, when it is reported, to the nearest cent, halves away
// from zero (0.5 cent becomes 1 cent, -0.5 cent becomes -1 cent): see
// RoundCents.
type Money int64

// MaxMoney is the largest amount read from JSON or text: 100 billion
// currency units. It leaves room for sums and products of amounts.
const MaxMoney Money = 100_000_000_000_00

// Cents returns the amount in cents.
func (m Money) Cents() int64 { return int64(m) }

// Units returns the amount in currency units as a float64, for an
// optimiser's objective or a ratio; never keep or report money from it.
func (m Money) Units() float64 { return float64(m) / 100 }

// String returns the amount with exactly 2 decimals, e.g. "32.50", "-0.05".
func (m Money) String() string {
	neg, u, c := m.parts()
	s := strconv.FormatUint(u, 10) + "." + string(rune('0'+c/10)) + string(rune('0'+c%10))
	if neg {
		return "-" + s
	}
	return s
}

// Decimal returns the amount in its shortest exact form, e.g. "32",
// "32.5", "32.05": the JSON form.
func (m Money) Decimal() string {
	neg, u, c := m.parts()
	s := strconv.FormatUint(u, 10)
	switch {
	case c == 0:
	case c%10 == 0:
		s += "." + string(rune('0'+c/10))
	default:
		s += "." + string(rune('0'+c/10)) + string(rune('0'+c%10))
	}
	if neg {
		return "-" + s
	}
	return s
}

// parts splits m into its sign, its whole units and its cents (0-99).
func (m Money) parts() (neg bool, units, cents uint64) {
	v := uint64(m)
	if m < 0 {
		neg, v = true, -v // two's complement: right for the smallest int64 too
	}
	return neg, v / 100, v % 100
}

// MarshalJSON writes the amount as a JSON number, e.g. 32.5.
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(m.Decimal()), nil
}

var moneyType = reflect.TypeFor[Money]()

// UnmarshalJSON reads a JSON number exactly (see Money). A refused number
// is reported as a *json.UnmarshalTypeError, so that the decoder names the
// field; MoneyError turns that into a ValidationError with a message key.
func (m *Money) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return &json.UnmarshalTypeError{Value: jsonKind(s), Type: moneyType}
	}
	v, err := ParseMoney(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "number " + s, Type: moneyType}
	}
	*m = v
	return nil
}

func jsonKind(s string) string {
	switch {
	case strings.HasPrefix(s, `"`):
		return "string"
	case strings.HasPrefix(s, "{"):
		return "object"
	case strings.HasPrefix(s, "["):
		return "array"
	case s == "true" || s == "false":
		return "bool"
	}
	return "value"
}

// MoneyError reports whether err (from decoding JSON) is a number refused
// as a Money, and if so returns the ValidationError saying why, naming the
// field the decoder was filling (e.g. "cost_per_hour").
func MoneyError(err error) (*ValidationError, bool) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Type != moneyType {
		return nil, false
	}
	lit, ok := strings.CutPrefix(te.Value, "number ")
	if !ok {
		return nil, false
	}
	_, perr := ParseMoney(lit)
	ve, ok := AsValidationError(perr)
	if !ok {
		return nil, false
	}
	out := *ve
	out.Field = te.Field
	return &out, true
}

// ParseMoney reads an amount of currency units written as a JSON number
// ("32", "32.5", "32.05", "3.25e1"), exactly. It refuses other text, more
// than 2 decimals once trailing zeros are dropped ("32.500" is 32.50),
// negative amounts and amounts above MaxMoney, with a ValidationError
// (keys "money_format", "money_decimals", "negative", "money_range") whose
// Field is empty: the caller names it.
func ParseMoney(s string) (Money, error) {
	neg, digits, scale, ok := splitDecimal(s)
	if !ok {
		return 0, invalidKey("", "money_format", Params{"got": s}, "must be an amount such as 32.50 (got %q)", s)
	}
	// digits × 10^-scale, digits without leading zeros.
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, nil
	}
	for scale > 2 && digits[len(digits)-1] == '0' {
		digits, scale = digits[:len(digits)-1], scale-1
	}
	if scale > 2 {
		return 0, invalidKey("", "money_decimals", Params{"got": s}, "must have at most 2 decimals (got %s)", s)
	}
	if neg {
		return 0, invalidKey("", "negative", Params{"got": s}, "must not be negative (got %s)", s)
	}
	tooLarge := invalidKey("", "money_range", Params{"max": MaxMoney.Decimal(), "got": s}, "must be at most %s (got %s)", MaxMoney.Decimal(), s)
	if len(digits)+2-scale > len(strconv.FormatInt(int64(MaxMoney), 10)) {
		return 0, tooLarge
	}
	n, err := strconv.ParseInt(digits+strings.Repeat("0", 2-scale), 10, 64)
	if err != nil || Money(n) > MaxMoney {
		return 0, tooLarge
	}
	return Money(n), nil
}

// splitDecimal splits a JSON number -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
// into its sign, its significant digits and the power of ten they are
// divided by (scale), exactly.
func splitDecimal(s string) (neg bool, digits string, scale int, ok bool) {
	rest, neg := strings.CutPrefix(s, "-")
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	whole := rest[:i]
	if whole == "" || (len(whole) > 1 && whole[0] == '0') {
		return false, "", 0, false
	}
	rest = rest[i:]
	frac := ""
	if r, ok := strings.CutPrefix(rest, "."); ok {
		i = 0
		for i < len(r) && r[i] >= '0' && r[i] <= '9' {
			i++
		}
		if i == 0 {
			return false, "", 0, false
		}
		frac, rest = r[:i], r[i:]
	}
	exp := 0
	if rest != "" {
		if rest[0] != 'e' && rest[0] != 'E' {
			return false, "", 0, false
		}
		es := rest[1:]
		eneg := false
		if es != "" && (es[0] == '+' || es[0] == '-') {
			eneg, es = es[0] == '-', es[1:]
		}
		if es == "" {
			return false, "", 0, false
		}
		for _, c := range es {
			if c < '0' || c > '9' {
				return false, "", 0, false
			}
			if exp < 1000 { // beyond, any non-zero amount is refused anyway
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	return neg, whole + frac, len(frac) - exp, true
}

// RoundCents returns the amount num/den cents rounded to the nearest cent,
// halves away from zero, and false if den is zero or the result does not
// fit a Money. It is the one rounding of a computed amount.
func RoundCents(num, den *big.Int) (Money, bool) {
	if den.Sign() == 0 {
		return 0, false
	}
	a, d := new(big.Int).Abs(num), new(big.Int).Abs(den)
	q, r := new(big.Int).QuoRem(a, d, new(big.Int))
	if r.Lsh(r, 1).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if num.Sign()*den.Sign() < 0 {
		q.Neg(q)
	}
	if !q.IsInt64() {
		return 0, false
	}
	return Money(q.Int64()), true
}
