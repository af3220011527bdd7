package alertbacktest

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Errors of LoadSchedule.
var (
	// ErrScheduleNotFound: no such schedule, or another user's.
	ErrScheduleNotFound = errors.New("schedule not found")
	// ErrNotAlert: the schedule runs another job type.
	ErrNotAlert = errors.New("schedule is not an alert")
)

// LoadSchedule reads alert schedule id of userID (any user's when allUsers,
// for an operator) and parses its task_params. Another user's schedule is
// ErrScheduleNotFound, as an unknown one is: the query is scoped to the
// owner.
func LoadSchedule(ctx context.Context, q dbsqlc.DBTX, id int64, userID int64, allUsers bool) (*alerts.Config, error) {
	if id < 1 || id > 1<<31-1 {
		return nil, fmt.Errorf("schedule %d: %w", id, ErrScheduleNotFound)
	}
	s, err := dbsqlc.New().ScheduleGetScoped(ctx, q, dbsqlc.ScheduleGetScopedParams{ID: int32(id), UserID: int32(userID), AllUsers: allUsers})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("schedule %d: %w", id, ErrScheduleNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load schedule %d: %w", id, err)
	}
	if s.JobType != "alert" {
		return nil, fmt.Errorf("schedule %d runs %s: %w", id, s.JobType, ErrNotAlert)
	}
	cfg, err := alerts.Parse(s.TaskParams)
	if err != nil {
		return nil, fmt.Errorf("schedule %d: %w", id, err)
	}
	return cfg, nil
}
