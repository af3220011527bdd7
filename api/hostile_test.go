package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
)

// hostileValue is a string sent into every string field.
type hostileValue struct {
	name  string
	value string
	// refused: the API must answer 4xx naming the field and store nothing.
	refused bool
	// legit: a legitimate name that fields without a pattern must accept
	// and store byte-exact.
	legit bool
}

var hostileValues = []hostileValue{
	{name: "nul", value: "a\x00b", refused: true},
	{name: "invalid-utf8", value: "a\xff\xfeb\xc3", refused: true}, // raw bytes in the JSON body, %FF in URLs
	{name: "1mb-emoji", value: strings.Repeat("😀", 1<<18)},         // 1 MiB: over the body and header limits
	{name: "rtl", value: "\u202Egnp.exe\u200F name", legit: true},
	{name: "sql", value: "'; DROP TABLE job_schedules; --", legit: true},
	{name: "html", value: "<script>alert(1)</script>", legit: true},
	{name: "emoji", value: "📈 AAPL 🚀👍🏽👨‍👩‍👧", legit: true},
}

// hostileReq is one request of an operation: the values of its path,
// query and header parameters and its JSON body (nil for none).
type hostileReq struct {
	path   map[string]string
	query  map[string]string
	header map[string]string
	body   map[string]any
}

// hostileFixture builds a valid request of an operation for a fresh user
// (and the resources it needs), so that a hostile value in one field is the
// only thing wrong with it.
type hostileFixture struct {
	build func(b *bundle, u user) hostileReq
	// stored returns what the request stored, read back (nil when there is
	// nothing to read); roundTrip maps a field's location to where its
	// value is in it. Legitimate values in those fields must be accepted
	// and read back byte-exact.
	stored    func(b *bundle, u user, req hostileReq, r resp) map[string]any
	roundTrip map[string]string
	// patterned are fields whose pattern allows none of the hostile
	// values (portfolio and screener set names: a-z 0-9 _ -): each must be
	// refused with 422 naming the field, storing nothing.
	patterned []string
	// admin makes the fresh user an admin (admin-only operations).
	admin bool
}

var hostileUsers atomic.Int64

func TestHostileStrings(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{kinds: adhocKinds.kinds, cfg: func(c *config.Config) {
		c.MaxSchedulesPerUser = 1000
		c.SecretKey = testSecretKey // rotate-webhook-secret answers 409 without one
	}})
	doc := b.openAPI()
	fixtures := hostileFixtures()

	ops := doc.operations()
	require.NotEmpty(t, ops)
	covered, roundTripped := 0, 0
	for _, op := range ops {
		fx, ok := fixtures[op.ID]
		require.True(t, ok, "operation %s has no fixture in hostileFixtures: add one", op.ID)

		// The fixture itself is accepted: the hostile values below hit the
		// same path through the handler.
		u := b.freshUser(fx.admin)
		base := fx.build(b, u)
		r := b.send(op, u, base)
		require.Less(t, r.status, 300, "%s: the fixture is refused: %s", op.ID, r.raw)

		fields := doc.stringFields(op, base)
		for _, f := range fields {
			for _, hv := range hostileValues {
				if f.in == "header" && strings.ContainsRune(hv.value, 0) {
					continue // HTTP cannot carry NUL in a header (Go's client refuses to send it)
				}
				name := op.ID + "/" + f.location() + "/" + hv.name
				t.Run(name, func(t *testing.T) {
					sb := *b
					sb.t = t
					u := sb.freshUser(fx.admin)
					req := fx.build(&sb, u)
					req.set(f, hv.value)
					patterned := hv.legit && slices.Contains(fx.patterned, f.location())
					var before map[string]int
					if hv.refused || patterned {
						before = sb.rowCounts()
					}
					r := sb.send(op, u, req)
					covered++
					require.Less(t, r.status, 500, "%s: %s", name, r.raw)
					if hv.refused {
						require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", name, r.raw)
						require.Contains(t, r.errLocations(t), f.location(), "%s: the problem names the field: %s", name, r.raw)
						require.Equal(t, before, sb.rowCounts(), "%s: a refused request stores nothing", name)
						return
					}
					if patterned {
						require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", name, r.raw)
						require.Contains(t, r.errLocations(t), f.location(), "%s: the problem names the field: %s", name, r.raw)
						require.Equal(t, before, sb.rowCounts(), "%s: a refused request stores nothing", name)
						return
					}
					where, check := fx.roundTrip[f.location()]
					if !hv.legit || !check {
						return
					}
					require.Less(t, r.status, 300, "%s: a legitimate value is refused: %s", name, r.raw)
					got := lookup(fx.stored(&sb, u, req, r), where)
					require.Equal(t, hv.value, got, "%s: stored byte-exact", name)
					roundTripped++
				})
			}
		}
	}
	require.Greater(t, covered, 300, "hostile requests sent")
	require.GreaterOrEqual(t, roundTripped, 40, "legitimate values read back")
	// Every field the test must round-trip is a field it found.
	for id, fx := range fixtures {
		op, ok := doc.operation(id)
		require.True(t, ok, "fixture of unknown operation %s", id)
		fields := doc.stringFields(op, fx.build(b, b.freshUser(fx.admin)))
		for _, loc := range append(slices.Collect(maps.Keys(fx.roundTrip)), fx.patterned...) {
			require.True(t, slices.ContainsFunc(fields, func(f hostileField) bool { return f.location() == loc }),
				"%s: round-trip field %s is not a string field of the operation", id, loc)
		}
	}
}

