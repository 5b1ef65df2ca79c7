package api

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/plateau-cc/plateau/internal/model"
	"github.com/plateau-cc/plateau/internal/store"
)

// ErasureRequest names the customer whose personal data to erase (GDPR
// article 17): every field given must match.
type ErasureRequest = store.ErasureKey

// ErasureResult is what was erased: counts and interaction ids, never the
// data.
type ErasureResult struct {
	store.Erasure
	// Recordings are the call recordings deleted.
	Recordings int `json:"recordings"`
}

func (a *API) erasureRoutes(v1 string) []route {
	retention := v1 + "/tenants/{tid}/retention"
	return []route{
		mk(http.MethodGet, retention, "getRetention", "How long the tenant keeps transcripts, recordings and customer details after a contact ended", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (model.Retention, error) {
				return a.st.GetRetention(ctx, c.tid)
			}),
		mk(http.MethodPut, retention, "setRetention", "Set the tenant's retention (days; recordings at most 183, the CNIL's six months); a daily job removes what is older", accessTenantAdmin,
			func(ctx context.Context, c *call, in *model.Retention) (model.Retention, error) {
				in.TenantID = c.tid
				if err := a.st.SetRetention(ctx, *in); err != nil {
					return model.Retention{}, err
				}
				return a.st.GetRetention(ctx, c.tid)
			}),
		mk(http.MethodPost, v1+"/tenants/{tid}/erasure", "eraseCustomer",
			"Erase a customer's personal data (details, notes, transcripts, survey comments, callback numbers, recordings) from the tenant's ended interactions, keeping the anonymised figures", accessTenantAdmin,
			func(ctx context.Context, c *call, in *ErasureRequest) (ErasureResult, error) {
				if in.Phone == "" && in.Email == "" && in.CustomerID == "" {
					return ErasureResult{}, model.Keyed("phone", "erasure_key", nil, "give a phone, an email or a customer_id")
				}
				e, err := a.st.EraseCustomer(ctx, c.tid, *in)
				if err != nil {
					return ErasureResult{}, err
				}
				res := ErasureResult{Erasure: e}
				res.Recordings, err = a.eraseRecordings(c.tid, e.IDs)
				a.log.InfoContext(ctx, "audit: customer data erased", "by", c.p.describe(), "tenant", c.tid,
					"interactions", e.Interactions, "messages", e.Messages, "recordings", res.Recordings, "still_open", e.StillOpen,
					"request_id", requestID(ctx))
				if err != nil {
					return ErasureResult{}, fmt.Errorf("erase recordings: %w", err)
				}
				return res, nil
			}),
	}
}

// eraseRecordings deletes the recordings of the interactions
// (RecordingsDir/<tenant>/<queue>/<interaction>.wav, whatever the queue).
func (a *API) eraseRecordings(tenantID int64, ids []int64) (int, error) {
	if a.recordings == "" {
		return 0, nil
	}
	n := 0
	for _, id := range ids {
		files, err := filepath.Glob(filepath.Join(a.recordings, strconv.FormatInt(tenantID, 10), "*", strconv.FormatInt(id, 10)+".wav"))
		if err != nil {
			return n, err
		}
		for _, f := range files {
			if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// countRecordings counts the recordings of the interactions, as
// eraseRecordings would find them.
func (a *API) countRecordings(tenantID int64, ids []int64) int {
	if a.recordings == "" {
		return 0
	}
	n := 0
	for _, id := range ids {
		files, err := filepath.Glob(filepath.Join(a.recordings, strconv.FormatInt(tenantID, 10), "*", strconv.FormatInt(id, 10)+".wav"))
		if err == nil {
			n += len(files)
		}
	}
	return n
}
