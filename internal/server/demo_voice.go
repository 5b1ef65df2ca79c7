package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// DemoPhoneNumber is the demo's entry number for the support line.
const DemoPhoneNumber = "1000"

// SIPAccount is a demo agent's phone credentials.
type SIPAccount struct {
	Login, Username, Password string
}

// EnsureVoiceDemo gives the demo tenant its phone line (once): a voice
// support queue with the support skills, reached at entry number 1000;
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
