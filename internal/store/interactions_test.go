package store

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)

func TestInteractionLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{
			QueueID: f.queue.ID, Channel: model.ChannelVoice, Tier: "premium",
			Customer:  model.Customer{Name: "Jean", Phone: "+33612345678", Email: "jean@example.fr"},
			ArrivedAt: t0.In(time.FixedZone("CET", 3600)), AnnouncedEWTSeconds: ptr(45), AnnouncedPosition: ptr(3),
		})
		noErr(t, err, "create")
		in, err := s.GetInteraction(ctx, tid, id)
		noErr(t, err, "get")
		if in.State != model.StateQueued || !in.ArrivedAt.Equal(t0) || in.ArrivedAt.Location() != time.UTC ||
			*in.AnnouncedEWTSeconds != 45 || *in.AnnouncedPosition != 3 || in.Tier != "premium" || in.Customer.Email != "jean@example.fr" {
			t.Fatalf("created %+v", in)
		}
		segs, err := s.ListSegments(ctx, tid, id)
		noErr(t, err, "segments")
		if len(segs) != 1 || segs[0].Kind != model.SegQueued || !segs[0].StartedAt.Equal(t0) || segs[0].EndedAt != nil ||
			segs[0].Billable || segs[0].QueueID == nil || *segs[0].QueueID != f.queue.ID {
			t.Fatalf("first segment %+v", segs)
		}

		// Offer, answer, wrap up, end: each transition closes the open
		// segment and opens the next in one transaction.
		steps := []StateUpdate{
			{State: model.StateOffered, At: t0.Add(30 * time.Second), AgentID: &f.agent.ID, CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegOffered, AgentID: &f.agent.ID}},
			{State: model.StateConnected, At: t0.Add(35 * time.Second), CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegConnected, AgentID: &f.agent.ID, Billable: true}},
			{State: model.StateWrapUp, At: t0.Add(5 * time.Minute), CloseSegments: true,
				OpenSegment: &model.Segment{Kind: model.SegWrapUp, AgentID: &f.agent.ID, Billable: true}},
			{State: model.StateEnded, EndedReason: model.EndAnswered, At: t0.Add(5*time.Minute + 30*time.Second), CloseSegments: true},
		}
		for _, u := range steps {
			in, err = s.UpdateInteractionState(ctx, tid, id, u)
			noErr(t, err, "transition to "+string(u.State))
		}
		if in.State != model.StateEnded || in.EndedReason != model.EndAnswered || in.AgentID == nil || *in.AgentID != f.agent.ID ||
			in.AnsweredAt == nil || !in.AnsweredAt.Equal(t0.Add(35*time.Second)) || in.EndedAt == nil || !in.EndedAt.Equal(t0.Add(5*time.Minute+30*time.Second)) {
			t.Fatalf("ended %+v", in)
		}
		segs, err = s.ListSegments(ctx, tid, id)
		noErr(t, err, "segments")
		wantKinds := []model.SegmentKind{model.SegQueued, model.SegOffered, model.SegConnected, model.SegWrapUp}
		if len(segs) != len(wantKinds) {
			t.Fatalf("segments %+v", segs)
		}
		var waited, billable time.Duration
		for i, seg := range segs {
			if seg.Kind != wantKinds[i] || seg.EndedAt == nil {
				t.Fatalf("segment %d: %+v", i, seg)
			}
			d := seg.EndedAt.Sub(seg.StartedAt)
			if seg.Billable {
				billable += d
			} else if seg.Kind == model.SegQueued {
				waited += d
			}
		}
		if waited != 30*time.Second || billable != 5*time.Minute-5*time.Second {
			t.Errorf("waited %v billable %v", waited, billable)
		}

		// Ended is final.
		_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateQueued, At: t0.Add(time.Hour)})
		wantErr(t, err, ErrConflict, "reopen ended")
		_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateEnded, At: t0})
		wantErr(t, err, ErrInvalid, "ended without reason")

		// The first announcement stays; another tenant's or an invalid one
		// changes nothing.
		quiet, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0})
		noErr(t, err, "create unannounced")
		other := newFixture(t, s, "other")
		for _, c := range []struct {
			what    string
			list    []Announcement
			changed int
			err     error
		}{
			{"invalid position", []Announcement{{tid, quiet, 0, 30, false}}, 0, ErrInvalid},
			{"negative wait", []Announcement{{tid, quiet, 1, 30, false}, {tid, quiet, 1, -1, false}}, 0, ErrInvalid},
			{"another tenant's", []Announcement{{other.tenant.ID, quiet, 1, 1, false}}, 0, nil},
			{"already announced", []Announcement{{tid, id, 2, 30, false}}, 0, nil},
			{"first", []Announcement{{tid, quiet, 7, 120, true}, {tid, quiet, 1, 0, false}, {tid, id + 1000, 1, 1, false}}, 1, nil},
			{"again", []Announcement{{tid, quiet, 1, 0, false}}, 0, nil},
		} {
			n, err := s.SetAnnouncements(ctx, c.list)
			if c.err != nil {
				wantErr(t, err, c.err, c.what)
			} else {
				noErr(t, err, c.what)
			}
			if n != c.changed {
				t.Errorf("%s: changed %d, want %d", c.what, n, c.changed)
			}
		}
		for _, c := range []struct {
			id             int64
			position, wait int
		}{{id, 3, 45}, {quiet, 7, 120}} {
			got, err := s.GetInteraction(ctx, tid, c.id)
			noErr(t, err, "get")
			if got.AnnouncedPosition == nil || *got.AnnouncedPosition != c.position || *got.AnnouncedEWTSeconds != c.wait {
				t.Errorf("interaction %d announced %v/%v, want %d/%d", c.id, got.AnnouncedPosition, got.AnnouncedEWTSeconds, c.position, c.wait)
			}
			if got.ToldNoAgent != (c.id == quiet) {
				t.Errorf("interaction %d told with no agent: %v", c.id, got.ToldNoAgent)
			}
		}

		noErr(t, s.SetDisposition(ctx, tid, id, "resolved", "address changed"), "disposition")
		noErr(t, s.SetSurvey(ctx, tid, id, 5, "great"), "survey")
		wantErr(t, s.SetSurvey(ctx, tid, id, 4, "again"), ErrConflict, "second survey")
		wantErr(t, s.SetSurvey(ctx, tid, id, 6, ""), ErrInvalid, "score 6")
		wantErr(t, s.SetSurvey(ctx, tid, id, 0, ""), ErrInvalid, "score 0")
		in, err = s.GetInteraction(ctx, tid, id)
		noErr(t, err, "get")
		if in.Disposition != "resolved" || in.Notes != "address changed" || in.CSATScore == nil || *in.CSATScore != 5 || in.CSATComment != "great" {
			t.Errorf("after wrap-up: %+v", in)
		}
	})
}

