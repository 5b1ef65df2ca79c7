package api

import (
	"context"
	"net/http"

	"github.com/plateau-cc/plateau/internal/model"
)

// PseudonymRequest sets the caller's pseudonym ("" clears it).
type PseudonymRequest struct {
	Pseudonym string `json:"pseudonym"`
}

// pseudonymRoutes: a signed-in person sets the name customers see of it
// (an agent on the desk's settings; an admin sets anyone's in the user
// form, updateUser).
func (a *API) pseudonymRoutes(v1 string) []route {
	return []route{
		mk(http.MethodPut, v1+"/me/pseudonym", "setMyPseudonym",
			"Set the caller's pseudonym, shown to customers instead of the first name (\"\" clears it); a signed-in user only", accessAny,
			func(ctx context.Context, c *call, in *PseudonymRequest) (model.User, error) {
				if c.p.User == nil {
					return model.User{}, apiErr(CodeForbidden, "an API token has no pseudonym: sign in as the person")
				}
				u := c.p.User
				if err := a.st.SetPseudonym(ctx, u.TenantID, u.ID, in.Pseudonym); err != nil {
					return model.User{}, err
				}
				if u.TenantID != nil {
					// The live center shows the new name to the next customers.
					a.changed(ctx, Change{Kind: KindUser, TenantID: *u.TenantID, ID: u.ID})
				}
				return a.st.GetUser(ctx, u.TenantID, u.ID)
			}),
	}
}
