package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"reflect"
	"time"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
	"github.com/plateau-cc/plateau/internal/wfm"
	"github.com/plateau-cc/plateau/internal/workforce"
)

// The workforce register (internal/workforce): employees, visible to the
// tenant's admins and platform admins only, every read and change in the
// audit log; the label's indicators per tenant and for the whole
// provider; the employment barometer, its open data and the palmarès for
// platform admins.

// MaxRegisterUploadBytes bounds a register CSV upload.
const MaxRegisterUploadBytes = 8 << 20

// ImportResult is what a register import did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

var periodParams = []param{
	{name: "from", description: "first day, YYYY-MM-DD (default: the first day of the current month)", typ: "string"},
	{name: "to", description: "last day, YYYY-MM-DD, included (default: today)", typ: "string"},
}

var monthParams = []param{
	{name: "from", description: "first month, YYYY-MM (default: 11 months before to)", typ: "string"},
	{name: "to", description: "last month, YYYY-MM, included (default: the current month)", typ: "string"},
	{name: "format", description: "csv for CSV (also Accept: text/csv); JSON by default", typ: "string"},
}

var planParams = []param{
	{name: "from", description: "first month, YYYY-MM (default: January of the current year)", typ: "string"},
	{name: "to", description: "last month, YYYY-MM (default: December of the current year)", typ: "string"},
}

// publishParam lets the planning record the plan it computes as the
// month's published plan.
var publishParam = param{name: "publish", description: "a month YYYY-MM: record the plan's paid hours and France hours as that month's published plan (the label's indicators show it as planned beside actual)", typ: "string"}

// publishMonth is the planning request's publish month ("" when none).
func publishMonth(c *call) (string, error) {
	m := c.r.URL.Query().Get("publish")
	if m == "" {
		return "", nil
	}
	if _, err := time.Parse("2006-01", m); err != nil {
		return "", fieldErr(CodeValidationFailed, "publish", "must be a month YYYY-MM (got %q)", m)
	}
	return m, nil
}

// publishPlan records the France share of a computed plan for month.
func (a *API) publishPlan(ctx context.Context, c *call, month string, plan wfm.Plan) error {
	if month == "" {
		return nil
	}
	milli := func(h float64) model.Milli { return model.Milli(math.Round(h * 1000)) }
	_, err := a.st.RecordPlannedShare(ctx, c.tid, model.PlannedShare{Period: month, TotalHours: milli(plan.TotalHours),
		FranceHours: min(milli(plan.FranceHours), milli(plan.TotalHours)), PublishedAt: a.now(), PublishedBy: c.p.describe()})
	return err
}

func newWorkforce(st *store.Store, opts Options) *workforce.Service {
	return &workforce.Service{St: st, Config: opts.Workforce.WithDefaults(), Commitments: opts.Commitments,
		FairContracts: opts.FairContracts, Now: opts.Now}
}

// registerRead records a read of the register in the audit log; the read
// is refused when it cannot be recorded.
func (a *API) registerRead(ctx context.Context, c *call, action string) error {
	return a.auditRead(ctx, c, action, "workforce")
}

func (a *API) period(c *call) (workforce.Period, error) {
	if err := checkParams(c.r, periodParams); err != nil {
		return workforce.Period{}, err
	}
	q := c.r.URL.Query()
	now := a.now()
	from, to := q.Get("from"), q.Get("to")
	if to == "" {
		to = now.Format(time.DateOnly)
	}
	if from == "" {
		from = to[:8] + "01"
	}
	return workforce.ParsePeriod(from, to)
}

func (a *API) monthRange(c *call, known []param) (workforce.MonthRange, error) {
	if err := checkParams(c.r, known); err != nil {
		return workforce.MonthRange{}, err
	}
	q := c.r.URL.Query()
	if f := q.Get("format"); f != "" && f != "csv" && f != "json" {
		return workforce.MonthRange{}, fieldErr(CodeBadRequest, "format", "must be csv or json (got %q)", f)
	}
	to := q.Get("to")
	if to == "" {
		to = a.now().Format("2006-01")
	}
	from := q.Get("from")
	if from == "" {
		t, err := time.Parse("2006-01", to)
		if err != nil {
			return workforce.MonthRange{}, fieldErr(CodeValidationFailed, "to", "must be a month YYYY-MM (got %q)", to)
		}
		from = t.AddDate(0, -11, 0).Format("2006-01")
	}
	return workforce.ParseMonths(from, to)
}

