package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// GET shows every type (default on) and the user's zone; PUT replaces the
// preferences, stores them (rows in notification_preferences, quiet hours
// on the user), audits each change, and a type left out goes back to the
// default.
func TestPreferencesAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := b.user("pia", userOpts{})
	chat := int64(7001)
	b.exec("UPDATE users SET telegram_chat_id = $1, timezone = 'Europe/Berlin' WHERE id = $2", chat, u.id)

	got := b.must(http.StatusOK, b.do(http.MethodGet, "/api/me/preferences", u.token, nil))
	require.Equal(t, "Europe/Berlin", got["timezone"])
	require.Nil(t, got["quiet_hours"])
	types := got["types"].(map[string]any)
	require.Len(t, types, 5)
	require.Equal(t, map[string]any{"mode": "on", "channels": []any{}, "default": true}, types["trade"])

	put := map[string]any{
		"types": map[string]any{
			"alert":  map[string]any{"mode": "silent", "channels": []string{"telegram"}},
			"system": map[string]any{"mode": "off"},
		},
		"quiet_hours": map[string]any{"start": "22:00", "end": "07:00"},
	}
	got = b.must(http.StatusOK, b.do(http.MethodPut, "/api/me/preferences", u.token, put))
	types = got["types"].(map[string]any)
	alert := types["alert"].(map[string]any)
	require.Equal(t, "silent", alert["mode"])
	require.Equal(t, []any{"telegram"}, alert["channels"])
	require.Equal(t, false, alert["default"])
	require.Equal(t, "off", types["system"].(map[string]any)["mode"])
	require.Equal(t, map[string]any{"start": "22:00", "end": "07:00"}, got["quiet_hours"])
	require.Equal(t, 1, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1 AND notification_type = 'alert' AND silent AND channels = '{telegram}'", u.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1 AND notification_type = 'system' AND NOT all_channels AND channels = '{}'", u.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM users WHERE id = $1 AND quiet_start = '22:00' AND quiet_end = '07:00'", u.id))
	require.Equal(t, 2, b.count("SELECT count(*) FROM audit_log WHERE owner_user_id = $1 AND action = 'user.preferences.set'", u.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE owner_user_id = $1 AND action = 'user.quiet_hours.set'", u.id))

	// The same PUT again changes nothing and audits nothing.
	b.must(http.StatusOK, b.do(http.MethodPut, "/api/me/preferences", u.token, put))
	require.Equal(t, 3, b.count("SELECT count(*) FROM audit_log WHERE owner_user_id = $1 AND action LIKE 'user.%'", u.id))

	// Leaving system out resets it; no quiet_hours clears them.
	got = b.must(http.StatusOK, b.do(http.MethodPut, "/api/me/preferences", u.token,
		map[string]any{"types": map[string]any{"alert": map[string]any{"mode": "silent", "channels": []string{"telegram"}}}}))
	require.Equal(t, true, got["types"].(map[string]any)["system"].(map[string]any)["default"])
	require.Nil(t, got["quiet_hours"])
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE owner_user_id = $1 AND action = 'user.preferences.reset'", u.id))
	require.Equal(t, 1, b.count("SELECT count(*) FROM audit_log WHERE owner_user_id = $1 AND action = 'user.quiet_hours.clear'", u.id))

	// Another user's preferences are untouched.
	other := b.user("oz", userOpts{})
	require.Equal(t, true, b.must(http.StatusOK, b.do(http.MethodGet, "/api/me/preferences", other.token, nil))["types"].(map[string]any)["alert"].(map[string]any)["default"])
}

// Bad choices are 422 naming the field, and nothing is stored.
func TestPreferencesAPIRefuses(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{channels: []string{"telegram", "webhook", "log"}})
	u := b.user("rex", userOpts{})
	b.exec("UPDATE users SET telegram_chat_id = 7002 WHERE id = $1", u.id)
	cases := []struct {
		name     string
		body     map[string]any
		location string
		msg      string
	}{
		{"unknown type", map[string]any{"types": map[string]any{"alerts": map[string]any{"mode": "on"}}}, "body.types.alerts", ""},
		{"unknown mode", map[string]any{"types": map[string]any{"alert": map[string]any{"mode": "loud"}}}, "body.types.alert.mode", ""},
		{"unknown channel", map[string]any{"types": map[string]any{"alert": map[string]any{"mode": "on", "channels": []string{"sms"}}}}, "body.types.alert.channels[0]", ""},
		{"not configured", map[string]any{"types": map[string]any{"report": map[string]any{"mode": "on", "channels": []string{"telegram", "email"}}}},
			"body.types.report.channels[1]", "email is not configured on this server (its operator has not set smtp_host)"},
		{"no address", map[string]any{"types": map[string]any{"trade": map[string]any{"mode": "silent", "channels": []string{"webhook"}}}},
			"body.types.trade.channels[0]", "you have no webhook URL: an operator sets one with vigil users update ID --webhook-url URL"},
		{"off with channels", map[string]any{"types": map[string]any{"system": map[string]any{"mode": "off", "channels": []string{"telegram"}}}},
			"body.types.system", "channels: off takes no channels (got telegram)"},
		{"bad time", map[string]any{"quiet_hours": map[string]any{"start": "25:00", "end": "07:00"}}, "body.quiet_hours.start",
			"is not HH:MM between 00:00 and 23:59"},
		{"empty window", map[string]any{"quiet_hours": map[string]any{"start": "07:00", "end": "07:00"}}, "body.quiet_hours.end",
			"equals quiet_start 07:00 (an empty window)"},
		{"not a time", map[string]any{"quiet_hours": map[string]any{"start": "10pm", "end": "07:00"}}, "body.quiet_hours.start", ""},
	}
	for _, c := range cases {
		r := b.do(http.MethodPut, "/api/me/preferences", u.token, c.body)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", c.name, r.raw)
		require.Contains(t, r.errLocations(t), c.location, "%s: %s", c.name, r.raw)
		if c.msg != "" {
			require.Contains(t, string(r.raw), c.msg, c.name)
		}
	}
	require.Zero(t, b.count("SELECT count(*) FROM notification_preferences WHERE user_id = $1", u.id))
	require.Zero(t, b.count("SELECT count(*) FROM users WHERE id = $1 AND quiet_start IS NOT NULL", u.id))
	require.Zero(t, b.count("SELECT count(*) FROM audit_log WHERE owner_user_id = $1", u.id))
}
