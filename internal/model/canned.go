package model

import (
	"regexp"
	"strings"
)

// CannedResponse is a tenant's prepared answer that agents insert in a chat
// by its short code ("/delivery"); "{name}" in its body stands for the
// customer's name.
type CannedResponse struct {
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Code     string `json:"code"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

// Limits of a canned response.
const (
	MaxCannedCodeLen = 32
	MaxCannedBodyLen = 4000
)

var cannedCodeRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// Validate checks the code (lower-case letters, digits, _ and -), the title
// and the body (required, at most a chat message's length).
func (c *CannedResponse) Validate() error {
	if c.Code == "" {
		return invalidKey("code", "required", nil, "is required")
	}
	if len(c.Code) > MaxCannedCodeLen || !cannedCodeRE.MatchString(c.Code) {
		return invalidKey("code", "code_format", Params{"max": MaxCannedCodeLen, "got": c.Code}, "must be at most %d lower-case letters, digits, _ or - (got %q)", MaxCannedCodeLen, c.Code)
	}
	if err := checkText("title", c.Title, MaxNameLen); err != nil {
		return err
	}
	if strings.TrimSpace(c.Body) == "" {
		return invalidKey("body", "required", nil, "is required")
	}
	return checkText("body", c.Body, MaxCannedBodyLen)
}
