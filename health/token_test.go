package health

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbtest"
)

// With a status_token, every status endpoint needs it; without one they
// stay open.
func TestStatusToken(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("vigil_up 1\n")) })
	get := func(h http.Handler, path, auth string) int {
		t.Helper()
		srv := httptest.NewServer(h)
		defer srv.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	locked := (&Status{Pool: d.Pool, Logger: slog.New(slog.DiscardHandler), Metrics: metrics, Token: "s3cret"}).Handler()
	open := (&Status{Pool: d.Pool, Logger: slog.New(slog.DiscardHandler), Metrics: metrics}).Handler()
	for _, path := range []string{"/health", "/stats", "/metrics"} {
		require.Equal(t, http.StatusUnauthorized, get(locked, path, ""), path)
		require.Equal(t, http.StatusUnauthorized, get(locked, path, "Bearer wrong"), path)
		require.Equal(t, http.StatusUnauthorized, get(locked, path, "s3cret"), path)
		require.Equal(t, http.StatusOK, get(locked, path, "Bearer s3cret"), path)
		require.Equal(t, http.StatusOK, get(open, path, ""), path)
	}
}
