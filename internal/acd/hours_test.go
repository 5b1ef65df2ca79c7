package acd

import (
	"testing"
	"time"
)

func TestHoursIsOpen(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	weekdays := &Hours{Location: paris, Holidays: []string{"2026-12-25"}}
	for d := time.Monday; d <= time.Friday; d++ {
		weekdays.Weekly = append(weekdays.Weekly, OpenRange{Day: d, From: 8 * time.Hour, To: 20 * time.Hour})
	}
	weekdays.Weekly = append(weekdays.Weekly, OpenRange{Day: time.Saturday, From: 9 * time.Hour, To: 12 * time.Hour})
	if err := weekdays.Validate(); err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		hours *Hours
		when  time.Time
		want  bool
	}{
		{"nil is 24/7", nil, at("2026-12-25 03:00"), true},
		{"always open at night", AlwaysOpen(paris), at("2026-11-22 03:00"), true},
		{"monday morning open", weekdays, at("2026-11-23 08:00"), true},
		{"monday before opening", weekdays, at("2026-11-23 07:59"), false},
		{"monday closing time is closed", weekdays, at("2026-11-23 20:00"), false},
		{"saturday morning", weekdays, at("2026-11-28 11:59"), true},
		{"saturday afternoon", weekdays, at("2026-11-28 12:00"), false},
		{"sunday", weekdays, at("2026-11-29 10:00"), false},
		{"christmas friday is a holiday", weekdays, at("2026-12-25 10:00"), false},
		{"day after christmas is saturday", weekdays, at("2026-12-26 10:00"), true},
		// 07:30 UTC is 08:30 in Paris in winter.
		{"time zone is the queue's", weekdays, time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC), true},
		// Summer time: 06:30 UTC is 08:30 in Paris.
		{"summer time", weekdays, time.Date(2026, 7, 6, 6, 30, 0, 0, time.UTC), true},
	}
	for _, tc := range tests {
		if got := tc.hours.IsOpen(tc.when); got != tc.want {
			t.Errorf("%s: IsOpen(%v) = %v, want %v", tc.name, tc.when, got, tc.want)
		}
	}
}

func TestHoursValidate(t *testing.T) {
	bad := []*Hours{
		{Weekly: []OpenRange{{Day: 7, From: 0, To: time.Hour}}},
		{Weekly: []OpenRange{{Day: 1, From: 2 * time.Hour, To: time.Hour}}},
		{Weekly: []OpenRange{{Day: 1, From: 0, To: 25 * time.Hour}}},
		{Holidays: []string{"25/12/2026"}},
	}
	for i, h := range bad {
		if err := h.Validate(); err == nil {
			t.Errorf("case %d: Validate() = nil, want an error", i)
		}
	}
}