func (a *API) workforceRoutes(v1 string) []route {
	base := v1 + "/tenants/{tid}/employees"
	item := base + "/{id}"
	list := mk(http.MethodGet, base, "listEmployees",
		"The tenant's workforce register (CSV with ?format=csv: the import's columns); tenant admins only, each read in the audit log", accessTenantAdmin,
		func(ctx context.Context, c *call, _ *noBody) ([]model.Employee, error) {
			if err := checkParams(c.r, []param{{name: "format"}}); err != nil {
				return nil, err
			}
			list, err := a.st.ListEmployees(ctx, c.tid)
			if err != nil {
				return nil, err
			}
			if err := a.registerRead(ctx, c, "listEmployees"); err != nil {
				return nil, err
			}
			if wantsCSV(c.r) {
				sites, err := a.st.ListSites(ctx, c.tid)
				if err != nil {
					return nil, err
				}
				c.w.Header().Set("Content-Type", textCSV+"; charset=utf-8")
				c.w.Header().Set("Content-Disposition", `attachment; filename="register.csv"`)
				if err := workforce.WriteCSV(c.w, list, sites); err != nil {
					a.log.WarnContext(ctx, "write the register CSV", "err", err)
				}
				return nil, errWritten
			}
			return nonNil(list), nil
		}).withQuery(param{name: "format", description: "csv for CSV (also Accept: text/csv)", typ: "string"})
	list.csv = true
	bar := mk(http.MethodGet, v1+"/workforce/barometer", "getBarometer",
		"The employment barometer: jobs, FTE, hires and exits by month, country, contract and homeshoring, over every tenant and site (CSV: one line per cell)", accessPlatform,
		func(ctx context.Context, c *call, _ *noBody) (workforce.Barometer, error) {
			r, err := a.monthRange(c, monthParams)
			if err != nil {
				return workforce.Barometer{}, err
			}
			b, err := a.workforce.Barometer(ctx, r)
			if err != nil {
				return workforce.Barometer{}, err
			}
			if wantsCSV(c.r) {
				type row struct {
					Month       string `json:"month"`
					Country     string `json:"country"`
					Contract    string `json:"contract"`
					Homeshoring string `json:"homeshoring"`
					Jobs        int    `json:"jobs"`
					FTE         string `json:"fte"`
					Hires       int    `json:"hires"`
					Exits       int    `json:"exits"`
				}
				rows := make([]row, len(b.Cells))
				for i, x := range b.Cells {
					h := "no"
					if x.Homeshoring {
						h = "yes"
					}
					rows[i] = row{x.Month, x.Country, string(x.Contract), h, x.Jobs, x.FTE.String(), x.Hires, x.Exits}
				}
				if err := writeCSV(c.w, "barometer", rows); err != nil {
					a.log.WarnContext(ctx, "write the barometer CSV", "err", err)
				}
				return workforce.Barometer{}, errWritten
			}
			return b, nil
		}).withQuery(monthParams...)
	bar.csv = true
	open := mk(http.MethodGet, v1+"/workforce/open-data", "getBarometerOpenData",
		"The barometer's anonymised open data: by month, jobs, hires and exits by one dimension at a time; no names, counts under 5 shown \"<5\", counts that would give one away \"x\" (CSV by default, JSON with ?format=json)", accessPlatform,
		func(ctx context.Context, c *call, _ *noBody) ([]workforce.OpenDataRow, error) {
			r, err := a.monthRange(c, monthParams)
			if err != nil {
				return nil, err
			}
			b, err := a.workforce.Barometer(ctx, r)
			if err != nil {
				return nil, err
			}
			rows := workforce.OpenData(b)
			if c.r.URL.Query().Get("format") != "json" {
				if err := writeCSV(c.w, "barometer-open-data", rows); err != nil {
					a.log.WarnContext(ctx, "write the open data", "err", err)
				}
				return nil, errWritten
			}
			return rows, nil
		}).withQuery(monthParams...)
	open.csv = true
	return []route{
		list,
		mk(http.MethodPost, base, "createEmployee", "Add an employee to the register", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.Employee) (model.Employee, error) {
				in.ID = 0
				return a.st.CreateEmployee(ctx, c.tid, *in)
			}),
		{method: http.MethodPost, path: base + "/import", name: "importEmployees", access: accessTenantAdmin, status: http.StatusOK,
			summary: "Import the register from CSV (the columns of the export; rows matched on ref): all or nothing, a bad row refuses the file with its line and field",
			rawIn:   textCSV, out: reflect.TypeFor[ImportResult](), serve: a.importEmployees},
		mk(http.MethodGet, item, "getEmployee", "One employee of the register, with their training (the read is in the audit log)", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (model.Employee, error) {
				e, err := a.st.GetEmployee(ctx, c.tid, c.id)
				if err != nil {
					return e, err
				}
				return e, a.registerRead(ctx, c, "getEmployee")
			}),
		mk(http.MethodPut, item, "updateEmployee", "Replace an employee of the register and their training", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.Employee) (model.Employee, error) {
				in.ID = c.id
				if err := a.st.UpdateEmployee(ctx, c.tid, *in); err != nil {
					return model.Employee{}, err
				}
				return a.st.GetEmployee(ctx, c.tid, c.id)
			}),
		mk(http.MethodDelete, item, "deleteEmployee", "Remove an employee from the register (to end a contract, set the exit date instead)", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				return noContent{}, a.st.DeleteEmployee(ctx, c.tid, c.id)
			}),
		mk(http.MethodGet, v1+"/tenants/{tid}/workforce/indicators", "getWorkforceIndicators",
			"The label's indicators of the tenant over a period: jobs by country and site, France shares (hires, paid hours actual and planned), homeshoring, permanent contracts, turnover, training per FTE, disability recognition", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (workforce.Indicators, error) {
				p, err := a.period(c)
				if err != nil {
					return workforce.Indicators{}, err
				}
				return a.workforce.Indicators(ctx, c.tid, p)
			}).withQuery(periodParams...),
		mk(http.MethodPost, v1+"/tenants/{tid}/workforce/plans", "createPlannedShare",
			"Record the France share of the shift plan published for a month (total_hours and france_hours of the planning's answer): the indicators show it as planned beside actual", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.PlannedShare) (model.PlannedShare, error) {
				in.PublishedAt, in.PublishedBy = a.now(), c.p.describe()
				return a.st.RecordPlannedShare(ctx, c.tid, *in)
			}),
		mk(http.MethodGet, v1+"/tenants/{tid}/workforce/plans", "listPlannedShares", "The France share of the latest plan published for each month", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) ([]model.PlannedShare, error) {
				if err := checkParams(c.r, planParams); err != nil {
					return nil, err
				}
				q := c.r.URL.Query()
				year := a.now().Format("2006")
				from, to := q.Get("from"), q.Get("to")
				if from == "" {
					from = year + "-01"
				}
				if to == "" {
					to = year + "-12"
				}
				if _, err := workforce.ParseMonths(from, to); err != nil {
					return nil, err
				}
				return a.st.PlannedShares(ctx, c.tid, from, to)
			}).withQuery(planParams...),
		mk(http.MethodGet, v1+"/workforce/indicators", "getProviderWorkforceIndicators",
			"The label's indicators of the whole provider (every tenant and site) over a period", accessPlatform,
			func(ctx context.Context, c *call, _ *noBody) (workforce.Indicators, error) {
				p, err := a.period(c)
				if err != nil {
					return workforce.Indicators{}, err
				}
				return a.workforce.Indicators(ctx, 0, p)
			}).withQuery(periodParams...),
		bar,
		open,
		mk(http.MethodGet, v1+"/workforce/palmares", "getPalmares",
			"The palmarès: the provider's sites and its clients' programmes ranked by the social-responsibility score, with its formula and weights", accessPlatform,
			func(ctx context.Context, c *call, _ *noBody) (workforce.Palmares, error) {
				p, err := a.period(c)
				if err != nil {
					return workforce.Palmares{}, err
				}
				return a.workforce.Palmares(ctx, p)
			}).withQuery(periodParams...),
	}
}

