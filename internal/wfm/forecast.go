package wfm

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Series is a regular series of contact counts: Values[i] is the number of
// contacts that arrived in [Start + i*Step, Start + (i+1)*Step). Seasonal
// phases are counted in steps from Start (a clock change is not special).
type Series struct {
	// Start is the start of the first interval.
	Start time.Time
	// Step is the interval length (e.g. 15 or 30 minutes); it must divide a day.
	Step time.Duration
	// Values are the counts per interval.
	Values []float64
}

// Time returns the start of interval i.
func (s Series) Time(i int) time.Time { return s.Start.Add(time.Duration(i) * s.Step) }

// PerDay returns the number of intervals in a day.
func (s Series) PerDay() (int, error) {
	if s.Step <= 0 || (24*time.Hour)%s.Step != 0 {
		return 0, fmt.Errorf("interval %v does not divide a day", s.Step)
	}
	return int(24 * time.Hour / s.Step), nil
}

// ReadSeriesCSV reads a series from CSV lines "start,calls" where start is
// RFC 3339 and calls a non-negative number. A header line is allowed first.
// Rows must be in increasing order and aligned on step from the first row;
// missing intervals count as zero contacts. Errors name the offending line.
func ReadSeriesCSV(r io.Reader, step time.Duration) (Series, error) {
	if step <= 0 {
		return Series{}, fmt.Errorf("read series: interval must be positive, got %v", step)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	s := Series{Step: step}
	var last time.Time
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Series{}, fmt.Errorf("read series: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != 2 {
			return Series{}, fmt.Errorf("read series: line %d: want 2 columns (start,calls), got %d", line, len(rec))
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(rec[0]))
		if err != nil {
			if first {
				continue // header line
			}
			return Series{}, fmt.Errorf("read series: line %d: bad start time %q: want RFC 3339", line, rec[0])
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return Series{}, fmt.Errorf("read series: line %d: bad calls %q: want a number >= 0", line, rec[1])
		}
		if len(s.Values) == 0 {
			s.Start = t
			s.Values = append(s.Values, v)
			last = t
			continue
		}
		d := t.Sub(last)
		if d <= 0 {
			return Series{}, fmt.Errorf("read series: line %d: start %s is not after the previous row", line, rec[0])
		}
		if d%step != 0 {
			return Series{}, fmt.Errorf("read series: line %d: start %s is not aligned on %v intervals", line, rec[0], step)
		}
		for gap := int(d/step) - 1; gap > 0; gap-- {
			s.Values = append(s.Values, 0)
		}
		s.Values = append(s.Values, v)
		last = t
	}
	if len(s.Values) == 0 {
		return Series{}, errors.New("read series: no data rows")
	}
	return s, nil
}

// SeriesFromArrivals counts arrival times into the intervals of
// [start, end) of length step. Arrivals outside the range are ignored, so
// the server's interaction history can feed the forecaster directly.
func SeriesFromArrivals(arrivals []time.Time, start, end time.Time, step time.Duration) (Series, error) {
	if step <= 0 {
		return Series{}, fmt.Errorf("series from arrivals: interval must be positive, got %v", step)
	}
	if !end.After(start) {
		return Series{}, fmt.Errorf("series from arrivals: end %v is not after start %v", end, start)
	}
	n := int((end.Sub(start) + step - 1) / step)
	s := Series{Start: start, Step: step, Values: make([]float64, n)}
	for _, a := range arrivals {
		if a.Before(start) || !a.Before(end) {
			continue
		}
		s.Values[int(a.Sub(start)/step)]++
	}
	return s, nil
}

// WAPE returns sum |actual - forecast| / sum actual.
func WAPE(actual, forecast []float64) (float64, error) {
	if len(actual) != len(forecast) {
		return 0, fmt.Errorf("wape: %d actual values but %d forecast", len(actual), len(forecast))
	}
	var num, den float64
	for i, a := range actual {
		num += math.Abs(a - forecast[i])
		den += a
	}
	if den <= 0 {
		return 0, errors.New("wape: actual volume is zero")
	}
	return num / den, nil
}

// SeasonalNaive forecasts the next steps intervals of s by repeating the
// same interval of the last observed week.
func SeasonalNaive(s Series, steps int) ([]float64, error) {
	perDay, err := s.PerDay()
	if err != nil {
		return nil, fmt.Errorf("seasonal naive: %w", err)
	}
	week := 7 * perDay
	if len(s.Values) < week {
		return nil, fmt.Errorf("seasonal naive: need one week (%d intervals), have %d", week, len(s.Values))
	}
	n := len(s.Values)
	out := make([]float64, steps)
	for h := range steps {
		out[h] = s.Values[n-week+h%week]
	}
	return out, nil
}

