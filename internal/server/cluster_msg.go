package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// The messages between an edge and a tenant's owner (docs/cluster.md,
// "Messages between edge and owner"), defined once. A command is a
// liveCmd, its answer a liveReply; both travel as JSON in a NATS
// request/reply on plateau.t.<tenant>.cmd when the owner is another node,
// and are served by serveCmd in-process (no encoding) when it is this
// one. Built so far: the API's live calls (wallboard, set_state, move,
// watch, note) and user_changed. Errors cross as a wireError that decodes to the very error
// the center returned (a validation error keeps its field, a refusal its
// kind), so the API answers the same on every node.

// cmdSubject is the subject of tenant tid's commands.
func cmdSubject(tid int64) string { return "plateau.t." + strconv.FormatInt(tid, 10) + ".cmd" }

// Commands (liveCmd.Op).
const (
	opWallboard = "wallboard" // the wallboard: live state and today's figures
	opSetState  = "set_state" // a supervisor sets an agent's state
	opMove      = "move"      // a supervisor moves a waiting contact
	opWatch     = "watch"     // a supervisor watches a live chat
	opNote      = "note"      // a supervisor's private note to the agent
	// opUserChanged: a user was deleted or changed (the design's reload of
	// a user): its sockets at the owner close before the API answers.
	opUserChanged = "user_changed"
)

// liveCmd is a command to a tenant's owner.
type liveCmd struct {
	// ID is the command's id, node/seq (logs; the API's calls are sent
	// once, never retried, so none runs twice).
	ID       string `json:"id"`
	Op       string `json:"op"`
	TenantID int64  `json:"tenant_id"`
	// TimeoutMS is what is left of the caller's deadline: the owner gives
	// up past it (nobody waits for the answer any more).
	TimeoutMS int64  `json:"timeout_ms"`
	AgentID   int64  `json:"agent_id,omitempty"`
	State     string `json:"state,omitempty"`
	Reason    string `json:"reason,omitempty"`
	ContactID int64  `json:"contact_id,omitempty"`
	QueueID   int64  `json:"queue_id,omitempty"`
	AfterSeq  int64  `json:"after_seq,omitempty"`
	UserID    int64  `json:"user_id,omitempty"`
	Author    string `json:"author,omitempty"`
	Body      string `json:"body,omitempty"`
}

// liveReply is the owner's answer: an error, or the command's result.
type liveReply struct {
	Err       *wireError      `json:"error,omitempty"`
	Wallboard *live.Wallboard `json:"wallboard,omitempty"`
	Chat      *live.LiveChat  `json:"chat,omitempty"`
	Note      *model.Note     `json:"note,omitempty"`
}

// wireError is an error crossing from the owner to the edge.
type wireError struct {
	// Kind: validation, refused, stopped, not_found, conflict, invalid or
	// failed (anything else: an internal error at the owner).
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Of is a refusal's kind: not_found or conflict.
	Of     string       `json:"of,omitempty"`
	Field  string       `json:"field,omitempty"`
	Key    string       `json:"key,omitempty"`
	Params model.Params `json:"params,omitempty"`
}

// serveCmd runs cmd on the tenant's center c (the owner's side).
func serveCmd(ctx context.Context, c *live.Center, cmd liveCmd) (liveReply, error) {
	switch cmd.Op {
	case opWallboard:
		wb, err := c.Wallboard(ctx, cmd.TenantID)
		return liveReply{Wallboard: &wb}, err
	case opSetState:
		return liveReply{}, c.SetAgentState(ctx, cmd.TenantID, cmd.AgentID, cmd.State, cmd.Reason)
	case opMove:
		return liveReply{}, c.MoveContact(ctx, cmd.TenantID, cmd.ContactID, cmd.QueueID)
	case opWatch:
		lc, err := c.WatchChat(ctx, cmd.TenantID, cmd.ContactID, cmd.AfterSeq)
		return liveReply{Chat: &lc}, err
	case opNote:
		n, err := c.WhisperToAgent(ctx, cmd.TenantID, cmd.ContactID, cmd.UserID, cmd.Author, cmd.Body)
		return liveReply{Note: &n}, err
	case opUserChanged:
		return liveReply{}, c.UserChanged(ctx, cmd.TenantID, cmd.UserID)
	}
	return liveReply{}, fmt.Errorf("unknown command %q", cmd.Op)
}

// encodeError is err as it crosses to the edge.
func encodeError(err error) *wireError {
	if err == nil {
		return nil
	}
	if ve, ok := model.AsValidationError(err); ok {
		return &wireError{Kind: "validation", Message: ve.Message, Field: ve.Field, Key: ve.Key, Params: ve.Params}
	}
	var re *live.RefusedError
	if errors.As(err, &re) {
		of := "conflict"
		if errors.Is(re.Err, store.ErrNotFound) {
			of = "not_found"
		}
		return &wireError{Kind: "refused", Of: of, Message: re.Message}
	}
	kind := "failed"
	switch {
	case errors.Is(err, live.ErrStopped), errors.Is(err, store.ErrFenced),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		kind = "stopped"
	case errors.Is(err, store.ErrNotFound):
		kind = "not_found"
	case errors.Is(err, store.ErrConflict):
		kind = "conflict"
	case errors.Is(err, store.ErrInvalid):
		kind = "invalid"
	}
	return &wireError{Kind: kind, Message: err.Error()}
}

// decode is the error the owner's center returned.
func (e *wireError) decode() error {
	switch e.Kind {
	case "validation":
		return &model.ValidationError{Field: e.Field, Message: e.Message, Key: e.Key, Params: e.Params}
	case "refused":
		of := store.ErrConflict
		if e.Of == "not_found" {
			of = store.ErrNotFound
		}
		return &live.RefusedError{Err: of, Message: e.Message}
	case "stopped":
		return fmt.Errorf("tenant's owner: %s: %w", e.Message, live.ErrStopped)
	case "not_found":
		return fmt.Errorf("tenant's owner: %s: %w", e.Message, store.ErrNotFound)
	case "conflict":
		return fmt.Errorf("tenant's owner: %s: %w", e.Message, store.ErrConflict)
	case "invalid":
		return fmt.Errorf("tenant's owner: %s: %w", e.Message, store.ErrInvalid)
	}
	return fmt.Errorf("tenant's owner: %s", e.Message)
}
