package workforce

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

var csvSites = []model.Site{{ID: 10, Name: "Paris", Country: "FR"}, {ID: 11, Name: "Rabat", Country: "MA"}}

const goodCSV = `ref,name,job,site,agent_id,homeshoring,contract,fte,hire_date,exit_date,exit_reason,disability_recognition,training
E1,Amina B.,téléconseillère,Paris,3,no,CDI,"0,8",2025-03-01,,,oui,2025-03-02:7:onboarding;2025-04-01:3.5
E2,,trainer,rabat,,yes,fixed_term,1,2025-01-01,2025-06-30,end_of_contract,no,
`

func TestCSVRoundTrip(t *testing.T) {
	list, _, err := ParseCSV(strings.NewReader(goodCSV), csvSites)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].FTE != 800 || list[0].Contract != model.ContractPermanent || !list[0].Disability || *list[0].AgentID != 3 ||
		len(list[0].Training) != 2 || list[0].Training[1].Hours != 3500 || list[0].Training[0].Subject != "onboarding" ||
		list[1].SiteID != 11 || !list[1].Homeshoring || *list[1].ExitDate != "2025-06-30" {
		t.Fatalf("parsed %+v", list)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, list, csvSites); err != nil {
		t.Fatal(err)
	}
	again, _, err := ParseCSV(&buf, csvSites)
	if err != nil {
		t.Fatalf("export does not import back: %v\n%s", err, buf.String())
	}
	if len(again) != 2 || again[0].FTE != 800 || again[1].ExitReason != model.ExitEndOfContract || len(again[0].Training) != 2 {
		t.Errorf("round trip %+v", again)
	}
}

func TestCSVRefusals(t *testing.T) {
	head := "ref,site,contract,fte,hire_date,exit_date,exit_reason,training\n"
	for _, c := range []struct {
		name, body string
		line       int
		field      string
	}{
		{"hire after exit", "E1,Paris,CDI,1,2025-01-01,,,\nE2,Paris,CDD,1,2025-03-01,2025-02-01,end_of_contract,\n", 3, "hire_date"},
		{"unknown site", "E1,Lyon,CDI,1,2025-01-01,,,\n", 2, "site"},
		{"negative FTE", "E1,Paris,CDI,-0.5,2025-01-01,,,\n", 2, "fte"},
		{"FTE above 1", "E1,Paris,CDI,1.5,2025-01-01,,,\n", 2, "fte"},
		{"bad FTE", "E1,Paris,CDI,full,2025-01-01,,,\n", 2, "fte"},
		{"bad contract", "E1,Paris,freelance,1,2025-01-01,,,\n", 2, "contract"},
		{"bad date", "E1,Paris,CDI,1,2025-02-30,,,\n", 2, "hire_date"},
		{"exit without reason", "E1,Paris,CDI,1,2025-01-01,2025-05-01,,\n", 2, "exit_reason"},
		{"bad training", "E1,Paris,CDI,1,2025-01-01,,,2025-02-01\n", 2, "training"},
		{"training hours", "E1,Paris,CDI,1,2025-01-01,,,2025-02-01:-3\n", 2, "training"},
		{"duplicate ref", "E1,Paris,CDI,1,2025-01-01,,,\nE1,Paris,CDI,1,2025-01-01,,,\n", 3, "ref"},
		{"no ref", ",Paris,CDI,1,2025-01-01,,,\n", 2, "ref"},
		{"quote", "E1,\"Paris,CDI,1,2025-01-01,,,\n", 2, "csv"},
	} {
		_, _, err := ParseCSV(strings.NewReader(head+c.body), csvSites)
		var re *RowError
		if !errors.As(err, &re) || re.Line != c.line || re.Field != c.field {
			t.Errorf("%s: %v, want line %d field %s", c.name, err, c.line, c.field)
		}
	}
	for _, c := range []struct{ name, body, field string }{
		{"empty", "", "header"}, {"unknown column", "ref,site,salary\n", "salary"}, {"missing column", "ref,site,contract,fte\n", "hire_date"},
		{"no rows", head, "ref"},
	} {
		_, _, err := ParseCSV(strings.NewReader(c.body), csvSites)
		var re *RowError
		if !errors.As(err, &re) || re.Field != c.field {
			t.Errorf("%s: %v, want field %s", c.name, err, c.field)
		}
	}
}
