package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/db"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/report"
)

// ReportBotSnapshots caps the equity snapshots a performance_report of a
// trading bot covers: the newest ones (a week of 1m bars).
const ReportBotSnapshots = 10080

// loadBot loads a trading bot of userID (scoped in SQL) with its newest
// equity snapshots, oldest first.
func (w *ReportWorker) loadBot(ctx context.Context, userID, id int64) (*report.TradingBot, error) {
	q := dbsqlc.New()
	b, err := q.TradingBotGetOwned(ctx, w.Pool, dbsqlc.TradingBotGetOwnedParams{ID: id, UserID: &userID})
	if err != nil {
		return nil, fmt.Errorf("load trading bot %d of user %d: %w", id, userID, db.Translate(err))
	}
	rows, err := q.BotEquitySeries(ctx, w.Pool, dbsqlc.BotEquitySeriesParams{BotID: b.ID, FromTime: time.Unix(0, 0),
		ToTime: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), Lim: ReportBotSnapshots})
	if err != nil {
		return nil, fmt.Errorf("load equity of trading bot %d: %w", id, err)
	}
	out := &report.TradingBot{ID: b.ID, Name: b.Name, Timeframe: bars.Timeframe(b.Timeframe),
		Times: make([]time.Time, len(rows)), Equity: make([]float64, len(rows))}
	for i := range rows {
		r := rows[len(rows)-1-i] // newest first
		out.Times[i], out.Equity[i] = r.BarTime.UTC(), r.Equity.InexactFloat64()
	}
	return out, nil
}
