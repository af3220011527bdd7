package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/useremail"
)

// demoChatID is the demo user's Telegram chat on the local stand-in.
const demoChatID = 1001

func ptrInt64(v int64) *int64 { return &v }

// seedDemo creates, once, a demo admin and a few schedules so that a fresh
// `make run` has something to fire: four alerts on the synthetic market
// (evaluated every 15 s, each firing within a minute), a per-minute
// notification to the demo user's Telegram chat, a daily summary with charts
// and an S&P 500 screener after the US close, a portfolio for portfolio
// reports, a confirmed email address (its mails show at /dev/mail), and a
// trading bot (sma_cross 5/20 on two synthetic symbols, 1m bars) that buys
// within minutes.
func seedDemo(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM users WHERE name = 'demo' AND is_admin)").Scan(&exists); err != nil {
			return fmt.Errorf("look for demo user: %w", err)
		}
		if exists {
			return seedDemoEmail(ctx, tx, log)
		}
		q := dbsqlc.New()
		// Chat 1001 on the local Bot API stand-in: http://localhost:8001/dev/chat?chat_id=1001
		u, err := q.UserCreate(ctx, tx, dbsqlc.UserCreateParams{Name: "demo", IsAdmin: true, Status: "verified",
			TelegramUserID: ptrInt64(demoChatID), TelegramChatID: ptrInt64(demoChatID)})
		if err != nil {
			return fmt.Errorf("create demo user: %w", err)
		}
		type demo struct {
			name, jobType, target, cron, tz string
			params                          any
		}
		for _, d := range []demo{
			{"demo: minute heartbeat", "notification", "demo", "* * * * *", "UTC",
				map[string]any{"user_id": u.ID, "message": "Vigil demo: the scheduler fired this notification", "priority": "normal", "notification_type": "system",
					"channels": []string{"telegram"}}},
			{"demo: daily summary with charts", "report", "AAPL,MSFT", "0 18 * * 1-5", "America/New_York",
				map[string]any{"report_type": "daily_summary", "parameters": map[string]any{"symbols": []string{"AAPL", "MSFT"}, "timeframe": "1d", "include_charts": true}}},
			{"demo: S&P 500 value screener", "screener", "sp500", "35 16 * * 1-5", "America/New_York",
				map[string]any{"screener_set": "sp500", "filter_criteria": map[string]any{"min_market_cap": 10e9, "max_pe_ratio": 25,
					"rule": map[string]any{"indicator": "close", "operator": ">", "right": map[string]any{"indicator": "sma", "period": 200}}}, "top_n": 10}},
		} {
			params, _ := json.Marshal(d.params)
			if _, err := q.ScheduleCreate(ctx, tx, dbsqlc.ScheduleCreateParams{UserID: int32(u.ID), Name: d.name, JobType: d.jobType,
				Target: d.target, TaskParams: params, Cron: d.cron, Enabled: true, Timezone: d.tz, DstGap: "shift", DstFold: "first"}); err != nil {
				return fmt.Errorf("create demo schedule %q: %w", d.name, err)
			}
		}
		pf, err := q.PortfolioCreate(ctx, tx, dbsqlc.PortfolioCreateParams{UserID: u.ID, Name: "core", Currency: "USD"})
		if err != nil {
			return fmt.Errorf("create demo portfolio: %w", err)
		}
		for _, h := range []dbsqlc.HoldingUpsertParams{{Symbol: "AAPL", Quantity: 10, CostBasis: 150},
			{Symbol: "MSFT", Quantity: 5, CostBasis: 300}, {Symbol: "NVDA", Quantity: 20, CostBasis: 40}} {
			h.PortfolioID = pf.ID
			if _, err := q.HoldingUpsert(ctx, tx, h); err != nil {
				return fmt.Errorf("create demo holding %s: %w", h.Symbol, err)
			}
		}
		alertsDemo, err := demoAlerts(ctx, time.Now())
		if err != nil {
			return err
		}
		for _, d := range alertsDemo {
			params, _ := json.Marshal(d.params)
			if _, err := q.ScheduleCreate(ctx, tx, dbsqlc.ScheduleCreateParams{UserID: int32(u.ID), Name: d.name, JobType: "alert",
				Target: d.params["ticker"].(string), TaskParams: params, Cron: "*/15 * * * * *", Enabled: true, Timezone: "UTC",
				DstGap: "shift", DstFold: "first"}); err != nil {
				return fmt.Errorf("create demo alert %q: %w", d.name, err)
			}
		}
		if err := seedDemoBot(ctx, tx, u.ID, time.Now(), log); err != nil {
			return err
		}
		if _, err := useremail.SetConfirmed(ctx, tx, audit.Entry{Source: audit.SourceCLI}, u.ID, demoEmail); err != nil {
			return fmt.Errorf("demo user's email: %w", err)
		}
		log.Info("seeded the demo: user 'demo' (admin, "+demoEmail+"), 4 alerts on synthetic data, 3 schedules, portfolio 'core' and trading bot 'demo-sma'",
			"user_id", u.ID)
		return nil
	})
}

// demoEmail is the demo user's confirmed address: its alert mails show at
// /dev/mail (the local mail catcher) under `make run`.
const demoEmail = "demo@vigil.localhost"

// seedDemoEmail gives the demo user of a database seeded before users had
// email its address, once.
func seedDemoEmail(ctx context.Context, tx pgx.Tx, log *slog.Logger) error {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM users WHERE name = 'demo' AND is_admin AND email IS NULL ORDER BY id LIMIT 1").Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for the demo user's email: %w", err)
	}
	if _, err := useremail.SetConfirmed(ctx, tx, audit.Entry{Source: audit.SourceCLI}, id, demoEmail); err != nil {
		return fmt.Errorf("demo user's email: %w", err)
	}
	log.Info("gave the demo user an email address", "user_id", id, "email", demoEmail)
	return nil
}
