package store

import (
	"testing"
	"time"
)

func TestParseStoredTime(t *testing.T) {
	paris := time.FixedZone("", 3600)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-11-01 00:00:15+00:00", time.Date(2026, 11, 1, 0, 0, 15, 0, time.UTC), true},
		{"2026-11-01 00:00:15.123456+00:00", time.Date(2026, 11, 1, 0, 0, 15, 123456000, time.UTC), true},
		{"2026-11-01T01:00:15.5+01:00", time.Date(2026, 11, 1, 1, 0, 15, 500000000, paris), true},
		{"2026-03-29 23:59:59.999999999-02:30", time.Date(2026, 3, 30, 2, 29, 59, 999999999, time.UTC), true},
		{"2026-11-01 00:00:15Z", time.Date(2026, 11, 1, 0, 0, 15, 0, time.UTC), true},
		{"2026-02-31 00:00:00+00:00", time.Time{}, false},
		{"2026-11-01 24:00:00+00:00", time.Time{}, false},
		{"2026-11-01 00:00:15.+00:00", time.Time{}, false},
		{"2026-11-01 00:00:15", time.Time{}, false},
		{"2026-11-01 00:00:15 +0000 UTC", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	} {
		got, ok := parseStoredTime(tc.in)
		if ok != tc.ok || (ok && !got.Equal(tc.want)) {
			t.Errorf("parseStoredTime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if !ok {
			continue
		}
		// The hand parser agrees with the layout the driver would use.
		ref, err := time.Parse("2006-01-02 15:04:05.999999999Z07:00", tc.in[:10]+" "+tc.in[11:])
		if err != nil || !ref.Equal(got) {
			t.Errorf("time.Parse(%q) = %v, %v; hand parser %v", tc.in, ref, err, got)
		}
	}
	// What the hand parser refuses, dbTime reads the slow way, or refuses.
	var d dbTime
	if err := d.Scan("2026-11-01 00:00:15"); err != nil || !d.T.Equal(time.Date(2026, 11, 1, 0, 0, 15, 0, time.UTC)) {
		t.Errorf("slow path: %v, %v", d.T, err)
	}
	if err := d.Scan("2026-11-01 00:00:15.25 +0100 CET"); err != nil || !d.T.Equal(time.Date(2026, 10, 31, 23, 0, 15, 250000000, time.UTC)) {
		t.Errorf("driver default layout: %v, %v", d.T, err)
	}
	if err := d.Scan("yesterday"); err == nil {
		t.Error("a word scanned as a time")
	}
	if err := d.Scan(nil); err != nil || d.Valid || d.ptr() != nil {
		t.Errorf("NULL: %+v, %v", d, err)
	}
}

func TestIDList(t *testing.T) {
	for in, want := range map[string][]int64{"": {}, "[]": {}, "[3]": {3}, "[3,12]": {3, 12}, "[3, 12]": {3, 12}} {
		got, err := idList(in, "queue_path")
		if err != nil || len(got) != len(want) {
			t.Fatalf("idList(%q) = %v, %v", in, got, err)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("idList(%q) = %v", in, got)
			}
		}
	}
	if _, err := idList("[3,x]", "queue_path"); err == nil {
		t.Error("[3,x] decoded")
	}
}
