package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// seedDemo creates, once, a demo admin and a few schedules so that a fresh
// `make run` has something to fire: a per-minute notification to the demo user
// (recorded in the notifications table and the log, as the user has no
// channel), and report and alert schedules that wait until their workers exist.
func seedDemo(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE name = 'demo' AND is_admin)").Scan(&exists); err != nil {
			return fmt.Errorf("look for demo user: %w", err)
		}
		if exists {
			return nil
		}
		q := dbsqlc.New()
		u, err := q.UserCreate(ctx, tx, dbsqlc.UserCreateParams{Name: "demo", IsAdmin: true, Status: "verified"})
		if err != nil {
			return fmt.Errorf("create demo user: %w", err)
		}
		type demo struct {
			name, jobType, target, cron, tz string
			params                          any
		}
		for _, d := range []demo{
			{"demo: minute heartbeat", "notification", "demo", "* * * * *", "UTC",
				map[string]any{"user_id": u.ID, "message": "Vigil demo: the scheduler fired this notification", "priority": "normal", "notification_type": "system"}},
			{"demo: daily summary (waits for the report worker)", "report", "AAPL,MSFT", "0 18 * * 1-5", "America/New_York",
				map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{"AAPL", "MSFT"}, "timeframe": "1d", "include_charts": true}}},
			{"demo: AAPL above 150 (waits for the alert worker)", "alert", "AAPL", "*/5 * * * *", "UTC",
				map[string]any{"symbol": "AAPL", "condition": "price_above", "threshold": 150.0, "notification_channels": []string{"telegram"}}},
		} {
			params, _ := json.Marshal(d.params)
			if _, err := q.ScheduleCreate(ctx, tx, dbsqlc.ScheduleCreateParams{UserID: int32(u.ID), Name: d.name, JobType: d.jobType,
				Target: d.target, TaskParams: params, Cron: d.cron, Enabled: true, Timezone: d.tz, DstGap: "shift", DstFold: "first"}); err != nil {
				return fmt.Errorf("create demo schedule %q: %w", d.name, err)
			}
		}
		log.Info("seeded the demo: user 'demo' (admin) and 3 schedules", "user_id", u.ID)
		return nil
	})
}
