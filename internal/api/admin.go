package api

import (
	"context"
	"net/http"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// The admin pages' own routes: the tenant's editable desk lists
// (dispositions and not-ready reasons), the chat widget's look, the
// tenant's language, and a preview of an erasure before it is made.

// Change kinds of the desk lists and the widget settings.
const (
	KindDisposition    = "disposition"
	KindNotReadyReason = "not_ready_reason"
	KindWidget         = "widget"
)

// DeskLists are the lists the agent desk offers: empty lists mean the
// desk's built-in ones.
type DeskLists struct {
	Dispositions    []model.Reason `json:"dispositions"`
	NotReadyReasons []model.Reason `json:"not_ready_reasons"`
}

// Language is the language of a tenant's spoken prompts.
type Language struct {
	Language string `json:"language"`
}

// ErasurePreview is what an erasure would erase, changing nothing.
type ErasurePreview struct {
	store.Erasure
	// Recordings are the call recordings that would be deleted.
	Recordings int `json:"recordings"`
}

func reasonCrud(plural, singular, kind string, rk model.ReasonKind) crud[model.Reason] {
	return crud[model.Reason]{
		plural: plural, singular: singular, kind: kind,
		list: func(s *store.Store, ctx context.Context, tid int64) ([]model.Reason, error) {
			return s.ListReasons(ctx, tid, rk)
		},
		get: func(s *store.Store, ctx context.Context, tid, id int64) (model.Reason, error) {
			return s.GetReason(ctx, tid, rk, id)
		},
		create: func(s *store.Store, ctx context.Context, tid int64, v model.Reason) (model.Reason, error) {
			return s.CreateReason(ctx, tid, rk, v)
		},
		update: func(s *store.Store, ctx context.Context, tid int64, v model.Reason) error {
			return s.UpdateReason(ctx, tid, rk, v)
		},
		del: func(s *store.Store, ctx context.Context, tid, id int64) error {
			return s.DeleteReason(ctx, tid, rk, id)
		},
		setID: func(v *model.Reason, id int64) { v.ID = id },
		idOf:  func(v model.Reason) int64 { return v.ID },
	}
}

func (a *API) adminRoutes(v1 string) []route {
	rs := crudRoutes(a, reasonCrud("dispositions", "Disposition", KindDisposition, model.ReasonDisposition))
	rs = append(rs, crudRoutes(a, reasonCrud("not-ready-reasons", "NotReadyReason", KindNotReadyReason, model.ReasonNotReady))...)
	widget := v1 + "/tenants/{tid}/entry-points/{id}/widget"
	rs = append(rs,
		mk(http.MethodGet, v1+"/me/desk-lists", "getDeskLists", "The dispositions and not-ready reasons of the caller's tenant (empty: the desk's built-in lists)", accessAny,
			func(ctx context.Context, c *call, _ *noBody) (DeskLists, error) {
				out := DeskLists{Dispositions: []model.Reason{}, NotReadyReasons: []model.Reason{}}
				if c.p.TenantID == nil {
					return out, nil
				}
				var err error
				if out.Dispositions, err = a.st.ListReasons(ctx, *c.p.TenantID, model.ReasonDisposition); err != nil {
					return DeskLists{}, err
				}
				out.NotReadyReasons, err = a.st.ListReasons(ctx, *c.p.TenantID, model.ReasonNotReady)
				return out, err
			}).withTag("agents"),
		mk(http.MethodGet, widget, "getWidgetSettings", "Get a chat entry point's widget settings (colours, logo, greeting, out-of-hours text)", accessTenantConfig,
			func(ctx context.Context, c *call, _ *noBody) (model.WidgetSettings, error) {
				return a.st.GetWidgetSettings(ctx, c.tid, c.id)
			}).withTag("entry-points"),
		mk(http.MethodPut, widget, "setWidgetSettings", "Set a chat entry point's widget settings; the colours must contrast 4.5:1", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.WidgetSettings) (model.WidgetSettings, error) {
				in.EntryPointID = c.id
				if err := a.st.SetWidgetSettings(ctx, c.tid, *in); err != nil {
					return model.WidgetSettings{}, err
				}
				a.changed(ctx, Change{Kind: KindWidget, TenantID: c.tid, ID: c.id})
				return a.st.GetWidgetSettings(ctx, c.tid, c.id)
			}).withTag("entry-points"),
		mk(http.MethodGet, v1+"/widget", "getPublicWidgetSettings", "A chat widget's settings by its entry key (public: what the widget shows)", accessPublic,
			func(ctx context.Context, c *call, _ *noBody) (model.WidgetSettings, error) {
				key := c.r.URL.Query().Get("entry")
				if key == "" || !model.ValidSlug(key) {
					return model.WidgetSettings{}, apiErr(CodeNotFound, "no such chat entry")
				}
				w, err := a.st.WidgetSettingsByKey(ctx, key)
				if err != nil {
					return model.WidgetSettings{}, err
				}
				w.EntryPointID = 0 // the widget knows its key; ids stay inside
				return w, nil
			}).withQuery(param{name: "entry", description: "the chat entry's key", typ: "string"}).withTag("entry-points"),
		mk(http.MethodGet, v1+"/tenants/{tid}/language", "getTenantLanguage", "The language of the tenant's spoken prompts (fr or en)", accessTenantConfig,
			func(ctx context.Context, c *call, _ *noBody) (Language, error) {
				l, err := a.st.TenantLanguage(ctx, c.tid)
				return Language{Language: l}, err
			}).withTag("voice"),
		mk(http.MethodPost, v1+"/tenants/{tid}/erasure/preview", "previewErasure",
			"What an erasure for this customer would erase (counts, never the data), changing nothing", accessTenantAdmin,
			func(ctx context.Context, c *call, in *ErasureRequest) (ErasurePreview, error) {
				if in.Phone == "" && in.Email == "" && in.CustomerID == "" {
					return ErasurePreview{}, model.Keyed("phone", "erasure_key", nil, "give a phone, an email or a customer_id")
				}
				e, err := a.st.PreviewErasure(ctx, c.tid, *in)
				if err != nil {
					return ErasurePreview{}, err
				}
				return ErasurePreview{Erasure: e, Recordings: a.countRecordings(c.tid, e.IDs)}, nil
			}).withTag("audit"),
	)
	return rs
}
