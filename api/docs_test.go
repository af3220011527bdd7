package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenAPIAndDocs(t *testing.T) {
	t.Parallel()
	b := setup(t)

	spec := b.must(http.StatusOK, b.do(http.MethodGet, "/openapi.json", "", nil))
	require.Equal(t, "3.1.0", spec["openapi"])
	paths := spec["paths"].(map[string]any)
	for _, p := range []string{"/api/schedules", "/api/schedules/{id}", "/api/schedules/{id}/trigger", "/api/schedules/{id}/pause",
		"/api/schedules/{id}/resume", "/api/schedules/{id}/preview", "/api/schedules/{id}/backfill", "/api/runs", "/api/runs/{id}",
		"/api/runs/stats", "/api/notify", "/api/notifications", "/api/v1/health", "/api/v1/health/systems",
		"/api/v1/health/system/{system_name}", "/api/v1/health/unhealthy", "/api/runs/{id}/artifacts", "/api/runs/{id}/artifacts/{name}",
		"/api/reports/run", "/api/screeners/run", "/api/screener-sets", "/api/screener-sets/{name}", "/api/portfolios",
		"/api/portfolios/{id}", "/api/portfolios/{id}/holdings/{symbol}"} {
		require.Contains(t, paths, p)
	}
	schemes := spec["components"].(map[string]any)["securitySchemes"].(map[string]any)
	require.Contains(t, schemes, "bearer")

	r := b.do(http.MethodGet, "/openapi.yaml", "", nil)
	require.Equal(t, http.StatusOK, r.status)
	require.Contains(t, string(r.raw), "openapi: 3.1.0")
	v30 := b.must(http.StatusOK, b.do(http.MethodGet, "/openapi-3.0.json", "", nil))
	require.Equal(t, "3.0.3", v30["openapi"])

	page := b.do(http.MethodGet, "/docs", "", nil)
	require.Equal(t, http.StatusOK, page.status)
	require.Contains(t, page.header.Get("Content-Type"), "text/html")
	html := string(page.raw)
	require.Contains(t, html, "/docs/swagger-ui-bundle.js")
	require.NotContains(t, html, "https://", "the docs page loads nothing from a CDN")
	for _, f := range []string{"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/init.js", "/docs/LICENSE-swagger-ui"} {
		r := b.do(http.MethodGet, f, "", nil)
		require.Equal(t, http.StatusOK, r.status, f)
		require.NotEmpty(t, r.raw, f)
	}
	init := string(b.do(http.MethodGet, "/docs/init.js", "", nil).raw)
	require.Contains(t, init, "/openapi.json")
	require.True(t, strings.HasPrefix(b.do(http.MethodGet, "/docs/swagger-ui.css", "", nil).header.Get("Content-Type"), "text/css"))
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/docs/nope.js", "", nil).status)
}
