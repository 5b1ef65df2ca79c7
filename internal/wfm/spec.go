package wfm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// ScheduleSpec is the JSON form of a scheduling problem's shifts and sites,
// shared by `plateau schedule --config` and the planning API. Durations
// are Go durations ("8h", "30m"), clock times "HH:MM", days "mon".."sun".
type ScheduleSpec struct {
	MinFranceShare *float64    `json:"min_france_share,omitempty"`
	Cyclic         bool        `json:"cyclic,omitempty"`
	Shifts         []ShiftSpec `json:"shifts"`
	Sites          []SiteSpec  `json:"sites"`
}

// ShiftSpec is the JSON form of a ShiftTemplate.
type ShiftSpec struct {
	Name   string      `json:"name"`
	Length string      `json:"length"`
	Starts []string    `json:"starts,omitempty"`
	Days   []string    `json:"days,omitempty"`
	Breaks []BreakSpec `json:"breaks,omitempty"`
}

// BreakSpec is the JSON form of a Break.
type BreakSpec struct {
	Offset string `json:"offset"`
	Length string `json:"length"`
}

// SiteSpec is the JSON form of a Site; Open and Close are both empty for 24/7.
type SiteSpec struct {
	Name    string `json:"name"`
	Country string `json:"country"`
	// CostPerHour is a JSON number with at most 2 decimals (see model.Money).
	CostPerHour model.Money `json:"cost_per_hour"`
	Homeshoring bool        `json:"homeshoring,omitempty"`
	Open        string      `json:"open,omitempty"`
	Close       string      `json:"close,omitempty"`
}

// Apply fills p's shifts, sites, France share and cyclic flag from s. Each
// error names the field at fault.
func (s ScheduleSpec) Apply(p *ScheduleProblem) error {
	var err error
	p.MinFranceShare, p.Cyclic = s.MinFranceShare, s.Cyclic
	if len(s.Shifts) == 0 || len(s.Sites) == 0 {
		return errors.New("shifts and sites: at least one of each is needed")
	}
	for i, sh := range s.Shifts {
		where := fmt.Sprintf("shifts[%d] %q", i, sh.Name)
		st := ShiftTemplate{Name: sh.Name}
		if st.Length, err = time.ParseDuration(sh.Length); err != nil {
			return fmt.Errorf("%s: length: %w", where, err)
		}
		for _, c := range sh.Starts {
			d, err := ParseClock(c)
			if err != nil {
				return fmt.Errorf("%s: starts: %w", where, err)
			}
			st.Starts = append(st.Starts, d%(24*time.Hour))
		}
		for _, ds := range sh.Days {
			d, err := ParseWeekday(ds)
			if err != nil {
				return fmt.Errorf("%s: days: %w", where, err)
			}
			st.Days = append(st.Days, d)
		}
		for _, b := range sh.Breaks {
			var br Break
			if br.Offset, err = time.ParseDuration(b.Offset); err != nil {
				return fmt.Errorf("%s: break offset: %w", where, err)
			}
			if br.Length, err = time.ParseDuration(b.Length); err != nil {
				return fmt.Errorf("%s: break length: %w", where, err)
			}
			st.Breaks = append(st.Breaks, br)
		}
		p.Shifts = append(p.Shifts, st)
	}
	for i, si := range s.Sites {
		where := fmt.Sprintf("sites[%d] %q", i, si.Name)
		site := Site{Name: si.Name, Country: si.Country, CostPerHour: si.CostPerHour, Homeshoring: si.Homeshoring}
		if (si.Open == "") != (si.Close == "") {
			return fmt.Errorf("%s: give both open and close, or neither for 24/7", where)
		}
		if si.Open != "" {
			if site.Open, err = ParseClock(si.Open); err != nil {
				return fmt.Errorf("%s: open: %w", where, err)
			}
			if site.Close, err = ParseClock(si.Close); err != nil {
				return fmt.Errorf("%s: close: %w", where, err)
			}
			site.Open %= 24 * time.Hour
		}
		p.Sites = append(p.Sites, site)
	}
	return nil
}

// ParseClock parses "HH:MM" into a time of day; "24:00" is allowed.
func ParseClock(s string) (time.Duration, error) {
	hs, ms, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("bad time of day %q: want HH:MM", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// ParseWeekday parses a day name ("mon" or "monday").
func ParseWeekday(s string) (time.Weekday, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if k == name || k == name[:3] {
			return d, nil
		}
	}
	return 0, fmt.Errorf("bad day %q: want mon, tue, ...", s)
}