func TestCallbackTransferAndSegments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		other := validQueue(f.skill.ID, nil)
		other.Name = "level2"
		q2, err := s.CreateQueue(ctx, tid, other)
		noErr(t, err, "queue")
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0})
		noErr(t, err, "create")
		in, err := s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateCallback, At: t0.Add(time.Minute),
			Callback: &model.Callback{Number: "+33612345678"}, CloseSegments: true, OpenSegment: &model.Segment{Kind: model.SegCallback}})
		noErr(t, err, "callback")
		if in.Callback == nil || in.Callback.Number != "+33612345678" {
			t.Fatalf("callback %+v", in.Callback)
		}
		in, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateQueued, At: t0.Add(2 * time.Minute), QueueID: &q2.ID})
		noErr(t, err, "transfer")
		if in.QueueID != q2.ID || in.Callback == nil {
			t.Fatalf("transferred %+v", in)
		}
		_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateQueued, At: t0, QueueID: &f.chat.ID})
		wantErr(t, err, ErrInvalid, "transfer to other channel")

		// Explicit segment calls.
		seg, err := s.OpenSegment(ctx, tid, model.Segment{InteractionID: id, Kind: model.SegHold, AgentID: &f.agent.ID, StartedAt: t0.Add(3 * time.Minute)})
		noErr(t, err, "open hold")
		wantErr(t, s.CloseSegment(ctx, tid, seg.ID, t0), ErrInvalid, "close before start")
		noErr(t, s.CloseSegment(ctx, tid, seg.ID, t0.Add(4*time.Minute)), "close hold")
		wantErr(t, s.CloseSegment(ctx, tid, seg.ID, t0.Add(5*time.Minute)), ErrConflict, "close twice")
		wantErr(t, s.CloseSegment(ctx, tid, 99999, t0), ErrNotFound, "close missing")
		_, err = s.OpenSegment(ctx, tid, model.Segment{InteractionID: 99999, Kind: model.SegHold, StartedAt: t0})
		wantErr(t, err, ErrNotFound, "segment of missing interaction")
	})
}

