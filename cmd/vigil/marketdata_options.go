package main

import (
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/marketdata"
)

// marketDataOptions are the provider options the configuration gives: the
// csv provider's directory and the ibkr provider's gateway.
func marketDataOptions(cfg config.Config) marketdata.ProviderOptions {
	return marketdata.ProviderOptions{
		CSVDir:                 cfg.MarketDataCSVDir,
		IBKRGatewayURL:         cfg.IBKRGatewayURL,
		IBKRInsecureSkipVerify: cfg.IBKRInsecureSkipVerify,
	}
}
