package store

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/market"
)

// FundamentalsStore keeps fundamentals in the fundamentals table (unknown
// numbers as NULL): it is the fundamentals.FreshStore the manager writes
// fetched figures through to, reads back when its provider fails, and starts
// warm from after a restart.
type FundamentalsStore struct {
	pool *pgxpool.Pool
}

var _ fundamentals.FreshStore = (*FundamentalsStore)(nil)

// NewFundamentalsStore returns the store over pool's fundamentals table.
func NewFundamentalsStore(pool *pgxpool.Pool) *FundamentalsStore {
	return &FundamentalsStore{pool: pool}
}

// Save upserts figures; NaN numbers are stored as NULL.
func (s *FundamentalsStore) Save(ctx context.Context, provider string, fs []market.Fundamentals) error {
	if len(fs) == 0 {
		return nil
	}
	// fetched_at is when the figures were fetched (now), which decides
	// their freshness after a restart (LoadSince); read back, it is their
	// AsOf.
	now := time.Now().UTC()
	p := dbsqlc.FundamentalsUpsertParams{Provider: provider}
	for _, f := range fs {
		p.Symbols = append(p.Symbols, f.Symbol)
		p.Names = append(p.Names, f.Name)
		p.MarketCaps = append(p.MarketCaps, f.MarketCap)
		p.PeRatios = append(p.PeRatios, f.PERatio)
		p.AvgVolumes = append(p.AvgVolumes, f.AvgVolume)
		p.Sectors = append(p.Sectors, f.Sector)
		p.Currencies = append(p.Currencies, f.Currency)
		p.FetchedAts = append(p.FetchedAts, now)
	}
	if err := dbsqlc.New().FundamentalsUpsert(ctx, s.pool, p); err != nil {
		return fmt.Errorf("store fundamentals of %d symbols from %s: %w", len(fs), provider, err)
	}
	return nil
}

// Load reads the stored figures of symbols from provider, whatever their age.
func (s *FundamentalsStore) Load(ctx context.Context, provider string, symbols []string) (map[string]market.Fundamentals, error) {
	return s.LoadSince(ctx, provider, symbols, time.Time{})
}

// LoadSince reads the figures of symbols from provider saved at or after
// since: a restarted process starts warm (fundamentals.FreshStore).
func (s *FundamentalsStore) LoadSince(ctx context.Context, provider string, symbols []string, since time.Time) (map[string]market.Fundamentals, error) {
	rows, err := dbsqlc.New().FundamentalsGetSince(ctx, s.pool, dbsqlc.FundamentalsGetSinceParams{
		Provider: provider, Symbols: symbols, Since: since})
	if err != nil {
		return nil, fmt.Errorf("load fundamentals of %d symbols from %s saved since %s: %w", len(symbols), provider,
			since.UTC().Format(time.RFC3339), err)
	}
	return fundamentalsByRow(rows), nil
}

func fundamentalsByRow(rows []dbsqlc.Fundamental) map[string]market.Fundamentals {
	out := make(map[string]market.Fundamentals, len(rows))
	for _, r := range rows {
		out[r.Symbol] = market.Fundamentals{Symbol: r.Symbol, Name: derefString(r.Name), MarketCap: orNaN(r.MarketCap),
			PERatio: orNaN(r.PeRatio), AvgVolume: orNaN(r.AvgVolume), Sector: derefString(r.Sector),
			Currency: derefString(r.Currency), AsOf: r.FetchedAt}
	}
	return out
}

func orNaN(v pgtype.Float8) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