func TestBillableRule(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice, ArrivedAt: t0})
		noErr(t, err, "create")
		segs, err := s.ListSegments(ctx, tid, id)
		noErr(t, err, "segments")
		queued := segs[0].ID
		wantErr(t, s.SetSegmentBillable(ctx, tid, queued, true), ErrInvalid, "bill waiting")
		noErr(t, s.SetSegmentBillable(ctx, tid, queued, false), "unbill waiting")

		for _, kind := range model.SegmentKinds() {
			t.Run(string(kind), func(t *testing.T) {
				_, err := s.OpenSegment(ctx, tid, model.Segment{InteractionID: id, Kind: kind, StartedAt: t0, Billable: true})
				if kind.Handled() {
					noErr(t, err, "billable handled segment")
				} else {
					wantErr(t, err, ErrInvalid, "billable "+string(kind))
				}
			})
		}
		_, err = s.UpdateInteractionState(ctx, tid, id, StateUpdate{State: model.StateOffered, At: t0,
			OpenSegment: &model.Segment{Kind: model.SegOffered, Billable: true}})
		wantErr(t, err, ErrInvalid, "billable offered via transition")

		// The schema refuses it too, whatever the code path.
		_, err = s.conn().exec(ctx, "UPDATE segments SET billable = ? WHERE id = ?", true, queued)
		if classify(err) != errCheck {
			t.Fatalf("schema accepted a billable queued segment: %v", err)
		}
		seg, err := s.OpenSegment(ctx, tid, model.Segment{InteractionID: id, Kind: model.SegWrapUp, StartedAt: t0})
		noErr(t, err, "wrap-up")
		noErr(t, s.SetSegmentBillable(ctx, tid, seg.ID, true), "bill wrap-up")
	})
}

func TestMessagesSeqAndIdempotency(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0})
		noErr(t, err, "create")
		other, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0})
		noErr(t, err, "create other")

		m1, created, err := s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderCustomer, ClientMsgID: "c1", Body: "Bonjour", SentAt: t0})
		noErr(t, err, "append 1")
		if !created || m1.Seq != 1 || m1.ID == 0 || !m1.SentAt.Equal(t0) {
			t.Fatalf("m1 %+v created=%v", m1, created)
		}
		m2, _, err := s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderAgent, AgentID: &f.agent.ID, Body: "Hello", SentAt: t0.Add(time.Second)})
		noErr(t, err, "append 2")
		retry, created, err := s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderCustomer, ClientMsgID: "c1", Body: "Bonjour", SentAt: t0.Add(time.Minute)})
		noErr(t, err, "retry")
		if created || retry != m1 {
			t.Fatalf("retry gave %+v created=%v, want %+v", retry, created, m1)
		}
		_, _, err = s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderCustomer, ClientMsgID: "c1", Body: "Different"})
		wantErr(t, err, ErrConflict, "key reused for another body")
		m3, _, err := s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderSystem, Body: "bye"})
		noErr(t, err, "append 3")
		if m2.Seq != 2 || m3.Seq != 3 {
			t.Fatalf("seqs %d %d: the retry must not consume a seq", m2.Seq, m3.Seq)
		}
		// Another interaction numbers from 1, and may reuse a client key.
		o1, created, err := s.AppendMessage(ctx, tid, other, model.Message{Sender: model.SenderCustomer, ClientMsgID: "c1", Body: "Bonjour"})
		noErr(t, err, "other interaction")
		if !created || o1.Seq != 1 {
			t.Fatalf("other %+v", o1)
		}
		_, _, err = s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderAgent, Body: "x"})
		wantErr(t, err, ErrInvalid, "agent message without agent")
		_, _, err = s.AppendMessage(ctx, tid, id, model.Message{Sender: model.SenderCustomer, Body: "  "})
		wantErr(t, err, ErrInvalid, "blank body")
		_, _, err = s.AppendMessage(ctx, tid, 99999, model.Message{Sender: model.SenderCustomer, Body: "x"})
		wantErr(t, err, ErrNotFound, "missing interaction")

		all, err := s.ListMessages(ctx, tid, id, 0)
		noErr(t, err, "list")
		if len(all) != 3 || all[0] != m1 || all[1].AgentID == nil || all[2].Body != "bye" {
			t.Fatalf("list %+v", all)
		}
		after, err := s.ListMessages(ctx, tid, id, 2)
		noErr(t, err, "list after 2")
		if len(after) != 1 || after[0].Seq != 3 {
			t.Fatalf("after 2: %+v", after)
		}
	})
}

