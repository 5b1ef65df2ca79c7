package live

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// DefaultResumeGrace is how long a resume token still opens its
// conversation (to read it and rate it) after the conversation ended.
const DefaultResumeGrace = 15 * time.Minute

// resumeHash is what the store keeps of a chat's resume token: the hash of
// the token bound to its entry point, so that the token opens nothing at
// the tenant's other entry points.
func resumeHash(ep model.EntryPoint, token string) string {
	return store.HashToken(strconv.FormatInt(ep.ID, 10) + ":" + token)
}

// findByResumeToken returns the chat a resume token opens at entry point
// ep: one started there, not ended more than the resume grace ago.
func (c *Center) findByResumeToken(ctx context.Context, ep model.EntryPoint, token string) (model.Interaction, error) {
	in, err := c.st.FindInteractionByResumeToken(ctx, ep.TenantID, resumeHash(ep, token))
	if errors.Is(err, store.ErrNotFound) {
		// Tokens handed out before they were bound to their entry point:
		// accepted at the entry point the chat was started at (or, for
		// chats older than that record, the one of its queue).
		in, err = c.st.FindInteractionByResumeToken(ctx, ep.TenantID, store.HashToken(token))
		sameEntry := in.EntryPointID != nil && *in.EntryPointID == ep.ID
		if in.EntryPointID == nil {
			sameEntry = in.QueueID == ep.QueueID
		}
		if err == nil && (!sameEntry || in.Channel != model.ChannelChat) {
			err = fmt.Errorf("resume token of another entry point: %w", store.ErrNotFound)
		}
	}
	if err != nil {
		return model.Interaction{}, err
	}
	if in.EndedAt != nil && c.now().After(in.EndedAt.Add(c.resumeGrace)) {
		return model.Interaction{}, fmt.Errorf("resume token of a conversation ended at %s: %w", in.EndedAt.Format(time.RFC3339), store.ErrNotFound)
	}
	return in, nil
}
