package tradingbot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schemas"
)

// Service runs the bot management use cases (create, update from a
// definition, start, stop, list) for the CLI and, later, the API and the
// Telegram bot: every change is scoped to the actor's bots in SQL, refused
// with an *Error a caller can show, and audited in the caller's
// transaction.
type Service struct {
	validator *schemas.Validator
	log       *slog.Logger
	q         *dbsqlc.Queries
	creds     Credentials
}

// Credentials says whether a user's bots have an account at a real broker
// (*AlpacaBrokers).
type Credentials interface {
	HasCredentials(ctx context.Context, q dbsqlc.DBTX, userID int64) (bool, error)
}

// UseBrokers lets bots use the alpaca broker when their owner has an
// account by c; without it a bot with broker alpaca is refused. It returns
// s.
func (s *Service) UseBrokers(c Credentials) *Service {
	s.creds = c
	return s
}

// checkBroker refuses a broker bot whose owner has no account at it.
func (s *Service) checkBroker(ctx context.Context, q dbsqlc.DBTX, owner int64, name string) error {
	if !usesBroker(name) {
		return nil
	}
	if s.creds == nil {
		return invalid("broker", "this server runs no %s broker (only paper)", name)
	}
	ok, err := s.creds.HasCredentials(ctx, q, owner)
	if err != nil {
		return fmt.Errorf("check %s credentials of user %d: %w", name, owner, err)
	}
	if !ok {
		return invalid("broker", "no Alpaca credentials for this user: PUT /api/me/brokers/alpaca")
	}
	return nil
}

// NewService returns a Service; v checks definitions (required).
func NewService(v *schemas.Validator, log *slog.Logger) (*Service, error) {
	if v == nil {
		return nil, errors.New("tradingbot: a schema validator is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{validator: v, log: log, q: dbsqlc.New()}, nil
}

// Validator is the service's schema validator.
func (s *Service) Validator() *schemas.Validator { return s.validator }

// Apply creates the owner's bot named d.Name or, when it exists, updates it
// to d (see Update); created says which. A bot's state follows d.State,
// except that a halted bot stays halted (its kill switch is cleared only by
// Start).
func (s *Service) Apply(ctx context.Context, tx pgx.Tx, a Actor, owner int64, d Definition) (dbsqlc.TradingBot, bool, error) {
	if err := s.checkOwner(ctx, tx, a, owner); err != nil {
		return dbsqlc.TradingBot{}, false, err
	}
	if err := d.normalize(s.validator); err != nil {
		return dbsqlc.TradingBot{}, false, err
	}
	if err := s.checkBroker(ctx, tx, owner, d.Broker); err != nil {
		return dbsqlc.TradingBot{}, false, err
	}
	cur, err := s.q.TradingBotLockByName(ctx, tx, dbsqlc.TradingBotLockByNameParams{UserID: owner, Name: d.Name})
	if errors.Is(err, pgx.ErrNoRows) {
		b, err := s.create(ctx, tx, a, owner, d)
		return b, err == nil, err
	}
	if err != nil {
		return dbsqlc.TradingBot{}, false, fmt.Errorf("look up bot %q: %w", d.Name, err)
	}
	b, err := s.update(ctx, tx, a, cur, d)
	return b, false, err
}

// Create stores a new bot for owner; a bot of that name is a conflict.
func (s *Service) Create(ctx context.Context, tx pgx.Tx, a Actor, owner int64, d Definition) (dbsqlc.TradingBot, error) {
	if err := s.checkOwner(ctx, tx, a, owner); err != nil {
		return dbsqlc.TradingBot{}, err
	}
	if err := d.normalize(s.validator); err != nil {
		return dbsqlc.TradingBot{}, err
	}
	if err := s.checkBroker(ctx, tx, owner, d.Broker); err != nil {
		return dbsqlc.TradingBot{}, err
	}
	_, err := s.q.TradingBotLockByName(ctx, tx, dbsqlc.TradingBotLockByNameParams{UserID: owner, Name: d.Name})
	if err == nil {
		return dbsqlc.TradingBot{}, conflict("name", "user %d already has a bot named %q", owner, d.Name)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return dbsqlc.TradingBot{}, fmt.Errorf("look up bot %q: %w", d.Name, err)
	}
	return s.create(ctx, tx, a, owner, d)
}

func (s *Service) create(ctx context.Context, tx pgx.Tx, a Actor, owner int64, d Definition) (dbsqlc.TradingBot, error) {
	risk, err := json.Marshal(d.Risk)
	if err != nil {
		return dbsqlc.TradingBot{}, fmt.Errorf("encode risk settings: %w", err)
	}
	reason := ""
	if d.State == StateRunning {
		reason = "started via " + string(a.Source) + " by " + a.name()
	}
	b, err := s.q.TradingBotCreate(ctx, tx, dbsqlc.TradingBotCreateParams{UserID: owner, Name: d.Name, Strategy: d.Strategy,
		Params: d.Params, Symbols: d.Symbols, Timeframe: d.Timeframe, Broker: d.Broker, InitialCash: d.Cash,
		MakerFeeBps: d.MakerFeeBps, TakerFeeBps: d.TakerFeeBps, SlippageBps: d.SlippageBps, Fractional: d.Fractional,
		Risk: risk, State: d.State, StateReason: reason})
	if err != nil {
		return b, fmt.Errorf("create bot %q: %w", d.Name, err)
	}
	err = audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: owner, Source: a.Source, Action: "tradingbot.create",
		EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "strategy": b.Strategy,
			"symbols": b.Symbols, "timeframe": b.Timeframe, "cash": b.InitialCash.String(), "state": b.State}})
	return b, err
}

