package bot

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// TradingBotSpec is what a trading bot command (/bot, /forceexit, …) asks for.
type TradingBotSpec struct {
	// Name is the bot's name as typed (matched case-insensitively).
	Name string
	// Symbol is /forceexit's symbol, upper-cased; "" with All.
	Symbol string
	// All is /forceexit NAME all.
	All bool
}

// tradingCommands are the trading bot commands (freqtrade's habits), in
// /help order after /backtest.
var tradingCommands = []string{"bots", "bot", "profit", "balance", "trades", "forceexit", "stopentry", "startbot", "stopbot"}

var tradingUsages = map[string]string{
	// /help shows this line for every trading bot command (helpHidden).
	"bots": "/bots — your trading bots; with a bot's NAME: /bot NAME (status, positions, unrealised P&L), /profit NAME, " +
		"/balance NAME, /trades NAME, /forceexit NAME SYMBOL|all, /stopentry NAME (halt new entries), /startbot NAME, /stopbot NAME",
	"bot":       "/bot NAME — a trading bot's status: state, equity, positions with unrealised P&L, e.g. /bot sma-demo",
	"profit":    "/profit NAME — a trading bot's performance: closed trades, win rate, realised and unrealised P&L, e.g. /profit sma-demo",
	"balance":   "/balance NAME — a trading bot's cash, positions and equity, e.g. /balance sma-demo",
	"trades":    "/trades NAME — a trading bot's last round trips with P&L, e.g. /trades sma-demo",
	"forceexit": "/forceexit NAME SYMBOL|all — close a position (or every one) at the bot's next decision, e.g. /forceexit sma-demo AAPL",
	"stopentry": "/stopentry NAME — halt a trading bot's new entries (exits and stops still work), e.g. /stopentry sma-demo",
	"startbot":  "/startbot NAME — start a trading bot (also clears a kill switch or /stopentry), e.g. /startbot sma-demo",
	"stopbot":   "/stopbot NAME — stop a trading bot (positions and open orders are kept), e.g. /stopbot sma-demo",
}

var tradingDescriptions = map[string]string{
	"bots":      "List your trading bots",
	"bot":       "Trading bot status: /bot NAME",
	"profit":    "Trading bot P&L: /profit NAME",
	"balance":   "Trading bot balance: /balance NAME",
	"trades":    "Trading bot trades: /trades NAME",
	"forceexit": "Close a position: /forceexit NAME SYMBOL|all",
	"stopentry": "Halt new entries: /stopentry NAME",
	"startbot":  "Start a trading bot: /startbot NAME",
	"stopbot":   "Stop a trading bot: /stopbot NAME",
}

// helpHidden are commands /help does not list on their own line (the /bots
// line lists them), to keep /help in one message.
var helpHidden = map[string]bool{"bot": true, "profit": true, "balance": true, "trades": true, "forceexit": true,
	"stopentry": true, "startbot": true, "stopbot": true}

// The trading bot commands join the command tables.
func init() {
	maps.Copy(usages, tradingUsages)
	maps.Copy(descriptions, tradingDescriptions)
	at := slices.Index(commandOrder, "backtest") + 1
	commandOrder = slices.Insert(commandOrder, at, tradingCommands...)
}

// botNameRE is a trading bot's name (trading_bots.name).
var botNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// parseTradingBot parses the arguments of a trading bot command: none for
// /bots, NAME for the others, NAME SYMBOL|all for /forceexit.
func parseTradingBot(name string, fields []string) (*TradingBotSpec, error) {
	if name == "bots" {
		return &TradingBotSpec{}, nil
	}
	want := 1
	if name == "forceexit" {
		want = 2
	}
	if len(fields) != want {
		if want == 2 {
			return nil, usage(name, "/forceexit takes a bot name and a symbol, or all.")
		}
		return nil, usage(name, fmt.Sprintf("/%s takes one bot name; /bots lists yours.", name))
	}
	if !botNameRE.MatchString(fields[0]) {
		return nil, usage(name, fmt.Sprintf("%q is not a bot name: names are 1-64 of A-Z a-z 0-9 _ . - (see /bots).", clip(fields[0])))
	}
	spec := &TradingBotSpec{Name: fields[0]}
	if want == 2 {
		sym := strings.ToUpper(fields[1])
		switch {
		case sym == "ALL":
			spec.All = true
		case holdingSymbolRE.MatchString(sym):
			spec.Symbol = sym
		default:
			return nil, usage(name, fmt.Sprintf("%q is not a symbol: send a ticker such as AAPL, or all.", clip(fields[1])))
		}
	}
	return spec, nil
}
