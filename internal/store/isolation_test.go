package store

import (
	"context"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestTenantIsolation walks every tenant-scoped method with tenant B's id
// against tenant A's rows: each must answer ErrNotFound (or an empty list)
// and leave A's rows untouched.
func TestTenantIsolation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store) {
		ctx := testCtx(t)
		a := newFixture(t, s, "acme")
		b := newFixture(t, s, "beta")
		aid, bid := a.tenant.ID, b.tenant.ID
		user, err := s.CreateUser(ctx, &aid, model.User{Login: "sup", DisplayName: "Sup", Role: model.RoleSupervisor})
		noErr(t, err, "user")
		tok, _, err := s.CreateToken(ctx, &aid, "ci")
		noErr(t, err, "token")
		now := time.Now()
		iid, err := s.CreateInteraction(ctx, aid, model.Interaction{QueueID: a.chat.ID, Channel: model.ChannelChat, ArrivedAt: now,
			Customer: model.Customer{Phone: "+33600000000"}, ResumeTokenHash: HashToken("resume")})
		noErr(t, err, "interaction")
		_, _, err = s.AppendMessage(ctx, aid, iid, model.Message{Sender: model.SenderCustomer, Body: "hi"})
		noErr(t, err, "message")
		segs, err := s.ListSegments(ctx, aid, iid)
		noErr(t, err, "segments")
		segID := segs[0].ID
		emp, err := s.CreateEmployee(ctx, aid, model.Employee{Ref: "E1", SiteID: a.site.ID, Contract: model.ContractPermanent, FTE: 1000, HireDate: "2026-01-05",
			Training: []model.Training{{Date: "2026-01-06", Hours: 7000}}})
		noErr(t, err, "employee")

		notFound := []struct {
			name string
			call func(ctx context.Context) error
		}{
			{"GetSite", func(ctx context.Context) error { _, err := s.GetSite(ctx, bid, a.site.ID); return err }},
			{"UpdateSite", func(ctx context.Context) error { return s.UpdateSite(ctx, bid, a.site) }},
			{"DeleteSite", func(ctx context.Context) error { return s.DeleteSite(ctx, bid, a.site.ID) }},
			{"GetSkill", func(ctx context.Context) error { _, err := s.GetSkill(ctx, bid, a.skill.ID); return err }},
			{"UpdateSkill", func(ctx context.Context) error { return s.UpdateSkill(ctx, bid, a.skill) }},
			{"DeleteSkill", func(ctx context.Context) error { return s.DeleteSkill(ctx, bid, a.skill.ID) }},
			{"GetSchedule", func(ctx context.Context) error { _, err := s.GetSchedule(ctx, bid, a.schedule.ID); return err }},
			{"UpdateSchedule", func(ctx context.Context) error { return s.UpdateSchedule(ctx, bid, a.schedule) }},
			{"DeleteSchedule", func(ctx context.Context) error { return s.DeleteSchedule(ctx, bid, a.schedule.ID) }},
			{"GetQueue", func(ctx context.Context) error { _, err := s.GetQueue(ctx, bid, a.queue.ID); return err }},
			{"UpdateQueue", func(ctx context.Context) error {
				q := validQueue(b.skill.ID, nil) // valid in B, but names A's queue
				q.ID = a.queue.ID
				return s.UpdateQueue(ctx, bid, q)
			}},
			{"DeleteQueue", func(ctx context.Context) error { return s.DeleteQueue(ctx, bid, a.queue.ID) }},
			{"GetAgent", func(ctx context.Context) error { _, err := s.GetAgent(ctx, bid, a.agent.ID); return err }},
			{"UpdateAgent", func(ctx context.Context) error {
				ag := model.Agent{ID: a.agent.ID, SiteID: b.site.ID, Name: "x", ChatCapacity: 1}
				return s.UpdateAgent(ctx, bid, ag)
			}},
			{"DeleteAgent", func(ctx context.Context) error { return s.DeleteAgent(ctx, bid, a.agent.ID) }},
			{"GetEmployee", func(ctx context.Context) error { _, err := s.GetEmployee(ctx, bid, emp.ID); return err }},
			{"UpdateEmployee", func(ctx context.Context) error {
				e := emp // valid in B, but names A's employee
				e.SiteID, e.Training = b.site.ID, nil
				return s.UpdateEmployee(ctx, bid, e)
			}},
			{"DeleteEmployee", func(ctx context.Context) error { return s.DeleteEmployee(ctx, bid, emp.ID) }},
			{"GetEntryPoint", func(ctx context.Context) error { _, err := s.GetEntryPoint(ctx, bid, a.entry.ID); return err }},
			{"UpdateEntryPoint", func(ctx context.Context) error {
				ep := model.EntryPoint{ID: a.entry.ID, Kind: model.EntryChat, Address: "stolen", QueueID: b.chat.ID}
				return s.UpdateEntryPoint(ctx, bid, ep)
			}},
			{"DeleteEntryPoint", func(ctx context.Context) error { return s.DeleteEntryPoint(ctx, bid, a.entry.ID) }},
			{"GetUser", func(ctx context.Context) error { _, err := s.GetUser(ctx, &bid, user.ID); return err }},
			{"GetUser platform scope", func(ctx context.Context) error { _, err := s.GetUser(ctx, nil, user.ID); return err }},
			{"UpdateUser", func(ctx context.Context) error {
				u := user
				u.DisplayName = "stolen"
				return s.UpdateUser(ctx, &bid, u)
			}},
			{"SetPassword", func(ctx context.Context) error { return s.SetPassword(ctx, &bid, user.ID, "long enough pw") }},
			{"DeleteUser", func(ctx context.Context) error { return s.DeleteUser(ctx, &bid, user.ID) }},
			{"DeleteToken", func(ctx context.Context) error { return s.DeleteToken(ctx, &bid, tok.ID) }},
			{"GetInteraction", func(ctx context.Context) error { _, err := s.GetInteraction(ctx, bid, iid); return err }},
			{"UpdateInteractionState", func(ctx context.Context) error {
				_, err := s.UpdateInteractionState(ctx, bid, iid, StateUpdate{State: model.StateEnded, EndedReason: model.EndAbandoned, At: now})
				return err
			}},
			{"SetDisposition", func(ctx context.Context) error { return s.SetDisposition(ctx, bid, iid, "x", "") }},
			{"SetSurvey", func(ctx context.Context) error { return s.SetSurvey(ctx, bid, iid, 1, "") }},
			{"FindInteractionByResumeToken", func(ctx context.Context) error {
				_, err := s.FindInteractionByResumeToken(ctx, bid, HashToken("resume"))
				return err
			}},
			{"OpenSegment", func(ctx context.Context) error {
				_, err := s.OpenSegment(ctx, bid, model.Segment{InteractionID: iid, Kind: model.SegConnected, StartedAt: now})
				return err
			}},
			{"CloseSegment", func(ctx context.Context) error { return s.CloseSegment(ctx, bid, segID, now) }},
			{"SetSegmentBillable", func(ctx context.Context) error { return s.SetSegmentBillable(ctx, bid, segID, false) }},
			{"ListSegments", func(ctx context.Context) error { _, err := s.ListSegments(ctx, bid, iid); return err }},
			{"AppendMessage", func(ctx context.Context) error {
				_, _, err := s.AppendMessage(ctx, bid, iid, model.Message{Sender: model.SenderSystem, Body: "x"})
				return err
			}},
			{"ListMessages", func(ctx context.Context) error { _, err := s.ListMessages(ctx, bid, iid, 0); return err }},
		}
		for _, tc := range notFound {
			t.Run(tc.name, func(t *testing.T) {
				wantErr(t, tc.call(ctx), ErrNotFound, tc.name)
			})
		}
		if e, err := s.GetEmployee(ctx, aid, emp.ID); err != nil || len(e.Training) != 1 || e.SiteID != a.site.ID {
			t.Errorf("tenant B's calls changed A's employee: %+v, %v", e, err)
		}

		// Lists of B see only B's rows.
		lists := []struct {
			name string
			ids  func() ([]int64, error)
			want []int64
		}{
			{"ListSites", func() ([]int64, error) {
				v, err := s.ListSites(ctx, bid)
				return idsOf(v, func(x model.Site) int64 { return x.ID }), err
			}, []int64{b.site.ID}},
			{"ListSkills", func() ([]int64, error) {
				v, err := s.ListSkills(ctx, bid)
				return idsOf(v, func(x model.Skill) int64 { return x.ID }), err
			}, []int64{b.skill.ID}},
			{"ListSchedules", func() ([]int64, error) {
				v, err := s.ListSchedules(ctx, bid)
				return idsOf(v, func(x model.Schedule) int64 { return x.ID }), err
			}, []int64{b.schedule.ID}},
			{"ListQueues", func() ([]int64, error) {
				v, err := s.ListQueues(ctx, bid)
				return idsOf(v, func(x model.Queue) int64 { return x.ID }), err
			}, []int64{b.queue.ID, b.chat.ID}},
			{"ListAgents", func() ([]int64, error) {
				v, err := s.ListAgents(ctx, bid)
				return idsOf(v, func(x model.Agent) int64 { return x.ID }), err
			}, []int64{b.agent.ID}},
			{"ListEntryPoints", func() ([]int64, error) {
				v, err := s.ListEntryPoints(ctx, bid)
				return idsOf(v, func(x model.EntryPoint) int64 { return x.ID }), err
			}, []int64{b.entry.ID}},
			{"ListUsers", func() ([]int64, error) {
				v, err := s.ListUsers(ctx, &bid)
				return idsOf(v, func(x model.User) int64 { return x.ID }), err
			}, nil},
			{"ListTokens", func() ([]int64, error) {
				v, err := s.ListTokens(ctx, &bid)
				return idsOf(v, func(x model.APIToken) int64 { return x.ID }), err
			}, nil},
			{"CustomerHistory", func() ([]int64, error) {
				v, err := s.CustomerHistory(ctx, bid, "+33600000000", 10)
				return idsOf(v, func(x model.Interaction) int64 { return x.ID }), err
			}, nil},
		}
		for _, tc := range lists {
			t.Run(tc.name, func(t *testing.T) {
				got, err := tc.ids()
				noErr(t, err, tc.name)
				if len(got) != len(tc.want) {
					t.Fatalf("%s: got ids %v, want %v", tc.name, got, tc.want)
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Fatalf("%s: got ids %v, want %v", tc.name, got, tc.want)
					}
				}
			})
		}

		// A's rows are intact.
		if got, err := s.GetSite(ctx, aid, a.site.ID); err != nil || got != a.site {
			t.Errorf("A's site changed: %+v %v", got, err)
		}
		if got, err := s.GetUser(ctx, &aid, user.ID); err != nil || got.DisplayName != "Sup" {
			t.Errorf("A's user changed: %+v %v", got, err)
		}
		if got, err := s.GetInteraction(ctx, aid, iid); err != nil || got.State != model.StateQueued || got.CSATScore != nil || got.Disposition != "" {
			t.Errorf("A's interaction changed: %+v %v", got, err)
		}
		if got, err := s.ListMessages(ctx, aid, iid, 0); err != nil || len(got) != 1 {
			t.Errorf("A's messages changed: %+v %v", got, err)
		}
		if got, err := s.ListTokens(ctx, &aid); err != nil || len(got) != 1 {
			t.Errorf("A's tokens changed: %+v %v", got, err)
		}
		if got, err := s.GetEntryPoint(ctx, aid, a.entry.ID); err != nil || got.Address != "acme-chat" {
			t.Errorf("A's entry point changed: %+v %v", got, err)
		}
	})
}

func idsOf[T any](v []T, id func(T) int64) []int64 {
	var out []int64
	for _, x := range v {
		out = append(out, id(x))
	}
	return out
}
