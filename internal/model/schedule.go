package model

import (
	"fmt"
	"sort"
	"time"
)

// Schedule holds the opening hours of queues and entry points.
type Schedule struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Name     string `json:"name"`
	// TimeZone is an IANA zone name such as "Europe/Paris"; hours and
	// holidays are read in that zone.
	TimeZone   string `json:"time_zone"`
	AlwaysOpen bool   `json:"always_open"`
	// Weekly lists the opening ranges; a day may have several.
	Weekly []WeeklyHours `json:"weekly"`
	// Holidays lists closed days as "YYYY-MM-DD".
	Holidays []string `json:"holidays"`
}

// WeeklyHours is one opening range on one day of the week.
type WeeklyHours struct {
	// Day is 0 for Sunday through 6 for Saturday, as time.Weekday.
	Day int `json:"day"`
	// From and To are "HH:MM" local times; To is exclusive and may be
	// "24:00" for the end of the day. From must be before To.
	From string `json:"from"`
	To   string `json:"to"`
}

// ParseClock parses "HH:MM" (00:00 to 24:00) into minutes since midnight.
func ParseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !isDigits(s[:2]) || !isDigits(s[3:]) {
		return 0, fmt.Errorf("must be HH:MM (got %q)", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("must be a time between 00:00 and 24:00 (got %q)", s)
	}
	return h*60 + m, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DateLayout is the layout of holiday dates.
const DateLayout = "2006-01-02"

// Validate checks the fields a client may set.
func (s *Schedule) Validate() error {
	if err := checkName("name", s.Name); err != nil {
		return err
	}
	if err := checkTimeZone("time_zone", s.TimeZone); err != nil {
		return err
	}
	type span struct{ from, to, i int }
	byDay := make(map[int][]span)
	for i, w := range s.Weekly {
		if err := checkRange(indexed("weekly", i, "day"), w.Day, 0, 6); err != nil {
			return err
		}
		from, err := ParseClock(w.From)
		if err != nil {
			return invalidKey(indexed("weekly", i, "from"), "time_format", Params{"got": w.From}, "%v", err)
		}
		to, err := ParseClock(w.To)
		if err != nil {
			return invalidKey(indexed("weekly", i, "to"), "time_format", Params{"got": w.To}, "%v", err)
		}
		if from >= to {
			return invalidKey(indexed("weekly", i, "to"), "time_order", Params{"from": w.From, "to": w.To}, "must be after from (%s-%s)", w.From, w.To)
		}
		byDay[w.Day] = append(byDay[w.Day], span{from, to, i})
	}
	for _, spans := range byDay {
		sort.Slice(spans, func(a, b int) bool { return spans[a].from < spans[b].from })
		for k := 1; k < len(spans); k++ {
			if spans[k].from < spans[k-1].to {
				return invalidKey(indexed("weekly", spans[k].i, ""), "overlap", Params{"line": spans[k].i + 1, "other": spans[k-1].i + 1}, "overlaps weekly[%d] on the same day", spans[k-1].i)
			}
		}
	}
	seen := make(map[string]bool, len(s.Holidays))
	for i, h := range s.Holidays {
		if _, err := time.Parse(DateLayout, h); err != nil || len(h) != len(DateLayout) {
			return invalidKey(indexed("holidays", i, ""), "date_format", Params{"got": h}, "must be a date YYYY-MM-DD (got %q)", h)
		}
		if seen[h] {
			return invalidKey(indexed("holidays", i, ""), "duplicate_date", Params{"date": h}, "duplicate date %s", h)
		}
		seen[h] = true
	}
	return nil
}

func checkTimeZone(field, tz string) error {
	if tz == "" {
		return invalidKey(field, "zone_required", nil, "must not be empty (an IANA zone such as \"Europe/Paris\")")
	}
	if tz == "Local" {
		return invalidKey(field, "zone_local", nil, "must be an explicit IANA zone, not \"Local\"")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return invalidKey(field, "zone_unknown", Params{"got": tz}, "unknown IANA time zone %q", tz)
	}
	return nil
}
