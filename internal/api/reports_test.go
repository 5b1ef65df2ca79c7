package api

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/report"
	"github.com/plateau-cc/plateau/internal/store"
)

// storeDay stores five contacts of 2026-03-02 (UTC, the fixture's queue
// has no schedule) whose figures are worked out by hand in TestReports.
func storeDay(t *testing.T, e *env, f fixture) {
	ctx := testCtx(t)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	at := func(h, m, s int) time.Time {
		return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	agent := f.agent.ID
	q := f.queue.ID
	contact := func(arrive time.Time, name, phone string, steps ...store.StateUpdate) int64 {
		t.Helper()
		id, err := e.st.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: arrive,
			Customer: model.Customer{Name: name, Phone: phone}})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range steps {
			if _, err := e.st.UpdateInteractionState(ctx, f.tenant.ID, id, u); err != nil {
				t.Fatalf("%s: %v", u.State, err)
			}
		}
		return id
	}
	connect := func(at time.Time) store.StateUpdate {
		return store.StateUpdate{State: model.StateConnected, At: at, AgentID: &agent, CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &agent, QueueID: &q, Billable: true}}
	}
	end := func(at time.Time, why model.EndedReason) store.StateUpdate {
		return store.StateUpdate{State: model.StateEnded, EndedReason: why, At: at, CloseSegments: true}
	}
	c1 := contact(at(9, 0, 0), "Ada", "+33600000001", connect(at(9, 0, 10)), end(at(9, 2, 10), model.EndAnswered))
	if err := e.st.SetSurvey(ctx, f.tenant.ID, c1, 4, "merci"); err != nil {
		t.Fatal(err)
	}
	contact(at(9, 5, 0), "Bob", "+33600000002", end(at(9, 5, 3), model.EndAbandoned))
	contact(at(9, 20, 0), "Chloé", "+33600000003", end(at(9, 21, 0), model.EndAbandoned))
	contact(at(10, 0, 0), "Dan", "+33600000004", connect(at(10, 0, 30)),
		store.StateUpdate{State: model.StateWrapUp, At: at(10, 1, 30), CloseSegments: true,
			OpenSegment: &model.Segment{Kind: model.SegWrapUp, AgentID: &agent, QueueID: &q, Billable: true}},
		end(at(10, 1, 40), model.EndAnswered))
	contact(at(22, 0, 0), "Eve", "", end(at(22, 0, 0), model.EndClosed))
	if _, err := report.NewUpkeep(e.st, slog.New(slog.DiscardHandler), time.Hour, 2).Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

