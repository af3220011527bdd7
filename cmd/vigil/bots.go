package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/tradingbot"
)

const botsUsage = `Usage: vigil bots <action> [flags]

Actions:
  list                       every bot with its state, cash and last decided bar
  create --user ID --name N --strategy S --symbols A,B [--timeframe 1m] [--params JSON]
         [--cash 10000] [--fee-bps 0] [--slippage-bps 0] [--stopped]
                             create a bot owned by user ID (running unless --stopped)
  start ID                   run it from the next closed bar (clears a kill switch)
  stop ID                    stop deciding it; positions and open orders are kept

--user ID acts as that user (their own bots only) instead of as the operator
(every bot); create needs it (the owner). Each change is written to audit_log
with source cli. A bot's JSON file is applied with vigil tradingbot --config.`

func cmdBots(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stdout, botsUsage)
		return errHelp
	}
	action, args := args[0], args[1:]
	switch action {
	case "list", "create", "start", "stop":
	default:
		fmt.Fprintln(e.stderr, botsUsage)
		return fmt.Errorf("unknown action %q", action)
	}
	var c common
	fs := newFlags(e, "bots "+action, "[ID] [flags]", botsUsage)
	c.register(fs)
	user := fs.Int64("user", 0, "act as this user id (their bots only); default: the operator")
	name := fs.String("name", "", "create: the bot's name")
	strategy := fs.String("strategy", "", "create: strategy (sma_cross, rsi_reversion, alert_signals)")
	symbols := fs.String("symbols", "", "create: comma-separated symbols")
	timeframe := fs.String("timeframe", "1m", "create: bar size")
	params := fs.String("params", "{}", "create: the strategy's parameters as JSON")
	cash := fs.String("cash", "10000", "create: starting cash")
	fee := fs.Float64("fee-bps", 0, "create: maker and taker fee, basis points")
	slippage := fs.Float64("slippage-bps", 0, "create: slippage, basis points")
	stopped := fs.Bool("stopped", false, "create: store it stopped")
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if *user < 0 {
		return errors.New("--user: must be a positive user id")
	}
	cfg, err := c.load()
	if err != nil {
		return err
	}
	log := newLogger(e.stderr, cfg, "vigil")
	pool, err := openDB(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := requireMigrated(ctx, pool); err != nil {
		return err
	}
	v, err := schemas.New()
	if err != nil {
		return fmt.Errorf("compile schemas: %w", err)
	}
	svc, err := tradingbot.NewService(v, log)
	if err != nil {
		return err
	}
	brokers, err := brokerAccounts(cfg)
	if err != nil {
		return err
	}
	svc.UseBrokers(brokers)
	a, err := botActor(ctx, pool, *user)
	if err != nil {
		return err
	}
	switch action {
	case "list":
		return botsList(ctx, e, pool, svc, a)
	case "create":
		if *user == 0 {
			return errors.New("create: --user is required (the bot's owner)")
		}
		money, err := decimal.NewFromString(*cash)
		if err != nil {
			return fmt.Errorf("--cash: %q is not a number", *cash)
		}
		if !json.Valid([]byte(*params)) {
			return fmt.Errorf("--params: %q is not JSON", *params)
		}
		var syms []string
		for _, s := range strings.Split(*symbols, ",") {
			if s = strings.TrimSpace(s); s != "" {
				syms = append(syms, s)
			}
		}
		state := tradingbot.StateRunning
		if *stopped {
			state = tradingbot.StateStopped
		}
		d := tradingbot.Definition{Name: *name, Strategy: *strategy, Params: json.RawMessage(*params), Symbols: syms,
			Timeframe: *timeframe, Cash: money, MakerFeeBps: *fee, TakerFeeBps: *fee, SlippageBps: *slippage, State: state}
		return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			b, err := svc.Create(ctx, tx, a, *user, d)
			if err != nil {
				return botFlagProblem(err)
			}
			fmt.Fprintf(e.stdout, "bot %d %q created for user %d: %s on %s %s; state %s\n", b.ID, b.Name, b.UserID, b.Strategy,
				strings.Join(b.Symbols, ", "), b.Timeframe, b.State)
			return nil
		})
	}
	if len(pos) != 1 {
		return fmt.Errorf("%s: expected one bot id", action)
	}
	id, err := strconv.ParseInt(pos[0], 10, 64)
	if err != nil || id < 1 {
		return fmt.Errorf("bot id %q: must be a positive integer", pos[0])
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var b dbsqlc.TradingBot
		var err error
		if action == "start" {
			b, err = svc.Start(ctx, tx, a, id)
		} else {
			b, err = svc.Stop(ctx, tx, a, id)
		}
		if err != nil {
			return botProblem(err)
		}
		fmt.Fprintf(e.stdout, "bot %d %q is %s\n", b.ID, b.Name, b.State)
		return nil
	})
}

// botFlagProblem names create's flag at fault.
func botFlagProblem(err error) error {
	te, ok := tradingbot.AsError(err)
	if !ok {
		return err
	}
	field, _, _ := strings.Cut(te.Field, "/")
	flag := map[string]string{"name": "--name", "strategy": "--strategy", "params": "--params", "symbols": "--symbols",
		"timeframe": "--timeframe", "cash": "--cash", "maker_fee_bps": "--fee-bps", "taker_fee_bps": "--fee-bps",
		"slippage_bps": "--slippage-bps", "user": "--user"}[field]
	if flag == "" {
		return errors.New(te.Error())
	}
	return fmt.Errorf("%s: %s", flag, te.Error())
}

func botsList(ctx context.Context, e *env, pool *pgxpool.Pool, svc *tradingbot.Service, a tradingbot.Actor) error {
	list, err := svc.List(ctx, pool, a)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tSTRATEGY\tSYMBOLS\tTF\tSTATE\tCASH\tLAST BAR\tDECIDED\tSKIPPED\tREASON")
	for _, b := range list {
		last := "-"
		if b.LastBarTime != nil {
			last = b.LastBarTime.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", b.ID, b.UserID, b.Name, b.Strategy,
			strings.Join(b.Symbols, ","), b.Timeframe, b.State, b.Cash.StringFixed(2), last, b.BarsDecided, b.BarsSkipped, b.StateReason)
	}
	return tw.Flush()
}
