package schedules

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestActionBots(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		jobType string
		params  string
		want    []ActionBot
	}{
		{"screener actions", "screener", `{"screener_set":"sp500","actions":[{"bot":"a","side":"buy","size_pct":5},{"bot":"b","side":"exit"}]}`,
			[]ActionBot{{"a", "task_params/actions/0/bot"}, {"b", "task_params/actions/1/bot"}}},
		{"alert notify.actions", "alert", `{"ticker":"AAPL","timeframe":"1d","rule":{},"notify":{"channels":["telegram"],"actions":[{"bot":"x","side":"sell","size_pct":50},{"bot":"y","side":"buy","size_pct":10}]}}`,
			[]ActionBot{{"x", "task_params/notify/actions/0/bot"}, {"y", "task_params/notify/actions/1/bot"}}},
		{"alert without actions", "alert", `{"ticker":"AAPL","notify":{"channels":["email"]}}`, []ActionBot{}},
		{"short-form alert", "alert", `{"symbol":"AAPL","condition":"price_above","threshold":1}`, []ActionBot{}},
		{"an alert's top-level actions are not the alert's", "alert", `{"ticker":"AAPL","actions":[{"bot":"x"}]}`, []ActionBot{}},
		{"a report has none", "report", `{"actions":[{"bot":"x"}],"notify":{"actions":[{"bot":"y"}]}}`, []ActionBot{}},
		{"undecodable", "alert", `{"notify":{"actions":"x"}}`, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, ActionBots(tt.jobType, []byte(tt.params)))
		})
	}
}