// HoltWintersParams are the smoothing constants of the double-seasonal
// Holt-Winters model, each in [0, 1].
type HoltWintersParams struct {
	// Alpha smooths the level.
	Alpha float64 `json:"alpha"`
	// Delta smooths the intraday seasonal component.
	Delta float64 `json:"delta"`
	// Omega smooths the weekly seasonal component.
	Omega float64 `json:"omega"`
}

func (p HoltWintersParams) validate() error {
	for _, v := range []float64{p.Alpha, p.Delta, p.Omega} {
		if v < 0 || v > 1 || math.IsNaN(v) {
			return fmt.Errorf("smoothing constants must be in [0, 1], got %+v", p)
		}
	}
	return nil
}

// HoltWinters is an additive double-seasonal Holt-Winters model (Taylor,
// 2003) without trend, fitted to a series:
//
//	forecast(t)  = l + d[t mod day] + w[t mod week]
//	l      <- alpha (y - d - w) + (1 - alpha) l
//	d      <- delta (y - l - w) + (1 - delta) d
//	w      <- omega (y - l - d) + (1 - omega) w
//
// The additive form is chosen because contact volumes drop to zero at night,
// where multiplicative indices become unstable; forecasts are clipped at 0.
// The level, intraday and weekly components are initialised from the first
// two weeks (means by phase), then smoothed over the whole series. There is
// no trend term: over a horizon of a week or two a trend extrapolates noise.
type HoltWinters struct {
	// Params are the smoothing constants used.
	Params HoltWintersParams
	perDay int
	week   int
	n      int // observations consumed
	level  float64
	day    []float64
	weekly []float64
}

// minHoltWintersWeeks is the training length needed to initialise the model.
const minHoltWintersWeeks = 2

// holtWintersGrid returns the values searched by FitHoltWinters for each
// smoothing constant (a function, so the package keeps no mutable state).
func holtWintersGrid() [6]float64 { return [6]float64{0, 0.02, 0.05, 0.1, 0.2, 0.4} }

// FitHoltWinters fits the model to s. With params nil the constants are
// chosen on a grid of 6x6x6 values: when s has at least three weeks, by the
// WAPE of a one-week-ahead forecast of its last week from the rest; with
// less, by the one-step-ahead absolute error. s needs at least two weeks.
func FitHoltWinters(s Series, params *HoltWintersParams) (*HoltWinters, error) {
	perDay, err := s.PerDay()
	if err != nil {
		return nil, fmt.Errorf("holt-winters: %w", err)
	}
	week := 7 * perDay
	if len(s.Values) < minHoltWintersWeeks*week {
		return nil, fmt.Errorf("holt-winters: need %d weeks (%d intervals), have %d", minHoltWintersWeeks, minHoltWintersWeeks*week, len(s.Values))
	}
	if params != nil {
		if err := params.validate(); err != nil {
			return nil, fmt.Errorf("holt-winters: %w", err)
		}
		return fitHW(s.Values, perDay, *params), nil
	}
	best, bestScore := HoltWintersParams{}, math.Inf(1)
	holdout := len(s.Values) >= (minHoltWintersWeeks+1)*week
	train := s.Values
	if holdout {
		train = s.Values[:len(s.Values)-week]
	}
	grid := holtWintersGrid()
	for _, a := range grid {
		for _, d := range grid {
			for _, o := range grid {
				p := HoltWintersParams{Alpha: a, Delta: d, Omega: o}
				var score float64
				if holdout {
					h := fitHW(train, perDay, p)
					for i, f := range h.Forecast(week) {
						score += math.Abs(s.Values[len(train)+i] - f)
					}
				} else {
					score = oneStepError(train, perDay, p)
				}
				if score < bestScore {
					best, bestScore = p, score
				}
			}
		}
	}
	return fitHW(s.Values, perDay, best), nil
}

