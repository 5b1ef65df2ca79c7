package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// demoFirstNames and demoLastNames make the demo register's names.
var (
	demoFirstNames = []string{"Sarah", "Karim", "Julie", "Mehdi", "Chloé", "Thomas", "Fatima", "Lucas", "Emma", "Omar", "Manon", "Youssef",
		"Pauline", "Rachid", "Clara", "Antoine", "Salma", "Maxime", "Nadia", "Julien", "Zineb", "Romain", "Laura", "Hamza", "Élodie",
		"Adam", "Sofia", "Kevin", "Imane", "Vincent", "Leïla", "Bastien", "Amine", "Charlotte"}
	demoLastNames = []string{"Bernard", "Alaoui", "Richard", "Durand", "Idrissi", "Lefebvre", "Tazi", "Girard", "Bennani", "Bonnet",
		"Chraibi", "Lambert", "Fontaine", "El Amrani", "Rousseau", "Berrada", "Vincent", "Mercier"}
)

// SeedDemoWorkforce gives the demo tenant a workforce register, once: 40
// people over Paris, Rabat and homeshoring in France, hired over the
// last four years, with exits in the last year and some hires in the
// last weeks (the played history), training and two disability
// recognitions; the six agents are linked to their HR record; and the
// France share of the plans published for this month and the last two.
// It adds the Rabat site if the demo predates it. A tenant that already
// has employees is left alone.
func SeedDemoWorkforce(ctx context.Context, st *store.Store, tenant model.Tenant, now time.Time) error {
	have, err := st.ListEmployees(ctx, tenant.ID)
	if err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	if len(have) > 0 {
		return nil
	}
	sites, err := st.ListSites(ctx, tenant.ID)
	if err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	var paris, home, rabat int64
	for _, s := range sites {
		switch {
		case s.Country == "MA":
			rabat = s.ID
		case s.Kind == model.SiteHomeshoring:
			home = s.ID
		case s.Country == "FR":
			paris = s.ID
		}
	}
	if rabat == 0 {
		s, err := st.CreateSite(ctx, tenant.ID, model.Site{Name: "Rabat", Country: "MA", Kind: model.SiteNearshore, CostPerHour: 17_00})
		if err != nil {
			return fmt.Errorf("demo register: %w", err)
		}
		rabat = s.ID
	}
	if paris == 0 || home == 0 {
		return fmt.Errorf("demo register: the demo tenant has no Paris or homeshoring site")
	}
	agents, err := st.ListAgents(ctx, tenant.ID)
	if err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	r := rand.New(rand.NewPCG(2026, 16))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	day := func(daysAgo int) string { return today.AddDate(0, 0, -daysAgo).Format(time.DateOnly) }
	var list []model.Employee
	// Agents first: their HR side, at their site.
	for i, a := range agents {
		if a.Name == "" || len(list) >= 6 {
			break
		}
		id := a.ID
		list = append(list, model.Employee{Ref: fmt.Sprintf("D%03d", i+1), Name: a.Name, Job: "téléconseiller", SiteID: a.SiteID, AgentID: &id,
			Homeshoring: a.SiteID == home, Contract: model.ContractPermanent, FTE: 1000, HireDate: day(200 + 97*i)})
	}
	jobs := []string{"téléconseiller", "téléconseiller", "téléconseiller", "téléconseiller", "superviseur", "formateur", "chargé de qualité"}
	for i := len(list); i < 40; i++ {
		e := model.Employee{Ref: fmt.Sprintf("D%03d", i+1), Name: demoFirstNames[i%len(demoFirstNames)] + " " + demoLastNames[(i*7)%len(demoLastNames)],
			Job: jobs[r.IntN(len(jobs))], FTE: 1000}
		switch k := (i * 7) % 10; {
		case k < 5:
			e.SiteID = paris
		case k < 7:
			e.SiteID, e.Homeshoring = home, true
		default:
			e.SiteID = rabat
		}
		switch c := r.IntN(20); {
		case c < 13:
			e.Contract = model.ContractPermanent
		case c < 16:
			e.Contract = model.ContractFixedTerm
		case c < 18:
			e.Contract = model.ContractTemporary
		default:
			e.Contract = model.ContractApprentice
		}
		if r.IntN(5) == 0 {
			e.FTE = []model.Milli{500, 800, 900}[r.IntN(3)]
		}
		// One in four hired in the last year, a few in the last weeks.
		switch {
		case i%9 == 0:
			e.HireDate = day(r.IntN(14))
		case i%4 == 0:
			e.HireDate = day(15 + r.IntN(350))
		default:
			e.HireDate = day(365 + r.IntN(3*365))
		}
		// One in five gone within the last year.
		hired, _ := time.Parse(time.DateOnly, e.HireDate)
		if span := int(today.Sub(hired).Hours() / 24); i%5 == 2 && span > 1 {
			back := r.IntN(min(span, 365))
			exit := day(back)
			e.ExitDate = &exit
			e.ExitReason = []model.ExitReason{model.ExitResignation, model.ExitEndOfContract, model.ExitMutual, model.ExitTrialPeriod}[r.IntN(4)]
			if e.Contract != model.ContractPermanent {
				e.ExitReason = model.ExitEndOfContract
			}
		}
		e.Disability = i == 11 || i == 27
		list = append(list, e)
	}
	subjects := []string{"accueil et écoute", "outils CRM", "gestion des réclamations", "RGPD", "sécurité au travail"}
	for i := range list {
		e := &list[i]
		e.Training = []model.Training{}
		for k := range 1 + r.IntN(4) {
			d := day(r.IntN(330))
			if d < e.HireDate || (e.ExitDate != nil && d > *e.ExitDate) {
				continue
			}
			e.Training = append(e.Training, model.Training{Date: d, Hours: model.Milli(1000 * (3 + r.IntN(5) + k)), Subject: subjects[r.IntN(len(subjects))]})
		}
	}
	if _, _, err := st.ImportEmployees(ctx, tenant.ID, list); err != nil {
		return fmt.Errorf("demo register: %w", err)
	}
	// The plans published for the last three months (what the planning
	// computed: at least 60 % of paid hours in France).
	for k, share := range []int64{690, 655, 720} {
		m := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, k-2, 0)
		total := int64(5200 + 150*k)
		if _, err := st.RecordPlannedShare(ctx, tenant.ID, model.PlannedShare{Period: m.Format("2006-01"), TotalHours: model.Milli(total * 1000),
			FranceHours: model.Milli(total * share), PublishedAt: m, PublishedBy: "demo"}); err != nil {
			return fmt.Errorf("demo register: %w", err)
		}
	}
	return nil
}
