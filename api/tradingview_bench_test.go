package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/api"
	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/db/dbtest"
	"github.com/vigilhq/vigil/db/store"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/tradingview"
)

// BenchmarkTradingViewHook is one TradingView webhook request through the
// real HTTP server: token check, body parse, rate limit, replay record,
// job insert and audit row in one transaction (TradingView allows 3 s).
//
//	go test -run '^$' -bench BenchmarkTradingViewHook -benchtime 2000x ./api/
func BenchmarkTradingViewHook(b *testing.B) {
	ctx := context.Background()
	d := dbtest.New(b)
	cfg := config.Default()
	cfg.TradingViewRateLimit = 1 << 30
	client, err := jobs.NewClient(jobs.Deps{Pool: d.Pool, Config: cfg})
	require.NoError(b, err)
	require.NoError(b, client.Start(ctx))
	defer func() { _ = client.Shutdown(ctx, time.Second) }()
	enq, err := jobs.NewEnqueuer(jobs.EnqueuerOpts{Pool: d.Pool, Client: client.Client, Config: cfg, Validator: validator, Kinds: client.Kinds})
	require.NoError(b, err)
	server, err := api.New(api.Options{Pool: d.Pool, Client: client, Enqueuer: enq, Config: cfg, Validator: validator})
	require.NoError(b, err)
	defer server.Close()
	srv := httptest.NewServer(server.Handler())
	defer srv.Close()
	u, err := dbsqlc.New().UserCreate(ctx, d.Pool, dbsqlc.UserCreateParams{Name: "bench", Status: "verified"})
	require.NoError(b, err)
	var tok tradingview.Token
	require.NoError(b, pgx.BeginFunc(ctx, d.Pool, func(tx pgx.Tx) error {
		tok, err = store.RotateTradingViewToken(ctx, tx, audit.Entry{Owner: u.ID, Source: audit.SourceCLI})
		return err
	}))
	url := srv.URL + store.TradingViewHookPath(tok.Value)
	hc := srv.Client()

	b.ResetTimer()
	for i := range b.N {
		body := `{"ticker": "AAPL", "price": ` + strconv.Itoa(100+i) + `, "message": "AAPL crossed the 200-day SMA"}`
		res, err := hc.Post(url, "text/plain; charset=utf-8", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
}
