package main

import (
	"fmt"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/tradingbot"
)

// brokerAccounts resolves the Alpaca accounts of alpaca bots from cfg: the
// owners' stored credentials (sealed with secret_key) and, for admins
// without their own, the operator's alpaca_key_id / alpaca_secret_key; all
// on alpaca_base_url.
func brokerAccounts(cfg config.Config) (*tradingbot.AlpacaBrokers, error) {
	kr, err := cfg.Keyring()
	if err != nil {
		return nil, fmt.Errorf("secret_key: %w", err)
	}
	return tradingbot.NewAlpacaBrokers(kr, cfg.AlpacaKeyID, cfg.AlpacaSecretKey, cfg.AlpacaBaseURL), nil
}
