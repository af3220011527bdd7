package marketdata

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

func TestNewProvider(t *testing.T) {
	t.Parallel()
	p, err := NewProvider("", ProviderOptions{Seed: 4, Now: clock(fixedNow)})
	require.NoError(t, err)
	require.Equal(t, "synthetic", p.Name(), "the default")
	require.Equal(t, int64(4), p.(*Synthetic).Seed)

	p, err = NewProvider("CSV", ProviderOptions{CSVDir: "/data/bars"})
	require.NoError(t, err)
	require.Equal(t, &CSV{Dir: "/data/bars"}, p)
	_, err = NewProvider("csv", ProviderOptions{})
	require.ErrorContains(t, err, "a directory is required")

	p, err = NewProvider("yahoo", ProviderOptions{HTTPTimeout: 3 * time.Second, UserAgent: "ua"})
	require.NoError(t, err)
	y := p.(*Yahoo)
	require.Equal(t, 3*time.Second, y.Client.Timeout)
	require.Equal(t, "ua", y.UserAgent)

	client := &http.Client{}
	p, err = NewProvider(" binance ", ProviderOptions{BaseURL: "http://127.0.0.1:1", HTTPClient: client})
	require.NoError(t, err)
	require.Equal(t, &Binance{BaseURL: "http://127.0.0.1:1", Client: client}, p)

	p, err = NewProvider("ibkr", ProviderOptions{IBKRGatewayURL: "https://gw:5000/v1/api", IBKRInsecureSkipVerify: true})
	require.NoError(t, err)
	ib := p.(*IBKR)
	require.Equal(t, "https://gw:5000/v1/api", ib.GatewayURL)
	require.True(t, ib.Client.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify)
	p, err = NewProvider("ibkr", ProviderOptions{})
	require.NoError(t, err)
	require.Nil(t, p.(*IBKR).Client.Transport, "certificates are verified by default")
	require.Equal(t, DefaultIBKRGatewayURL, p.(*IBKR).gateway())

	_, err = NewProvider("bloomberg", ProviderOptions{})
	require.EqualError(t, err, `market data provider "bloomberg": must be one of synthetic, csv, yahoo, binance, ibkr`)
}

func TestAggregate(t *testing.T) {
	t.Parallel()
	at := func(h, m int) time.Time { return time.Date(2027, 3, 17, h, m, 0, 0, time.UTC) }
	got := aggregate(bars.Series{
		{Time: at(9, 30), Open: 1, High: 2, Low: 1, Close: 2, Volume: 1},
		{Time: at(10, 30), Open: 2, High: 5, Low: 0.5, Close: 3, Volume: 2},
		{Time: at(12, 0), Open: 3, High: 3, Low: 3, Close: 3, Volume: 4},
	}, bars.H4)
	require.Equal(t, bars.Series{
		{Time: at(8, 0), Open: 1, High: 5, Low: 0.5, Close: 3, Volume: 3},
		{Time: at(12, 0), Open: 3, High: 3, Low: 3, Close: 3, Volume: 4},
	}, got)
}
