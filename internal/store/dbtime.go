package store

import (
	"fmt"
	"strconv"
	"time"
)

// dbTime scans a timestamp column that may be NULL. PostgreSQL's driver
// gives a time.Time; on SQLite the hot reads select the column as text
// (timeText) and dbTime parses the store's own layout itself, which costs a
// fifth of the driver's general parse (it tries each of SQLite's formats in
// turn). Text in any other of SQLite's formats is parsed the slow way.
type dbTime struct {
	T     time.Time
	Valid bool
}

// Scan implements sql.Scanner.
func (d *dbTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = dbTime{}
		return nil
	case time.Time:
		*d = dbTime{T: v.UTC(), Valid: true}
		return nil
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	}
	return fmt.Errorf("scan %T into a time", src)
}

func (d *dbTime) parse(s string) error {
	t, ok := parseStoredTime(s)
	if !ok {
		var err error
		if t, err = parseSQLiteTime(s); err != nil {
			return err
		}
	}
	*d = dbTime{T: t.UTC(), Valid: true}
	return nil
}

// ptr is the time, or nil when NULL.
func (d dbTime) ptr() *time.Time {
	if !d.Valid {
		return nil
	}
	t := d.T
	return &t
}

// timeText is how a hot read selects timestamp column col: as text on
// SQLite (parsed by dbTime), as itself on PostgreSQL.
func (d Dialect) timeText(col string) string {
	if d == SQLite {
		return "CAST(" + col + " AS TEXT)"
	}
	return col
}

// sqliteTimeLayouts are the layouts SQLite's date functions write and the
// driver reads, tried when the store's own layout does not match.
var sqliteTimeLayouts = [...]string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, l := range sqliteTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("parse time %q: not a timestamp layout SQLite writes", s)
}

// parseStoredTime parses the layout the store writes on SQLite,
// "2006-01-02 15:04:05[.fraction]±07:00" (or "Z"), by hand. ok is false
// for anything else, which the caller parses the slow way.
func parseStoredTime(s string) (t time.Time, ok bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return t, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return t, false
	}
	i, nsec := 19, 0
	if i < len(s) && s[i] == '.' {
		i++
		digits := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if digits < 9 {
				nsec = nsec*10 + int(s[i]-'0')
				digits++
			}
			i++
		}
		if digits == 0 {
			return t, false
		}
		for ; digits < 9; digits++ {
			nsec *= 10
		}
	}
	offset := 0
	switch rest := s[i:]; {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		hh, e1 := strconv.Atoi(rest[1:3])
		mm, e2 := strconv.Atoi(rest[4:6])
		if e1 != nil || e2 != nil || hh > 23 || mm > 59 {
			return t, false
		}
		offset = hh*3600 + mm*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return t, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February and the like
		return time.Time{}, false
	}
	return t.Add(-time.Duration(offset) * time.Second), true
}