// importEmployees reads a register CSV and imports it in one transaction.
func (a *API) importEmployees(ctx context.Context, c *call) (any, error) {
	ct := c.r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != textCSV && mt != "application/csv") {
		return nil, apiErr(CodeUnsupportedMedia, "Content-Type %q is not supported: send the register as text/csv", ct)
	}
	sites, err := a.st.ListSites(ctx, c.tid)
	if err != nil {
		return nil, err
	}
	body := http.MaxBytesReader(c.w, c.r.Body, MaxRegisterUploadBytes)
	list, lines, err := workforce.ParseCSV(body, sites)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apiErr(CodeBodyTooLarge, "a register file must be at most %d MiB", MaxRegisterUploadBytes>>20)
	}
	var re *workforce.RowError
	if errors.As(err, &re) {
		return nil, &Error{Code: CodeValidationFailed, Field: re.Field, Message: re.Error(), Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("read the register: %w", err)
	}
	created, updated, err := a.st.ImportEmployees(ctx, c.tid, list)
	var se *store.ImportRowError
	if errors.As(err, &se) && se.Index < len(lines) {
		field, msg := "ref", se.Err.Error()
		if ve, ok := model.AsValidationError(se.Err); ok {
			field, msg = ve.Field, ve.Message
			if field == "site_id" {
				field = "site"
			}
		} else if errors.Is(err, store.ErrConflict) {
			msg = "conflicts with existing data"
		}
		return nil, &Error{Code: CodeValidationFailed, Field: field, Message: fmt.Sprintf("line %d, field %s: %s", lines[se.Index], field, msg), Err: err}
	}
	if err != nil {
		return nil, err
	}
	a.changed(ctx, Change{Kind: KindEmployee, TenantID: c.tid})
	return ImportResult{Created: created, Updated: updated}, nil
}

// KindEmployee is the Change.Kind of the register.
const KindEmployee = "employee"
