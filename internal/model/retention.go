package model

// MaxRecordingDays is the CNIL's limit on keeping call recordings: six
// months.
const MaxRecordingDays = 183

// maxRetentionDays bounds the other retention periods (ten years).
const maxRetentionDays = 3650

// Retention is how long a tenant keeps personal data after a contact
// ended, in days; a daily job removes what is older.
type Retention struct {
	TenantID int64 `json:"tenant_id"`
	// TranscriptDays: chat messages (0: kept).
	TranscriptDays int `json:"transcript_days"`
	// RecordingDays: call recordings, 1 to MaxRecordingDays.
	RecordingDays int `json:"recording_days"`
	// CustomerDays: the customer's details, the agent's notes and the
	// survey comment (0: kept); the figures stay.
	CustomerDays int `json:"customer_days"`
}

// DefaultRetention keeps transcripts and details and recordings six months.
func DefaultRetention(tenantID int64) Retention {
	return Retention{TenantID: tenantID, RecordingDays: MaxRecordingDays}
}

// Validate checks the periods.
func (r *Retention) Validate() error {
	if r.TranscriptDays < 0 || r.TranscriptDays > maxRetentionDays {
		return invalidKey("transcript_days", "retention_days", Params{"max": maxRetentionDays, "got": r.TranscriptDays}, "must be 0 (kept) to %d", maxRetentionDays)
	}
	if r.CustomerDays < 0 || r.CustomerDays > maxRetentionDays {
		return invalidKey("customer_days", "retention_days", Params{"max": maxRetentionDays, "got": r.CustomerDays}, "must be 0 (kept) to %d", maxRetentionDays)
	}
	if r.RecordingDays < 1 || r.RecordingDays > MaxRecordingDays {
		return invalidKey("recording_days", "recording_days", Params{"max": MaxRecordingDays, "got": r.RecordingDays}, "must be 1 to %d (the CNIL's six months)", MaxRecordingDays)
	}
	return nil
}
