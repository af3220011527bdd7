package schemas

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The actions schema names the field at fault in each action.
func TestActionsSchema(t *testing.T) {
	t.Parallel()
	v, err := New()
	require.NoError(t, err)
	require.NoError(t, v.Validate(Actions, []byte(`[{"bot": "demo-sma", "side": "buy", "size_pct": 10}, {"bot": "b2", "symbol": "AAPL", "side": "exit"}]`)))

	cases := map[string]string{
		`[{"bot": "demo-sma", "side": "buy"}]`:                   "/0/size_pct",
		`[{"bot": "demo-sma", "side": "short", "size_pct": 1}]`:  "/0/side",
		`[{"bot": "demo-sma", "side": "sell", "size_pct": 101}]`: "/0/size_pct",
		`[{"bot": "", "side": "exit"}]`:                          "/0/bot",
		`[{"bot": "x", "side": "exit", "symbol": "aapl"}]`:       "/0/symbol",
		`[{"bot": "x", "side": "exit", "qty": 1}]`:               "/0/qty",
		`[]`: "",
	}
	for doc, pointer := range cases {
		err := v.Validate(Actions, []byte(doc))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, doc)
		var pointers []string
		for _, p := range ve.Problems {
			pointers = append(pointers, p.Pointer)
		}
		require.Contains(t, pointers, pointer, "%s: %v", doc, ve.Problems)
	}
}