// Update changes a bot to d. Parameters, fees, risk settings and added
// symbols apply from the next decision. A change of strategy or parameters
// resets the strategy's state (it warms up again on history); a symbol may
// be dropped and the timeframe changed only while the bot holds no
// position and no open order in it; the cash can change only before the
// first decision (the account is never reset under a running bot).
func (s *Service) update(ctx context.Context, tx pgx.Tx, a Actor, cur dbsqlc.TradingBot, d Definition) (dbsqlc.TradingBot, error) {
	st, traded, err := storedState(&cur)
	if err != nil {
		return cur, err
	}
	held := heldSymbols(st)
	var changed []string
	resetStrategy := false
	if d.Strategy != cur.Strategy || !sameJSON(d.Params, cur.Params) {
		changed = append(changed, "strategy")
		resetStrategy = true
	}
	lastBar := cur.LastBarTime
	if d.Timeframe != cur.Timeframe {
		if len(held) > 0 {
			return cur, conflict("timeframe", "bot %q holds %s: close its positions and orders before changing the timeframe",
				cur.Name, strings.Join(held, ", "))
		}
		changed = append(changed, "timeframe")
		resetStrategy, lastBar = true, nil
	}
	for _, sym := range held {
		if !slices.Contains(d.Symbols, sym) {
			return cur, conflict("symbols", "bot %q holds a position or an open order in %s: close it before dropping the symbol",
				cur.Name, sym)
		}
	}
	if !slices.Equal(d.Symbols, cur.Symbols) {
		changed = append(changed, "symbols")
	}
	if d.Broker != cur.Broker {
		if len(held) > 0 {
			return cur, conflict("broker", "bot %q holds %s: close its positions and orders before changing the broker",
				cur.Name, strings.Join(held, ", "))
		}
		changed = append(changed, "broker")
	}
	cash := cur.Cash
	if !d.Cash.Equal(cur.InitialCash) {
		if traded {
			return cur, conflict("cash", "bot %q has traded since its first decision; its account cannot be reset (create a new bot)", cur.Name)
		}
		changed = append(changed, "cash")
		cash = d.Cash
	}
	risk, err := json.Marshal(d.Risk)
	if err != nil {
		return cur, fmt.Errorf("encode risk settings: %w", err)
	}
	if !sameJSON(risk, cur.Risk) {
		changed = append(changed, "risk")
	}
	if d.MakerFeeBps != cur.MakerFeeBps || d.TakerFeeBps != cur.TakerFeeBps || d.SlippageBps != cur.SlippageBps || d.Fractional != cur.Fractional {
		changed = append(changed, "fees")
	}
	engineState := cur.EngineState
	warmed := slices.DeleteFunc(slices.Clone(cur.WarmedSymbols), func(sym string) bool { return !slices.Contains(d.Symbols, sym) })
	if resetStrategy {
		warmed = []string{}
		if traded {
			st.Strategy = nil
			if engineState, err = json.Marshal(st); err != nil {
				return cur, fmt.Errorf("encode bot %d state: %w", cur.ID, err)
			}
		}
	}
	b := cur
	if len(changed) > 0 {
		b, err = s.q.TradingBotUpdateDefinition(ctx, tx, dbsqlc.TradingBotUpdateDefinitionParams{ID: cur.ID, Strategy: d.Strategy,
			Params: d.Params, Symbols: d.Symbols, Timeframe: d.Timeframe, Broker: d.Broker, InitialCash: d.Cash, Cash: cash,
			MakerFeeBps: d.MakerFeeBps, TakerFeeBps: d.TakerFeeBps, SlippageBps: d.SlippageBps, Fractional: d.Fractional,
			Risk: risk, EngineState: engineState, WarmedSymbols: warmed, LastBarTime: lastBar})
		if err != nil {
			return cur, fmt.Errorf("update bot %d: %w", cur.ID, err)
		}
		if err := audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: b.UserID, Source: a.Source, Action: "tradingbot.update",
			EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "changed": changed}}); err != nil {
			return b, err
		}
	}
	switch {
	case d.State == StateStopped && b.State != StateStopped:
		return s.stop(ctx, tx, a, b)
	case d.State == StateRunning && b.State == StateStopped:
		return s.start(ctx, tx, a, b)
	}
	return b, nil
}

