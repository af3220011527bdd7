package fundamentals

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/market"
)

// writeFile puts content in a file of a new temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestSnapshot(t *testing.T) {
	t.Parallel()

	modTime := time.Date(2026, 8, 8, 12, 0, 0, 0, time.UTC)

	want := map[string]market.Fundamentals{
		"AAPL": {Symbol: "AAPL", Name: "Apple Inc.", MarketCap: 3.674e12, PERatio: 38.76, AvgVolume: 50443058,
			Sector: "Information Technology", Currency: "USD", AsOf: modTime},
		"BFLY": {Symbol: "BFLY", Name: "Butterfly Network, Inc.", MarketCap: 2383252224, PERatio: math.NaN(), AvgVolume: 6370407,
			Sector: "Health Care", Currency: "USD", AsOf: modTime},
		"BRK.B": {Symbol: "BRK.B", Name: "Berkshire Hathaway", MarketCap: math.NaN(), PERatio: math.NaN(), AvgVolume: math.NaN(),
			Sector: "", Currency: "", AsOf: modTime},
	}

	for name, content := range map[string]string{
		"s.csv": "\ufeffsymbol,name,market_cap,pe_ratio,avg_volume,sector,currency\n" +
			"AAPL,Apple Inc.,3.674e12,38.76,50443058,Information Technology,USD\n" +
			"bfly, \"Butterfly Network, Inc.\",2383252224,-13.5,6370407,Health Care,USD\n" +
			"BRK.B,Berkshire Hathaway,,NaN,,,\n",
		"reordered.csv": "name,symbol,sector,currency,avg_volume,pe_ratio,market_cap\n" +
			"Apple Inc.,AAPL,Information Technology,USD,50443058,38.76,3.674e12\n" +
			"\"Butterfly Network, Inc.\",BFLY,Health Care,USD,6370407,,2383252224\n" +
			"Berkshire Hathaway,brk.b,,,,0,\n",
		"s.json": `[
  {"symbol": "AAPL", "name": "Apple Inc.", "market_cap": 3.674e12, "pe_ratio": 38.76, "avg_volume": 50443058,
   "sector": "Information Technology", "currency": "USD"},
  {"symbol": "bfly", "name": "Butterfly Network, Inc.", "market_cap": 2383252224, "pe_ratio": null, "avg_volume": 6370407,
   "sector": "Health Care", "currency": "USD"},
  {"symbol": "BRK.B", "name": "Berkshire Hathaway", "pe_ratio": "NaN"}
]`,
		"sniffed.txt": `  [{"symbol": "AAPL", "name": "Apple Inc.", "market_cap": 3.674e12, "pe_ratio": 38.76, "avg_volume": 50443058,
   "sector": "Information Technology", "currency": "USD"},
  {"symbol": "BFLY", "name": "Butterfly Network, Inc.", "market_cap": 2383252224, "pe_ratio": -2, "avg_volume": 6370407,
   "sector": "Health Care", "currency": "USD"},
  {"symbol": "BRK.B", "name": "Berkshire Hathaway", "market_cap": null, "avg_volume": ""}]`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, name, content)
			require.NoError(t, os.Chtimes(path, modTime, modTime))

			s, err := NewSnapshot(path)
			require.NoError(t, err)
			require.Equal(t, "snapshot", s.Name())
			require.Equal(t, 3, s.Len())

			got, err := s.Fundamentals(context.Background(), []string{"AAPL", "BFLY", "BRK.B", "MSFT", "bad symbol"})
			require.NoError(t, err)
			requireSameFigures(t, want, got)

			got, err = s.Fundamentals(context.Background(), []string{"aapl"})
			require.NoError(t, err)
			require.Equal(t, "AAPL", got["aapl"].Symbol, "keyed as given, symbol upper case")
		})
	}

	t.Run("OnlySymbolColumn", func(t *testing.T) {
		t.Parallel()

		s, err := NewSnapshot(writeFile(t, "s.csv", "symbol\nAAPL\n"))
		require.NoError(t, err)
		got, err := s.Fundamentals(context.Background(), []string{"AAPL"})
		require.NoError(t, err)
		require.True(t, math.IsNaN(got["AAPL"].MarketCap))
		require.Empty(t, got["AAPL"].Name)
	})
}

