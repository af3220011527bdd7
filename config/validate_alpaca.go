package config

import (
	"net/url"
	"strings"
)

// alpaca checks the operator's Alpaca account and the API's base URL.
func (v *validator) alpaca(c Config) {
	if (c.AlpacaKeyID == "") != (c.AlpacaSecretKey == "") {
		v.add("alpaca_key_id", "alpaca_key_id and alpaca_secret_key go together: set both or neither")
	}
	u, err := url.Parse(c.AlpacaBaseURL)
	switch {
	case c.AlpacaBaseURL == "":
		v.add("alpaca_base_url", "is required (Alpaca's paper API is https://paper-api.alpaca.markets)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.add("alpaca_base_url", "%q is not an absolute http or https URL", c.AlpacaBaseURL)
	case strings.EqualFold(u.Host, "api.alpaca.markets"):
		v.add("alpaca_base_url", "live trading (api.alpaca.markets) is not supported; use the paper API https://paper-api.alpaca.markets")
	}
}