func initHW(y []float64, perDay int, p HoltWintersParams) *HoltWinters {
	week := 7 * perDay
	init := y[:minHoltWintersWeeks*week]
	h := &HoltWinters{Params: p, perDay: perDay, week: week, day: make([]float64, perDay), weekly: make([]float64, week)}
	for _, v := range init {
		h.level += v
	}
	h.level /= float64(len(init))
	days := float64(len(init) / perDay)
	for i, v := range init {
		h.day[i%perDay] += (v - h.level) / days
	}
	for i, v := range init {
		h.weekly[i%week] += (v - h.level - h.day[i%perDay]) / minHoltWintersWeeks
	}
	return h
}

func (h *HoltWinters) update(y float64) {
	p := h.Params
	di, wi := h.n%h.perDay, h.n%h.week
	d, w := h.day[di], h.weekly[wi]
	level := p.Alpha*(y-d-w) + (1-p.Alpha)*h.level
	h.day[di] = p.Delta*(y-level-w) + (1-p.Delta)*d
	h.weekly[wi] = p.Omega*(y-level-d) + (1-p.Omega)*w
	h.level = level
	h.n++
}

func (h *HoltWinters) predict(t int) float64 {
	return h.level + h.day[t%h.perDay] + h.weekly[t%h.week]
}

func fitHW(y []float64, perDay int, p HoltWintersParams) *HoltWinters {
	h := initHW(y, perDay, p)
	for _, v := range y {
		h.update(v)
	}
	return h
}

func oneStepError(y []float64, perDay int, p HoltWintersParams) float64 {
	h := initHW(y, perDay, p)
	var e float64
	for i, v := range y {
		if i >= h.week {
			e += math.Abs(v - math.Max(0, h.predict(i)))
		}
		h.update(v)
	}
	return e
}

// Forecast returns the next steps values after the fitted series, clipped
// at zero.
func (h *HoltWinters) Forecast(steps int) []float64 {
	out := make([]float64, max(steps, 0))
	for i := range out {
		out[i] = math.Max(0, h.predict(h.n+i))
	}
	return out
}

// BacktestResult compares the two models on the last days of a series.
type BacktestResult struct {
	// Days is the number of days held out.
	Days int `json:"days"`
	// Start is the start of the first held-out interval.
	Start time.Time `json:"start"`
	// Params are the Holt-Winters constants used.
	Params HoltWintersParams `json:"params"`
	// HoltWintersWAPE is the WAPE of Holt-Winters over the held-out days.
	HoltWintersWAPE float64 `json:"holt_winters_wape"`
	// SeasonalNaiveWAPE is the WAPE of seasonal-naive over the held-out days.
	SeasonalNaiveWAPE float64 `json:"seasonal_naive_wape"`
	// Actual, HoltWinters and SeasonalNaive are the held-out values and the
	// two forecasts, interval by interval.
	Actual        []float64 `json:"-"`
	HoltWinters   []float64 `json:"-"`
	SeasonalNaive []float64 `json:"-"`
}

// Backtest trains both models on all but the last days of s, forecasts
// those days and reports each model's WAPE. params nil means grid search on
// the training part only.
func Backtest(s Series, days int, params *HoltWintersParams) (BacktestResult, error) {
	perDay, err := s.PerDay()
	if err != nil {
		return BacktestResult{}, fmt.Errorf("backtest: %w", err)
	}
	if days <= 0 {
		return BacktestResult{}, fmt.Errorf("backtest: days must be positive, got %d", days)
	}
	k := days * perDay
	if len(s.Values) <= k {
		return BacktestResult{}, fmt.Errorf("backtest: series has %d intervals, cannot hold out %d days", len(s.Values), days)
	}
	train := Series{Start: s.Start, Step: s.Step, Values: s.Values[:len(s.Values)-k]}
	actual := s.Values[len(train.Values):]
	hw, err := FitHoltWinters(train, params)
	if err != nil {
		return BacktestResult{}, fmt.Errorf("backtest: %w", err)
	}
	sn, err := SeasonalNaive(train, k)
	if err != nil {
		return BacktestResult{}, fmt.Errorf("backtest: %w", err)
	}
	res := BacktestResult{Days: days, Start: s.Time(len(train.Values)), Params: hw.Params, Actual: actual, HoltWinters: hw.Forecast(k), SeasonalNaive: sn}
	if res.HoltWintersWAPE, err = WAPE(actual, res.HoltWinters); err != nil {
		return BacktestResult{}, fmt.Errorf("backtest: %w", err)
	}
	if res.SeasonalNaiveWAPE, err = WAPE(actual, sn); err != nil {
		return BacktestResult{}, fmt.Errorf("backtest: %w", err)
	}
	return res, nil
}
