package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateFloodAndWebhookLimits(t *testing.T) {
	t.Parallel()

	for _, tt := range []struct {
		name   string
		modify func(c *Config)
		key    string
		msg    string
	}{
		{"FloodLimit", func(c *Config) { c.AlertFloodLimit = -1 }, "alert_flood_limit (VIGIL_ALERT_FLOOD_LIMIT)", "at least 0"},
		{"FloodWindow", func(c *Config) { c.AlertFloodWindow = 0 }, "alert_flood_window (VIGIL_ALERT_FLOOD_WINDOW)", "longer than 0"},
		{"DigestWindow", func(c *Config) { c.DigestWindow = -1 }, "digest_window (VIGIL_DIGEST_WINDOW)", "at least 0s"},
		{"DigestFirst", func(c *Config) { c.DigestFirst = 0 }, "digest_first (VIGIL_DIGEST_FIRST)", "at least 1"},
		{"RateLimit", func(c *Config) { c.TradingViewRateLimit = 0 }, "tradingview_rate_limit (VIGIL_TRADINGVIEW_RATE_LIMIT)", "at least 1"},
		{"ReplayWindow", func(c *Config) { c.TradingViewReplayWindow = 0 }, "tradingview_replay_window (VIGIL_TRADINGVIEW_REPLAY_WINDOW)", "longer than 0"},
		{"MaxBody", func(c *Config) { c.TradingViewMaxBodyBytes = 2 << 20 }, "tradingview_max_body_bytes (VIGIL_TRADINGVIEW_MAX_BODY_BYTES)", "from 1024 to 1048576"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			tt.modify(&c)
			ps := problems(t, c)
			require.Len(t, ps, 1, "%v", ps)
			require.Equal(t, tt.key, ps[0].Key)
			require.Contains(t, ps[0].Message, tt.msg)
		})
	}

	// 0 turns flood control and the digest off; their other settings are
	// then not checked.
	c := Default()
	c.AlertFloodLimit, c.AlertFloodWindow = 0, 0
	c.DigestWindow, c.DigestFirst = 0, 0
	require.NoError(t, c.Validate())
}
