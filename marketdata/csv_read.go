package marketdata

import (
	"fmt"

	"github.com/vigilhq/vigil/bars"
)

// ReadCSVFile reads one OHLCV file in the csv provider's format (see CSV:
// the header time,open,high,low,close,volume, ascending rows) and returns
// its bars as they are, without aggregation. A malformed file is an error
// naming every bad row by its line number (up to ten); a missing one wraps
// fs.ErrNotExist.
func ReadCSVFile(path string) (bars.Series, error) {
	s, err := readCSVFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return s, nil
}
