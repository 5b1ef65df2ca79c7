package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/wfm"
)

// ScheduleRequest asks for a shift plan: the agents required per interval
// from Start, every IntervalMinutes, and the shifts and sites allowed (the
// same JSON as `plateau schedule --config`).
type ScheduleRequest struct {
	Start           time.Time `json:"start"`
	IntervalMinutes int       `json:"interval_minutes"`
	Required        []int     `json:"required"`
	wfm.ScheduleSpec
}

// Bounds of a planning request: four weeks of 15-minute intervals, and
// (the memory of the search grows with their product) sites, shift
// templates and intervals together.
const (
	maxScheduleIntervals = 4 * 7 * 96
	maxScheduleSites     = 20
	maxScheduleShifts    = 20
	maxScheduleStarts    = 96 // listed starts of one shift template
	maxScheduleBreaks    = 8
	maxScheduleColumns   = 100_000 // sites x shifts x intervals
)

// Defaults of Options for planning.
const (
	DefaultPlanningTimeout    = 30 * time.Second
	DefaultPlanningConcurrent = 1
)

func (a *API) planningRoutes(v1 string) []route {
	return []route{
		mk(http.MethodPost, v1+"/tenants/{tid}/planning/schedule", "planSchedule",
			"Plan shifts across sites covering a requirement at least cost, keeping the France share", accessTenantConfig,
			func(ctx context.Context, c *call, in *ScheduleRequest) (wfm.Plan, error) {
				p, err := in.problem()
				if err != nil {
					return wfm.Plan{}, err
				}
				publish, err := publishMonth(c)
				if err != nil {
					return wfm.Plan{}, err
				}
				select {
				case a.planning <- struct{}{}:
					defer func() { <-a.planning }()
				default:
					c.w.Header().Set("Retry-After", "5")
					return wfm.Plan{}, apiErr(CodeRateLimited, "other plans are being computed; retry in 5 s")
				}
				// The search stops when the client leaves or the deadline passes.
				ctx, cancel := context.WithTimeout(c.r.Context(), a.planningTimeout)
				defer cancel()
				plan, err := wfm.ScheduleContext(ctx, p)
				if errors.Is(err, context.DeadlineExceeded) {
					return wfm.Plan{}, &Error{Code: CodeUnavailable, Err: err,
						Message: fmt.Sprintf("the plan took longer than %s: ask for fewer intervals, sites or shifts", a.planningTimeout)}
				}
				if ctx.Err() != nil {
					return wfm.Plan{}, &Error{Code: CodeUnavailable, Message: "the request was cancelled", Err: err}
				}
				if err != nil {
					return wfm.Plan{}, &model.ValidationError{Field: "shifts", Message: err.Error()}
				}
				return plan, a.publishPlan(ctx, c, publish, plan)
			}).withTag("planning").withQuery(publishParam),
	}
}

func (in *ScheduleRequest) problem() (wfm.ScheduleProblem, error) {
	var p wfm.ScheduleProblem
	switch {
	case in.Start.IsZero():
		return p, &model.ValidationError{Field: "start", Message: "is required (RFC 3339)"}
	case in.IntervalMinutes < 5 || (24*60)%in.IntervalMinutes != 0:
		return p, &model.ValidationError{Field: "interval_minutes", Message: "must be at least 5 and divide a day"}
	case len(in.Required) < 2 || len(in.Required) > maxScheduleIntervals:
		return p, &model.ValidationError{Field: "required", Message: fmt.Sprintf("needs 2 to %d intervals", maxScheduleIntervals)}
	}
	switch {
	case len(in.Sites) > maxScheduleSites:
		return p, &model.ValidationError{Field: "sites", Message: fmt.Sprintf("at most %d sites", maxScheduleSites)}
	case len(in.Shifts) > maxScheduleShifts:
		return p, &model.ValidationError{Field: "shifts", Message: fmt.Sprintf("at most %d shift templates", maxScheduleShifts)}
	case len(in.Sites)*len(in.Shifts)*len(in.Required) > maxScheduleColumns:
		return p, &model.ValidationError{Field: "required", Message: fmt.Sprintf(
			"sites x shifts x intervals is at most %d (here %d): plan a shorter horizon or fewer sites or shifts",
			maxScheduleColumns, len(in.Sites)*len(in.Shifts)*len(in.Required))}
	}
	for i, sh := range in.Shifts {
		if len(sh.Starts) > maxScheduleStarts || len(sh.Breaks) > maxScheduleBreaks {
			return p, &model.ValidationError{Field: fmt.Sprintf("shifts[%d]", i),
				Message: fmt.Sprintf("at most %d starts and %d breaks", maxScheduleStarts, maxScheduleBreaks)}
		}
	}
	for i, n := range in.Required {
		if n < 0 {
			return p, &model.ValidationError{Field: fmt.Sprintf("required[%d]", i), Message: "must be >= 0"}
		}
	}
	p.Start, p.Step, p.Required = in.Start, time.Duration(in.IntervalMinutes)*time.Minute, in.Required
	if err := in.ScheduleSpec.Apply(&p); err != nil {
		return p, &model.ValidationError{Field: "shifts", Message: err.Error()}
	}
	return p, nil
}
