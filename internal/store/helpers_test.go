package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

const defaultTestPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// forEachBackend runs fn on a fresh SQLite database and on a fresh
// PostgreSQL schema. PostgreSQL comes from PLATEAU_TEST_POSTGRES (default
// defaultTestPostgres); when it is unreachable the PostgreSQL run is skipped,
// unless CI or PLATEAU_REQUIRE_POSTGRES=1 is set, where it fails.
func forEachBackend(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, openSQLiteForTest(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, openPostgresForTest(t))
	})
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func openSQLiteForTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(testCtx(t), filepath.Join(t.TempDir(), "plateau.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openPostgresForTest(t testing.TB) *Store {
	t.Helper()
	dsn := freshPostgresDSN(t)
	s, err := Open(testCtx(t), dsn)
	if err != nil {
		t.Fatalf("open postgres %s: %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// freshPostgresDSN is the DSN of a new, empty schema of the test server,
// dropped at the end of the test.
func freshPostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PLATEAU_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultTestPostgres
	}
	required := os.Getenv("CI") != "" || os.Getenv("PLATEAU_REQUIRE_POSTGRES") == "1"
	unavailable := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("PostgreSQL required (CI or PLATEAU_REQUIRE_POSTGRES=1) but unavailable: "+format, args...)
		}
		t.Skipf("PostgreSQL unavailable, skipping (set PLATEAU_TEST_POSTGRES to a reachable server): "+format, args...)
	}
	admin, err := openPostgres(dsn)
	if err != nil {
		unavailable("%v", err)
	}
	defer admin.Close()
	pingCtx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if err := admin.PingContext(pingCtx); err != nil {
		unavailable("%s: %v", dsn, err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	schema := "plt_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(testCtx(t), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		cleanup, err := openPostgres(dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer cleanup.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := cleanup.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parse %s: %v", dsn, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// fixture is one tenant with one of each configuration aggregate.
type fixture struct {
	tenant   model.Tenant
	site     model.Site
	skill    model.Skill
	schedule model.Schedule
	queue    model.Queue
	chat     model.Queue
	agent    model.Agent
	entry    model.EntryPoint
}

func newFixture(t testing.TB, s *Store, slug string) fixture {
	t.Helper()
	ctx := testCtx(t)
	var f fixture
	var err error
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture %s: %s: %v", slug, what, err)
		}
	}
	f.tenant, err = s.CreateTenant(ctx, model.Tenant{Slug: slug, Name: "Tenant " + slug})
	must("tenant", err)
	tid := f.tenant.ID
	f.site, err = s.CreateSite(ctx, tid, model.Site{Name: "Rabat", Country: "MA", Kind: model.SiteNearshore, CostPerHour: 18_50})
	must("site", err)
	f.skill, err = s.CreateSkill(ctx, tid, model.Skill{Name: "billing"})
	must("skill", err)
	f.schedule, err = s.CreateSchedule(ctx, tid, model.Schedule{Name: "office", TimeZone: "Europe/Paris",
		Weekly: []model.WeeklyHours{{Day: 1, From: "09:00", To: "18:00"}}, Holidays: []string{"2026-12-25"}})
	must("schedule", err)
	f.queue, err = s.CreateQueue(ctx, tid, validQueue(f.skill.ID, &f.schedule.ID))
	must("queue", err)
	chat := validQueue(f.skill.ID, nil)
	chat.Name, chat.Channel = "chat", model.ChannelChat
	f.chat, err = s.CreateQueue(ctx, tid, chat)
	must("chat queue", err)
	f.agent, err = s.CreateAgent(ctx, tid, model.Agent{SiteID: f.site.ID, Name: "Amina", VoiceCapacity: 1, ChatCapacity: 3,
		Skills: []model.AgentSkill{{SkillID: f.skill.ID, Level: 7}}, QueueIDs: []int64{f.queue.ID}})
	must("agent", err)
	f.entry, err = s.CreateEntryPoint(ctx, tid, model.EntryPoint{Kind: model.EntryChat, Address: slug + "-chat", QueueID: f.chat.ID, Welcome: "Bonjour"})
	must("entry point", err)
	return f
}

func validQueue(skillID int64, scheduleID *int64) model.Queue {
	return model.Queue{
		Name: "support", Channel: model.ChannelVoice, Priority: 10,
		SLTargetPct: 80, SLThresholdSeconds: 20,
		Skills:         []model.SkillRequirement{{SkillID: skillID, MinLevel: 5}},
		Relax:          []model.RelaxStep{{AfterSeconds: 60, Skills: []model.SkillRequirement{{SkillID: skillID, MinLevel: 1}}}, {AfterSeconds: 120}},
		MaxWaitSeconds: 600, MaxWaiting: 50,
		Overflow:       model.Overflow{Action: model.OverflowCallback, Message: "We will call you back"},
		ScheduleID:     scheduleID,
		Tiers:          []model.Tier{{Name: "premium", Priority: 10}, {Name: "free", Priority: 0}},
		AgingPerMinute: 0.5, Strategy: model.StrategyLongestIdle,
		OfferTimeoutSeconds: 15, WrapUpSeconds: 30, Recording: true, RecordingRetentionDays: 30,
	}
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func noErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func ptr[T any](v T) *T { return &v }
