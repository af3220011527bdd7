package config

// maxTradingViewBody bounds tradingview_max_body_bytes: huma's default body
// limit of every other operation.
const maxTradingViewBody = 1 << 20

// flood checks flood control, the digest and the TradingView webhook limits.
func (v *validator) flood(c Config) {
	atLeast(v, "alert_flood_limit", c.AlertFloodLimit, 0)
	if c.AlertFloodLimit > 0 {
		v.positive("alert_flood_window", c.AlertFloodWindow)
	}
	atLeast(v, "digest_window", c.DigestWindow, 0)
	if c.DigestWindow > 0 {
		atLeast(v, "digest_first", c.DigestFirst, 1)
	}
	atLeast(v, "tradingview_rate_limit", c.TradingViewRateLimit, 1)
	v.positive("tradingview_replay_window", c.TradingViewReplayWindow)
	between(v, "tradingview_max_body_bytes", c.TradingViewMaxBodyBytes, 1024, maxTradingViewBody)
}
