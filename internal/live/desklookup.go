package live

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// searchLimit is the most contacts a desk search lists.
const searchLimit = 20

// searchItem is a past contact as the desk's customer search lists it.
type searchItem struct {
	ContactID   int64                  `json:"contact_id"`
	QueueID     int64                  `json:"queue_id"`
	Channel     model.Channel          `json:"channel"`
	ArrivedAt   time.Time              `json:"arrived_at"`
	State       model.InteractionState `json:"state"`
	EndedReason model.EndedReason      `json:"ended_reason,omitempty"`
	Customer    model.Customer         `json:"customer"`
	Disposition string                 `json:"disposition,omitempty"`
	Notes       string                 `json:"notes,omitempty"`
}

type searchFrame struct {
	Type  string       `json:"type"`
	Query string       `json:"query"`
	Items []searchItem `json:"items"`
}

type figuresFrame struct {
	Type string `json:"type"`
	AgentFigures
}

// search: {"type":"search","query":".."} lists the tenant's latest
// contacts (at most 20, newest first) of a customer: by phone number
// (E.164, or national in the tenant's country), e-mail or customer id
// exactly, or by the start of the name (2 characters at least).
func (ac *agentConn) search(f inFrame) error {
	q := strings.TrimSpace(f.Query)
	if utf8.RuneCountInString(q) < 2 || len(q) > 200 {
		return &frameError{code: codeInvalid, msg: "search needs 2 to 200 characters", field: "query"}
	}
	key := q
	if strings.ContainsAny(q, "0123456789") && !strings.Contains(q, "@") {
		if e164, ok := model.NormalizePhone(q, ac.c.tenantCountry(ac.s.ctx, ac.tenantID)); ok {
			key = e164
		}
	}
	out := searchFrame{Type: "search_results", Query: q, Items: []searchItem{}}
	err := ac.c.st.SearchInteractions(ac.s.ctx, ac.tenantID, store.InteractionFilter{Customer: key}, searchLimit, func(cs store.ContactSummary) error {
		in := cs.Interaction
		out.Items = append(out.Items, searchItem{ContactID: in.ID, QueueID: in.QueueID, Channel: in.Channel, ArrivedAt: in.ArrivedAt,
			State: in.State, EndedReason: in.EndedReason, Customer: in.Customer, Disposition: in.Disposition, Notes: in.Notes})
		return nil
	})
	if err != nil {
		ac.c.log.Error("desk search", "tenant", ac.tenantID, "err", err)
		return &frameError{code: codeUnavailable, msg: "try again later"}
	}
	ac.c.log.Info("audit: desk customer search", "agent", ac.id, "tenant", ac.tenantID, "results", len(out.Items))
	ac.s.send(out)
	return nil
}

// myFigures: {"type":"my_figures"} answers the agent's figures of the day
// (AgentFigures) as {"type":"my_figures","since","handled","aht_seconds","occupancy"}.
func (ac *agentConn) myFigures() error {
	now := ac.c.now()
	from, err := ac.c.tenantMidnight(ac.s.ctx, ac.tenantID, now)
	if err != nil {
		ac.c.log.Error("my figures", "agent", ac.id, "err", err)
		return &frameError{code: codeUnavailable, msg: "try again later"}
	}
	figs, err := ac.c.agentFigures(ac.s.ctx, ac.tenantID, int64(ac.id), from, now)
	if err != nil {
		ac.c.log.Error("my figures", "agent", ac.id, "err", err)
		return &frameError{code: codeUnavailable, msg: "try again later"}
	}
	f := figs[int64(ac.id)]
	f.Since = from
	ac.s.send(figuresFrame{Type: "my_figures", AgentFigures: f})
	return nil
}
