package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
)

// interactionCols is what scanInteraction reads, the timestamps as text
// on SQLite (dbTime parses them; see Dialect.timeText). Constants: it is
// on every read of a contact.
func (d Dialect) interactionCols() string {
	if d == SQLite {
		return interactionColsHead + "CAST(arrived_at AS TEXT), CAST(answered_at AS TEXT), CAST(ended_at AS TEXT)" + interactionColsTail
	}
	return interactionColsHead + "arrived_at, answered_at, ended_at" + interactionColsTail
}

const (
	interactionColsHead = `id, tenant_id, queue_id, channel, tier, customer_name, customer_phone, customer_email,
	customer_external_id, state, ended_reason, `
	interactionColsTail = `, announced_ewt_seconds,
	announced_position, agent_id, disposition, notes, csat_score, csat_comment, callback, resume_token_hash,
	entry_point_id, queue_path, menu_choice, told_no_agent`
)

func scanInteraction(r scanner) (model.Interaction, error) { return scanInteractionWith(r) }

// scanInteractionWith reads interactionCols, then into extra the columns
// selected after them.
func scanInteractionWith(r scanner, extra ...any) (model.Interaction, error) {
	var (
		in                    model.Interaction
		arrived               dbTime
		answered, ended       dbTime
		ewt, position, csat   sql.NullInt64
		agentID               sql.NullInt64
		callback, resumeToken sql.NullString
		entryPointID          sql.NullInt64
		queuePath             string
	)
	err := r.Scan(append([]any{&in.ID, &in.TenantID, &in.QueueID, &in.Channel, &in.Tier, &in.Customer.Name, &in.Customer.Phone,
		&in.Customer.Email, &in.Customer.ExternalID, &in.State, &in.EndedReason, &arrived, &answered, &ended,
		&ewt, &position, &agentID, &in.Disposition, &in.Notes, &csat, &in.CSATComment, &callback, &resumeToken,
		&entryPointID, &queuePath, &in.MenuChoice, &in.ToldNoAgent}, extra...)...)
	if err != nil {
		return in, err
	}
	in.EntryPointID = int64Ptr(entryPointID)
	if in.QueuePath, err = idList(queuePath, "queue_path"); err != nil {
		return in, err
	}
	if len(in.QueuePath) == 0 { // stored before queue paths were kept
		in.QueuePath = []int64{in.QueueID}
	}
	if !arrived.Valid {
		return in, fmt.Errorf("interaction %d: no arrival time", in.ID)
	}
	in.ArrivedAt = arrived.T
	in.AnsweredAt = answered.ptr()
	in.EndedAt = ended.ptr()
	in.AnnouncedEWTSeconds = intPtr(ewt)
	in.AnnouncedPosition = intPtr(position)
	in.AgentID = int64Ptr(agentID)
	in.CSATScore = intPtr(csat)
	in.ResumeTokenHash = resumeToken.String
	if callback.Valid && callback.String != "" {
		in.Callback = new(model.Callback)
		if err := json.Unmarshal([]byte(callback.String), in.Callback); err != nil {
			return in, fmt.Errorf("decode column callback: %w", err)
		}
	}
	return in, nil
}

func callbackJSON(cb *model.Callback) (any, error) {
	if cb == nil {
		return nil, nil
	}
	b, err := json.Marshal(cb)
	if err != nil {
		return nil, fmt.Errorf("encode callback: %w", err)
	}
	return string(b), nil
}

// checkQueueFits returns ErrInvalid unless queueID is a queue of the tenant
// serving channel and offering tier.
func checkQueueFits(ctx context.Context, c conn, tenantID, queueID int64, channel model.Channel, tier string) error {
	var (
		qChannel model.Channel
		tiers    string
	)
	err := c.queryRow(ctx, "SELECT channel, tiers FROM queues WHERE tenant_id = ? AND id = ?", tenantID, queueID).Scan(&qChannel, &tiers)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrInvalid, &model.ValidationError{Field: "queue_id", Message: fmt.Sprintf("no queue %d in this tenant", queueID)})
	}
	if err != nil {
		return fmt.Errorf("read queue %d: %w", queueID, err)
	}
	if qChannel != channel {
		return fmt.Errorf("%w: %w", ErrInvalid, &model.ValidationError{Field: "queue_id", Message: fmt.Sprintf("queue %d serves %s, not %s", queueID, qChannel, channel)})
	}
	q := model.Queue{}
	if q.Tiers, err = fromJSON[model.Tier](tiers, "tiers"); err != nil {
		return err
	}
	if !q.HasTier(tier) {
		return fmt.Errorf("%w: %w", ErrInvalid, &model.ValidationError{Field: "tier", Message: fmt.Sprintf("queue %d has no tier %q", queueID, tier)})
	}
	return nil
}

