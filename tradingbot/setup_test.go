package tradingbot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/bars"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/marketdata"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/trading"
	"github.com/vigilhq/vigil/tradingbot"
)

var validator = func() *schemas.Validator {
	v, err := schemas.New()
	if err != nil {
		panic(err)
	}
	return v
}()

func testLogger() *slog.Logger { return dbtest.Logger() }

// clock is a test clock the runners and the synthetic provider share.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// start is 30 s into a minute, so that every clock step of a minute closes
// exactly one 1m bar.
var start = time.Date(2026, 3, 2, 10, 0, 30, 0, time.UTC)

type env struct {
	t      *testing.T
	ctx    context.Context
	pool   *pgxpool.Pool
	svc    *tradingbot.Service
	clock  *clock
	synth  *marketdata.Synthetic
	market *marketdata.Manager
	client *jobs.Client
	user   int64
}

func setup(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t)
	ctx := context.Background()
	c := &clock{t: start}
	synth := &marketdata.Synthetic{Seed: 7, Now: c.Now}
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: config.Default(), Logger: testLogger()})
	require.NoError(t, err)
	svc, err := tradingbot.NewService(validator, testLogger())
	require.NoError(t, err)
	u, err := dbsqlc.New().UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "trader", Status: "verified"})
	require.NoError(t, err)
	return &env{t: t, ctx: ctx, pool: d.Pool, svc: svc, clock: c, synth: synth,
		market: marketdata.NewManager(synth, nil, time.Minute, testLogger()), client: client, user: u.ID}
}

// runner is a runner on the test clock; RenewEvery 1ns renews the leases
// on every Tick unless o says otherwise.
func (e *env) runner(owner string, o tradingbot.Options) *tradingbot.Runner {
	e.t.Helper()
	o.Pool, o.Market, o.Validator, o.Owner, o.Now, o.Logger = e.pool, e.market, validator, owner, e.clock.Now, testLogger()
	if o.Notifier == nil {
		o.Notifier = jobs.TradeNotifier{Client: e.client.Client}
	}
	if o.RenewEvery == 0 {
		o.RenewEvery = time.Nanosecond
	}
	r, err := tradingbot.NewRunner(o)
	require.NoError(e.t, err)
	return r
}

func (e *env) actor() tradingbot.Actor {
	return tradingbot.Actor{UserID: e.user, Name: "trader", Source: audit.SourceCLI}
}

// create stores a running bot from a JSON definition.
func (e *env) create(def string) dbsqlc.TradingBot {
	e.t.Helper()
	d, err := tradingbot.ParseDefinition(validator, []byte(def))
	require.NoError(e.t, err)
	var b dbsqlc.TradingBot
	require.NoError(e.t, pgx.BeginFunc(e.ctx, e.pool, func(tx pgx.Tx) error {
		b, err = e.svc.Create(e.ctx, tx, e.actor(), e.user, d)
		return err
	}))
	return b
}

func (e *env) bot(id int64) dbsqlc.TradingBot {
	e.t.Helper()
	b, err := dbsqlc.New().TradingBotGet(e.ctx, e.pool, id)
	require.NoError(e.t, err)
	return b
}

// tick advances the clock by d and runs one pass of r.
func (e *env) tick(r *tradingbot.Runner, d time.Duration) {
	e.t.Helper()
	e.clock.Add(d)
	require.NoError(e.t, r.Tick(e.ctx))
}

// closed returns the synthetic 1m bars of symbol opening in [from, to].
func (e *env) closed(symbol string, from, to time.Time) bars.Series {
	e.t.Helper()
	p := &marketdata.Synthetic{Seed: 7, Now: func() time.Time { return to.Add(time.Hour) }}
	s, err := p.Bars(e.ctx, symbol, bars.M1, from, to.Add(time.Minute))
	require.NoError(e.t, err)
	return s
}

// engine builds the trading engine a bot definition describes, fresh.
func engineFor(t *testing.T, def string) (*trading.Engine, trading.Strategy) {
	t.Helper()
	var d struct {
		Strategy    string               `json:"strategy"`
		Params      json.RawMessage      `json:"params"`
		Timeframe   string               `json:"timeframe"`
		Cash        decimal.Decimal      `json:"cash"`
		MakerFeeBps float64              `json:"maker_fee_bps"`
		TakerFeeBps float64              `json:"taker_fee_bps"`
		SlippageBps float64              `json:"slippage_bps"`
		Risk        trading.RiskSettings `json:"risk"`
	}
	require.NoError(t, json.Unmarshal([]byte(def), &d))
	s, err := trading.NewStrategy(validator, d.Strategy, d.Params)
	require.NoError(t, err)
	e, err := trading.NewEngine(trading.Config{Cash: d.Cash, MakerFeeBps: d.MakerFeeBps, TakerFeeBps: d.TakerFeeBps,
		SlippageBps: d.SlippageBps, Timeframe: bars.Timeframe(d.Timeframe), Risk: d.Risk}, s)
	require.NoError(t, err)
	return e, s
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}