func TestConcurrentAppendMessage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0})
		noErr(t, err, "create")
		const workers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*each*2)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					key := fmt.Sprintf("w%d-%d", w, i)
					msg := model.Message{Sender: model.SenderCustomer, ClientMsgID: key, Body: key}
					if _, _, err := s.AppendMessage(ctx, tid, id, msg); err != nil {
						errs <- err
					}
					if i%3 == 0 { // a retry racing with the others
						if _, created, err := s.AppendMessage(ctx, tid, id, msg); err != nil || created {
							errs <- fmt.Errorf("retry %s: created=%v err=%v", key, created, err)
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		msgs, err := s.ListMessages(ctx, tid, id, 0)
		noErr(t, err, "list")
		if len(msgs) != workers*each {
			t.Fatalf("%d messages, want %d", len(msgs), workers*each)
		}
		keys := make(map[string]bool)
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("message %d has seq %d: gap or duplicate", i, m.Seq)
			}
			if keys[m.ClientMsgID] {
				t.Fatalf("duplicate client key %s", m.ClientMsgID)
			}
			keys[m.ClientMsgID] = true
		}
	})
}

func TestListOpenInteractionsOrder(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "beta")
		create := func(tid, qid int64, ch model.Channel, at time.Time) int64 {
			t.Helper()
			id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: qid, Channel: ch, ArrivedAt: at})
			noErr(t, err, "create")
			return id
		}
		// Sub-second times: ordering must follow time, not text.
		i1 := create(a.tenant.ID, a.queue.ID, model.ChannelVoice, t0.Add(2*time.Second))
		i2 := create(b.tenant.ID, b.chat.ID, model.ChannelChat, t0.Add(500*time.Millisecond))
		i3 := create(a.tenant.ID, a.chat.ID, model.ChannelChat, t0.Add(2*time.Second)) // same time as i1: by id
		i4 := create(b.tenant.ID, b.queue.ID, model.ChannelVoice, t0.Add(50*time.Millisecond))
		ended := create(a.tenant.ID, a.queue.ID, model.ChannelVoice, t0)
		i5 := create(a.tenant.ID, a.queue.ID, model.ChannelVoice, t0.Add(2*time.Second+time.Microsecond))
		_, err := s.UpdateInteractionState(ctx, a.tenant.ID, ended, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: t0.Add(time.Second), CloseSegments: true})
		noErr(t, err, "abandon")
		_, err = s.UpdateInteractionState(ctx, a.tenant.ID, i3, StateUpdate{State: model.StateConnected, At: t0.Add(3 * time.Second), AgentID: &a.agent.ID})
		noErr(t, err, "connect")

		open, err := s.ListOpenInteractions(ctx)
		noErr(t, err, "list open")
		want := []int64{i4, i2, i1, i3, i5}
		got := idsOf(open, func(x model.Interaction) int64 { return x.ID })
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("open order %v, want %v", got, want)
		}
		if open[3].State != model.StateConnected || open[1].TenantID != b.tenant.ID {
			t.Errorf("open rows %+v", open)
		}
	})
}

