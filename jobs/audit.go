package jobs

import (
	"context"
	"fmt"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// auditScheduler records a change the scheduler made to a schedule on its
// own (disabling it, pausing it after a failure or at its run limit).
func auditScheduler(ctx context.Context, q dbsqlc.DBTX, action string, scheduleID, ownerID int32, details map[string]any) error {
	return audit.Write(ctx, q, audit.Entry{Owner: int64(ownerID), Source: audit.SourceScheduler,
		Action: action, EntityType: "schedule", EntityID: scheduleID, Details: details})
}

// pauseNoteFailure is the paused_note of a schedule paused by pause_on_failure.
const pauseNoteFailure = "paused after a failed run (pause_on_failure)"

// pauseAfterFailure pauses the schedules among ids that have
// pause_on_failure and are enabled, auditing each pause, in q's transaction.
func pauseAfterFailure(ctx context.Context, q dbsqlc.DBTX, ids []int64) error {
	for _, id := range ids {
		paused, err := dbsqlc.New().SchedulePauseForFailure(ctx, q, dbsqlc.SchedulePauseForFailureParams{
			ID: int32(id), Note: ptr(pauseNoteFailure)})
		if err != nil {
			return fmt.Errorf("pause schedule %d after failure: %w", id, err)
		}
		for _, p := range paused {
			if err := auditScheduler(ctx, q, "schedule.pause", p.ID, p.UserID, map[string]any{"note": pauseNoteFailure}); err != nil {
				return err
			}
		}
	}
	return nil
}
