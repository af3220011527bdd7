package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// rowCounts counts the rows of every table but River's bookkeeping of
// clients and leadership, which changes on its own.
func (b *bundle) rowCounts() map[string]int {
	b.t.Helper()
	rows, err := b.pool.Query(b.ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
		AND tablename NOT IN ('river_leader', 'river_client', 'river_client_queue', 'river_migration') ORDER BY 1`)
	require.NoError(b.t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(b.t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(b.t, rows.Err())
	counts := make(map[string]int, len(tables))
	for _, name := range tables {
		counts[name] = b.count(`SELECT count(*) FROM "` + name + `"`)
	}
	return counts
}

// problemDetails returns errors[].location → message of a problem document.
func (r resp) problemDetails(t *testing.T) map[string]string {
	t.Helper()
	locs := r.errLocations(t)
	m := r.json(t)
	out := make(map[string]string, len(locs))
	errs, _ := m["errors"].([]any)
	for i, l := range locs {
		out[l] = errs[i].(map[string]any)["message"].(string)
	}
	return out
}

func TestTextRefusedBeforeTheDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("alice", userOpts{})
	tables := b.rowCounts()

	// A schedule name with NUL (the JSON escape) was a 500 from PostgreSQL.
	body := notifySchedule(u.id, "0 9 * * *")
	body["name"] = "a\u0000b"
	r := b.do(http.MethodPost, "/api/schedules", u.token, body)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, map[string]string{"body.name": "must not contain NUL (U+0000), found at byte 1"}, r.problemDetails(t))
	require.Contains(t, r.header.Get("Content-Type"), "application/problem+json")

	// Raw bytes that are not UTF-8 (encoding/json would turn them into
	// U+FFFD), a NUL deep in task_params, and a key: every one is named.
	raw := `{"name":"ok` + "\xff" + `","job_type":"notification","target":"me","cron":"0 9 * * *",` +
		`"task_params":{"user_id":1,"message":"x\u0000"},"timezone":"UTC` + "\xc3" + `"}`
	r = b.do(http.MethodPost, "/api/schedules", u.token, raw)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, map[string]string{
		"body.name":                "must be valid UTF-8, found byte 0xFF at byte 2",
		"body.task_params.message": "must not contain NUL (U+0000), found at byte 1",
		"body.timezone":            "must be valid UTF-8, found byte 0xC3 at byte 3",
	}, r.problemDetails(t))

	// The notify message, as the issue reported it.
	r = b.do(http.MethodPost, "/api/notify", u.token, `{"user_id":1,"message":"a\u0000b"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.message"}, r.errLocations(t))

	// A lone surrogate escape, which jsonb refuses in task_params.
	body = notifySchedule(u.id, "0 9 * * *")
	r = b.do(http.MethodPost, "/api/schedules", u.token,
		strings.Replace(string(mustJSON(t, body)), `"message":"ping"`, `"message":"\ud800"`, 1))
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"body.task_params.message"}, r.errLocations(t))

	// Path, query and header parameters.
	r = b.do(http.MethodGet, "/api/screener-sets/a%00b", u.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"path.name"}, r.errLocations(t))
	r = b.do(http.MethodGet, "/api/audit?action=x%FFy&entity=ok", u.token, nil)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, map[string]string{"query.action": "must be valid UTF-8, found byte 0xFF at byte 1"}, r.problemDetails(t))
	r = b.do(http.MethodDelete, "/api/schedules/1", u.token, nil, "If-Match", "\"\xff\"")
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))
	require.Equal(t, []string{"header.If-Match"}, r.errLocations(t))

	// Before authentication: no token lookup either.
	r = b.do(http.MethodPost, "/api/notify", "", `{"user_id":1,"message":"a\u0000b"}`)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, string(r.raw))

	require.Equal(t, tables, b.rowCounts(), "a refused request stores nothing")
}

func TestTextAcceptedAndLimitsKept(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("alice", userOpts{})

	// Escapes that decode to storable text pass, byte-exact.
	body := notifySchedule(u.id, "0 9 * * *")
	raw := strings.Replace(string(mustJSON(t, body)), `"name":"ping"`, `"name":"caf\u00e9 \ud83d\udcc8 \\u0000"`, 1)
	s := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", u.token, raw))
	require.Equal(t, "café 📈 \\u0000", s["name"])

	// A body over the limit is still huma's 413, and a bad body huma's 4xx.
	huge := `{"user_id":1,"message":"` + strings.Repeat("x", 1<<20) + `\u0000"}`
	r := b.do(http.MethodPost, "/api/notify", u.token, huge)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status, string(r.raw))
	r = b.do(http.MethodPost, "/api/notify", u.token, `{"user_id":1,"message":`)
	require.Equal(t, http.StatusBadRequest, r.status, string(r.raw))
	r = b.do(http.MethodPost, "/api/notify", u.token, `{"user_id":1,"message":"fine"}`)
	require.Equal(t, http.StatusAccepted, r.status, string(r.raw))
}

// River UI's own API answered 500 for a queue name or filter with NUL or
// bytes that are not UTF-8.
func TestTextRiverUI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.user("root", userOpts{admin: true})
	for _, c := range []struct{ method, path, body, want string }{
		{http.MethodGet, "/riverui/api/queues/a%00b", "", "path: must not contain NUL"},
		{http.MethodGet, "/riverui/api/queues/a%FFb", "", "path: must be valid UTF-8"},
		{http.MethodPut, "/riverui/api/queues/a%00b/pause", "{}", "path: must not contain NUL"},
		{http.MethodGet, "/riverui/api/jobs?state=available&kinds=a%00b", "", "query.kinds: must not contain NUL"},
		{http.MethodGet, "/riverui/api/jobs?state=available&queues=a%FF", "", "query.queues: must be valid UTF-8"},
		{http.MethodPost, "/riverui/api/jobs/cancel", `{"job_ids":["1\u0000"]}`, "body.job_ids[0]: must not contain NUL"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		r := b.do(c.method, c.path, admin.token, body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s %s: %s", c.method, c.path, r.raw)
		require.Contains(t, r.json(t)["message"], c.want, c.path)
	}
	// Good requests still reach the UI.
	r := b.do(http.MethodGet, "/riverui/api/jobs?state=available&kinds=notification", admin.token, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	r = b.do(http.MethodGet, "/riverui/api/queues/default", admin.token, nil)
	require.Less(t, r.status, 500, string(r.raw))
}
