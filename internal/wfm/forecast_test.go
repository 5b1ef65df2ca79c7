package wfm

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// poisson draws a Poisson variate by Knuth's method on chunks of mean <= 30.
func poisson(r *rand.Rand, mean float64) float64 {
	var n float64
	for mean > 0 {
		m := math.Min(mean, 30)
		mean -= m
		l, p := math.Exp(-m), 1.0
		for {
			p *= r.Float64()
			if p <= l {
				break
			}
			n++
		}
	}
	return n
}

// syntheticSeries builds weeks of 30-minute intervals with a weekly and
// intraday pattern (busy weekdays 08:00-20:00, quiet nights and Sundays)
// and Poisson noise.
func syntheticSeries(weeks int, seed uint64) (Series, []float64) {
	r := rand.New(rand.NewPCG(seed, 42))
	step := 30 * time.Minute
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	dayFactor := []float64{1.2, 1.0, 1.0, 0.95, 1.1, 0.6, 0.25}
	n := weeks * 7 * 48
	s := Series{Start: start, Step: step, Values: make([]float64, n)}
	means := make([]float64, n)
	for i := range n {
		day := (i / 48) % 7
		hour := float64(i%48) / 2
		profile := 2 + 60*math.Exp(-(hour-11)*(hour-11)/8) + 45*math.Exp(-(hour-16)*(hour-16)/6)
		means[i] = dayFactor[day] * profile
		s.Values[i] = poisson(r, means[i])
	}
	return s, means
}

func TestBacktestSynthetic(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		s, _ := syntheticSeries(6, seed)
		res, err := Backtest(s, 7, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: HW WAPE %.4f (params %+v), seasonal-naive WAPE %.4f", seed, res.HoltWintersWAPE, res.Params, res.SeasonalNaiveWAPE)
		if res.HoltWintersWAPE > res.SeasonalNaiveWAPE+1e-9 {
			t.Errorf("seed %d: Holt-Winters WAPE %.4f worse than seasonal-naive %.4f", seed, res.HoltWintersWAPE, res.SeasonalNaiveWAPE)
		}
		// Poisson noise alone gives a WAPE around 0.1 for these volumes.
		if res.HoltWintersWAPE > 0.2 || res.SeasonalNaiveWAPE > 0.3 {
			t.Errorf("seed %d: WAPE too high: HW %.4f, SN %.4f", seed, res.HoltWintersWAPE, res.SeasonalNaiveWAPE)
		}
		if len(res.Actual) != 7*48 || len(res.HoltWinters) != 7*48 || !res.Start.Equal(s.Time(5*7*48)) {
			t.Errorf("seed %d: backtest shape wrong", seed)
		}
	}
}

func TestHoltWintersGivenParamsAndErrors(t *testing.T) {
	s, means := syntheticSeries(3, 7)
	hw, err := FitHoltWinters(s, &HoltWintersParams{Alpha: 0.05, Delta: 0.1, Omega: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	fc := hw.Forecast(48 * 7)
	// The next week has the same expected pattern as any week.
	w, err := WAPE(means[:48*7], fc)
	if err != nil || w > 0.2 {
		t.Errorf("forecast vs true means WAPE %.3f, err %v", w, err)
	}
	short := Series{Start: s.Start, Step: s.Step, Values: s.Values[:48*10]}
	tests := []struct {
		name string
		f    func() error
	}{
		{"too short", func() error { _, err := FitHoltWinters(short, nil); return err }},
		{"bad params", func() error { _, err := FitHoltWinters(s, &HoltWintersParams{Alpha: 2}); return err }},
		{"bad step", func() error {
			_, err := FitHoltWinters(Series{Step: 7 * time.Minute, Values: s.Values}, nil)
			return err
		}},
		{"backtest too long", func() error { _, err := Backtest(s, 21, nil); return err }},
		{"backtest zero days", func() error { _, err := Backtest(s, 0, nil); return err }},
		{"naive short", func() error { _, err := SeasonalNaive(Series{Step: time.Hour, Values: []float64{1}}, 3); return err }},
		{"wape length", func() error { _, err := WAPE([]float64{1}, nil); return err }},
		{"wape zero", func() error { _, err := WAPE([]float64{0}, []float64{1}); return err }},
	}
	for _, tt := range tests {
		if err := tt.f(); err == nil {
			t.Errorf("%s: want an error", tt.name)
		}
	}
}

func TestSeasonalNaive(t *testing.T) {
	vals := make([]float64, 7*24)
	for i := range vals {
		vals[i] = float64(i)
	}
	s := Series{Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Step: time.Hour, Values: vals}
	fc, err := SeasonalNaive(s, 7*24+2)
	if err != nil {
		t.Fatal(err)
	}
	if fc[0] != 0 || fc[5] != 5 || fc[7*24] != 0 || fc[7*24+1] != 1 {
		t.Errorf("seasonal naive = %v...", fc[:6])
	}
}

func TestReadSeriesCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []float64
		wantErr string
	}{
		{"header and gap", "start,calls\n2026-01-05T00:00:00Z,3\n2026-01-05T00:30:00Z,4\n2026-01-05T01:30:00Z,2\n", []float64{3, 4, 0, 2}, ""},
		{"no header", "2026-01-05T00:00:00+01:00, 1.5\n", []float64{1.5}, ""},
		{"bad time", "start,calls\n2026-01-05T00:00:00Z,3\nyesterday,4\n", nil, "line 3"},
		{"bad calls", "2026-01-05T00:00:00Z,-3\n", nil, "line 1"},
		{"columns", "2026-01-05T00:00:00Z,3,4\n", nil, "line 1"},
		{"misaligned", "2026-01-05T00:00:00Z,3\n2026-01-05T00:10:00Z,3\n", nil, "line 2"},
		{"out of order", "2026-01-05T01:00:00Z,3\n2026-01-05T00:00:00Z,3\n", nil, "line 2"},
		{"empty", "start,calls\n", nil, "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ReadSeriesCSV(strings.NewReader(tt.in), 30*time.Minute)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Values) != len(tt.want) {
				t.Fatalf("values %v, want %v", s.Values, tt.want)
			}
			for i := range tt.want {
				if s.Values[i] != tt.want[i] {
					t.Fatalf("values %v, want %v", s.Values, tt.want)
				}
			}
		})
	}
}

func TestSeriesFromArrivals(t *testing.T) {
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	arr := []time.Time{
		start.Add(-time.Minute), // before: ignored
		start, start.Add(29 * time.Minute), start.Add(31 * time.Minute),
		start.Add(89 * time.Minute),
		start.Add(90 * time.Minute), // at end: ignored
	}
	s, err := SeriesFromArrivals(arr, start, start.Add(90*time.Minute), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2, 1, 1}
	for i := range want {
		if s.Values[i] != want[i] {
			t.Fatalf("values %v, want %v", s.Values, want)
		}
	}
	if _, err := SeriesFromArrivals(arr, start, start, time.Minute); err == nil {
		t.Error("empty range should fail")
	}
}
