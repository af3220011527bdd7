package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/fundamentals"
	"github.com/vigilhq/vigil/market"
	"github.com/vigilhq/vigil/screener"
)

// FundamentalsStore keeps fundamentals in the fundamentals table: the
// manager writes fetched figures through and reads them back when its
// provider fails.
type FundamentalsStore struct {
	Pool *pgxpool.Pool
}

// Save upserts figures; NaN numbers are stored as NULL.
func (s FundamentalsStore) Save(ctx context.Context, provider string, fs []market.Fundamentals) error {
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
	if err := dbsqlc.New().FundamentalsUpsert(ctx, s.Pool, p); err != nil {
		return fmt.Errorf("store fundamentals of %d symbols from %s: %w", len(fs), provider, err)
	}
	return nil
}

// Load reads the stored figures of symbols from provider, whatever their age.
func (s FundamentalsStore) Load(ctx context.Context, provider string, symbols []string) (map[string]market.Fundamentals, error) {
	return s.LoadSince(ctx, provider, symbols, time.Time{})
}

// LoadSince reads the figures of symbols from provider saved at or after
// since: a restarted process starts warm (fundamentals.FreshStore).
func (s FundamentalsStore) LoadSince(ctx context.Context, provider string, symbols []string, since time.Time) (map[string]market.Fundamentals, error) {
	rows, err := dbsqlc.New().FundamentalsGetSince(ctx, s.Pool, dbsqlc.FundamentalsGetSinceParams{
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
		out[r.Symbol] = market.Fundamentals{Symbol: r.Symbol, Name: deref(r.Name), MarketCap: orNaN(r.MarketCap),
			PERatio: orNaN(r.PeRatio), AvgVolume: orNaN(r.AvgVolume), Sector: deref(r.Sector),
			Currency: deref(r.Currency), AsOf: r.FetchedAt}
	}
	return out
}

func orNaN(v pgtype.Float8) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

// NewFundamentals builds the fundamentals manager config asks for: the
// fundamentals_provider (by default synthetic when market data is synthetic
// or csv, yahoo when it is yahoo), cached for fundamentals_cache_ttl and
// stored in the fundamentals table. Synthetic figures carry the S&P 500 and
// Nasdaq-100 snapshots' names and sectors.
func NewFundamentals(pool *pgxpool.Pool, cfg config.Config, log *slog.Logger) (*fundamentals.Manager, error) {
	p, err := fundamentals.NewProvider(cfg.FundamentalsProviderName(), fundamentals.Options{File: cfg.FundamentalsFile,
		Lookup: universeLookup(), WithSector: true})
	if err != nil {
		return nil, err
	}
	var store fundamentals.Store
	if pool != nil {
		store = FundamentalsStore{Pool: pool}
	}
	return fundamentals.NewManager(p, store, cfg.FundamentalsCacheTTL.D(), log.With("component", "fundamentals")), nil
}

// universeLookup gives a symbol's name and sector from the S&P 500
// snapshot, else the Nasdaq-100 one.
func universeLookup() func(string) (string, string, bool) {
	by := map[string]screener.Constituent{}
	for _, list := range []func() ([]screener.Constituent, error){screener.Nasdaq100, screener.SP500} {
		cs, err := list()
		if err != nil {
			continue
		}
		for _, c := range cs { // S&P 500 last: its GICS sectors win
			by[c.Symbol] = c
		}
	}
	return func(symbol string) (string, string, bool) {
		c, ok := by[symbol]
		return c.Name, c.Sector, ok
	}
}