func TestResumeTokenAndCustomerHistory(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		tid := f.tenant.ID
		cust := model.Customer{Name: "Jean", Phone: "+33612345678", Email: "jean@example.fr", ExternalID: "CRM-42"}
		var ids []int64
		for i := range 4 {
			c := cust
			switch i { // each contact carries a different subset of keys
			case 1:
				c.Phone = ""
			case 2:
				c.Email, c.ExternalID = "", ""
			case 3:
				c = model.Customer{Phone: "+33700000000"}
			}
			id, err := s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat,
				ArrivedAt: t0.Add(time.Duration(i) * time.Hour), Customer: c, ResumeTokenHash: HashToken(fmt.Sprint("resume-", i))})
			noErr(t, err, "create")
			ids = append(ids, id)
		}
		noErr(t, s.SetDisposition(ctx, tid, ids[0], "refund", ""), "disposition")

		got, err := s.FindInteractionByResumeToken(ctx, tid, HashToken("resume-2"))
		noErr(t, err, "resume")
		if got.ID != ids[2] || got.ResumeTokenHash != HashToken("resume-2") {
			t.Fatalf("resume %+v", got)
		}
		_, err = s.FindInteractionByResumeToken(ctx, tid, HashToken("nope"))
		wantErr(t, err, ErrNotFound, "unknown resume token")
		_, err = s.FindInteractionByResumeToken(ctx, tid, "")
		wantErr(t, err, ErrNotFound, "empty resume token")
		_, err = s.CreateInteraction(ctx, tid, model.Interaction{QueueID: f.chat.ID, Channel: model.ChannelChat, ArrivedAt: t0, ResumeTokenHash: HashToken("resume-0")})
		wantErr(t, err, ErrConflict, "duplicate resume token")

		tests := []struct {
			key   string
			limit int
			want  []int64
		}{
			{"+33612345678", 0, []int64{ids[2], ids[0]}},
			{"jean@example.fr", 10, []int64{ids[1], ids[0]}},
			{"CRM-42", 1, []int64{ids[1]}},
			{"+33700000000", 5, []int64{ids[3]}},
			{"unknown", 5, nil},
		}
		for _, tc := range tests {
			h, err := s.CustomerHistory(ctx, tid, tc.key, tc.limit)
			noErr(t, err, "history "+tc.key)
			if got := idsOf(h, func(x model.Interaction) int64 { return x.ID }); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("history %s limit %d: %v, want %v", tc.key, tc.limit, got, tc.want)
			}
			if tc.key == "+33612345678" && h[1].Disposition != "refund" {
				t.Errorf("history lacks disposition: %+v", h[1])
			}
		}
		_, err = s.CustomerHistory(ctx, tid, "", 5)
		wantErr(t, err, ErrInvalid, "empty key")
	})
}

func TestArrivalTimes(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		f := newFixture(t, s, "acme")
		other := newFixture(t, s, "globex")
		for i := 0; i < 5; i++ {
			_, err := s.CreateInteraction(ctx, f.tenant.ID, model.Interaction{QueueID: f.queue.ID, Channel: model.ChannelVoice,
				Tier: "premium", ArrivedAt: t0.Add(time.Duration(4-i) * time.Hour)})
			noErr(t, err, "create")
		}
		_, err := s.CreateInteraction(ctx, other.tenant.ID, model.Interaction{QueueID: other.queue.ID, Channel: model.ChannelVoice,
			Tier: "premium", ArrivedAt: t0})
		noErr(t, err, "create other tenant's")
		got, err := s.ArrivalTimes(ctx, f.tenant.ID, 0, t0.Add(time.Hour), t0.Add(4*time.Hour))
		noErr(t, err, "arrival times")
		if len(got) != 3 || !got[0].Equal(t0.Add(time.Hour)) || !got[2].Equal(t0.Add(3*time.Hour)) {
			t.Fatalf("arrival times %v, want 1h, 2h, 3h after t0 in order", got)
		}
		got, err = s.ArrivalTimes(ctx, f.tenant.ID, f.queue.ID+1000, t0, t0.Add(5*time.Hour))
		noErr(t, err, "arrival times of another queue")
		if len(got) != 0 {
			t.Fatalf("another queue: %v", got)
		}
	})
}
