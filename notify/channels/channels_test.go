package channels_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/notify/channels"
	"github.com/vigilhq/vigil/schemas"
)

func schemaDoc(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := schemas.File(name)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	return doc
}

func path(t *testing.T, doc map[string]any, keys ...string) any {
	t.Helper()
	var v any = doc
	for _, k := range keys {
		m, ok := v.(map[string]any)
		require.True(t, ok, "%v at %s is not an object", keys, k)
		v = m[k]
	}
	return v
}

func strs(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// The schemas' channel enums, the notification types and the alert parser
// take the one list.
func TestSchemasKeepTheOneList(t *testing.T) {
	t.Parallel()
	common := schemaDoc(t, "common.v1.json")
	require.Equal(t, channels.All(), strs(path(t, common, "$defs", "channel", "enum")))
	require.EqualValues(t, len(channels.All()), path(t, common, "$defs", "channels", "maxItems"))
	require.Equal(t, "#/$defs/channels", path(t, common, "$defs", "alert_channels", "$ref"), "alerts share the list")

	note := schemaDoc(t, "notification.v1.json")
	require.Equal(t, "common.v1.json#/$defs/channels", path(t, note, "properties", "channels", "$ref"))
	require.Equal(t, notify.Types(), strs(path(t, note, "properties", "notification_type", "enum")))

	alert := schemaDoc(t, "alert.v1.json")
	raw, err := json.Marshal(alert)
	require.NoError(t, err)
	require.NotContains(t, string(raw), `"enum":["telegram"`, "no channel enum of its own")

	// The parser accepts every channel of the list (and refuses others).
	for _, name := range channels.All() {
		cfg, err := alerts.Parse([]byte(`{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "notification_channels": ["` + name + `"]}`))
		require.NoError(t, err, name)
		require.Equal(t, []string{name}, cfg.Notify.Channels)
	}
	_, err = alerts.Parse([]byte(`{"symbol": "AAPL", "condition": "price_above", "threshold": 1, "notification_channels": ["sms"]}`))
	require.Error(t, err)

	require.True(t, channels.OperatorOnly(channels.Log))
	for _, name := range channels.User() {
		require.False(t, channels.OperatorOnly(name), name)
		require.True(t, channels.Known(name))
	}
	require.False(t, channels.Known("sms"))
}
