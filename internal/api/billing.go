package api

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/plateau-cc/plateau/internal/billing"
	"github.com/plateau-cc/plateau/internal/report"
)

// Billing: contracts (versions), index values, the provider's details,
// invoice previews, issue, credit notes, the invoices and their CSV lines
// (internal/billing). Platform admins and the tenant's admins write;
// the tenant's client viewers read its contracts and invoices.

// IssueRequest asks for a month's invoice.
type IssueRequest struct {
	// Month is YYYY-MM, in the contract's time zone; it must be over.
	Month string `json:"month"`
}

func (a *API) biller() *billing.Biller {
	return billing.New(a.st, a.now).WithCommitments(a.serviceLevels)
}

// billingErr maps billing's refusals to the catalogue.
func billingErr(err error) error {
	var re *billing.RefusedError
	if errors.As(err, &re) {
		switch re.Kind {
		case billing.RefusedRetroactive:
			return fieldErr(CodeRetroactive, re.Field, "%s", re.Message)
		case billing.RefusedConflict:
			return fieldErr(CodeConflict, re.Field, "%s", re.Message)
		}
		return fieldErr(CodeValidationFailed, re.Field, "%s", re.Message)
	}
	var mi *billing.MissingIndexError
	if errors.As(err, &mi) {
		return fieldErr(CodeValidationFailed, "indexation", "%s", mi.Error())
	}
	return err
}

var monthParam = param{name: "month", description: "YYYY-MM, in the contract's time zone (default: the current month)", typ: "string"}