// CreateInteraction records an arriving contact in the queued state together
// with its first (queued) segment, in one transaction, and returns its id.
// When it returns without error the contact is durably stored: only then may
// the customer be told they are in line. State, answer, end, agent, survey
// and id fields of in are ignored.
func (s *Store) CreateInteraction(ctx context.Context, tenantID int64, in model.Interaction) (int64, error) {
	if err := in.Validate(); err != nil {
		return 0, invalidInput(err, "create interaction")
	}
	arrived := ts(in.ArrivedAt)
	cb, err := callbackJSON(in.Callback)
	if err != nil {
		return 0, fmt.Errorf("create interaction: %w", err)
	}
	if s.dialect == Postgres {
		var epoch *int64
		if f := fenceOf(ctx); f != nil {
			e, ok := f.Epoch(tenantID)
			if !ok {
				return 0, fail(fmt.Errorf("tenant %d: %w", tenantID, ErrFenced), "create interaction in queue %d", in.QueueID)
			}
			epoch = &e
		}
		id, ok, err := createInteractionAtOnce(ctx, s.conn(), tenantID, in, arrived, cb, epoch)
		if err != nil {
			return 0, fail(err, "create interaction in queue %d", in.QueueID)
		}
		if ok {
			return id, nil
		}
		// A check failed: the general path says which.
	}
	id, err := s.createInteractionEach(ctx, tenantID, in, arrived, cb)
	if err != nil {
		return 0, fail(err, "create interaction in queue %d", in.QueueID)
	}
	return id, nil
}

