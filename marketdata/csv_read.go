package marketdata

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/vigilhq/vigil/bars"
)

// ReadCSVFile reads one OHLCV file in the csv provider's format (see CSV:
// the header time,open,high,low,close,volume, ascending rows) and returns
// its bars as they are, without aggregation. A malformed file is an error
// naming the path and every bad row by its line number (up to ten): "p.csv
// line 4: ..."; a missing one wraps fs.ErrNotExist.
func ReadCSVFile(path string) (bars.Series, error) {
	s, err := openCSV(path, path)
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s: no such file: %w", path, err)
	case errors.As(err, &pathErr):
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return s, err
}
