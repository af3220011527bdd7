package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPortfolios(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})

	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/portfolios", u.token, nil))["items"])

	// Create with holdings: symbols upper-cased, currency defaulted.
	r := b.do(http.MethodPost, "/api/portfolios", u.token, map[string]any{"name": "main", "holdings": []map[string]any{
		{"symbol": "msft", "quantity": 5, "cost_basis": 300},
		{"symbol": "AAPL", "quantity": 10.5, "cost_basis": 0},
	}})
	created := b.must(http.StatusCreated, r)
	id := int64(created["id"].(float64))
	p := fmt.Sprintf("/api/portfolios/%d", id)
	require.Equal(t, p, r.header.Get("Location"))
	require.Equal(t, "main", created["name"])
	require.Equal(t, "USD", created["currency"])
	require.Len(t, created["holdings"], 2)

	got := b.must(http.StatusOK, b.do(http.MethodGet, p, u.token, nil))
	holdings := got["holdings"].([]any)
	require.Len(t, holdings, 2)
	require.Equal(t, "AAPL", holdings[0].(map[string]any)["symbol"], "by symbol")
	require.Equal(t, 10.5, holdings[0].(map[string]any)["quantity"])
	require.Equal(t, "MSFT", holdings[1].(map[string]any)["symbol"])
	require.Equal(t, float64(300), holdings[1].(map[string]any)["cost_basis"])

	b.portfolio(u, "b-side")
	list := b.must(http.StatusOK, b.do(http.MethodGet, "/api/portfolios", u.token, nil))["items"].([]any)
	require.Len(t, list, 2)
	require.Equal(t, "b-side", list[0].(map[string]any)["name"], "by name")
	require.NotContains(t, list[0], "holdings")
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/portfolios", other.token, nil))["items"])

	// The same name again is a conflict; another user may use it.
	b.problemAt(http.StatusConflict, b.do(http.MethodPost, "/api/portfolios", u.token, map[string]any{"name": "main"}), "body.name")
	b.portfolio(other, "main")

	// Put a holding: upsert, symbol upper-cased (a slash sent as %2F).
	h := b.must(http.StatusOK, b.do(http.MethodPut, p+"/holdings/nvda", u.token, map[string]any{"quantity": 2, "cost_basis": 450.5}))
	require.Equal(t, "NVDA", h["symbol"])
	require.Equal(t, 450.5, h["cost_basis"])
	h = b.must(http.StatusOK, b.do(http.MethodPut, p+"/holdings/NVDA", u.token, map[string]any{"quantity": 3, "cost_basis": 400}))
	require.Equal(t, float64(3), h["quantity"])
	h = b.must(http.StatusOK, b.do(http.MethodPut, p+"/holdings/btc%2Fusd", u.token, map[string]any{"quantity": 0.25, "cost_basis": 30000}))
	require.Equal(t, "BTC/USD", h["symbol"])
	require.Len(t, b.must(http.StatusOK, b.do(http.MethodGet, p, u.token, nil))["holdings"], 4)

	// Bad input names the field; nothing is stored.
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
		where        string
	}{
		{http.MethodPost, "/api/portfolios", map[string]any{"name": "My Portfolio"}, 422, "body.name"},
		{http.MethodPost, "/api/portfolios", map[string]any{"name": ""}, 422, "body.name"},
		{http.MethodPost, "/api/portfolios", map[string]any{"name": "x", "currency": "usd"}, 422, "body.currency"},
		{http.MethodPost, "/api/portfolios", map[string]any{"name": "x", "holdings": []map[string]any{{"symbol": "aa pl", "quantity": 1, "cost_basis": 1}}}, 422, "body.holdings[0].symbol"},
		{http.MethodPost, "/api/portfolios", map[string]any{"name": "x", "holdings": []map[string]any{
			{"symbol": "aapl", "quantity": 1, "cost_basis": 1}, {"symbol": "AAPL", "quantity": 2, "cost_basis": 1}}}, 422, "body.holdings[1].symbol"},
		{http.MethodPost, "/api/portfolios", map[string]any{"name": "x", "holdings": []map[string]any{{"symbol": "AAPL", "quantity": 0, "cost_basis": 1}}}, 422, "body.holdings[0].quantity"},
		{http.MethodPut, p + "/holdings/AAPL", map[string]any{"quantity": -1, "cost_basis": 1}, 422, "body.quantity"},
		{http.MethodPut, p + "/holdings/AAPL", map[string]any{"quantity": 0, "cost_basis": 1}, 422, "body.quantity"},
		{http.MethodPut, p + "/holdings/AAPL", map[string]any{"quantity": 1, "cost_basis": -0.01}, 422, "body.cost_basis"},
		{http.MethodPut, p + "/holdings/AAPL", map[string]any{"quantity": 1}, 422, "body"}, // "expected required property cost_basis"
		{http.MethodPut, p + "/holdings/AAPL", map[string]any{"quantity": "1", "cost_basis": 1}, 422, "body.quantity"},
		{http.MethodPut, p + "/holdings/AA%20PL", map[string]any{"quantity": 1, "cost_basis": 1}, 422, "path.symbol"},
		{http.MethodPut, p + "/holdings/-X", map[string]any{"quantity": 1, "cost_basis": 1}, 422, "path.symbol"},
		{http.MethodDelete, p + "/holdings/%24X", nil, 422, "path.symbol"},
	} {
		b.problemAt(tc.status, b.do(tc.method, tc.path, u.token, tc.body), tc.where)
	}
	r = b.do(http.MethodPut, p+"/holdings/AAPL", u.token, `{"quantity": 1e400, "cost_basis": 1}`)
	require.True(t, r.status == http.StatusBadRequest || r.status == http.StatusUnprocessableEntity, string(r.raw))
	got = b.must(http.StatusOK, b.do(http.MethodGet, p, u.token, nil))
	require.Equal(t, 10.5, got["holdings"].([]any)[0].(map[string]any)["quantity"], "AAPL unchanged")
	require.Equal(t, 0, b.count("SELECT count(*) FROM portfolios WHERE name = 'x'"))

	// Delete a holding, then the portfolio.
	b.must(http.StatusNoContent, b.do(http.MethodDelete, p+"/holdings/msft", u.token, nil))
	r = b.do(http.MethodDelete, p+"/holdings/MSFT", u.token, nil)
	require.Equal(t, http.StatusNotFound, r.status)
	require.Contains(t, string(r.raw), "MSFT not found")
	require.Len(t, b.must(http.StatusOK, b.do(http.MethodGet, p, u.token, nil))["holdings"], 3)
	b.must(http.StatusNoContent, b.do(http.MethodDelete, p, u.token, nil))
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, p, u.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodDelete, p, u.token, nil).status)
	require.Equal(t, 0, b.count("SELECT count(*) FROM portfolio_holdings WHERE portfolio_id = $1", id))

	// Every write was audited in its transaction.
	for action, n := range map[string]int{"portfolio.create": 3, "portfolio.holding.put": 3, "portfolio.holding.delete": 1, "portfolio.delete": 1} {
		require.Equal(t, n, b.audits(action), action)
	}
}

