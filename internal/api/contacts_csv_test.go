package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/store/storetest"
)

// TestContactsCSVMatchesEncodingCSV: the hand-written contacts CSV is,
// byte for byte, what encoding/csv writes for the fields the search's
// JSON gives (the export's previous code, kept here as the reference),
// on both backends, for texts that need quoting or a formula guard,
// missing values, microsecond durations (a tie at the third decimal
// too), queue paths, open contacts, and on SQLite a name holding U+0000
// (which the packed read cannot carry: that row is read column by column).
func TestContactsCSVMatchesEncodingCSV(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ten, err := st.CreateTenant(ctx, model.Tenant{Slug: "csv", Name: "CSV"})
		csvMust(t, err)
		mkQueue := func(name string) int64 {
			q, err := st.CreateQueue(ctx, ten.ID, model.Queue{Name: name, Channel: model.ChannelChat, SLTargetPct: 80, SLThresholdSeconds: 20,
				Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, Tiers: []model.Tier{{Name: "gold, \"plus\""}, {Name: " free"}}})
			csvMust(t, err)
			return q.ID
		}
		q1, q2 := mkQueue("a"), mkQueue("b")
		site, err := st.CreateSite(ctx, ten.ID, model.Site{Name: "Lyon", Country: "FR", Kind: model.SiteOnsite})
		csvMust(t, err)
		ag, err := st.CreateAgent(ctx, ten.ID, model.Agent{SiteID: site.ID, Name: "Ana", ChatCapacity: 2})
		csvMust(t, err)
		texts := []string{"", "Ada", "=1+2", "+33 6 00", "-x", "@SUM(A1)", "\tTab", "\rcr", "a,b", `say "hi"`, "line\nbreak",
			" lead", `\.`, "\u00a0nbsp", "\u2003em", "Chloé", "'quoted'", "tail ", "x\r\ny", "=\"a,b\""}
		emails := []string{"", "a@x.org", "=a@x.org", "-b@x.org", "+c@x.org", "@d", "\"q\"@x.org", "a,b@x.org"}
		durations := []time.Duration{0, 2500 * time.Millisecond, 1000500 * time.Microsecond, 1500 * time.Microsecond,
			12345678 * time.Microsecond, 59999999 * time.Microsecond, 3 * time.Hour}
		start := time.Date(2026, 11, 3, 23, 59, 58, 123456000, time.UTC)
		var past []store.PastContact
		for i := range 60 {
			arrive := start.Add(time.Duration(i) * 1234567 * time.Microsecond)
			tx := func(k int) string { return texts[(i*k+k)%len(texts)] }
			in := model.Interaction{QueueID: q1, Channel: model.ChannelChat, ArrivedAt: arrive, Tier: []string{"", "gold, \"plus\"", " free"}[i%3],
				Customer:    model.Customer{Name: tx(1), Phone: tx(3), Email: emails[i%len(emails)]},
				Disposition: tx(7), MenuChoice: []string{"", "zero", "default", "option:3"}[i%4]}
			segs := []model.Segment{}
			wait := durations[i%len(durations)]
			if i%5 == 4 { // abandoned
				end := arrive.Add(wait)
				in.EndedAt, in.EndedReason = &end, model.EndAbandoned
				segs = append(segs, model.Segment{Kind: model.SegQueued, QueueID: &q1, StartedAt: arrive, EndedAt: &end})
			} else {
				ans := arrive.Add(wait)
				talk := ans.Add(durations[(i+2)%len(durations)])
				hold := talk.Add(durations[(i+3)%len(durations)])
				end := hold.Add(durations[(i+4)%len(durations)])
				in.AnsweredAt, in.EndedAt, in.EndedReason, in.AgentID = &ans, &end, model.EndAnswered, &ag.ID
				segs = append(segs, model.Segment{Kind: model.SegQueued, QueueID: &q1, StartedAt: arrive, EndedAt: &ans},
					model.Segment{Kind: model.SegConnected, QueueID: &q1, AgentID: &ag.ID, StartedAt: ans, EndedAt: &talk, Billable: i%2 == 0},
					model.Segment{Kind: model.SegHold, QueueID: &q1, AgentID: &ag.ID, StartedAt: talk, EndedAt: &hold, Billable: true},
					model.Segment{Kind: model.SegWrapUp, QueueID: &q1, AgentID: &ag.ID, StartedAt: hold, EndedAt: &end, Billable: i%3 == 0})
				if i%2 == 0 {
					score := 1 + i%5
					in.CSATScore, in.CSATComment = &score, tx(11)
				}
			}
			if i%3 == 0 {
				pos, ewt := i%7+1, i*13
				in.AnnouncedPosition, in.AnnouncedEWTSeconds = &pos, &ewt
			}
			if i%4 == 1 {
				in.QueuePath = []int64{q2, q1}
			}
			past = append(past, store.PastContact{Interaction: in, Segments: segs})
		}
		csvMust(t, st.ImportPastContacts(ctx, ten.ID, past))
		// Open contacts: waiting, and talking (its open segment not counted).
		for i, name := range []string{"waiting", "talking"} {
			id, err := st.CreateInteraction(ctx, ten.ID, model.Interaction{QueueID: q2, Channel: model.ChannelChat,
				ArrivedAt: start.Add(time.Duration(i) * time.Second), Customer: model.Customer{Name: name}})
			csvMust(t, err)
			if name == "talking" {
				_, err = st.UpdateInteractionState(ctx, ten.ID, id, store.StateUpdate{State: model.StateConnected, At: start.Add(3 * time.Second),
					AgentID: &ag.ID, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &ag.ID, Billable: true}})
				csvMust(t, err)
			}
		}
		if st.Dialect() == store.SQLite {
			_, err := st.CreateInteraction(ctx, ten.ID, model.Interaction{QueueID: q2, Channel: model.ChannelChat,
				ArrivedAt: start.Add(5 * time.Second), Customer: model.Customer{Name: "nul\x00name", Email: "e@x"}})
			csvMust(t, err)
		}

		_, token, err := st.CreateToken(ctx, &ten.ID, "csv")
		csvMust(t, err)
		a := New(st, Options{Logger: slog.New(slog.DiscardHandler)})
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/interactions?format=csv", ten.ID), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		want := referenceContactsCSV(t, st, ten.ID)
		if got := w.Body.String(); got != want {
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("line %d:\n got %q\nwant %q", i+1, gl[i], wl[i])
				}
			}
			t.Fatalf("%d lines, want %d", len(gl), len(wl))
		}
		if n := strings.Count(want, "\n"); n < 62 {
			t.Fatalf("only %d lines", n)
		}
	})
}

