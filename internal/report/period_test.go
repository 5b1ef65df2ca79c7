package report

import (
	"testing"
	"time"
)

// TestPeriodEnds: a period ends where the next starts, in the queue's
// zone: a day of a daylight-saving change lasts 23 or 25 hours, and the
// two 02:00 hours of the October change stay apart.
func TestPeriodEnds(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, paris) }
	for _, c := range []struct {
		group Group
		start time.Time
		long  time.Duration
	}{
		{GroupDay, at(2026, 3, 29, 0), 23 * time.Hour},
		{GroupDay, at(2026, 10, 25, 0), 25 * time.Hour},
		{GroupDay, at(2026, 11, 2, 0), 24 * time.Hour},
		{GroupWeek, at(2026, 10, 19, 0), 7*24*time.Hour + time.Hour},
		{GroupMonth, at(2026, 10, 1, 0), 31*24*time.Hour + time.Hour},
		{GroupMonth, at(2026, 2, 1, 0), 28 * 24 * time.Hour},
		{GroupHour, at(2026, 10, 25, 2), time.Hour},
		{GroupInterval, at(2026, 10, 25, 2), 15 * time.Minute},
	} {
		p := &period{group: c.group}
		end := p.periodEnd(c.start)
		if end.Sub(c.start) != c.long {
			t.Errorf("%s from %v: ends %v, %v long, want %v", c.group, c.start, end, end.Sub(c.start), c.long)
		}
		// The end is where the next period starts.
		if got := p.periodStart(end, paris); !got.Equal(end) {
			t.Errorf("%s from %v: the next period starts at %v, not at the end %v", c.group, c.start, got, end)
		}
	}
}
