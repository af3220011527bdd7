package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// Pagination is cursor based over id descending: a page holds the newest
// rows after the cursor, and next_cursor (opaque) asks for the following page.

const (
	defaultLimit = 50
	cursorPrefix = "id:"
)

// encodeCursor64 returns the opaque cursor that continues after id.
func encodeCursor64(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// decodeCursor reads a cursor; "" means the first page (nil).
func decodeCursor(c string) (*int32, error) {
	id, err := decodeCursorBits(c, 32)
	if id == nil || err != nil {
		return nil, err
	}
	v := int32(*id)
	return &v, nil
}

// decodeCursor64 is decodeCursor for 64-bit ids.
func decodeCursor64(c string) (*int64, error) { return decodeCursorBits(c, 64) }

func decodeCursorBits(c string, bits int) (*int64, error) {
	if c == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(b), cursorPrefix) {
		if id, err := strconv.ParseInt(strings.TrimPrefix(string(b), cursorPrefix), 10, bits); err == nil && id > 0 {
			return &id, nil
		}
	}
	return nil, badRequest(http.StatusBadRequest, "query.cursor", "invalid cursor: pass next_cursor of the previous page as it is")
}

// page trims rows fetched with limit+1 to limit and returns the next cursor
// ("" on the last page).
func page[T any, ID int32 | int64](rows []T, limit int, id func(T) ID) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, encodeCursor64(int64(id(rows[len(rows)-1])))
}
