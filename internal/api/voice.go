package api

import (
	"context"
	"net/http"
)

// DefaultSIPRealm is the digest realm SIP passwords are hashed for when
// Options.SIPRealm is empty (the SIP server's default realm).
const DefaultSIPRealm = "plateau"

// SIPAccountRequest gives an agent's phone its SIP credentials. The
// password is stored only as digest hashes for the server's realm; the
// username is unique across tenants.
type SIPAccountRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// LanguageRequest sets the language of a tenant's spoken prompts.
type LanguageRequest struct {
	Language string `json:"language"` // "fr" or "en"
}

func (a *API) voiceRoutes(v1 string) []route {
	sipAcc := v1 + "/tenants/{tid}/agents/{id}/sip"
	return []route{
		mk(http.MethodPut, sipAcc, "setAgentSIPAccount", "Set the SIP credentials an agent's phone registers with", accessTenantAdmin,
			func(ctx context.Context, c *call, in *SIPAccountRequest) (noContent, error) {
				if err := a.st.SetSIPAccount(ctx, c.tid, c.id, in.Username, a.sipRealm, in.Password); err != nil {
					return noContent{}, err
				}
				a.audit(ctx, c, "set SIP account")
				return noContent{}, nil
			}),
		mk(http.MethodDelete, sipAcc, "deleteAgentSIPAccount", "Remove an agent's SIP credentials", accessTenantAdmin,
			func(ctx context.Context, c *call, _ *noBody) (noContent, error) {
				return noContent{}, a.st.DeleteSIPAccount(ctx, c.tid, c.id)
			}),
		mk(http.MethodPut, v1+"/tenants/{tid}/language", "setTenantLanguage", "Set the language of the tenant's spoken prompts (fr or en)", accessTenantAdmin,
			func(ctx context.Context, c *call, in *LanguageRequest) (noContent, error) {
				return noContent{}, a.st.SetTenantLanguage(ctx, c.tid, in.Language)
			}),
	}
}
