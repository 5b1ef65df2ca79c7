package server

import (
	"context"
	"fmt"

	"github.com/plateau-cc/plateau/internal/commitment"
	"github.com/plateau-cc/plateau/internal/store"
)

// seedDemoCommitments gives the demo tenant the default service
// commitments (internal/commitment.Defaults), so that the commitments
// report shows the seeded history's figures on first run.
func seedDemoCommitments(ctx context.Context, st *store.Store, tenantID int64) error {
	if _, err := st.ReplaceCommitments(ctx, tenantID, commitment.Defaults()); err != nil {
		return fmt.Errorf("demo commitments: %w", err)
	}
	return nil
}
