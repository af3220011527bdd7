package marketdata

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/bars"
)

func TestReadCSVFile(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		// Hourly rows in a file of any name: returned as they are, not aggregated.
		"prices.csv": "time,open,high,low,close,volume\n" +
			"2027-03-17T08:00:00Z,1,2,0.5,1.5,10\n" +
			"2027-03-17T09:00:00Z,1.5,3,1.4,2.5,20\n",
		"bad.csv": "time,open,high,low,close,volume\n" +
			"2027-03-17,1,2,0.5,1.5,10\n" +
			"2027-03-18,1,x,0.5,1.5,10\n",
	})
	got, err := ReadCSVFile(filepath.Join(dir, "prices.csv"))
	require.NoError(t, err)
	require.Equal(t, bars.Series{
		{Time: day(2027, 3, 17).Add(8 * 3600e9), Open: 1, High: 2, Low: 0.5, Close: 1.5, Volume: 10},
		{Time: day(2027, 3, 17).Add(9 * 3600e9), Open: 1.5, High: 3, Low: 1.4, Close: 2.5, Volume: 20},
	}, got)

	_, err = ReadCSVFile(filepath.Join(dir, "bad.csv"))
	require.ErrorContains(t, err, `bad.csv line 3: high "x" is not a non-negative number`)

	_, err = ReadCSVFile(filepath.Join(dir, "none.csv"))
	require.ErrorIs(t, err, fs.ErrNotExist)
}