// Start makes a bot run from the next closed bar. Starting a halted bot
// clears its kill switch: new entries are allowed again and the drawdown
// is measured from the current equity.
func (s *Service) Start(ctx context.Context, tx pgx.Tx, a Actor, id int64) (dbsqlc.TradingBot, error) {
	b, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return b, err
	}
	if b.State == StateRunning {
		return b, nil
	}
	return s.start(ctx, tx, a, b)
}

func (s *Service) start(ctx context.Context, tx pgx.Tx, a Actor, b dbsqlc.TradingBot) (dbsqlc.TradingBot, error) {
	st, ok, err := storedState(&b)
	if err != nil {
		return b, err
	}
	engineState := b.EngineState
	if ok && (st.Halted || st.HaltedDay >= 0 || st.EntriesStopped) {
		st.Halted, st.HaltedDay, st.PeakEquity, st.DayStartEq = false, -1, st.LastEquity, st.LastEquity
		st.EntriesStopped = false
		if engineState, err = json.Marshal(st); err != nil {
			return b, fmt.Errorf("encode bot %d state: %w", b.ID, err)
		}
	}
	from := b.State
	b, err = s.q.TradingBotSetState(ctx, tx, dbsqlc.TradingBotSetStateParams{ID: b.ID, State: StateRunning,
		StateReason: "started via " + string(a.Source) + " by " + a.name(), EngineState: engineState})
	if err != nil {
		return b, fmt.Errorf("start bot %d: %w", b.ID, err)
	}
	return b, audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: b.UserID, Source: a.Source, Action: "tradingbot.start",
		EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "from": from}})
}

