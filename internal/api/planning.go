package api

import (
	"context"
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

// maxScheduleIntervals bounds a request: four weeks of 15-minute intervals.
const maxScheduleIntervals = 4 * 7 * 96

func (a *API) planningRoutes(v1 string) []route {
	return []route{
		mk(http.MethodPost, v1+"/tenants/{tid}/planning/schedule", "planSchedule",
			"Plan shifts across sites covering a requirement at least cost, keeping the France share", accessTenantConfig,
			func(ctx context.Context, c *call, in *ScheduleRequest) (wfm.Plan, error) {
				p, err := in.problem()
				if err != nil {
					return wfm.Plan{}, err
				}
				plan, err := wfm.Schedule(p)
				if err != nil {
					return wfm.Plan{}, &model.ValidationError{Field: "shifts", Message: err.Error()}
				}
				return plan, nil
			}).withTag("planning"),
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
