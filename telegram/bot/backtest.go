package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/alertbacktest"
	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/market"
)

// backtestTriggersShown is how many of the last triggers a backtest reply
// lists.
const backtestTriggersShown = 5

// cmdAlertTest backtests one of the user's alerts: /alerttest ID.
func (b *Bot) cmdAlertTest(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	cfg, err := alertbacktest.LoadSchedule(ctx, tx, cmd.ID, user.ID, false)
	switch {
	case errors.Is(err, alertbacktest.ErrScheduleNotFound):
		r.text = notFound(cmd.ID)
		return r, nil
	case errors.Is(err, alertbacktest.ErrNotAlert):
		r.text = fmt.Sprintf("Schedule #%d is not an alert: /alerttest backtests alerts. /alerts lists yours.", cmd.ID)
		return r, nil
	case errors.Is(err, alerts.ErrInvalidConfig):
		r.text = fmt.Sprintf("Alert #%d's config is not valid, so it cannot be backtested: %s", cmd.ID, alertProblem(err))
		return r, nil
	case err != nil:
		return r, err
	}
	return b.backtest(ctx, tx, r, cfg, cmd.ID, user)
}

// backtestAlert backtests the alert of /alert … test instead of creating it.
func (b *Bot) backtestAlert(ctx context.Context, tx pgx.Tx, r reply, a *AlertSpec, user dbsqlc.User) (reply, error) {
	cfg, err := alerts.Parse(a.TaskParams)
	if err != nil {
		r.text = usage("alert", "That alert is not valid: "+alertProblem(err)).Error()
		return r, nil
	}
	return b.backtest(ctx, tx, r, cfg, 0, user)
}

// backtest replays cfg over the last 90 days, records it as the user's
// ad-hoc run with its chart, and replies with the count, the last triggers
// and the chart.
func (b *Bot) backtest(ctx context.Context, tx pgx.Tx, r reply, cfg *alerts.Config, scheduleID int64, user dbsqlc.User) (reply, error) {
	if b.market == nil {
		r.text = "Backtests are not enabled on this server."
		return r, nil
	}
	started := b.now()
	res, err := alertbacktest.Run(ctx, b.market, cfg, time.Time{}, time.Time{}, started)
	switch {
	case errors.Is(err, market.ErrUnknownSymbol):
		r.text = fmt.Sprintf("I have no market data for %s, so I cannot backtest it. Check the ticker.", cfg.Ticker)
		return r, nil
	case errors.Is(err, alertbacktest.ErrNoData):
		r.text = fmt.Sprintf("There are no %s %s bars in the last 90 days to backtest on.", cfg.Ticker, cfg.Timeframe)
		return r, nil
	case err != nil && ctx.Err() == nil:
		b.log.WarnContext(ctx, "telegram backtest: market data unavailable", slog.Int64("user_id", user.ID),
			slog.String("symbol", cfg.Ticker), slog.String("error", err.Error()))
		r.text = fmt.Sprintf("Market data for %s is unavailable right now; please try again later.", cfg.Ticker)
		return r, nil
	case err != nil:
		return r, err
	}
	runID, _, err := alertbacktest.Record(ctx, tx, cfg, res, alertbacktest.Recording{UserID: user.ID, Source: audit.SourceBot,
		WorkerID: "bot", ScheduleID: scheduleID, Started: started, Finished: b.now()})
	if err != nil {
		return r, fmt.Errorf("record backtest for user %d: %w", user.ID, err)
	}
	b.log.InfoContext(ctx, "alert backtest from telegram", slog.Int64("run_id", runID), slog.Int64("user_id", user.ID),
		slog.Int64("schedule_id", scheduleID), slog.String("symbol", cfg.Ticker), slog.Int("count", res.Count))
	r.text = backtestText(cfg, res, scheduleID, runID, userLocation(user))
	r.photo = res.Chart
	r.caption = fmt.Sprintf("%s %s: %d triggers, last %d bars shown", cfg.Ticker, cfg.Timeframe, res.Count,
		min(len(res.Bars), alertbacktest.ChartBars))
	return r, nil
}

// backtestText is the reply: what was replayed, the count, the last
// triggers in the user's time zone and the busiest week.
func backtestText(cfg *alerts.Config, res *alertbacktest.Result, scheduleID int64, runID int64, loc *time.Location) string {
	var sb strings.Builder
	name := cfg.Ticker + " " + cfg.Rule.String() + " " + string(cfg.Timeframe)
	if scheduleID != 0 {
		name = fmt.Sprintf("alert #%d (%s)", scheduleID, name)
	}
	fmt.Fprintf(&sb, "Backtest of %s over %s – %s (%d bars): ", name,
		res.From.In(loc).Format(time.DateOnly), res.To.In(loc).Format(time.DateOnly), res.BarsEvaluated)
	switch res.Count {
	case 0:
		sb.WriteString("it would not have fired.")
	case 1:
		sb.WriteString("it would have fired once.")
	default:
		fmt.Fprintf(&sb, "it would have fired %d times.", res.Count)
	}
	if n := min(backtestTriggersShown, len(res.Triggers)); n > 0 {
		fmt.Fprintf(&sb, "\n\nLast %s (%s):", plural(n, "trigger"), loc)
		for _, tr := range res.Triggers[len(res.Triggers)-n:] {
			fmt.Fprintf(&sb, "\n%s  %s", tr.Time.In(loc).Format("2006-01-02 15:04"), triggerValues(tr))
		}
	}
	busiest := -1
	for i, w := range res.PerWeek {
		if w.Count > 0 && (busiest < 0 || w.Count > res.PerWeek[busiest].Count) {
			busiest = i
		}
	}
	if busiest >= 0 && res.Count > 1 {
		fmt.Fprintf(&sb, "\nBusiest week: from %s, %s.", res.PerWeek[busiest].Week, plural(res.PerWeek[busiest].Count, "trigger"))
	}
	fmt.Fprintf(&sb, "\n\nRecorded as run %d with its chart (/runs).", runID)
	if scheduleID == 0 {
		sb.WriteString(" Send the same /alert without test to create it.")
	}
	return sb.String()
}

// triggerValues renders a trigger's operand values, close first:
// "close 151.2, rsi(14) 71.3".
func triggerValues(tr alerts.BacktestTrigger) string {
	labels := make([]string, 0, len(tr.Values))
	for k := range tr.Values {
		if k != alerts.FieldClose {
			labels = append(labels, k)
		}
	}
	slices.Sort(labels)
	parts := []string{alerts.FieldClose + " " + strconv.FormatFloat(tr.Price, 'g', 6, 64)}
	for _, k := range labels {
		parts = append(parts, k+" "+strconv.FormatFloat(tr.Values[k], 'g', 6, 64))
	}
	return strings.Join(parts, ", ")
}
