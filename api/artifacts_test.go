package api_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// artifact stores a file of run id as the report worker does and returns
// its bytes and SHA-256.
func (b *bundle) artifact(runID int64, name string, size int) ([]byte, string) {
	b.t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	copy(data, "\x89PNG\r\n\x1a\n")
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	require.NoError(b.t, dbsqlc.New().ArtifactInsert(b.ctx, b.pool, dbsqlc.ArtifactInsertParams{RunID: runID, Name: name,
		ContentType: "image/png", SizeBytes: int32(size), Sha256: hash, Data: data}))
	return data, hash
}

func TestRunArtifacts(t *testing.T) {
	t.Parallel()
	b := setup(t, adhocKinds)
	u := b.user("ann", userOpts{})
	other := b.user("bob", userOpts{})
	admin := b.user("root", userOpts{admin: true})
	id := b.started(b.do(http.MethodPost, "/api/reports/run", u.token, map[string]any{"report_type": "daily_summary",
		"parameters": map[string]any{"symbols": []string{"AAPL"}, "include_charts": true}}), "report")
	list := fmt.Sprintf("/api/runs/%d/artifacts", id)

	got := b.must(http.StatusOK, b.do(http.MethodGet, list, u.token, nil))
	require.Equal(t, float64(id), got["run_id"])
	require.Empty(t, got["items"], "none before the run is done")

	candles, hash := b.artifact(id, "AAPL-candles.png", 70_000)
	b.artifact(id, "AAPL-drawdown.png", 10)
	items := b.must(http.StatusOK, b.do(http.MethodGet, list, u.token, nil))["items"].([]any)
	require.Len(t, items, 2)
	first := items[0].(map[string]any)
	require.Equal(t, "AAPL-candles.png", first["name"])
	require.Equal(t, "image/png", first["content_type"])
	require.Equal(t, float64(70_000), first["size_bytes"])
	require.Equal(t, hash, first["sha256"])
	require.NotEmpty(t, first["created_at"])
	require.Equal(t, list+"/AAPL-candles.png", first["url"])
	require.NotContains(t, first, "data")

	// The download is the exact bytes, with their type, length and hash.
	r := b.do(http.MethodGet, first["url"].(string), u.token, nil)
	require.Equal(t, http.StatusOK, r.status, string(r.raw))
	require.Equal(t, candles, r.raw)
	require.Equal(t, "image/png", r.header.Get("Content-Type"))
	require.Equal(t, strconv.Itoa(len(candles)), r.header.Get("Content-Length"))
	require.Equal(t, `"`+hash+`"`, r.header.Get("ETag"))
	require.Equal(t, `inline; filename="AAPL-candles.png"`, r.header.Get("Content-Disposition"))
	nm := b.do(http.MethodGet, first["url"].(string), u.token, nil, "If-None-Match", `"`+hash+`"`)
	require.Equal(t, http.StatusNotModified, nm.status)
	require.Empty(t, nm.raw)
	require.Equal(t, http.StatusOK, b.do(http.MethodGet, first["url"].(string), u.token, nil, "If-None-Match", `"other"`).status)

	// An admin reaches it; another user does not, nor does anyone a file that does not exist.
	require.Equal(t, candles, b.do(http.MethodGet, first["url"].(string), admin.token, nil).raw)
	for _, path := range []string{list, list + "/AAPL-candles.png"} {
		r := b.do(http.MethodGet, path, other.token, nil)
		require.Equal(t, http.StatusNotFound, r.status, path)
		require.Contains(t, string(r.raw), fmt.Sprintf("run %d not found", id))
	}
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, list+"/nope.png", u.token, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodGet, "/api/runs/999999/artifacts", u.token, nil).status)
	b.problemAt(http.StatusUnprocessableEntity, b.do(http.MethodGet, list+"/-x.png", u.token, nil), "path.name")
	require.Equal(t, http.StatusUnauthorized, b.do(http.MethodGet, list, "", nil).status)
}