func approx(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || *got < want-1e-9 || *got > want+1e-9 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// TestReports: the queues report of a day equals the figures worked out
// by hand from the kpi definitions, as JSON and CSV, by day and by
// interval; bad requests get the catalogue's errors.
func TestReports(t *testing.T) {
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	storeDay(t, e, f)
	base := fmt.Sprintf("/api/v1/tenants/%d/reports", f.tenant.ID)

	var day report.QueueReport
	e.must(f.adminToken, http.MethodGet, base+"/queues?from=2026-03-02&to=2026-03-02", nil, http.StatusOK, &day)
	if len(day.Rows) != 1 {
		t.Fatalf("rows %+v, want one", day.Rows)
	}
	r := day.Rows[0]
	if !r.PeriodEnd.Equal(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("period end %v, want the next midnight", r.PeriodEnd)
	}
	if r.Period != "2026-03-02" || r.Offered != 4 || r.Answered != 2 || r.Abandoned != 2 || r.ShortAbandoned != 1 || r.Closed != 1 {
		t.Errorf("row %+v", r)
	}
	approx(t, "service level", r.ServiceLevel, 1.0/3) // c1 within 20 s of 3 (4 offered − 1 short)
	approx(t, "answer rate", r.AnswerRate, 2.0/3)
	approx(t, "abandon rate", r.AbandonRate, 1.0/3)
	approx(t, "ASA", r.ASASeconds, 20) // (10 + 30) / 2
	approx(t, "AHT", r.AHTSeconds, 95) // (120 + 60 + 10) / 2
	approx(t, "talk", r.TalkSeconds, 90)
	approx(t, "wrap-up", r.WrapUpSeconds, 5)
	approx(t, "mean abandon", r.MeanAbandonSeconds, 60)
	approx(t, "csat", r.CSATMean, 4)
	if r.MaxWaitSeconds != 60 || r.CSATResponses != 1 || r.BillableSeconds != 190 {
		t.Errorf("max wait %v, csat responses %d, billable %v", r.MaxWaitSeconds, r.CSATResponses, r.BillableSeconds)
	}

	var byInterval report.QueueReport
	e.must(f.adminToken, http.MethodGet, base+"/queues?from=2026-03-02&to=2026-03-02&group=interval", nil, http.StatusOK, &byInterval)
	var starts []string
	for _, r := range byInterval.Rows {
		starts = append(starts, fmt.Sprintf("%s:%d", r.PeriodStart.UTC().Format("15:04"), r.Offered))
	}
	if got := strings.Join(starts, " "); got != "09:00:2 09:15:1 10:00:1 22:00:0" {
		t.Errorf("intervals %s", got)
	}

	w := e.do(f.adminToken, http.MethodGet, base+"/queues?from=2026-03-02&to=2026-03-02&format=csv", nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", w.Code, w.Header())
	}
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv %v %v", recs, err)
	}
	col := map[string]string{}
	for i, h := range recs[0] {
		col[h] = recs[1][i]
	}
	if col["offered"] != "4" || col["service_level"] != fmt.Sprint(1.0/3) || col["aht_seconds"] != "95" || col["queue"] != "support" {
		t.Errorf("csv row %v", col)
	}

	// The other reports answer on the same day.
	var ewt report.EWTReport
	e.must(f.adminToken, http.MethodGet, base+"/ewt?from=2026-03-02&to=2026-03-02", nil, http.StatusOK, &ewt)
	var sat report.SatisfactionReport
	e.must(f.adminToken, http.MethodGet, base+"/satisfaction?from=2026-03-02&to=2026-03-02", nil, http.StatusOK, &sat)
	if sat.Total.Responses != 1 || sat.Total.Distribution != [5]int64{0, 0, 0, 1, 0} || len(sat.Comments) != 1 || sat.Comments[0].Comment != "merci" {
		t.Errorf("satisfaction %+v", sat)
	}
	var agents report.AgentReport
	e.must(f.adminToken, http.MethodGet, base+"/agents?from=2026-03-02&to=2026-03-02", nil, http.StatusOK, &agents)
	if len(agents.Rows) != 1 || agents.Rows[0].Handled != 2 || agents.Rows[0].AgentID != f.agent.ID {
		t.Errorf("agents %+v", agents.Rows)
	}
	var sites report.SiteReport
	e.must(f.adminToken, http.MethodGet, base+"/sites?from=2026-03-02&to=2026-03-02", nil, http.StatusOK, &sites)
	if len(sites.ByCountry) != 1 || sites.ByCountry[0].Country != "MA" || sites.ByCountry[0].Handled != 2 {
		t.Errorf("sites %+v", sites.ByCountry)
	}

	// Each report's total comes from the server, computed from the sums:
	// by 15-minute interval the agent's contacts fall in several rows.
	var agentsIv report.AgentReport
	e.must(f.adminToken, http.MethodGet, base+"/agents?from=2026-03-02&to=2026-03-02&group=interval", nil, http.StatusOK, &agentsIv)
	var handled, handleSecs, login float64
	for _, r := range agentsIv.Rows {
		handled += float64(r.Handled)
		login += r.LoginSeconds
		if r.AHTSeconds != nil {
			handleSecs += *r.AHTSeconds * float64(r.Handled)
		}
	}
	if tt := agentsIv.Total; len(agentsIv.Rows) < 2 || float64(tt.Handled) != handled || tt.Handled != 2 || tt.AHTSeconds == nil ||
		math.Abs(*tt.AHTSeconds-handleSecs/handled) > 1e-9 || math.Abs(tt.LoginSeconds-login) > 1e-9 || tt.Period != "2026-03-02/2026-03-02" {
		t.Errorf("agents total %+v over %d rows", tt, len(agentsIv.Rows))
	}
	var ewtContacts int64
	for _, r := range ewt.Rows {
		ewtContacts += r.Contacts
	}
	if ewt.Total.Contacts != ewtContacts || ewt.Total.Period != "2026-03-02/2026-03-02" {
		t.Errorf("ewt total %+v, rows count %d", ewt.Total, ewtContacts)
	}
	if sites.Total.Handled != 2 || sites.Total.HandledHours <= 0 || sites.Total.Period != "2026-03-02/2026-03-02" {
		t.Errorf("sites total %+v", sites.Total)
	}

	for _, c := range []struct {
		query  string
		status int
		code   ErrorCode
		field  string
	}{
		{"from=2026-03-02&to=2026-03-02&queue=99999", http.StatusNotFound, CodeNotFound, "queue"},
		{"from=2026-03-03&to=2026-03-02", http.StatusUnprocessableEntity, CodeValidationFailed, "from"},
		{"from=2026-01-01&to=2026-03-02&group=interval", http.StatusUnprocessableEntity, CodeValidationFailed, "group"},
		{"from=2024-01-01&to=2026-03-02", http.StatusUnprocessableEntity, CodeValidationFailed, "to"},
		{"from=2026-03-02&to=2026-03-02&colour=blue", http.StatusBadRequest, CodeBadRequest, "colour"},
		{"from=02/03/2026&to=2026-03-02", http.StatusUnprocessableEntity, CodeValidationFailed, "from"},
		{"to=2026-03-02", http.StatusUnprocessableEntity, CodeValidationFailed, "from"},
		{"from=2026-03-02&to=2026-03-02&group=year", http.StatusUnprocessableEntity, CodeValidationFailed, "group"},
		{"from=2026-03-02&to=2026-03-02&channel=fax", http.StatusUnprocessableEntity, CodeValidationFailed, "channel"},
	} {
		wantError(t, e.do(f.adminToken, http.MethodGet, base+"/queues?"+c.query, nil), c.status, c.code, c.field)
	}
}

