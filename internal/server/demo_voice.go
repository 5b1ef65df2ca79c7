package server

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/plateau-cc/plateau/internal/media"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// DemoPhoneNumber is the demo's entry number for the support line.
const DemoPhoneNumber = "1000"

// DemoMenuNumber is the demo's entry number with a voice menu: 1 for
// support, 2 for sales, 0 for the support line's queue.
const DemoMenuNumber = "1001"

// demoMenuPrompt is the recorded prompt of the demo's menu, as an
// administrator would upload it (scripts/prompts/generate.sh): "pour une
// question technique, appuyez sur 1 ; pour une question commerciale,
// appuyez sur 2".
//
//go:embed demodata/menu-fr.wav
var demoMenuPrompt []byte

// SIPAccount is a demo agent's phone credentials.
type SIPAccount struct {
	Login, Username, Password string
}

// EnsureVoiceDemo gives the demo tenant its phone lines (once): a voice
// support queue with the support skills, reached at entry number 1000, and
// entry 1001 with a voice menu to it or to a voice sales queue;
// makes every agent of the tenant take calls; and gives each agent user
// (the demo agents and the bots) a SIP account named after its login with
// a fresh password for realm.
func EnsureVoiceDemo(ctx context.Context, st *store.Store, tenant model.Tenant, realm string) ([]SIPAccount, error) {
	_, err := st.ResolveEntryPoint(ctx, model.EntryPhone, DemoPhoneNumber)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := createVoiceLine(ctx, st, tenant); err != nil {
			return nil, fmt.Errorf("demo phone line: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("demo phone line: %w", err)
	}
	menu, err := st.ResolveEntryPoint(ctx, model.EntryPhone, DemoMenuNumber)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := createMenuLine(ctx, st, tenant); err != nil {
			return nil, fmt.Errorf("demo menu line: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("demo menu line: %w", err)
	case menu.TenantID == tenant.ID && menu.MenuPromptMS == 0:
		if err := setDemoMenuPrompt(ctx, st, menu); err != nil {
			return nil, fmt.Errorf("demo menu line: %w", err)
		}
	}
	agents, err := st.ListAgents(ctx, tenant.ID)
	if err != nil {
		return nil, fmt.Errorf("demo phone line: %w", err)
	}
	for _, a := range agents {
		if a.VoiceCapacity == 0 {
			a.VoiceCapacity = 1
			if err := st.UpdateAgent(ctx, tenant.ID, a); err != nil {
				return nil, fmt.Errorf("demo phone line: agent %d takes calls: %w", a.ID, err)
			}
		}
	}
	users, err := st.ListUsers(ctx, &tenant.ID)
	if err != nil {
		return nil, fmt.Errorf("demo phone line: %w", err)
	}
	var out []SIPAccount
	for _, u := range users {
		if u.Role != model.RoleAgent || u.AgentID == nil {
			continue
		}
		pw, err := password()
		if err != nil {
			return nil, err
		}
		if err := st.SetSIPAccount(ctx, tenant.ID, *u.AgentID, u.Login, realm, pw); err != nil {
			return nil, fmt.Errorf("demo phone line: SIP account of %s: %w", u.Login, err)
		}
		out = append(out, SIPAccount{Login: u.Login, Username: u.Login, Password: pw})
	}
	return out, nil
}

func createVoiceLine(ctx context.Context, st *store.Store, tenant model.Tenant) error {
	skills, err := st.ListSkills(ctx, tenant.ID)
	if err != nil {
		return err
	}
	var support *model.Skill
	for i, s := range skills {
		if strings.EqualFold(s.Name, "support") {
			support = &skills[i]
		}
	}
	q := model.Queue{Name: "Support téléphone", Channel: model.ChannelVoice, Priority: 2,
		SLTargetPct: 80, SLThresholdSeconds: 20, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, WrapUpSeconds: 15}
	if support != nil {
		q.Skills = []model.SkillRequirement{{SkillID: support.ID, MinLevel: 5}}
		q.Relax = []model.RelaxStep{{AfterSeconds: 60, Skills: []model.SkillRequirement{{SkillID: support.ID, MinLevel: 1}}}}
	}
	vq, err := st.CreateQueue(ctx, tenant.ID, q)
	if err != nil {
		return err
	}
	_, err = st.CreateEntryPoint(ctx, tenant.ID, model.EntryPoint{Kind: model.EntryPhone, Address: DemoPhoneNumber, QueueID: vq.ID,
		Welcome: "Bonjour, et bienvenue."})
	return err
}

// createMenuLine adds a voice sales queue and entry 1001, whose menu leads
// to the support line's queue (1, and 0) or to sales (2).
func createMenuLine(ctx context.Context, st *store.Store, tenant model.Tenant) error {
	support, err := st.ResolveEntryPoint(ctx, model.EntryPhone, DemoPhoneNumber)
	if err != nil {
		return err
	}
	skills, err := st.ListSkills(ctx, tenant.ID)
	if err != nil {
		return err
	}
	q := model.Queue{Name: "Ventes téléphone", Channel: model.ChannelVoice, Priority: 1,
		SLTargetPct: 80, SLThresholdSeconds: 30, Strategy: model.StrategyLongestIdle, OfferTimeoutSeconds: 20, WrapUpSeconds: 15}
	for _, s := range skills {
		if strings.EqualFold(s.Name, "sales") {
			q.Skills = []model.SkillRequirement{{SkillID: s.ID, MinLevel: 3}}
			q.Relax = []model.RelaxStep{{AfterSeconds: 60, Skills: []model.SkillRequirement{{SkillID: s.ID, MinLevel: 1}}}}
		}
	}
	queues, err := st.ListQueues(ctx, tenant.ID)
	if err != nil {
		return err
	}
	var sales model.Queue
	for _, x := range queues {
		if x.Name == q.Name { // left by an earlier run that stopped half-way
			sales = x
		}
	}
	if sales.ID == 0 {
		if sales, err = st.CreateQueue(ctx, tenant.ID, q); err != nil {
			return err
		}
	}
	ep, err := st.CreateEntryPoint(ctx, tenant.ID, model.EntryPoint{Kind: model.EntryPhone, Address: DemoMenuNumber, QueueID: support.QueueID,
		Menu: &model.Menu{Options: []model.MenuOption{
			{Key: "1", QueueID: support.QueueID, Label: "Question technique"},
			{Key: "2", QueueID: sales.ID, Label: "Question commerciale"},
		}}})
	if err != nil {
		return err
	}
	return setDemoMenuPrompt(ctx, st, ep)
}

// setDemoMenuPrompt stores the demo menu's recorded prompt on ep.
func setDemoMenuPrompt(ctx context.Context, st *store.Store, ep model.EntryPoint) error {
	pcm, err := media.ImportWAV(bytes.NewReader(demoMenuPrompt), time.Minute)
	if err != nil {
		return fmt.Errorf("demo menu prompt: %w", err)
	}
	return st.SetMenuPrompt(ctx, ep.TenantID, ep.ID, media.EncodeWAV(pcm), time.Duration(len(pcm))*time.Second/media.SampleRate)
}
