package bot

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// portfolioID is the id of tgID's portfolio name.
func (tb *testBundle) portfolioID(t *testing.T, tgID int64, name string) int64 {
	t.Helper()
	p, err := tb.q.PortfolioGetByName(tb.ctx, tb.db.Pool, dbsqlc.PortfolioGetByNameParams{UserID: tb.dbUser(t, tgID).ID, Name: name})
	require.NoError(t, err)
	return p.ID
}

func (tb *testBundle) holdings(t *testing.T, tgID int64, name string) []dbsqlc.PortfolioHolding {
	t.Helper()
	hs, err := tb.q.HoldingList(tb.ctx, tb.db.Pool, tb.portfolioID(t, tgID, name))
	require.NoError(t, err)
	return hs
}

func TestPortfolioCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)

	require.Contains(t, tb.say(t, u, "/portfolios"), "You have no portfolios")
	reply := tb.say(t, u, "/portfolio add main aapl 10 150.25")
	require.Contains(t, reply, "Created portfolio main (USD).")
	require.Contains(t, reply, "Portfolio main: AAPL 10 @ 150.25 saved.")
	reply = tb.say(t, u, "/portfolio add Main MSFT 5 $300")
	require.NotContains(t, reply, "Created")
	require.Contains(t, reply, "MSFT 5 @ 300 saved")
	tb.say(t, u, "/portfolio add main MSFT 6 310")
	hs := tb.holdings(t, u, "main")
	require.Len(t, hs, 2)
	require.Equal(t, dbsqlc.PortfolioHolding{PortfolioID: hs[1].PortfolioID, Symbol: "MSFT", Quantity: 6, CostBasis: 310, UpdatedAt: hs[1].UpdatedAt}, hs[1])

	show := tb.say(t, u, "/portfolio main")
	require.Contains(t, show, "Portfolio main (USD), 2 holdings:\nAAPL 10 @ 150.25 = 1502.50\nMSFT 6 @ 310 = 1860.00\nCost: 3362.50 USD")
	require.Equal(t, show, tb.say(t, u, "/portfolio show main"))
	require.Contains(t, tb.say(t, u, "/portfolios"), "main (USD) — 2 holdings")
	require.Contains(t, tb.say(t, u, "/portfolio"), "main (USD) — 2 holdings", "no arguments lists")

	// Another user sees none of it and changes nothing.
	require.Contains(t, tb.say(t, other, "/portfolios"), "You have no portfolios")
	for _, text := range []string{"/portfolio main", "/portfolio remove main AAPL", "/portfolio delete main"} {
		require.Contains(t, tb.say(t, other, text), `You have no portfolio "main"`, text)
	}
	require.Len(t, tb.holdings(t, u, "main"), 2)

	for text, problem := range map[string]string{
		"/portfolio add main AAPL 0 150":   "quantity must be above 0",
		"/portfolio add main AAPL -1 150":  "quantity must be above 0",
		"/portfolio add main AAPL ten 150": `quantity "ten" is not a number`,
		"/portfolio add main AAPL NaN 150": `quantity "NaN" is not a number`,
		"/portfolio add main AAPL 1e400 1": `quantity "1e400" is not a number`,
		"/portfolio add main AAPL 1 -5":    "price must be 0 or more",
		"/portfolio add main AAPL 1":       "/portfolio add NAME SYMBOL QTY PRICE",
		"/portfolio add My! AAPL 1 1":      "not a usable name",
		"/portfolio add main AA!PL 1 1":    `"AA!PL" is not a symbol`,
		"/portfolio remove main":           "/portfolio remove NAME SYMBOL",
		"/portfolio main extra":            "/portfolio NAME",
		"/portfolio delete":                "/portfolio delete NAME",
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, problem, text)
		require.Contains(t, reply, "/portfolio add main AAPL 10 150.25", "shows the right form: %s", text)
	}
	require.Len(t, tb.holdings(t, u, "main"), 2, "nothing stored from a bad command")
	require.Equal(t, 150.25, tb.holdings(t, u, "main")[0].CostBasis)

	require.Contains(t, tb.say(t, u, "/portfolio remove main aapl"), "Removed AAPL from portfolio main.")
	require.Contains(t, tb.say(t, u, "/portfolio remove main AAPL"), "AAPL is not in portfolio main")
	require.Len(t, tb.holdings(t, u, "main"), 1)
	require.Contains(t, tb.say(t, u, "/portfolio delete main"), "Portfolio main deleted")
	require.Contains(t, tb.say(t, u, "/portfolios"), "You have no portfolios")
	require.Contains(t, tb.say(t, u, "/portfolio main"), `You have no portfolio "main"`)
	require.Equal(t, map[string]int{"portfolio.create": 1, "portfolio.holding.put": 3, "portfolio.holding.delete": 1, "portfolio.delete": 1},
		tb.botAudits(t, u, "portfolio"), "each change is audited once with source bot; bad commands and reads are not")
}

func TestSetCommands(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	tb.start(t)
	u := tb.user(t, StatusVerified, false)
	other := tb.user(t, StatusVerified, false)

	require.Contains(t, tb.say(t, u, "/sets"), "You have no screener sets")
	require.Contains(t, tb.say(t, u, "/set Tech aapl, msft NVDA,aapl"), "Screener set tech saved with 3 tickers: AAPL, MSFT, NVDA.")
	require.Contains(t, tb.say(t, u, "/set tech"), "Screener set tech (3): AAPL, MSFT, NVDA")
	require.Contains(t, tb.say(t, u, "/set tech TSLA"), "saved with 1 ticker: TSLA")
	require.Contains(t, tb.say(t, u, "/sets"), "tech (1): TSLA")

	require.Contains(t, tb.say(t, other, "/sets"), "You have no screener sets")
	require.Contains(t, tb.say(t, other, "/set tech"), `You have no screener set "tech"`)
	require.Contains(t, tb.say(t, other, "/set delete tech"), `You have no screener set "tech"`)
	require.Contains(t, tb.say(t, u, "/set tech"), "TSLA", "untouched by another user")

	for text, problem := range map[string]string{
		"/set":              "Give the set's name and its tickers",
		"/set Te$ch AAPL":   "not a usable name",
		"/set tech AA$PL":   `"AA$PL" is not a ticker`,
		"/set tech ,":       "Give at least one ticker",
		"/set delete Te$ch": "not a usable name",
	} {
		reply := tb.say(t, u, text)
		require.Contains(t, reply, problem, text)
		require.Contains(t, reply, "/set tech AAPL,MSFT,NVDA", "shows the right form: %s", text)
	}
	require.Contains(t, tb.say(t, u, "/set tech"), "TSLA", "nothing stored from a bad command")

	require.Contains(t, tb.say(t, u, "/set delete tech"), "Screener set tech deleted.")
	require.Contains(t, tb.say(t, u, "/sets"), "You have no screener sets")
	require.Equal(t, map[string]int{"screener_set.put": 2, "screener_set.delete": 1}, tb.botAudits(t, u, "screener_set"))
}

// botAudits counts the bot's audit rows by action for a user's entities of a type.
func (tb *testBundle) botAudits(t *testing.T, tgID int64, entity string) map[string]int {
	t.Helper()
	rows, err := tb.db.Pool.Query(tb.ctx, `SELECT action, count(*) FROM audit_log WHERE source = 'bot' AND entity_type = $1
		AND owner_user_id = $2 AND actor_user_id = $2 GROUP BY action`, entity, tb.dbUser(t, tgID).ID)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var a string
		var n int
		require.NoError(t, rows.Scan(&a, &n))
		out[a] = n
	}
	require.NoError(t, rows.Err())
	return out
}
