package model

import "time"

// AuditEntry is one line of the audit log: who read or changed what, when
// and from where. It never holds the data read or written, only what it
// was (target and id).
type AuditEntry struct {
	ID int64 `json:"id"`
	// TenantID is the tenant whose data it was; nil for the platform's.
	TenantID *int64    `json:"tenant_id"`
	At       time.Time `json:"at"`
	// Actor is who: "user 3 (ada@acme.test)", "token 5 (ci)", or the login
	// tried for a sign-in.
	Actor string `json:"actor"`
	// Address is the client's IP.
	Address string `json:"address"`
	// Action is what was done: "read", "create", "update", "delete", or a
	// route's own ("set password", "sign in").
	Action string `json:"action"`
	// Target names the kind of data (interaction, messages, recording,
	// user, token, queue, ...) and TargetID its row when there is one.
	Target    string `json:"target"`
	TargetID  *int64 `json:"target_id"`
	RequestID string `json:"request_id"`
}