// Stop stops a bot: no runner decides on it until it is started again; its
// positions and open orders are kept as they are.
func (s *Service) Stop(ctx context.Context, tx pgx.Tx, a Actor, id int64) (dbsqlc.TradingBot, error) {
	b, err := s.lock(ctx, tx, a, id)
	if err != nil {
		return b, err
	}
	if b.State == StateStopped {
		return b, nil
	}
	return s.stop(ctx, tx, a, b)
}

func (s *Service) stop(ctx context.Context, tx pgx.Tx, a Actor, b dbsqlc.TradingBot) (dbsqlc.TradingBot, error) {
	from := b.State
	b, err := s.q.TradingBotSetState(ctx, tx, dbsqlc.TradingBotSetStateParams{ID: b.ID, State: StateStopped,
		StateReason: "stopped via " + string(a.Source) + " by " + a.name(), EngineState: b.EngineState})
	if err != nil {
		return b, fmt.Errorf("stop bot %d: %w", b.ID, err)
	}
	return b, audit.Write(ctx, tx, audit.Entry{Actor: a.UserID, Owner: b.UserID, Source: a.Source, Action: "tradingbot.stop",
		EntityType: "trading_bot", EntityID: b.ID, Details: map[string]any{"name": b.Name, "from": from}})
}

// Get returns one of the actor's bots.
func (s *Service) Get(ctx context.Context, q dbsqlc.DBTX, a Actor, id int64) (dbsqlc.TradingBot, error) {
	b, err := s.q.TradingBotGetOwned(ctx, q, dbsqlc.TradingBotGetOwnedParams{ID: id, UserID: a.scope()})
	if errors.Is(err, pgx.ErrNoRows) {
		return dbsqlc.TradingBot{}, notFound(id)
	}
	if err != nil {
		return b, fmt.Errorf("get bot %d: %w", id, err)
	}
	return b, nil
}

// List returns the actor's bots (every bot for an operator).
func (s *Service) List(ctx context.Context, q dbsqlc.DBTX, a Actor) ([]dbsqlc.TradingBot, error) {
	bots, err := s.q.TradingBotList(ctx, q, a.scope())
	if err != nil {
		return nil, fmt.Errorf("list bots: %w", err)
	}
	return bots, nil
}

// lock locks one of the actor's bots for a change.
func (s *Service) lock(ctx context.Context, tx pgx.Tx, a Actor, id int64) (dbsqlc.TradingBot, error) {
	b, err := s.q.TradingBotLockOwned(ctx, tx, dbsqlc.TradingBotLockOwnedParams{ID: id, UserID: a.scope()})
	if errors.Is(err, pgx.ErrNoRows) {
		return dbsqlc.TradingBot{}, notFound(id)
	}
	if err != nil {
		return b, fmt.Errorf("lock bot %d: %w", id, err)
	}
	return b, nil
}

// checkOwner refuses a bot for another user than the actor (unless the
// actor sees every user's) or for a user that does not exist.
func (s *Service) checkOwner(ctx context.Context, tx pgx.Tx, a Actor, owner int64) error {
	if owner <= 0 {
		return invalid("user", "a bot needs an owner (a user id)")
	}
	if !a.sees(owner) {
		return &Error{Kind: KindNotFound, Field: "user", Msg: fmt.Sprintf("user %d not found", owner)}
	}
	if _, err := s.q.UserGetByID(ctx, tx, owner); errors.Is(err, pgx.ErrNoRows) {
		return &Error{Kind: KindNotFound, Field: "user", Msg: fmt.Sprintf("user %d does not exist", owner)}
	} else if err != nil {
		return fmt.Errorf("look up user %d: %w", owner, err)
	}
	return nil
}

func (a Actor) name() string {
	if a.Name != "" {
		return a.Name
	}
	if a.UserID != 0 {
		return fmt.Sprintf("user %d", a.UserID)
	}
	return "an operator"
}

// sameJSON reports whether two JSON documents are equal as values.
func sameJSON(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ax, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return bytes.Equal(ax, by)
}