// referenceContactsCSV is the contacts CSV as the export wrote it before
// it was written by hand: encoding/csv over the search's fields.
func referenceContactsCSV(t *testing.T, st *store.Store, tid int64) string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	csvMust(t, w.Write(contactCSVHeader))
	tm := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.RFC3339)
	}
	optInt := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	optID := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	secs := func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
	csvMust(t, st.SearchInteractions(context.Background(), tid, store.InteractionFilter{}, 0, func(cs store.ContactSummary) error {
		path := make([]string, len(cs.QueuePath))
		for i, q := range cs.QueuePath {
			path[i] = strconv.FormatInt(q, 10)
		}
		actual := ""
		if cs.ActualWait != nil {
			actual = secs(*cs.ActualWait)
		}
		return w.Write([]string{strconv.FormatInt(cs.ID, 10), cs.ArrivedAt.Format(time.RFC3339), string(cs.Channel),
			strconv.FormatInt(cs.QueueID, 10), optID(cs.EntryPointID), cs.Tier, string(cs.State), string(cs.EndedReason),
			tm(cs.AnsweredAt), tm(cs.EndedAt), optID(cs.AgentID), report.CSVSafe(cs.Customer.Name), report.CSVSafe(cs.Customer.Phone),
			report.CSVSafe(cs.Customer.Email), secs(cs.WaitSeconds), secs(cs.TalkSeconds), secs(cs.HoldSeconds), secs(cs.WrapUpSeconds),
			secs(cs.BillableSeconds), optInt(cs.AnnouncedPosition), optInt(cs.AnnouncedEWTSeconds), actual, cs.MenuChoice,
			strings.Join(path, ">"), report.CSVSafe(cs.Disposition), optInt(cs.CSATScore), report.CSVSafe(cs.CSATComment)})
	}))
	w.Flush()
	csvMust(t, w.Error())
	return buf.String()
}

// TestAppendRFC3339: the hand-made timestamps are time.RFC3339's, UTC,
// around leap days, centuries and before 1970.
func TestAppendRFC3339(t *testing.T) {
	for _, tm := range []time.Time{time.Unix(0, 0), time.Date(2000, 2, 29, 23, 59, 59, 999999000, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 500000000, time.UTC),
		time.Date(1600, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(2026, 12, 31, 12, 0, 0, 1000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if got, want := string(appendRFC3339(nil, tm.UnixMicro())), tm.UTC().Truncate(time.Second).Format(time.RFC3339); got != want {
			t.Errorf("%v: %s, want %s", tm, got, want)
		}
	}
	for d := int64(-86400 * 800); d < 86400*800; d += 86400*3 + 3601 {
		tm := time.Unix(d, 0).UTC()
		if got, want := string(appendRFC3339(nil, tm.UnixMicro())), tm.Format(time.RFC3339); got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
}

func csvMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