func (a *API) billingRoutes(v1 string) []route {
	base := v1 + "/tenants/{tid}/billing"
	contracts := base + "/contracts"
	invoices := base + "/invoices"
	routes := []route{
		mk(http.MethodGet, v1+"/billing/provider", "getBillingProvider", "The provider's details printed on every invoice, and the next invoice number", accessPlatform,
			func(ctx context.Context, _ *call, _ *noBody) (billing.Provider, error) {
				return a.biller().GetProvider(ctx)
			}),
		mk(http.MethodPut, v1+"/billing/provider", "setBillingProvider", "Set the provider's details and invoice number prefix (issued invoices keep theirs)", accessPlatform,
			func(ctx context.Context, _ *call, in *billing.Provider) (billing.Provider, error) {
				p, err := a.biller().SetProvider(ctx, *in)
				return p, billingErr(err)
			}),
		mk(http.MethodGet, v1+"/billing/index-values", "listIndexValues", "Published index values (Syntec...) entered for the indexation clauses", accessPlatform,
			func(ctx context.Context, c *call, _ *noBody) ([]billing.IndexValue, error) {
				v, err := a.biller().IndexValues(ctx, c.r.URL.Query().Get("index"))
				return nonNil(v), err
			}).withQuery(param{name: "index", description: "an index name: only its values", typ: "string"}),
		mk(http.MethodPost, v1+"/billing/index-values", "setIndexValue", "Enter (or correct) an index's value for a month; invoices issued keep the values they used", accessPlatform,
			func(ctx context.Context, _ *call, in *billing.IndexValue) (billing.IndexValue, error) {
				return a.biller().SetIndexValue(ctx, *in)
			}),

		mk(http.MethodGet, contracts, "listContractVersions", "The tenant's contract versions, oldest first (versions are kept, never overwritten)", accessTenantBilling,
			func(ctx context.Context, c *call, _ *noBody) ([]billing.Contract, error) {
				v, err := a.biller().Contracts(ctx, c.tid)
				return nonNil(v), err
			}),
		mk(http.MethodPost, contracts, "createContractVersion", "Add a contract version from valid_from; refused (retroactive_change) within an invoiced month", accessTenantAdmin,
			func(ctx context.Context, c *call, in *billing.Terms) (billing.Contract, error) {
				v, err := a.biller().AddContract(ctx, c.tid, *in, c.p.describe())
				return v, billingErr(err)
			}),
		mk(http.MethodGet, contracts+"/{id}", "getContractVersion", "A contract version", accessTenantBilling,
			func(ctx context.Context, c *call, _ *noBody) (billing.Contract, error) {
				return a.biller().Contract(ctx, c.tid, c.id)
			}),
		mk(http.MethodDelete, contracts+"/{id}", "deleteContractVersion", "Withdraw the latest version before it takes effect (one in effect, or covering an invoiced month, is kept)", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				return noContent{}, billingErr(a.biller().DeleteContract(ctx, c.tid, c.id))
			}),
		mk(http.MethodGet, base+"/fairness", "getFairTerms", "Whether the contract in effect is under fair terms: a monthly minimum, an indexation clause, no retroactive discount ever", accessTenantBilling,
			func(ctx context.Context, c *call, _ *noBody) (billing.Fairness, error) {
				return billing.FairTerms(ctx, a.st, c.tid, a.now())
			}),
		mk(http.MethodGet, base+"/preview", "previewInvoice", "Draft the month's invoice from the records as they are now (an invoiced month answers its issued invoice)", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (billing.Invoice, error) {
				if err := checkParams(c.r, []param{monthParam}); err != nil {
					return billing.Invoice{}, err
				}
				month := c.r.URL.Query().Get("month")
				if month == "" {
					month = a.now().UTC().Format("2006-01")
				}
				inv, err := a.biller().Preview(ctx, c.tid, month)
				return inv, billingErr(err)
			}).withQuery(monthParam),
		a.invoiceListRoute(invoices),
		mk(http.MethodPost, invoices, "issueInvoice", "Issue a month's invoice (over, not invoiced, after the last invoiced month) with the provider's next number", accessTenantAdmin,
			func(ctx context.Context, c *call, in *IssueRequest) (billing.Invoice, error) {
				inv, err := a.biller().Issue(ctx, c.tid, in.Month, c.p.describe())
				return inv, billingErr(err)
			}),
		a.invoiceGetRoute(invoices + "/{id}"),
		mk(http.MethodGet, invoices+"/{id}/details", "getInvoiceDetails", "The contacts (billed and waiting time) and agent time behind an invoice, or one of its lines", accessTenantBilling,
			func(ctx context.Context, c *call, _ *noBody) (billing.Details, error) {
				if err := checkParams(c.r, []param{{name: "line"}}); err != nil {
					return billing.Details{}, err
				}
				line := 0
				if s := c.r.URL.Query().Get("line"); s != "" {
					n, err := strconv.Atoi(s)
					if err != nil || n < 1 {
						return billing.Details{}, fieldErr(CodeBadRequest, "line", "must be a line number (got %q)", s)
					}
					line = n
				}
				d, err := a.biller().Details(ctx, c.tid, c.id, line)
				return d, billingErr(err)
			}).withQuery(param{name: "line", description: "a line number: only its contacts or agent time (default: the whole invoice)"}),
		mk(http.MethodPost, invoices+"/{id}/credit-notes", "createCreditNote", "Issue a credit note referencing the invoice: the whole of it, or amount_cents excluding VAT", accessTenantAdmin,
			func(ctx context.Context, c *call, in *billing.CreditRequest) (billing.Invoice, error) {
				inv, err := a.biller().CreditNote(ctx, c.tid, c.id, *in, c.p.describe())
				return inv, billingErr(err)
			}),
	}
	for i := range routes {
		routes[i].tag = "billing"
	}
	return routes
}

// invoiceCSVHeader is the accounting export's header: one row per line.
var invoiceCSVHeader = []string{"number", "kind", "issued_at", "period", "credits_number", "line", "line_kind", "line_period",
	"unit", "channel", "from", "to", "quantity", "quantity_text", "unit_price", "amount", "vat_rate_bp", "currency", "label"}

