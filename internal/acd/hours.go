package acd

import (
	"fmt"
	"time"
)

// Hours are a queue's opening hours in its own time zone.
type Hours struct {
	// Location is the queue's time zone (load it with time.LoadLocation
	// outside the engine). Nil means UTC.
	Location *time.Location
	// Weekly lists the open ranges; a day may have several.
	Weekly []OpenRange
	// Holidays are closed all day, as civil dates "2006-01-02".
	Holidays []string
}

// OpenRange is an open range within a weekday: From <= t < To, as durations
// since local midnight (To at most 24h). A range past midnight is written as
// two ranges.
type OpenRange struct {
	Day      time.Weekday
	From, To time.Duration
}

// AlwaysOpen returns hours open every day, all day, in loc.
func AlwaysOpen(loc *time.Location) *Hours {
	h := &Hours{Location: loc}
	for d := time.Sunday; d <= time.Saturday; d++ {
		h.Weekly = append(h.Weekly, OpenRange{Day: d, From: 0, To: 24 * time.Hour})
	}
	return h
}

// Validate checks the ranges and holidays.
func (h *Hours) Validate() error {
	if h == nil {
		return nil
	}
	for _, r := range h.Weekly {
		if r.Day < time.Sunday || r.Day > time.Saturday {
			return fmt.Errorf("%w: weekday %d", ErrConfig, r.Day)
		}
		if r.From < 0 || r.To > 24*time.Hour || r.From >= r.To {
			return fmt.Errorf("%w: open range %v-%v on %v", ErrConfig, r.From, r.To, r.Day)
		}
	}
	for _, d := range h.Holidays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return fmt.Errorf("%w: holiday %q is not a date YYYY-MM-DD", ErrConfig, d)
		}
	}
	return nil
}

// IsOpen reports whether the hours are open at t. Nil hours are always open.
func (h *Hours) IsOpen(t time.Time) bool {
	if h == nil {
		return true
	}
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	if len(h.Holidays) > 0 {
		var buf [10]byte
		day := string(lt.AppendFormat(buf[:0], time.DateOnly))
		for _, d := range h.Holidays {
			if d == day {
				return false
			}
		}
	}
	y, m, d := lt.Date()
	since := lt.Sub(time.Date(y, m, d, 0, 0, 0, 0, loc))
	wd := lt.Weekday()
	for _, r := range h.Weekly {
		if r.Day == wd && since >= r.From && since < r.To {
			return true
		}
	}
	return false
}
