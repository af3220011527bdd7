package alertbacktest

import (
	"github.com/vigilhq/vigil/alerts"
)

// Answer is a backtest as the API answers it (and the CLI prints with
// --json): the engine's result and the chart's artifact path.
type Answer struct {
	alerts.BacktestResult
	// Chart is the chart's artifact path, /api/runs/{id}/artifacts/{name};
	// empty when the backtest was not recorded (the CLI).
	Chart string `json:"chart"`
}