func TestScreenerSets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})

	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/screener-sets", u.token, nil))["items"])
	s := b.must(http.StatusOK, b.do(http.MethodPut, "/api/screener-sets/tech", u.token,
		map[string]any{"symbols": []string{"aapl", "MSFT", "AAPL", " nvda "}}))
	require.Equal(t, "tech", s["name"])
	require.Equal(t, "custom:tech", s["screener_set"])
	require.Equal(t, []any{"AAPL", "MSFT", "NVDA"}, s["symbols"])

	// Replace.
	s = b.must(http.StatusOK, b.do(http.MethodPut, "/api/screener-sets/tech", u.token, map[string]any{"symbols": []string{"TSLA"}}))
	require.Equal(t, []any{"TSLA"}, s["symbols"])
	require.Equal(t, []any{"TSLA"}, b.must(http.StatusOK, b.do(http.MethodGet, "/api/screener-sets/tech", u.token, nil))["symbols"])
	b.must(http.StatusOK, b.do(http.MethodPut, "/api/screener-sets/a-1", u.token, map[string]any{"symbols": []string{"BRK.B", "^GSPC"}}))
	items := b.must(http.StatusOK, b.do(http.MethodGet, "/api/screener-sets", u.token, nil))["items"].([]any)
	require.Len(t, items, 2)
	require.Equal(t, "a-1", items[0].(map[string]any)["name"])

	// Another user sees none of them.
	require.Empty(t, b.must(http.StatusOK, b.do(http.MethodGet, "/api/screener-sets", other.token, nil))["items"])
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/api/screener-sets/tech", other.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodDelete, "/api/screener-sets/tech", other.token, nil).status)

	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("T%d", i)
	}
	for _, tc := range []struct {
		path  string
		body  any
		where string
	}{
		{"/api/screener-sets/Tech", map[string]any{"symbols": []string{"AAPL"}}, "path.name"},
		{"/api/screener-sets/_x", map[string]any{"symbols": []string{"AAPL"}}, "path.name"},
		{"/api/screener-sets/tech", map[string]any{"symbols": []string{}}, "body.symbols"},
		{"/api/screener-sets/tech", map[string]any{}, "body"}, // "expected required property symbols"
		{"/api/screener-sets/tech", map[string]any{"symbols": []string{"AAPL", "AA PL"}}, "body.symbols[1]"},
		{"/api/screener-sets/tech", map[string]any{"symbols": []string{"ABCDEFGHIJKLMNOP"}}, "body.symbols[0]"},
		{"/api/screener-sets/tech", map[string]any{"symbols": many}, "body.symbols"},
	} {
		b.problemAt(http.StatusUnprocessableEntity, b.do(http.MethodPut, tc.path, u.token, tc.body), tc.where)
	}
	require.Equal(t, []any{"TSLA"}, b.must(http.StatusOK, b.do(http.MethodGet, "/api/screener-sets/tech", u.token, nil))["symbols"])

	b.must(http.StatusNoContent, b.do(http.MethodDelete, "/api/screener-sets/tech", u.token, nil))
	require.Equal(t, http.StatusNotFound, b.do(http.MethodDelete, "/api/screener-sets/tech", u.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/api/screener-sets/tech", u.token, nil).status)
	require.Equal(t, 3, b.audits("screener_set.put"))
	require.Equal(t, 1, b.audits("screener_set.delete"))
}
