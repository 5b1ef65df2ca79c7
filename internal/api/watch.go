package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
)

// LiveWatch is what supervisors' watching of live chats needs from the
// live center (*live.Center implements it).
type LiveWatch interface {
	// WatchChat returns a contact's messages after afterSeq and its notes.
	WatchChat(ctx context.Context, tenantID, contactID, afterSeq int64) (live.LiveChat, error)
	// WhisperToAgent sends a private note to the agent holding a contact.
	WhisperToAgent(ctx context.Context, tenantID, contactID, userID int64, author, body string) (model.Note, error)
}

// NoteRequest is a supervisor's private note to the agent holding a
// contact (never shown to the customer).
type NoteRequest struct {
	Body string `json:"body"`
}

func (a *API) watchRoutes(v1 string) []route {
	base := v1 + "/tenants/{tid}/interactions/{id}"
	return []route{
		mk(http.MethodGet, base+"/live", "watchInteraction",
			"Watch a live contact (read only): its messages after after_seq, its notes (never shown to the customer) and who holds it", accessTenantConfig,
			func(ctx context.Context, c *call, _ *noBody) (live.LiveChat, error) {
				lw, err := a.liveWatch()
				if err != nil {
					return live.LiveChat{}, err
				}
				after := int64(0)
				if s := c.r.URL.Query().Get("after_seq"); s != "" {
					v, err := strconv.ParseInt(s, 10, 64)
					if err != nil || v < 0 {
						return live.LiveChat{}, apiErr(CodeBadRequest, "query parameter after_seq must be a non-negative integer (got %q)", s)
					}
					after = v
				}
				if err := a.auditRead(ctx, c, "watchInteraction", "messages"); err != nil {
					return live.LiveChat{}, err
				}
				out, err := lw.WatchChat(ctx, c.tid, c.id, after)
				if err != nil {
					return live.LiveChat{}, liveError(err)
				}
				return out, nil
			}).withQuery(param{name: "after_seq", description: "only messages with a greater seq (default 0: all)"}).withTag("supervision"),
		mk(http.MethodPost, base+"/notes", "noteToAgent",
			"Write a private note to the agent holding a live contact (its desktop shows it; the customer never sees it)", accessTenantConfig,
			func(ctx context.Context, c *call, in *NoteRequest) (model.Note, error) {
				lw, err := a.liveWatch()
				if err != nil {
					return model.Note{}, err
				}
				var userID int64
				author := c.p.describe()
				if u := c.p.User; u != nil {
					userID, author = u.ID, u.DisplayName
					if author == "" {
						author = u.Login
					}
				}
				n, err := lw.WhisperToAgent(ctx, c.tid, c.id, userID, author, in.Body)
				if err != nil {
					return model.Note{}, liveError(err)
				}
				a.log.InfoContext(ctx, "audit: note to agent", "by", c.p.describe(), "tenant", c.tid, "interaction", c.id, "request_id", requestID(ctx))
				return n, nil
			}).withTag("supervision"),
	}
}

// liveWatch is the live center's watching side, or an unavailable error.
func (a *API) liveWatch() (LiveWatch, error) {
	lv, err := a.liveCenter()
	if err != nil {
		return nil, err
	}
	lw, ok := lv.(LiveWatch)
	if !ok {
		return nil, apiErr(CodeUnavailable, "this live contact center cannot be watched")
	}
	return lw, nil
}