func (b *bundle) freshUser(admin bool) user {
	return b.user(fmt.Sprintf("hostile-%d", hostileUsers.Add(1)), userOpts{admin: admin})
}

// hostileFixtures has a fixture for every operation of the API.
func hostileFixtures() map[string]hostileFixture {
	none := func(*bundle, user) hostileReq { return hostileReq{} }
	schedule := func(b *bundle, u user) hostileReq {
		return hostileReq{path: map[string]string{"id": strconv.FormatInt(b.schedule(u, notifySchedule(u.id, "0 9 * * *")), 10)}}
	}
	scheduleWith := func(body map[string]any) func(*bundle, user) hostileReq {
		return func(b *bundle, u user) hostileReq {
			r := schedule(b, u)
			r.body = body
			return r
		}
	}
	run := func(b *bundle, u user) hostileReq {
		id := b.run(u, b.schedule(u, notifySchedule(u.id, "0 9 * * *")))
		return hostileReq{path: map[string]string{"id": strconv.FormatInt(id, 10)}}
	}
	portfolio := func(b *bundle, u user) hostileReq {
		p := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/portfolios", u.token, map[string]any{"name": "main",
			"holdings": []any{map[string]any{"symbol": "AAPL", "quantity": 1, "cost_basis": 100}}}))
		return hostileReq{path: map[string]string{"id": strconv.FormatInt(int64(p["id"].(float64)), 10), "symbol": "AAPL"}}
	}
	screenerSet := func(b *bundle, u user) hostileReq {
		b.must(http.StatusOK, b.do(http.MethodPut, "/api/screener-sets/tech", u.token, map[string]any{"symbols": []string{"AAPL"}}))
		return hostileReq{path: map[string]string{"name": "tech"}}
	}
	bot := func(b *bundle, u user) hostileReq {
		r := b.must(http.StatusCreated, b.do(http.MethodPost, "/api/bots", u.token, map[string]any{"name": "demo",
			"strategy": "sma_cross", "symbols": []any{"AAPL"}, "timeframe": "1m"}))
		return hostileReq{path: map[string]string{"id": strconv.FormatInt(int64(r["id"].(float64)), 10)}}
	}
	botDef := map[string]any{"name": "demo", "strategy": "sma_cross", "params": map[string]any{"fast": 3, "slow": 8},
		"symbols": []any{"AAPL"}, "timeframe": "1m", "broker": "paper", "state": "stopped"}
	readSchedule := func(b *bundle, u user, req hostileReq, r resp) map[string]any {
		id := req.path["id"]
		if id == "" {
			id = strconv.FormatInt(int64(r.json(b.t)["id"].(float64)), 10)
		}
		return b.must(http.StatusOK, b.do(http.MethodGet, "/api/schedules/"+id, u.token, nil))
	}
	scheduleFields := map[string]string{"body.name": "name", "body.target": "target", "body.task_params.message": "task_params.message"}
	notification := hostileFixture{
		build: func(_ *bundle, u user) hostileReq {
			return hostileReq{body: map[string]any{"user_id": u.id, "message": "hello", "priority": "normal", "notification_type": "alert"}}
		},
		// The queued job's arguments: what the worker delivers.
		stored: func(b *bundle, _ user, _ hostileReq, r resp) map[string]any {
			var args []byte
			require.NoError(b.t, b.pool.QueryRow(b.ctx, "SELECT args FROM river_job WHERE args->>'message_id' = $1",
				r.json(b.t)["message_id"]).Scan(&args))
			var m map[string]any
			require.NoError(b.t, json.Unmarshal(args, &m))
			return m
		},
		roundTrip: map[string]string{"body.message": "message"},
	}

	return map[string]hostileFixture{
		"create-schedule": {
			build:     func(_ *bundle, u user) hostileReq { return hostileReq{body: notifySchedule(u.id, "0 9 * * *")} },
			stored:    readSchedule,
			roundTrip: scheduleFields,
		},
		"replace-schedule": {
			build: func(b *bundle, u user) hostileReq {
				r := schedule(b, u)
				get := b.do(http.MethodGet, "/api/schedules/"+r.path["id"], u.token, nil)
				r.header = map[string]string{"If-Match": get.header.Get("ETag")}
				r.body = notifySchedule(u.id, "30 9 * * *")
				return r
			},
			stored:    readSchedule,
			roundTrip: scheduleFields,
		},
		"list-schedules": {build: func(*bundle, user) hostileReq {
			return hostileReq{query: map[string]string{"job_type": "notification", "enabled": "true"}}
		}},
		"get-schedule":     {build: schedule},
		"delete-schedule":  {build: schedule},
		"trigger-schedule": {build: scheduleWith(map[string]any{"force": true})},
		"pause-schedule": {
			build:     scheduleWith(map[string]any{"note": "holiday"}),
			stored:    readSchedule,
			roundTrip: map[string]string{"body.note": "paused_note"},
		},
		"resume-schedule":  {build: schedule},
		"preview-schedule": {build: schedule},
		"backfill-schedule": {build: scheduleWith(map[string]any{"from": "2026-01-01T00:00:00Z", "to": "2026-01-03T00:00:00Z",
			"dry_run": true})},

		"run-alert": {build: func(*bundle, user) hostileReq {
			return hostileReq{body: map[string]any{"ticker": "AAPL", "timeframe": "1d",
				"rule":   map[string]any{"indicator": "close", "operator": ">", "value": 1},
				"notify": map[string]any{"channels": []any{"telegram"}}}}
		}},

		"backtest-alert": {build: func(*bundle, user) hostileReq {
			return hostileReq{body: map[string]any{"config": map[string]any{"ticker": "AAPL", "timeframe": "1d",
				"rule":   map[string]any{"indicator": "close", "operator": ">", "value": 1},
				"notify": map[string]any{"channels": []any{"telegram"}}},
				"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}}
		}},

		"get-run-stats": {build: func(*bundle, user) hostileReq {
			return hostileReq{query: map[string]string{"job_type": "notification"}}
		}},
		"list-runs": {build: func(*bundle, user) hostileReq {
			return hostileReq{query: map[string]string{"job_type": "notification", "status": "PENDING",
				"from": "2026-01-01T00:00:00Z", "to": "2099-01-01T00:00:00Z"}}
		}},
		"get-run": {build: run},
		"cancel-run": {
			build: func(b *bundle, u user) hostileReq {
				r := run(b, u)
				r.query = map[string]string{"reason": "not needed"}
				return r
			},
			stored:    func(b *bundle, _ user, _ hostileReq, r resp) map[string]any { return r.json(b.t) },
			roundTrip: map[string]string{"query.reason": "error"},
		},
		"list-run-artifacts": {build: run},
		"get-run-artifact": {build: func(b *bundle, u user) hostileReq {
			r := run(b, u)
			id, _ := strconv.ParseInt(r.path["id"], 10, 64)
			b.artifact(id, "chart.png", 100)
			r.path["name"] = "chart.png"
			r.header = map[string]string{"If-None-Match": `"0000"`}
			return r
		}},

		"run-report": {build: func(*bundle, user) hostileReq {
			return hostileReq{body: map[string]any{"report_type": "daily_summary",
				"parameters": map[string]any{"symbols": []any{"AAPL"}, "timeframe": "1d"}}}
		}},
		"run-screener": {build: func(*bundle, user) hostileReq {
			return hostileReq{body: map[string]any{"screener_set": "custom", "tickers": []any{"AAPL", "MSFT"}, "rank_by": "market_cap", "top_n": 5}}
		}},

		"list-screener-sets":  {build: none},
		"get-screener-set":    {build: screenerSet},
		"delete-screener-set": {build: screenerSet},
		"put-screener-set": {
			build: func(*bundle, user) hostileReq {
				return hostileReq{path: map[string]string{"name": "tech"}, body: map[string]any{"symbols": []any{"AAPL", "MSFT"}}}
			},
			patterned: []string{"path.name"},
		},

		"list-portfolios": {build: none},
		"create-portfolio": {
			build: func(*bundle, user) hostileReq {
				return hostileReq{body: map[string]any{"name": "retirement", "currency": "USD",
					"holdings": []any{map[string]any{"symbol": "AAPL", "quantity": 2, "cost_basis": 150}}}}
			},
			patterned: []string{"body.name", "body.currency"},
		},
		"get-portfolio":    {build: portfolio},
		"delete-portfolio": {build: portfolio},
		"put-portfolio-holding": {build: func(b *bundle, u user) hostileReq {
			r := portfolio(b, u)
			r.path["symbol"] = "MSFT"
			r.body = map[string]any{"quantity": 3, "cost_basis": 200}
			return r
		}},
		"delete-portfolio-holding": {build: portfolio},

		"run-backtest": {build: func(*bundle, user) hostileReq {
			return hostileReq{body: map[string]any{"strategy": "sma_cross", "params": map[string]any{"fast": 2, "slow": 5},
				"symbol": "AAPL", "timeframe": "1d", "from": "2025-01-01", "to": "2025-03-01", "cash": 1000, "fee_bps": 10,
				"allow_short": true}}
		}},

		"list-bots":        {build: none},
		"create-bot":       {build: func(*bundle, user) hostileReq { return hostileReq{body: botDef} }, patterned: []string{"body.name"}},
		"get-bot":          {build: bot},
		"delete-bot":       {build: bot},
		"start-bot":        {build: bot},
		"stop-bot":         {build: bot},
		"stop-bot-entries": {build: bot},
		"list-bot-orders":  {build: bot},
		"list-bot-trades":  {build: bot},
		"replace-bot": {build: func(b *bundle, u user) hostileReq {
			r := bot(b, u)
			r.body = botDef
			return r
		}},
		"get-bot-equity": {build: func(b *bundle, u user) hostileReq {
			r := bot(b, u)
			r.query = map[string]string{"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}
			return r
		}},
		"force-exit-bot": {build: func(b *bundle, u user) hostileReq {
			r := bot(b, u)
			id, _ := strconv.ParseInt(r.path["id"], 10, 64)
			b.exec(`UPDATE trading_bots SET engine_state = '{"cash": "0", "positions": {"AAPL": {"symbol": "AAPL",
				"quantity": "1", "avg_cost": "1", "last_close": 1}}, "next_order_id": 1, "halted_day": -1}' WHERE id = $1`, id)
			r.body = map[string]any{"symbol": "AAPL"}
			return r
		}},

		"notify":                notification,
		"create-notification":   notification,
		"rotate-webhook-secret": {build: none},
		"put-my-alpaca": {build: func(*bundle, user) hostileReq {
			return hostileReq{body: map[string]any{"key_id": "PKTEST12345678", "secret_key": "s3cret", "paper": true}}
		}, patterned: []string{"body.key_id", "body.secret_key"}},
		"get-my-alpaca":    {build: alpacaKey},
		"delete-my-alpaca": {build: alpacaKey},
		"get-my-email":     {build: none},
		"delete-my-email":  {build: none},
		"put-my-email": {build: func(_ *bundle, u user) hostileReq {
			return hostileReq{body: map[string]any{"email": fmt.Sprintf("user%d@example.com", u.id)}}
		}},
		"confirm-my-email": {build: func(b *bundle, u user) hostileReq {
			addr := fmt.Sprintf("user%d@example.com", u.id)
			b.must(http.StatusAccepted, b.do(http.MethodPut, "/api/me/email", u.token, map[string]any{"email": addr}))
			return hostileReq{body: map[string]any{"code": b.mailedCode(addr, 1)}}
		}},

		"get-my-preferences": {build: none},
		"put-my-preferences": {build: func(_ *bundle, _ user) hostileReq {
			return hostileReq{body: map[string]any{"types": map[string]any{"alert": map[string]any{"mode": "silent"}},
				"quiet_hours": map[string]any{"start": "22:00", "end": "07:00"}}}
		}},

		"rotate-tradingview-token": {build: none},
		"tradingview-webhook": {
			build: func(b *bundle, u user) hostileReq {
				tok := b.must(http.StatusOK, b.do(http.MethodPost, "/api/me/tradingview-token", u.token, nil))
				return hostileReq{path: map[string]string{"token": tok["token"].(string)},
					body: map[string]any{"message": "AAPL crossed 200", "ticker": "AAPL", "price": 187.5}}
			},
			// The queued job's alert: what the worker notifies.
			stored: func(b *bundle, u user, _ hostileReq, _ resp) map[string]any {
				var args []byte
				require.NoError(b.t, b.pool.QueryRow(b.ctx, "SELECT args FROM river_job WHERE kind = 'tradingview_alert' AND (args->>'user_id')::bigint = $1",
					u.id).Scan(&args))
				var m map[string]any
				require.NoError(b.t, json.Unmarshal(args, &m))
				return m
			},
			roundTrip: map[string]string{"body.message": "alert.message"},
		},

		"get-health":            {build: none},
		"list-health-systems":   {build: none},
		"list-health-unhealthy": {build: none},
		"get-health-system": {build: func(b *bundle, _ user) hostileReq {
			b.exec(`INSERT INTO msg_system_health (system, component, status) VALUES ('scheduler', 'db', 'HEALTHY')`)
			return hostileReq{path: map[string]string{"system_name": "scheduler"}}
		}},

		"list-audit": {build: func(*bundle, user) hostileReq {
			return hostileReq{query: map[string]string{"action": "schedule.create", "entity": "schedule", "entity_id": "1",
				"since": "2026-01-01T00:00:00Z", "until": "2099-01-01T00:00:00Z"}}
		}},
		"list-incidents": {admin: true, build: func(*bundle, user) hostileReq {
			return hostileReq{query: map[string]string{"state": "all"}}
		}},
	}
}

// alpacaKey stores an Alpaca key for u (the GET and DELETE fixtures).
func alpacaKey(b *bundle, u user) hostileReq {
	b.must(http.StatusOK, b.do(http.MethodPut, "/api/me/brokers/alpaca", u.token, map[string]any{"key_id": "PKTEST12345678",
		"secret_key": "s3cret"}))
	return hostileReq{}
}

// lookup returns the value at a dotted path (a.b.c) of a decoded document.
func lookup(doc map[string]any, path string) any {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// hostileField is one string field of an operation: a parameter, or a
// property of the body at a path of keys and array indexes.
type hostileField struct {
	in   string // path, query, header, body
	name string // the parameter
	path []any  // the body property: string keys and int indexes
}

// location is the field as problem documents name it: body.a.b[0],
// query.cursor, path.name.
func (f hostileField) location() string {
	if f.in != "body" {
		return f.in + "." + f.name
	}
	var b strings.Builder
	b.WriteString("body")
	for _, p := range f.path {
		switch p := p.(type) {
		case string:
			b.WriteString("." + p)
		case int:
			b.WriteString("[" + strconv.Itoa(p) + "]")
		}
	}
	return b.String()
}

// set puts v into the field of r, creating the objects and arrays on the
// way.
func (r *hostileReq) set(f hostileField, v string) {
	switch f.in {
	case "path":
		r.path = clone(r.path)
		r.path[f.name] = v
	case "query":
		r.query = clone(r.query)
		r.query[f.name] = v
	case "header":
		r.header = clone(r.header)
		r.header[f.name] = v
	case "body":
		r.body = setPath(r.body, f.path, v).(map[string]any)
	}
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// setPath returns a copy of doc with v at path.
func setPath(doc any, path []any, v string) any {
	if len(path) == 0 {
		return v
	}
	switch k := path[0].(type) {
	case string:
		m, _ := doc.(map[string]any)
		out := make(map[string]any, len(m)+1)
		for key, val := range m {
			out[key] = val
		}
		out[k] = setPath(out[k], path[1:], v)
		return out
	case int:
		a, _ := doc.([]any)
		out := slices.Clone(a)
		for len(out) <= k {
			out = append(out, nil)
		}
		out[k] = setPath(out[k], path[1:], v)
		return out
	}
	panic(fmt.Sprintf("bad path element %v", path[0]))
}

// rawJSONString writes s as a JSON string, escaping only what JSON
// requires: bytes that are not UTF-8 stay raw (json.Marshal would replace
// them with U+FFFD) and NUL becomes \u0000.
func rawJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// rawJSON encodes v (maps with sorted keys, slices, strings, numbers,
// bools) with rawJSONString for strings.
func rawJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		rawJSONString(b, v)
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			rawJSONString(b, k)
			b.WriteByte(':')
			rawJSON(b, v[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			rawJSON(b, e)
		}
		b.WriteByte(']')
	default:
		buf, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		b.Write(buf)
	}
}

// send makes req to op with u's token.
func (b *bundle) send(op apiOperation, u user, req hostileReq) resp {
	b.t.Helper()
	path := op.Path
	for k, v := range req.path {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	require.NotContains(b.t, path, "{", "%s: a path parameter has no value", op.ID)
	if len(req.query) > 0 {
		q := url.Values{}
		for k, v := range req.query {
			q.Set(k, v)
		}
		path += "?" + q.Encode()
	}
	var body io.Reader
	if req.body != nil {
		var sb strings.Builder
		rawJSON(&sb, req.body)
		body = strings.NewReader(sb.String())
	}
	hreq, err := http.NewRequestWithContext(b.ctx, op.Method, b.srv.URL+path, body)
	require.NoError(b.t, err)
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		hreq.Header.Set(k, v)
	}
	hreq.Header.Set("Authorization", "Bearer "+u.token)
	res, err := b.http.Do(hreq)
	require.NoError(b.t, err, "%s %s", op.Method, path)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return resp{status: res.StatusCode, header: res.Header, raw: raw}
}

// apiDoc is the OpenAPI document the server serves, decoded.
type apiDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*apiSchema `json:"schemas"`
	} `json:"components"`
}

// apiOperation is one operation of the document.
type apiOperation struct {
	ID         string `json:"operationId"`
	Method     string `json:"-"`
	Path       string `json:"-"`
	Parameters []struct {
		Name   string     `json:"name"`
		In     string     `json:"in"`
		Schema *apiSchema `json:"schema"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *apiSchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

// apiSchema is the part of a JSON schema the test walks.
type apiSchema struct {
	Ref        string                `json:"$ref"`
	Type       any                   `json:"type"` // "string" or ["array", "null"]
	Properties map[string]*apiSchema `json:"properties"`
	Items      *apiSchema            `json:"items"`
}

func (s *apiSchema) is(typ string) bool {
	switch t := s.Type.(type) {
	case string:
		return t == typ
	case []any:
		return slices.Contains(t, any(typ))
	}
	return false
}

// openAPI fetches the live document of the test server.
func (b *bundle) openAPI() *apiDoc {
	b.t.Helper()
	r := b.do(http.MethodGet, "/openapi.json", "", nil)
	require.Equal(b.t, http.StatusOK, r.status)
	var doc apiDoc
	require.NoError(b.t, json.Unmarshal(r.raw, &doc))
	return &doc
}

// operations lists the operations by id.
func (d *apiDoc) operations() []apiOperation {
	var ops []apiOperation
	for path, methods := range d.Paths {
		for method, raw := range methods {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
			default:
				continue
			}
			var op apiOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				panic(err)
			}
			op.Method, op.Path = strings.ToUpper(method), path
			ops = append(ops, op)
		}
	}
	slices.SortFunc(ops, func(a, b apiOperation) int { return strings.Compare(a.ID, b.ID) })
	return ops
}

func (d *apiDoc) operation(id string) (apiOperation, bool) {
	for _, op := range d.operations() {
		if op.ID == id {
			return op, true
		}
	}
	return apiOperation{}, false
}

func (d *apiDoc) resolve(s *apiSchema) *apiSchema {
	for s != nil && s.Ref != "" {
		s = d.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

// stringFields lists the string fields of op: its string parameters, the
// string properties of its body schema (nested objects and arrays
// included), and the strings of the fixture's body the schema leaves open
// (task_params, an alert config).
func (d *apiDoc) stringFields(op apiOperation, base hostileReq) []hostileField {
	var fields []hostileField
	seen := map[string]bool{}
	add := func(f hostileField) {
		if !seen[f.location()] {
			seen[f.location()] = true
			fields = append(fields, f)
		}
	}
	for _, p := range op.Parameters {
		s := d.resolve(p.Schema)
		if s != nil && (s.is("string") || s.is("array") && s.Items != nil && d.resolve(s.Items).is("string")) {
			add(hostileField{in: p.In, name: p.Name})
		}
	}
	if op.RequestBody != nil {
		if c, ok := op.RequestBody.Content["application/json"]; ok {
			d.schemaStrings(d.resolve(c.Schema), nil, 0, func(path []any) { add(hostileField{in: "body", path: path}) })
		}
	}
	if base.body != nil {
		bodyStrings(base.body, nil, func(path []any) { add(hostileField{in: "body", path: path}) })
	}
	return fields
}

func (d *apiDoc) schemaStrings(s *apiSchema, path []any, depth int, found func([]any)) {
	if s == nil || depth > 8 {
		return
	}
	switch {
	case s.is("string"):
		found(slices.Clone(path))
	case s.is("array") && s.Items != nil:
		d.schemaStrings(d.resolve(s.Items), append(path, 0), depth+1, found)
	}
	for _, k := range sortedKeys(s.Properties) {
		d.schemaStrings(d.resolve(s.Properties[k]), append(slices.Clone(path), k), depth+1, found)
	}
}

func bodyStrings(v any, path []any, found func([]any)) {
	switch v := v.(type) {
	case string:
		found(slices.Clone(path))
	case []any:
		for i, e := range v {
			bodyStrings(e, append(slices.Clone(path), i), found)
		}
	case []string:
		for i := range v {
			found(append(slices.Clone(path), i))
		}
	case map[string]any:
		for _, k := range sortedKeys(v) {
			bodyStrings(v[k], append(slices.Clone(path), k), found)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestHostileAlertActionBot sends every hostile value as the bot of an
// alert's notify.actions: none names one of the owner's bots, so each is
// refused with a 422 naming notify.actions[0].bot (the 1 MiB one may
// instead be over the body limit), and nothing is stored.
func TestHostileAlertActionBot(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("alice", userOpts{})
	require.Equal(t, http.StatusCreated, b.do(http.MethodPost, "/api/bots", u.token, jsonBody(t, botBody)).status)
	for _, hv := range hostileValues {
		before := b.rowCounts()
		r := b.do(http.MethodPost, "/api/schedules", u.token, alertWithActions(hv.value))
		require.GreaterOrEqual(t, r.status, 400, "%s: %s", hv.name, r.raw)
		require.Less(t, r.status, 500, "%s: %s", hv.name, r.raw)
		if r.status != http.StatusRequestEntityTooLarge {
			require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", hv.name, r.raw)
			// The text check spells the path body.task_params.notify.actions[0].bot, the schema and
			// the lookup body.task_params/notify/actions/0/bot: both name the field.
			locs := r.errLocations(t)
			require.True(t, slices.Contains(locs, "body.task_params/notify/actions/0/bot") ||
				slices.Contains(locs, "body.task_params.notify.actions[0].bot"), "%s: %s", hv.name, r.raw)
		}
		require.Equal(t, before, b.rowCounts(), "%s: a refused schedule stores nothing", hv.name)
	}
	b.must(http.StatusCreated, b.do(http.MethodPost, "/api/schedules", u.token, alertWithActions("sma-demo")))
}
