package model

import (
	"regexp"
	"time"
)

// Role is what a user may do.
type Role string

// Roles.
const (
	RoleAdmin        Role = "admin"
	RoleSupervisor   Role = "supervisor"
	RoleAgent        Role = "agent"
	RoleClientViewer Role = "client_viewer"
)

// Roles lists the known roles.
func Roles() []Role { return []Role{RoleAdmin, RoleSupervisor, RoleAgent, RoleClientViewer} }

// User is someone who signs in. A user without tenant is a platform
// administrator; every other user belongs to one tenant.
type User struct {
	ID          int64  `json:"id"`
	TenantID    *int64 `json:"tenant_id"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	// Pseudonym, when set, is the name customers see in place of the
	// first word of DisplayName (CheckPseudonym).
	Pseudonym string `json:"pseudonym"`
	Role      Role   `json:"role"`
	// AgentID links a user of role agent to the agent it signs in as.
	AgentID *int64 `json:"agent_id"`
	// Disabled: the person cannot sign in, and what they had open closes
	// at once; disabling also clears the password, so enabling again
	// means setting a new one.
	Disabled bool `json:"disabled"`
	// PasswordHash is an argon2id PHC string; it never leaves the server.
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// loginRE: letters, digits and . _ @ - (e-mail addresses fit).
var loginRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]*$`)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 8

// Validate checks the fields a client may set.
func (u *User) Validate() error {
	if u.Login == "" {
		return invalidKey("login", "required", nil, "must not be empty")
	}
	if len(u.Login) > MaxAddressLen || !loginRE.MatchString(u.Login) {
		return invalidKey("login", "login_format", Params{"max": MaxAddressLen, "got": u.Login}, "must be 1-%d letters, digits, '.', '_', '@' or '-' (got %q)", MaxAddressLen, u.Login)
	}
	if err := checkName("display_name", u.DisplayName); err != nil {
		return err
	}
	if err := CheckPseudonym(u.Pseudonym); err != nil {
		return err
	}
	if err := checkEnum("role", u.Role, Roles()); err != nil {
		return err
	}
	if err := checkOptionalID("tenant_id", u.TenantID); err != nil {
		return err
	}
	if u.TenantID == nil && u.Role != RoleAdmin {
		return invalidKey("tenant_id", "tenant_required", nil, "is required for role %q (only platform admins have no tenant)", u.Role)
	}
	if u.Role == RoleAgent {
		if u.AgentID == nil {
			return invalidKey("agent_id", "agent_required", nil, "is required for role %q", RoleAgent)
		}
		return checkID("agent_id", *u.AgentID)
	}
	if u.AgentID != nil {
		return invalidKey("agent_id", "agent_only", nil, "is only allowed for role %q", RoleAgent)
	}
	return nil
}

// ValidatePassword checks a new password's strength.
func ValidatePassword(pw string) error {
	if len([]rune(pw)) < MinPasswordLen {
		return invalidKey("password", "password_short", Params{"min": MinPasswordLen}, "must be at least %d characters", MinPasswordLen)
	}
	if len(pw) > 1024 {
		return invalidKey("password", "password_long", nil, "must be at most 1024 bytes")
	}
	return nil
}

// APIToken is a bearer credential for scripts and integrations. The
// plaintext is shown once at creation; only its SHA-256 is stored.
type APIToken struct {
	ID       int64  `json:"id"`
	TenantID *int64 `json:"tenant_id"`
	Name     string `json:"name"`
	// Hash is the hex SHA-256 of the plaintext; not serialised.
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Validate checks the fields a client may set.
func (t *APIToken) Validate() error {
	if err := checkOptionalID("tenant_id", t.TenantID); err != nil {
		return err
	}
	return checkName("name", t.Name)
}
