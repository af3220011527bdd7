package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/marketdata"
)

// BarStore keeps fetched bars in the market_bars table, one row per (symbol,
// timeframe, bar time) with the provider that gave it: the marketdata.Store
// every process's Manager writes through to and falls back on.
type BarStore struct {
	pool *pgxpool.Pool
}

var _ marketdata.Store = (*BarStore)(nil)

// NewBarStore returns the store over pool's market_bars table.
func NewBarStore(pool *pgxpool.Pool) *BarStore { return &BarStore{pool: pool} }

// SaveBars upserts s; a bar another provider stored before is replaced (the
// row then names this provider).
func (s *BarStore) SaveBars(ctx context.Context, provider, symbol string, tf bars.Timeframe, series bars.Series) error {
	if len(series) == 0 {
		return nil
	}
	p := dbsqlc.MarketBarsUpsertParams{
		Symbol:    symbol,
		Timeframe: string(tf),
		Provider:  provider,
		Ts:        make([]time.Time, len(series)),
		Opens:     series.Opens(),
		Highs:     series.Highs(),
		Lows:      series.Lows(),
		Closes:    series.Closes(),
		Volumes:   series.Volumes(),
	}
	for i, b := range series {
		p.Ts[i] = b.Time
	}
	if err := dbsqlc.New().MarketBarsUpsert(ctx, s.pool, p); err != nil {
		return fmt.Errorf("store %d %s %s bars from %s: %w", len(series), symbol, tf, provider, err)
	}
	return nil
}

// LoadBars reads the bars of symbol and timeframe opening in [from, to) that
// provider stored, ascending, and the latest fetched_at among them.
func (s *BarStore) LoadBars(ctx context.Context, provider, symbol string, tf bars.Timeframe, from, to time.Time) (bars.Series, time.Time, error) {
	rows, err := dbsqlc.New().MarketBarsRange(ctx, s.pool, dbsqlc.MarketBarsRangeParams{
		Symbol: symbol, Timeframe: string(tf), FromTs: from, ToTs: to,
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("load %s %s bars from %s: %w", symbol, tf, provider, err)
	}
	var out bars.Series
	var fetchedAt time.Time
	for _, r := range rows {
		if r.Provider != provider { // never pass one provider's prices off as another's
			continue
		}
		out = append(out, bars.Bar{Time: r.Ts.UTC(), Open: r.Open, High: r.High, Low: r.Low, Close: r.Close, Volume: r.Volume})
		if r.FetchedAt.After(fetchedAt) {
			fetchedAt = r.FetchedAt.UTC()
		}
	}
	return out, fetchedAt, nil
}