// createInteractionEach is CreateInteraction statement by statement, in
// a transaction: the checks, then the inserts.
func (s *Store) createInteractionEach(ctx context.Context, tenantID int64, in model.Interaction, arrived, cb any) (int64, error) {
	var id int64
	err := s.tenantTx(ctx, tenantID, func(c conn) (err error) {
		if err := checkQueueFits(ctx, c, tenantID, in.QueueID, in.Channel, in.Tier); err != nil {
			return err
		}
		if in.EntryPointID != nil {
			if err := checkIDsExist(ctx, c, "entry_points", tenantID, "entry_point_id", []int64{*in.EntryPointID}); err != nil {
				return err
			}
		}
		id, err = c.insert(ctx, `INSERT INTO interactions (tenant_id, queue_id, channel, tier, customer_name, customer_phone,
			customer_email, customer_external_id, state, arrived_at, announced_ewt_seconds, announced_position,
			disposition, notes, callback, resume_token_hash, entry_point_id, queue_path, menu_choice, told_no_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenantID, in.QueueID, in.Channel, in.Tier, in.Customer.Name, in.Customer.Phone, in.Customer.Email,
			in.Customer.ExternalID, model.StateQueued, arrived, nullInt(in.AnnouncedEWTSeconds), nullInt(in.AnnouncedPosition),
			in.Disposition, in.Notes, cb, nullString(in.ResumeTokenHash), nullInt64(in.EntryPointID),
			fmt.Sprintf("[%d]", in.QueueID), in.MenuChoice, in.ToldNoAgent)
		if err != nil {
			return err
		}
		_, err = c.exec(ctx, "INSERT INTO segments (tenant_id, interaction_id, kind, queue_id, started_at, billable) VALUES (?, ?, ?, ?, ?, ?)",
			tenantID, id, model.SegQueued, in.QueueID, arrived, false)
		return err
	})
	return id, err
}

// GetInteraction returns one of the tenant's interactions.
func (s *Store) GetInteraction(ctx context.Context, tenantID, id int64) (model.Interaction, error) {
	in, err := getInteraction(ctx, s.conn(), tenantID, id)
	if err != nil {
		return model.Interaction{}, fail(err, "get interaction %d", id)
	}
	return in, nil
}

func getInteraction(ctx context.Context, c conn, tenantID, id int64) (model.Interaction, error) {
	return scanInteraction(c.queryRow(ctx, "SELECT "+c.dialect.interactionCols()+" FROM interactions WHERE tenant_id = ? AND id = ?", tenantID, id))
}

// StateUpdate is a change of an interaction's state, with what goes along.
type StateUpdate struct {
	State model.InteractionState
	// At is when the change happened; it stamps answered_at (first move to
	// connected), ended_at, and the segments closed or opened.
	At time.Time
	// EndedReason is required when State is ended, and refused otherwise.
	EndedReason model.EndedReason
	// AgentID, when set, records the agent now holding the contact.
	AgentID *int64
	// QueueID, when set, moves the contact to another queue of the tenant
	// serving the same channel (transfer).
	QueueID *int64
	// Callback, when set, records the customer's callback request.
	Callback *model.Callback
	// MenuChoice, when not "", records the caller's voice menu choice.
	MenuChoice string
	// CloseSegments closes the interaction's open segments at At.
	CloseSegments bool
	// OpenSegment, when set, opens this segment at At (after closing, if
	// CloseSegments is set); its InteractionID and StartedAt are filled in.
	OpenSegment *model.Segment
}

// UpdateInteractionState applies u to one of the tenant's interactions in one
// transaction and returns the interaction as stored. Ended is final: changing
// an ended interaction is ErrConflict.
func (s *Store) UpdateInteractionState(ctx context.Context, tenantID, id int64, u StateUpdate) (model.Interaction, error) {
	write, err := stateWrite(tenantID, id, u)
	if err != nil {
		return model.Interaction{}, err
	}
	var out model.Interaction
	err = s.tenantTx(ctx, tenantID, func(c conn) error {
		if err := write(ctx, c); err != nil {
			return err
		}
		out, err = getInteraction(ctx, c, tenantID, id)
		return err
	})
	if err != nil {
		return model.Interaction{}, fail(err, "update interaction %d to %s", id, u.State)
	}
	return out, nil
}

// stateWrite checks u and returns the statements applying it.
func stateWrite(tenantID, id int64, u StateUpdate) (func(ctx context.Context, c conn) error, error) {
	if err := u.validate(); err != nil {
		return nil, invalidInput(err, "update interaction %d", id)
	}
	cb, err := callbackJSON(u.Callback)
	if err != nil {
		return nil, fmt.Errorf("update interaction %d: %w", id, err)
	}
	return func(ctx context.Context, c conn) error {
		if c.dialect == Postgres && u.oneStatement() {
			if done, err := stateWriteAtOnce(ctx, c, tenantID, id, u, cb); err != nil || done {
				return err
			}
			// Not written: the general path says why.
		}
		return stateWriteEach(ctx, c, tenantID, id, u, cb)
	}, nil
}

// stateWriteEach applies a checked update statement by statement: it
// reads what the update needs of the row, checks it, then writes.
func stateWriteEach(ctx context.Context, c conn, tenantID, id int64, u StateUpdate, cb any) error {
	at := ts(u.At)
	var (
		state    model.InteractionState
		channel  model.Channel
		queueID  int64
		pathText string
	)
	// What the update needs of the row (not the whole interaction).
	if err := c.queryRow(ctx, "SELECT state, channel, queue_id, queue_path FROM interactions WHERE tenant_id = ? AND id = ?", tenantID, id).
		Scan(&state, &channel, &queueID, &pathText); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	}
	if state == model.StateEnded {
		return fmt.Errorf("%w: interaction already ended", ErrConflict)
	}
	if u.AgentID != nil {
		if err := checkIDsExist(ctx, c, "agents", tenantID, "agent_id", []int64{*u.AgentID}); err != nil {
			return err
		}
	}
	path, err := fromJSON[int64](pathText, "queue_path")
	if err != nil {
		return err
	}
	if len(path) == 0 { // stored before queue paths were kept
		path = []int64{queueID}
	}
	if u.QueueID != nil {
		if err := checkQueueFits(ctx, c, tenantID, *u.QueueID, channel, ""); err != nil {
			return err
		}
		if *u.QueueID != queueID {
			path = append(path, *u.QueueID)
		}
	}
	pathJSON, err := toJSON(path)
	if err != nil {
		return err
	}
	// The figures of a contact change when it ends: the rollups
	// take the change (report_pending > report_done).
	reportChange := 0
	if u.State == model.StateEnded {
		reportChange = 1
	}
	var answered, ended any
	if u.State == model.StateConnected {
		answered = at
	}
	if u.State == model.StateEnded {
		ended = at
	}
	err = c.execOne(ctx, `UPDATE interactions SET state = ?, ended_reason = ?, ended_at = ?,
		answered_at = COALESCE(answered_at, ?), agent_id = COALESCE(?, agent_id),
		queue_id = COALESCE(?, queue_id), callback = COALESCE(?, callback), queue_path = ?,
		menu_choice = CASE WHEN ? = '' THEN menu_choice ELSE ? END, report_pending = report_pending + ?
		WHERE tenant_id = ? AND id = ?`,
		u.State, string(u.EndedReason), ended, answered, nullInt64(u.AgentID), nullInt64(u.QueueID), cb, pathJSON,
		u.MenuChoice, u.MenuChoice, reportChange, tenantID, id)
	if err != nil {
		return err
	}
	if u.CloseSegments {
		if err := closeOpenSegments(ctx, c, tenantID, id, at); err != nil {
			return err
		}
	}
	if u.OpenSegment != nil {
		seg := *u.OpenSegment
		seg.InteractionID = id
		seg.StartedAt = at
		if _, err := insertSegment(ctx, c, tenantID, seg); err != nil {
			return fmt.Errorf("open %s segment: %w", seg.Kind, err)
		}
	}
	return nil
}

// oneStatement reports whether PostgreSQL writes u as one statement
// (stateAtOnce): when it moves no queue.
func (u *StateUpdate) oneStatement() bool { return u.QueueID == nil }

func (u *StateUpdate) validate() error {
	if err := validEnum("state", u.State, model.InteractionStates()); err != nil {
		return err
	}
	if u.State == model.StateEnded {
		if u.EndedReason == "" {
			return &model.ValidationError{Field: "ended_reason", Message: "is required when the state is ended"}
		}
		if err := validEnum("ended_reason", u.EndedReason, model.EndedReasons()); err != nil {
			return err
		}
	} else if u.EndedReason != "" {
		return &model.ValidationError{Field: "ended_reason", Message: "is only allowed when the state is ended"}
	}
	if u.At.IsZero() {
		return &model.ValidationError{Field: "at", Message: "must be set"}
	}
	if u.Callback != nil {
		if err := u.Callback.Validate(); err != nil {
			return err
		}
	}
	if err := model.CheckMenuChoice(u.MenuChoice); err != nil {
		return err
	}
	if u.OpenSegment != nil {
		seg := *u.OpenSegment
		seg.StartedAt = u.At
		if err := seg.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func validEnum[T ~string](field string, v T, known []T) error {
	for _, k := range known {
		if k == v {
			return nil
		}
	}
	return &model.ValidationError{Field: field, Message: fmt.Sprintf("unknown value %q", string(v))}
}

// SetDisposition records the agent's outcome code and notes for an interaction.
func (s *Store) SetDisposition(ctx context.Context, tenantID, id int64, disposition, notes string) error {
	in := model.Interaction{Disposition: disposition, Notes: notes}
	if err := checkDisposition(&in); err != nil {
		return invalidInput(err, "set disposition of interaction %d", id)
	}
	const q = "UPDATE interactions SET disposition = ?, notes = ? WHERE tenant_id = ? AND id = ?"
	var err error
	if fenceOf(ctx) == nil {
		err = s.conn().execOne(ctx, q, disposition, notes, tenantID, id)
	} else {
		err = s.tenantTx(ctx, tenantID, func(c conn) error { return c.execOne(ctx, q, disposition, notes, tenantID, id) })
	}
	if err != nil {
		return fail(err, "set disposition of interaction %d", id)
	}
	return nil
}

func checkDisposition(in *model.Interaction) error {
	if len([]rune(in.Disposition)) > model.MaxNameLen {
		return &model.ValidationError{Field: "disposition", Message: fmt.Sprintf("must be at most %d characters", model.MaxNameLen)}
	}
	if len([]rune(in.Notes)) > model.MaxTextLen {
		return &model.ValidationError{Field: "notes", Message: fmt.Sprintf("must be at most %d characters", model.MaxTextLen)}
	}
	return nil
}

// Announcement is the position and expected wait a customer was told on
// arrival, kept to measure later how good the announcements were.
type Announcement struct {
	TenantID, InteractionID int64
	Position, EWTSeconds    int
	// NoAgent: no agent who could take the contact was signed in then.
	NoAgent bool
}

// SetAnnouncements records announcements in one transaction and returns how
// many interactions it changed. The first announcement of an interaction
// stays: a later one, or one naming an interaction the tenant does not
// have, changes nothing. An invalid announcement refuses the whole batch.
func (s *Store) SetAnnouncements(ctx context.Context, list []Announcement) (int, error) {
	for _, a := range list {
		if err := model.CheckAnnouncement(&a.Position, &a.EWTSeconds); err != nil {
			return 0, invalidInput(err, "set announcement of interaction %d", a.InteractionID)
		}
	}
	var changed int
	err := s.inTx(ctx, func(c conn) error {
		changed = 0
		owned := s.fencedTenants(ctx, c)
		for _, a := range list {
			if !owned(a.TenantID) {
				continue
			}
			res, err := c.exec(ctx, "UPDATE interactions SET announced_position = ?, announced_ewt_seconds = ?, told_no_agent = ? "+
				"WHERE tenant_id = ? AND id = ? AND announced_position IS NULL", a.Position, a.EWTSeconds, a.NoAgent, a.TenantID, a.InteractionID)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			changed += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fail(err, "set %d announcements", len(list))
	}
	return changed, nil
}

// Why SetSurvey refuses an answer; both are ErrConflict too.
var (
	ErrNotAnswered     = errors.New("the contact was never answered")
	ErrAlreadySurveyed = errors.New("the contact was already rated")
)

// SetSurvey records the customer's satisfaction score (1-5) and comment.
// Only an answered contact is surveyed (ErrNotAnswered), and once
// (ErrAlreadySurveyed); both are also ErrConflict.
func (s *Store) SetSurvey(ctx context.Context, tenantID, id int64, score int, comment string) error {
	sv := model.Survey{Score: score, Comment: comment}
	if err := sv.Validate(); err != nil {
		return invalidInput(err, "set survey of interaction %d", id)
	}
	err := s.tenantTx(ctx, tenantID, func(c conn) error {
		err := c.execOne(ctx, `UPDATE interactions SET csat_score = ?, csat_comment = ?, report_pending = report_pending + 1
			WHERE tenant_id = ? AND id = ? AND csat_score IS NULL AND answered_at IS NOT NULL`,
			score, comment, tenantID, id)
		if errors.Is(err, ErrNotFound) {
			in, err := getInteraction(ctx, c, tenantID, id)
			if err != nil {
				return err
			}
			if in.AnsweredAt == nil {
				return fmt.Errorf("%w: %w", ErrConflict, ErrNotAnswered)
			}
			return fmt.Errorf("%w: %w", ErrConflict, ErrAlreadySurveyed)
		}
		return err
	})
	if err != nil {
		return fail(err, "set survey of interaction %d", id)
	}
	return nil
}

// ListOpenInteractions returns every tenant's interactions not yet ended,
// by arrival then id: what a starting server recovers (waiting, offered,
// live, wrapping-up and callback contacts).
func (s *Store) ListOpenInteractions(ctx context.Context) ([]model.Interaction, error) {
	rows, err := s.conn().query(ctx, "SELECT "+s.dialect.interactionCols()+" FROM interactions WHERE state <> ? ORDER BY arrived_at, id", model.StateEnded)
	if err != nil {
		return nil, fail(err, "list open interactions")
	}
	out, err := collect(rows, scanInteraction)
	if err != nil {
		return nil, fail(err, "list open interactions")
	}
	return out, nil
}

// FindInteractionByResumeToken returns the tenant's interaction whose resume
// token hashes (HashToken) to tokenHash.
func (s *Store) FindInteractionByResumeToken(ctx context.Context, tenantID int64, tokenHash string) (model.Interaction, error) {
	if tokenHash == "" {
		return model.Interaction{}, fmt.Errorf("find interaction by resume token: %w", ErrNotFound)
	}
	in, err := scanInteraction(s.conn().queryRow(ctx, "SELECT "+s.dialect.interactionCols()+" FROM interactions WHERE tenant_id = ? AND resume_token_hash = ?", tenantID, tokenHash))
	if err != nil {
		return model.Interaction{}, fail(err, "find interaction by resume token")
	}
	return in, nil
}

// Bounds of CustomerHistory's limit.
const (
	DefaultHistoryLimit = 20
	MaxHistoryLimit     = 200
)

// CustomerHistory returns the tenant's latest interactions whose customer
// phone, e-mail or external id equals key, newest first, at most limit
// (DefaultHistoryLimit when limit <= 0, capped at MaxHistoryLimit).
func (s *Store) CustomerHistory(ctx context.Context, tenantID int64, key string, limit int) ([]model.Interaction, error) {
	if key == "" {
		return nil, invalidInput(&model.ValidationError{Field: "key", Message: "must not be empty"}, "customer history")
	}
	if limit <= 0 {
		limit = DefaultHistoryLimit
	}
	limit = min(limit, MaxHistoryLimit)
	rows, err := s.conn().query(ctx, "SELECT "+s.dialect.interactionCols()+` FROM interactions
		WHERE tenant_id = ? AND (customer_phone = ? OR customer_email = ? OR customer_external_id = ?)
		ORDER BY arrived_at DESC, id DESC LIMIT ?`, tenantID, key, key, key, limit)
	if err != nil {
		return nil, fail(err, "customer history")
	}
	out, err := collect(rows, scanInteraction)
	if err != nil {
		return nil, fail(err, "customer history")
	}
	return out, nil
}

// Segments.

const segmentCols = "id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable"

func scanSegment(r scanner) (model.Segment, error) {
	var (
		seg              model.Segment
		agentID, queueID sql.NullInt64
		ended            sql.NullTime
	)
	err := r.Scan(&seg.ID, &seg.InteractionID, &seg.Kind, &agentID, &queueID, &seg.StartedAt, &ended, &seg.Billable)
	seg.AgentID = int64Ptr(agentID)
	seg.QueueID = int64Ptr(queueID)
	seg.StartedAt = seg.StartedAt.UTC()
	seg.EndedAt = timePtr(ended)
	return seg, err
}

// insertSegment stores seg; a closed one adds to its interaction's sums.
func insertSegment(ctx context.Context, c conn, tenantID int64, seg model.Segment) (int64, error) {
	id, err := c.insert(ctx, "INSERT INTO segments (tenant_id, interaction_id, kind, agent_id, queue_id, started_at, ended_at, billable) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		tenantID, seg.InteractionID, seg.Kind, nullInt64(seg.AgentID), nullInt64(seg.QueueID), ts(seg.StartedAt), nullTS(seg.EndedAt), seg.Billable)
	if err != nil {
		return 0, err
	}
	return id, addSums(ctx, c, tenantID, seg.InteractionID, closedSegSums(seg))
}

// OpenSegment adds a segment to one of the tenant's interactions and returns
// it. Only handled segments (connected, hold, wrap_up) may be billable.
func (s *Store) OpenSegment(ctx context.Context, tenantID int64, seg model.Segment) (model.Segment, error) {
	if err := seg.Validate(); err != nil {
		return model.Segment{}, invalidInput(err, "open segment")
	}
	err := s.tenantTx(ctx, tenantID, func(c conn) error {
		if _, err := getInteraction(ctx, c, tenantID, seg.InteractionID); err != nil {
			return err
		}
		id, err := insertSegment(ctx, c, tenantID, seg)
		seg.ID = id
		return err
	})
	if err != nil {
		return model.Segment{}, fail(err, "open %s segment of interaction %d", seg.Kind, seg.InteractionID)
	}
	seg.StartedAt = ts(seg.StartedAt)
	if seg.EndedAt != nil {
		e := ts(*seg.EndedAt)
		seg.EndedAt = &e
	}
	return seg, nil
}

// CloseSegment ends one of the tenant's open segments at endedAt. Closing a
// closed segment is ErrConflict; endedAt before the start is ErrInvalid.
func (s *Store) CloseSegment(ctx context.Context, tenantID, segmentID int64, endedAt time.Time) error {
	err := s.tenantTx(ctx, tenantID, func(c conn) error {
		seg, err := scanSegment(c.queryRow(ctx, "SELECT "+segmentCols+" FROM segments WHERE tenant_id = ? AND id = ?", tenantID, segmentID))
		if err != nil {
			return err
		}
		if seg.EndedAt != nil {
			return fmt.Errorf("%w: segment already closed", ErrConflict)
		}
		if ts(endedAt).Before(seg.StartedAt) {
			return fmt.Errorf("%w: %w", ErrInvalid, &model.ValidationError{Field: "ended_at", Message: "must not be before started_at"})
		}
		if err := c.execOne(ctx, "UPDATE segments SET ended_at = ? WHERE tenant_id = ? AND id = ?", ts(endedAt), tenantID, segmentID); err != nil {
			return err
		}
		seg.EndedAt = &endedAt
		return addSums(ctx, c, tenantID, seg.InteractionID, closedSegSums(seg))
	})
	if err != nil {
		return fail(err, "close segment %d", segmentID)
	}
	return nil
}

// SetSegmentBillable flags one of the tenant's segments as billable or not.
// Waiting is never billable: flagging a segment other than connected, hold
// or wrap_up is ErrInvalid (the schema enforces it too).
func (s *Store) SetSegmentBillable(ctx context.Context, tenantID, segmentID int64, billable bool) error {
	err := s.tenantTx(ctx, tenantID, func(c conn) error {
		seg, err := scanSegment(c.queryRow(ctx, "SELECT "+segmentCols+" FROM segments WHERE tenant_id = ? AND id = ?", tenantID, segmentID))
		if err != nil {
			return err
		}
		if billable && !seg.Kind.Handled() {
			return fmt.Errorf("%w: %w", ErrInvalid, &model.ValidationError{Field: "billable", Message: fmt.Sprintf("only handled segments (connected, hold, wrap_up) may be billable, not %q", seg.Kind)})
		}
		if err := c.execOne(ctx, "UPDATE segments SET billable = ? WHERE tenant_id = ? AND id = ?", billable, tenantID, segmentID); err != nil {
			return err
		}
		if seg.Billable == billable {
			return nil
		}
		// The segment's time moves into or out of the billable sum.
		d := closedSegSums(seg)
		d.talk, d.hold, d.wrapUp = 0, 0, 0
		if !billable {
			d.billable = -d.billable
		} else {
			seg.Billable = true
			d.billable = closedSegSums(seg).billable
		}
		return addSums(ctx, c, tenantID, seg.InteractionID, d)
	})
	if err != nil {
		return fail(err, "set billable of segment %d", segmentID)
	}
	return nil
}

// ListSegments returns the segments of one of the tenant's interactions, by
// start time then id.
func (s *Store) ListSegments(ctx context.Context, tenantID, interactionID int64) ([]model.Segment, error) {
	var out []model.Segment
	err := s.readInteractionChildren(ctx, tenantID, interactionID, func(c conn) error {
		rows, err := c.query(ctx, "SELECT "+segmentCols+" FROM segments WHERE tenant_id = ? AND interaction_id = ? ORDER BY started_at, id", tenantID, interactionID)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanSegment)
		return err
	})
	if err != nil {
		return nil, fail(err, "list segments of interaction %d", interactionID)
	}
	return out, nil
}

// readInteractionChildren runs read after checking that the interaction
// exists in the tenant, so that another tenant's id is ErrNotFound rather
// than an empty list.
func (s *Store) readInteractionChildren(ctx context.Context, tenantID, interactionID int64, read func(c conn) error) error {
	c := s.conn()
	var one int
	if err := c.queryRow(ctx, "SELECT 1 FROM interactions WHERE tenant_id = ? AND id = ?", tenantID, interactionID).Scan(&one); err != nil {
		return err
	}
	return read(c)
}

// ArrivalTimes returns the arrival times of a tenant's interactions in
// [from, to), oldest first, for forecasting; queueID 0 means every queue.
func (s *Store) ArrivalTimes(ctx context.Context, tenantID, queueID int64, from, to time.Time) ([]time.Time, error) {
	q := "SELECT arrived_at FROM interactions WHERE tenant_id = ? AND arrived_at >= ? AND arrived_at < ?"
	args := []any{tenantID, ts(from), ts(to)}
	if queueID != 0 {
		q += " AND queue_id = ?"
		args = append(args, queueID)
	}
	rows, err := s.conn().query(ctx, q+" ORDER BY arrived_at", args...)
	if err != nil {
		return nil, fail(err, "list arrival times")
	}
	out, err := collect(rows, func(r scanner) (time.Time, error) {
		var t time.Time
		err := r.Scan(&t)
		return t.UTC(), err
	})
	if err != nil {
		return nil, fail(err, "list arrival times")
	}
	return out, nil
}
