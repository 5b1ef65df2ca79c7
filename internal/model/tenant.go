package model

import "time"

// Tenant is one client (brand) served by the deployment; every other
// aggregate except platform users and platform tokens belongs to one tenant.
type Tenant struct {
	ID        int64     `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks the fields a client may set.
func (t *Tenant) Validate() error {
	if t.Slug == "" {
		return invalidKey("slug", "required", nil, "must not be empty")
	}
	if len(t.Slug) > MaxAddressLen || !slugRE.MatchString(t.Slug) {
		return invalidKey("slug", "slug_format", Params{"max": MaxAddressLen, "got": t.Slug}, "must be 1-%d lower-case letters, digits, '-' or '_', starting and ending with a letter or digit (got %q)", MaxAddressLen, t.Slug)
	}
	return checkName("name", t.Name)
}
