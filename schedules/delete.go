package schedules

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// Delete removes a schedule after cancelling its open runs (their River
// jobs too). A non-empty ifMatch must name the current ETag. It returns the
// deleted row and how many runs it cancelled.
func (s *Service) Delete(ctx context.Context, tx pgx.Tx, a Actor, id int32, ifMatch string) (dbsqlc.JobSchedule, int, error) {
	if s.runs == nil {
		return dbsqlc.JobSchedule{}, 0, errors.New("schedules: delete needs Runs to cancel open runs")
	}
	cur, _, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return cur, 0, err
	}
	if ifMatch != "" && !Matches(ifMatch, cur) {
		return cur, 0, errStale(cur)
	}
	cancelled, err := s.runs.CancelOpenRuns(ctx, tx, id, "schedule deleted")
	if err != nil {
		return cur, 0, fmt.Errorf("cancel open runs of schedule %d: %w", id, err)
	}
	uid, all := scope(a)
	row, err := s.q.ScheduleDeleteScoped(ctx, tx, dbsqlc.ScheduleDeleteScopedParams{ID: id, UserID: uid, AllUsers: all})
	if errors.Is(err, pgx.ErrNoRows) {
		return row, 0, notFound(id)
	}
	if err != nil {
		return row, 0, fmt.Errorf("delete schedule %d: %w", id, err)
	}
	s.log.InfoContext(ctx, "schedule deleted", "schedule_id", id, "user_id", row.UserID, "cancelled_runs", cancelled, "source", a.Source)
	return row, cancelled, s.audit(ctx, tx, a, "schedule.delete", row,
		map[string]any{"name": row.Name, "user_id": row.UserID, "cancelled_runs": cancelled})
}