func writeInvoiceLines(w *csv.Writer, inv billing.Invoice) error {
	issued := ""
	if inv.IssuedAt != nil {
		issued = inv.IssuedAt.Format(time.RFC3339)
	}
	for _, l := range inv.Lines {
		if err := w.Write([]string{inv.Number, inv.Kind, issued, inv.Period, inv.CreditsNumber, strconv.Itoa(l.No), string(l.Kind), l.Period,
			string(l.Unit), string(l.Channel), l.From.Format(time.RFC3339), l.To.Format(time.RFC3339), strconv.FormatInt(l.Quantity, 10),
			l.QuantityText, l.UnitPrice.String(), l.AmountCents.String(), strconv.Itoa(inv.VATRateBP), inv.Currency, report.CSVSafe(l.Label)}); err != nil {
			return err
		}
	}
	return nil
}

func startCSV(c *call, name string) *csv.Writer {
	c.w.Header().Set("Content-Type", textCSV+"; charset=utf-8")
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w := csv.NewWriter(c.w)
	_ = w.Write(invoiceCSVHeader)
	return w
}

var formatParam = param{name: "format", description: "csv: the lines for accounting (also Accept: text/csv); JSON by default", typ: "string"}

func (a *API) invoiceListRoute(path string) route {
	known := []param{formatParam, {name: "from", description: "first month, YYYY-MM (CSV and JSON)", typ: "string"}, {name: "to", description: "last month, YYYY-MM, included", typ: "string"}}
	rt := mk(http.MethodGet, path, "listInvoices", "The tenant's issued invoices and credit notes by number; CSV: every line of them, for accounting", accessTenantBilling,
		func(ctx context.Context, c *call, _ *noBody) ([]billing.Summary, error) {
			if err := checkParams(c.r, known); err != nil {
				return nil, err
			}
			q := c.r.URL.Query()
			from, to := q.Get("from"), q.Get("to")
			for _, f := range []struct{ name, v string }{{"from", from}, {"to", to}} {
				if _, err := time.Parse("2006-01", f.v); f.v != "" && err != nil {
					return nil, fieldErr(CodeValidationFailed, f.name, "must be a month YYYY-MM (got %q)", f.v)
				}
			}
			b := a.biller()
			list, err := b.Invoices(ctx, c.tid)
			if err != nil {
				return nil, err
			}
			keep := list[:0]
			for _, s := range list {
				if (from == "" || s.Period >= from) && (to == "" || s.Period <= to) {
					keep = append(keep, s)
				}
			}
			if !wantsCSV(c.r) {
				return nonNil(keep), nil
			}
			w := startCSV(c, "invoice-lines")
			for _, s := range keep {
				inv, err := b.Invoice(ctx, c.tid, s.ID)
				if err == nil {
					err = writeInvoiceLines(w, inv)
				}
				if err != nil {
					a.log.WarnContext(ctx, "write invoice lines CSV", "tenant", c.tid, "err", err)
					break
				}
			}
			w.Flush()
			return nil, errWritten
		}).withQuery(known...)
	rt.csv = true
	return rt
}

func (a *API) invoiceGetRoute(path string) route {
	rt := mk(http.MethodGet, path, "getInvoice", "An issued invoice or credit note, as issued; CSV: its lines", accessTenantBilling,
		func(ctx context.Context, c *call, _ *noBody) (billing.Invoice, error) {
			if err := checkParams(c.r, []param{formatParam}); err != nil {
				return billing.Invoice{}, err
			}
			inv, err := a.biller().Invoice(ctx, c.tid, c.id)
			if err != nil || !wantsCSV(c.r) {
				return inv, err
			}
			w := startCSV(c, inv.Number)
			if err := writeInvoiceLines(w, inv); err != nil {
				a.log.WarnContext(ctx, "write invoice CSV", "invoice", inv.Number, "err", err)
			}
			w.Flush()
			return billing.Invoice{}, errWritten
		}).withQuery(formatParam)
	rt.csv = true
	return rt
}