// TestSearchInteractions: the search pages newest first with a cursor,
// filters, streams CSV, and the abandoned list has the day's two abandons.
func TestSearchInteractions(t *testing.T) {
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	storeDay(t, e, f)
	path := fmt.Sprintf("/api/v1/tenants/%d/interactions", f.tenant.ID)
	var all []store.ContactSummary
	cursor := ""
	for range 10 {
		var page ContactPage
		q := path + "?from=2026-03-02&to=2026-03-02&limit=2"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		e.must(f.adminToken, http.MethodGet, q, nil, http.StatusOK, &page)
		all = append(all, page.Contacts...)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(all) != 6 { // five stored here and the fixture's open chat
		t.Fatalf("%d contacts", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ArrivedAt.After(all[i-1].ArrivedAt) {
			t.Errorf("not newest first: %v after %v", all[i].ArrivedAt, all[i-1].ArrivedAt)
		}
	}
	var dan ContactPage
	e.must(f.adminToken, http.MethodGet, path+"?customer=%2B33600000004", nil, http.StatusOK, &dan)
	if len(dan.Contacts) != 1 || dan.Contacts[0].TalkSeconds != 60 || dan.Contacts[0].WrapUpSeconds != 10 ||
		dan.Contacts[0].BillableSeconds != 70 || dan.Contacts[0].WaitSeconds != 30 {
		t.Errorf("Dan %+v", dan.Contacts)
	}
	var named ContactPage
	e.must(f.adminToken, http.MethodGet, path+"?customer=chl", nil, http.StatusOK, &named)
	if len(named.Contacts) != 1 || named.Contacts[0].Customer.Name != "Chloé" {
		t.Errorf("by name %+v", named.Contacts)
	}
	w := e.do(f.adminToken, http.MethodGet, path+"?from=2026-03-02&to=2026-03-02&format=csv", nil)
	recs, err := csv.NewReader(w.Body).ReadAll()
	if err != nil || len(recs) != 7 || recs[0][0] != "id" {
		t.Errorf("csv: %d records, %v", len(recs), err)
	}
	var abandoned []AbandonedContact
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/reports/abandoned?date=2026-03-02", f.tenant.ID), nil, http.StatusOK, &abandoned)
	if len(abandoned) != 2 || abandoned[0].Customer.Phone != "+33600000003" || abandoned[1].Customer.Phone != "+33600000002" {
		b, _ := json.Marshal(abandoned)
		t.Errorf("abandoned %s", b)
	}
	wantError(t, e.do(f.adminToken, http.MethodGet, path+"?outcome=lost", nil), http.StatusUnprocessableEntity, CodeValidationFailed, "outcome")
	wantError(t, e.do(f.adminToken, http.MethodGet, path+"?cursor=xyz", nil), http.StatusBadRequest, CodeBadRequest, "cursor")
	wantError(t, e.do(f.adminToken, http.MethodGet, path+"?limit=0", nil), http.StatusUnprocessableEntity, CodeValidationFailed, "limit")
}

// TestFirstContactResolution: Ada comes back within a week (her first
// contact is not resolved, her second is), Bob never does; Chloé was
// never answered.
func TestFirstContactResolution(t *testing.T) {
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	ctx := testCtx(t)
	agent := f.agent.ID
	q := f.queue.ID
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	contact := func(at time.Time, email string, answered bool) {
		t.Helper()
		id, err := e.st.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: q, Channel: model.ChannelChat, ArrivedAt: at, Customer: model.Customer{Email: email}})
		if err != nil {
			t.Fatal(err)
		}
		if answered {
			if _, err := e.st.UpdateInteractionState(ctx, f.tenant.ID, id, store.StateUpdate{State: model.StateConnected, At: at.Add(time.Second), AgentID: &agent, CloseSegments: true}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.st.UpdateInteractionState(ctx, f.tenant.ID, id, store.StateUpdate{State: model.StateEnded, EndedReason: model.EndAnswered, At: at.Add(time.Minute), CloseSegments: true}); err != nil {
			t.Fatal(err)
		}
	}
	contact(day, "ada@example.org", true)
	contact(day.Add(72*time.Hour), "ada@example.org", true)
	contact(day.Add(time.Hour), "bob@example.org", true)
	contact(day.Add(2*time.Hour), "chloe@example.org", false)
	var fcr report.FCR
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/reports/fcr?from=2026-03-02&to=2026-03-08", f.tenant.ID), nil, http.StatusOK, &fcr)
	if fcr.Days != 7 || fcr.Contacts != 3 || fcr.Resolved != 2 {
		t.Errorf("fcr %+v, want 2 of 3 in 7 days", fcr)
	}
	e.must(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/reports/fcr?from=2026-03-02&to=2026-03-08&fcr_days=2", f.tenant.ID), nil, http.StatusOK, &fcr)
	if fcr.Contacts != 3 || fcr.Resolved != 3 {
		t.Errorf("fcr in 2 days %+v, want 3 of 3 (Ada came back after 3 days)", fcr)
	}
	wantError(t, e.do(f.adminToken, http.MethodGet, fmt.Sprintf("/api/v1/tenants/%d/reports/fcr?from=2026-03-02&to=2026-03-08&fcr_days=0", f.tenant.ID), nil),
		http.StatusUnprocessableEntity, CodeValidationFailed, "fcr_days")
}

// TestQueuesReportByTier: by=tier gives a row per period and tier, every
// queue's contacts of a tier together, by day (the daily rollups) and by
// interval, adding up to the total; a bad grouping is refused.
func TestQueuesReportByTier(t *testing.T) {
	e := newEnv(t, Options{})
	f := e.fixture("acme")
	storeDay(t, e, f)
	ctx := testCtx(t)
	q := f.queue.ID
	arrive := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	ans, end := arrive.Add(4*time.Second), arrive.Add(64*time.Second)
	var past []store.PastContact
	for i := range 3 {
		a := arrive.Add(time.Duration(i) * time.Hour)
		an, en := ans.Add(time.Duration(i)*time.Hour), end.Add(time.Duration(i)*time.Hour)
		past = append(past, store.PastContact{Interaction: model.Interaction{QueueID: q, Channel: model.ChannelChat, Tier: "premium",
			ArrivedAt: a, AnsweredAt: &an, EndedAt: &en, EndedReason: model.EndAnswered},
			Segments: []model.Segment{{Kind: model.SegQueued, QueueID: &q, StartedAt: a, EndedAt: &an},
				{Kind: model.SegConnected, QueueID: &q, StartedAt: an, EndedAt: &en, Billable: true}}})
	}
	if err := e.st.ImportPastContacts(ctx, f.tenant.ID, past); err != nil {
		t.Fatal(err)
	}
	if _, err := report.NewUpkeep(e.st, slog.New(slog.DiscardHandler), time.Hour, 2).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("/api/v1/tenants/%d/reports/queues?from=2026-03-02&to=2026-03-02", f.tenant.ID)
	for _, group := range []string{"day", "interval"} {
		var rep report.QueueReport
		e.must(f.adminToken, http.MethodGet, base+"&by=tier&group="+group, nil, http.StatusOK, &rep)
		offered := map[string]int64{}
		var sum int64
		for _, r := range rep.Rows {
			if r.Tier == nil || r.QueueID != 0 {
				t.Fatalf("%s: a row not by tier: %+v", group, r)
			}
			offered[*r.Tier] += r.Offered
			sum += r.Offered
		}
		if offered["premium"] != 3 || offered[""] != 4 || sum != rep.Total.Offered {
			t.Errorf("%s: offered by tier %v, total %d", group, offered, rep.Total.Offered)
		}
		if group == "day" && len(rep.Rows) != 2 {
			t.Errorf("by day: %d rows, want one per tier", len(rep.Rows))
		}
	}
	var byQueue report.QueueReport
	e.must(f.adminToken, http.MethodGet, base, nil, http.StatusOK, &byQueue)
	if len(byQueue.Rows) != 1 || byQueue.Rows[0].Tier != nil || byQueue.Rows[0].Offered != 7 {
		t.Errorf("by queue %+v", byQueue.Rows)
	}
	wantError(t, e.do(f.adminToken, http.MethodGet, base+"&by=site", nil), http.StatusUnprocessableEntity, CodeValidationFailed, "by")
}