func TestSnapshotErrors(t *testing.T) {
	t.Parallel()

	header := "symbol,name,market_cap,pe_ratio,avg_volume,sector,currency\n"
	for _, tt := range []struct {
		name, file, content string
		want                string // the whole message
	}{
		{"Missing", "", "", "fundamentals snapshot: open"},
		{"EmptyCSV", "e.csv", "", "fundamentals snapshot e.csv:1:1: empty file; want the header symbol,name,market_cap,pe_ratio,avg_volume,sector,currency"},
		{"UnknownColumn", "u.csv", "symbol,name,marketcap\n", `fundamentals snapshot u.csv:1:13: unknown column "marketcap"; want symbol,name,market_cap,pe_ratio,avg_volume,sector,currency`},
		{"TwiceColumn", "t.csv", "symbol,name,Name\n", `fundamentals snapshot t.csv:1:13: column "name" given twice`},
		{"NoSymbolColumn", "n.csv", "name,market_cap\nApple,1\n", "fundamentals snapshot n.csv:1:1: no symbol column; want the header symbol,name,market_cap,pe_ratio,avg_volume,sector,currency"},
		{"BadNumber", "b.csv", header + "AAPL,Apple,3.6e12,38,1e7,Tech,USD\nMSFT,Microsoft,lots,30,1e7,Tech,USD\n", `fundamentals snapshot b.csv:3:16: market_cap "lots" is not a number`},
		{"Infinity", "i.csv", header + "AAPL,Apple,3.6e12,Inf,1e7,Tech,USD\n", `fundamentals snapshot i.csv:2:19: pe_ratio "Inf" is not a number`},
		{"NegativeVolume", "v.csv", header + "AAPL,Apple,3.6e12,38,-5,Tech,USD\n", "fundamentals snapshot v.csv:2:22: avg_volume -5 is negative"},
		{"BadSymbol", "s.csv", header + "AAPL,Apple,,,,,\nA B,Bad,,,,,\n", `fundamentals snapshot s.csv:3:1: symbol "A B" is not a ticker symbol`},
		{"EmptySymbol", "s.csv", header + ",Nameless,,,,,\n", `fundamentals snapshot s.csv:2:1: symbol "" is not a ticker symbol`},
		{"Duplicate", "d.csv", header + "AAPL,Apple,,,,,\nMSFT,Microsoft,,,,,\naapl,Apple again,,,,,\n", "fundamentals snapshot d.csv:4:1: symbol AAPL is also on line 2"},
		{"WrongFieldCount", "w.csv", header + "AAPL,Apple,1,2,3\n", "fundamentals snapshot w.csv:2:1: wrong number of fields"},
		{"BareQuote", "q.csv", header + "AAPL,Ap\"ple,1,2,3,Tech,USD\n", `fundamentals snapshot q.csv:2:8: bare " in non-quoted-field`},
		{"EmptyJSON", "e.json", "  ", "fundamentals snapshot e.json:1:1: empty file; want a JSON array of objects"},
		{"NotArray", "o.json", `{"symbol": "AAPL"}`, "fundamentals snapshot o.json:1:2: want a JSON array of objects at the top level"},
		{"NotObject", "n.json", "[\n  {\"symbol\": \"AAPL\"},\n  42\n]", "fundamentals snapshot n.json:3:3: want an object, got 42"},
		{"UnknownKey", "k.json", "[\n  {\"symbol\": \"AAPL\", \"marketcap\": 1}\n]", `fundamentals snapshot k.json:2:3: unknown field "marketcap"`},
		{"StringNumber", "sn.json", "[\n  {\"symbol\": \"AAPL\",\n   \"market_cap\": \"big\"}\n]", `fundamentals snapshot sn.json:2:3: market_cap "big" is not a number`},
		{"NumberName", "nn.json", "[\n  {\"symbol\": \"AAPL\", \"name\": 5}\n]", "fundamentals snapshot nn.json:2:30: name: want a string"},
		{"NoSymbol", "ns.json", "[{\"name\": \"Apple\"}]", "fundamentals snapshot ns.json:1:2: object has no symbol"},
		{"DuplicateJSON", "dj.json", "[\n{\"symbol\": \"AAPL\"},\n{\"symbol\": \"aapl\"}]", "fundamentals snapshot dj.json:3:1: symbol AAPL is also on line 2"},
		{"Syntax", "x.json", "[\n  {\"symbol\": \"AAPL\",}\n]", "fundamentals snapshot x.json:2:21: invalid character '}' looking for beginning of object key string"},
		{"MissingComma", "mc.json", "[\n{\"symbol\": \"A\"} {\"symbol\": \"B\"}]", "fundamentals snapshot mc.json:2:17: invalid character '{' after array element"},
		{"Truncated", "tr.json", "[\n  {\"symbol\": \"AAPL\"}", "fundamentals snapshot tr.json:2:21: unexpected end of JSON"},
		{"Trailing", "tl.json", "[]\n[]", "fundamentals snapshot tl.json:2:2: unexpected data after the array"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			path := filepath.Join(t.TempDir(), "missing.csv")
			if tt.file != "" {
				path = writeFile(t, tt.file, tt.content)
			}
			s, err := NewSnapshot(path)
			require.Nil(t, s)
			if tt.name == "Missing" {
				require.ErrorIs(t, err, os.ErrNotExist)
				require.ErrorContains(t, err, tt.want)
				return
			}
			require.EqualError(t, err, tt.want)
		})
	}
}
