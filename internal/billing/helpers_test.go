package billing

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// world is a tenant with a voice and a chat queue and an agent.
type world struct {
	t      testing.TB
	st     *store.Store
	b      *Biller
	clock  *clock
	tenant int64
	voice  int64
	chat   int64
	agent  int64
}

func newWorld(t testing.TB, st *store.Store, slug string) *world {
	t.Helper()
	ctx := testCtx(t)
	w := &world{t: t, st: st, clock: &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}}
	w.b = New(st, w.clock.Now)
	ten, err := st.CreateTenant(ctx, model.Tenant{Slug: slug, Name: "Tenant " + slug})
	w.must("tenant", err)
	w.tenant = ten.ID
	site, err := st.CreateSite(ctx, w.tenant, model.Site{Name: "Lille", Country: "FR", Kind: model.SiteOnsite})
	w.must("site", err)
	skill, err := st.CreateSkill(ctx, w.tenant, model.Skill{Name: "support"})
	w.must("skill", err)
	for _, ch := range []model.Channel{model.ChannelVoice, model.ChannelChat} {
		q, err := st.CreateQueue(ctx, w.tenant, model.Queue{Name: "support " + string(ch), Channel: ch, Priority: 10,
			SLTargetPct: 80, SLThresholdSeconds: 20, Skills: []model.SkillRequirement{{SkillID: skill.ID, MinLevel: 1}},
			Overflow: model.Overflow{Action: model.OverflowNone}, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 15, WrapUpSeconds: 30})
		w.must("queue", err)
		if ch == model.ChannelVoice {
			w.voice = q.ID
		} else {
			w.chat = q.ID
		}
	}
	ag, err := st.CreateAgent(ctx, w.tenant, model.Agent{SiteID: site.ID, Name: "Inès", VoiceCapacity: 1, ChatCapacity: 2,
		Skills: []model.AgentSkill{{SkillID: skill.ID, Level: 5}}})
	w.must("agent", err)
	w.agent = ag.ID
	_, err = w.b.SetProvider(ctx, Provider{Party: Party{Name: "Plateau Services SAS", Address: "1 rue de la Paix, 75002 Paris", VATNumber: "FR00123456789"}, Prefix: "PS"})
	w.must("provider", err)
	return w
}

func (w *world) must(what string, err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

// seg is a segment of a contact: kind, seconds, billable.
type seg struct {
	kind     model.SegmentKind
	secs     float64
	billable bool
}

// contact imports an ended contact arriving at at with its segments in
// order; it is answered at its first connected segment, abandoned if it
// has none.
func (w *world) contact(ch model.Channel, at time.Time, segs ...seg) {
	w.t.Helper()
	q := w.voice
	if ch == model.ChannelChat {
		q = w.chat
	}
	in := model.Interaction{QueueID: q, Channel: ch, ArrivedAt: at, EndedReason: model.EndAbandoned, AgentID: &w.agent}
	cur := at
	var list []model.Segment
	for _, s := range segs {
		end := cur.Add(time.Duration(s.secs * float64(time.Second)))
		e := end
		sg := model.Segment{Kind: s.kind, StartedAt: cur, EndedAt: &e, Billable: s.billable, QueueID: &q}
		if s.kind.Handled() {
			sg.AgentID = &w.agent
		}
		if s.kind == model.SegConnected && in.AnsweredAt == nil {
			a := cur
			in.AnsweredAt = &a
			in.EndedReason = model.EndAnswered
		}
		list = append(list, sg)
		cur = end
	}
	in.EndedAt = &cur
	if err := w.st.ImportPastContacts(testCtx(w.t), w.tenant, []store.PastContact{{Interaction: in, Segments: list}}); err != nil {
		w.t.Fatalf("import contact at %s: %v", at, err)
	}
}

// loggedIn records the agent logged in from `from` to `to` (ready).
func (w *world) loggedIn(from, to time.Time) {
	w.t.Helper()
	err := w.st.AppendAgentStates(testCtx(w.t), []store.AgentStateChange{
		{TenantID: w.tenant, AgentID: w.agent, State: "ready", At: from},
		{TenantID: w.tenant, AgentID: w.agent, State: "logged_out", At: to},
	})
	w.must("agent states", err)
}

func (w *world) contract(t Terms) Contract {
	w.t.Helper()
	c, err := w.b.AddContract(testCtx(w.t), w.tenant, t, "test")
	w.must("add contract", err)
	return c
}

func (w *world) index(month, value string) {
	w.t.Helper()
	_, err := w.b.SetIndexValue(testCtx(w.t), IndexValue{Index: "syntec", Month: month, Value: value})
	w.must("index value", err)
}

func (w *world) issue(month string) Invoice {
	w.t.Helper()
	inv, err := w.b.Issue(testCtx(w.t), w.tenant, month, "test")
	w.must("issue "+month, err)
	return inv
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04:05", s)
	if err != nil {
		panic(err)
	}
	return t
}

// wantLine checks a line's kind, unit, channel, quantity and amount.
func wantLine(t *testing.T, inv Invoice, no int, kind LineKind, unit Unit, ch model.Channel, qty int64, price Price, amount Cents) {
	t.Helper()
	if no > len(inv.Lines) {
		t.Fatalf("line %d: the invoice has %d lines: %+v", no, len(inv.Lines), inv.Lines)
	}
	l := inv.Lines[no-1]
	got := fmt.Sprintf("%s %s %s q=%d p=%s a=%d", l.Kind, l.Unit, l.Channel, l.Quantity, l.UnitPrice, l.AmountCents)
	want := fmt.Sprintf("%s %s %s q=%d p=%s a=%d", kind, unit, ch, qty, price, amount)
	if got != want {
		t.Errorf("line %d: %s, want %s", no, got, want)
	}
}
