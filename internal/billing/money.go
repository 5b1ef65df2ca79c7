package billing

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Cents is an amount in hundredths of the currency unit (euro cents).
type Cents int64

// Price is a unit price in ten-thousandths of the currency unit
// (0.4250 EUR a minute is 4250): finer than a cent, since a price per
// minute or per contact often has more than two decimals. JSON carries
// it as a decimal string ("0.4250"), never as a float.
type Price int64

// PriceScale is how many Price units make one currency unit.
const PriceScale = 10000

// String formats a price with its four decimals.
func (p Price) String() string { return formatFixed(int64(p), 4) }

// MarshalJSON writes the price as a decimal string.
func (p Price) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads a decimal string of at most four decimals.
func (p *Price) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a price is a decimal string such as \"0.4250\"")
	}
	neg := strings.HasPrefix(s, "-") // credits and adjustments
	v, err := ParseFixed(strings.TrimPrefix(s, "-"), 4)
	if err != nil {
		return err
	}
	if neg {
		v = -v
	}
	*p = Price(v)
	return nil
}

// String formats cents as a decimal amount ("1234.50").
func (c Cents) String() string { return formatFixed(int64(c), 2) }

// formatFixed writes v / 10^decimals with exactly decimals digits.
func formatFixed(v int64, decimals int) string {
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= decimals {
		s = strings.Repeat("0", decimals-len(s)+1) + s
	}
	out := s[:len(s)-decimals]
	if decimals > 0 {
		out += "." + s[len(s)-decimals:]
	}
	if neg {
		out = "-" + out
	}
	return out
}

// ParseFixed reads a non-negative decimal string with at most decimals
// digits after the point, as an integer of 10^-decimals units.
func ParseFixed(s string, decimals int) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" && frac == "" || len(frac) > decimals || strings.ContainsAny(whole+frac, "+-") {
		return 0, fmt.Errorf("%q is not a decimal with at most %d decimals", s, decimals)
	}
	if whole == "" {
		whole = "0"
	}
	frac += strings.Repeat("0", decimals-len(frac))
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || v < 0 || len(whole) > 12 {
		return 0, fmt.Errorf("%q is not a decimal with at most %d decimals", s, decimals)
	}
	return v, nil
}

// The rounding rule: every amount is computed exactly, as a fraction, and
// rounded once to an integer (of cents, or of Price units for an indexed
// price), half away from zero (0.5 cent goes up for a charge, down for a
// credit: a credit mirrors its charge exactly). Rounding happens in three
// places only: each line's amount (quantity × unit price), each indexed
// price (P0 × factor), and the VAT of the invoice's total; the total
// excluding VAT is the sum of the rounded lines.

// divRound returns num / den rounded half away from zero; den > 0.
func divRound(num, den *big.Int) int64 {
	q, r := new(big.Int), new(big.Int)
	q.QuoRem(num, den, r) // truncated towards zero
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(den) >= 0 {
		if num.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}

// RoundDiv is a × b / den rounded half away from zero, computed without
// overflow; den > 0.
func RoundDiv(a, b, den int64) int64 {
	num := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	return divRound(num, big.NewInt(den))
}

// Divisors of an amount in cents from a quantity in base units times a
// Price: a minute is 60,000 ms, an hour 3,600,000 ms, and a Price unit
// 1/100 of a cent.
const (
	msPerMinute = 60_000
	msPerHour   = 3_600_000
	priceToCent = PriceScale / 100
)

// Amount is quantity (base units: ms for minutes and hours, a count for
// contacts) at price, in cents, rounded half away from zero.
func Amount(u Unit, quantity int64, price Price) Cents {
	switch u {
	case UnitMinute:
		return Cents(RoundDiv(quantity, int64(price), msPerMinute*priceToCent))
	case UnitStaffedHour:
		return Cents(RoundDiv(quantity, int64(price), msPerHour*priceToCent))
	}
	return Cents(RoundDiv(quantity, int64(price), priceToCent))
}

// VAT is the VAT at rate (basis points: 2000 is 20 %) on an amount,
// rounded half away from zero.
func VAT(ht Cents, rateBP int) Cents { return Cents(RoundDiv(int64(ht), int64(rateBP), 10_000)) }
