package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

const (
	listArtifactsDoc = "Lists the files a run produced (a report's PNG charts), without their bytes; " +
		"`url` downloads one. Empty until the run is done, and for runs that make no files."
	getArtifactDoc = "Downloads one file of a run with its stored Content-Type (image/png for charts), " +
		"Content-Length and ETag (its SHA-256); If-None-Match with that ETag answers 304."
)

// Artifact is a file a run produced, without its bytes.
type Artifact struct {
	Name        string    `json:"name" example:"AAPL-candles.png"`
	ContentType string    `json:"content_type" example:"image/png"`
	SizeBytes   int32     `json:"size_bytes" example:"48213"`
	SHA256      string    `json:"sha256" example:"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" doc:"Hex SHA-256 of the bytes (the download's ETag)"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url" example:"/api/runs/123/artifacts/AAPL-candles.png" doc:"Downloads the file"`
}

// ArtifactList is every file of a run, by name.
type ArtifactList struct {
	RunID int64      `json:"run_id" example:"123"`
	Items []Artifact `json:"items"`
}

type listArtifactsOutput struct {
	Body ArtifactList
}

func (h *handler) listArtifacts(ctx context.Context, in *runIDInput) (*listArtifactsOutput, error) {
	p := caller(ctx)
	if _, err := h.q.RunGetScoped(ctx, h.pool, dbsqlc.RunGetScopedParams{ID: in.ID, UserID: p.UserID, IsAdmin: p.IsAdmin}); err != nil {
		return nil, h.problem(notFound(err, "run", in.ID))
	}
	rows, err := h.q.ArtifactList(ctx, h.pool, in.ID)
	if err != nil {
		return nil, h.problem(fmt.Errorf("list artifacts of run %d: %w", in.ID, err))
	}
	out := &listArtifactsOutput{Body: ArtifactList{RunID: in.ID, Items: make([]Artifact, len(rows))}}
	for i, r := range rows {
		out.Body.Items[i] = Artifact{Name: r.Name, ContentType: r.ContentType, SizeBytes: r.SizeBytes, SHA256: r.Sha256,
			CreatedAt: r.CreatedAt, URL: fmt.Sprintf("/api/runs/%d/artifacts/%s", in.ID, r.Name)}
	}
	return out, nil
}

type getArtifactInput struct {
	ID          int64  `path:"id" minimum:"1" doc:"Run id"`
	Name        string `path:"name" pattern:"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$" example:"AAPL-candles.png" doc:"File name"`
	IfNoneMatch string `header:"If-None-Match" doc:"The ETag of a copy you have: 304 when it is current"`
}

type getArtifactOutput struct {
	Status             int
	ContentType        string `header:"Content-Type"`
	ContentLength      string `header:"Content-Length"`
	ETag               string `header:"ETag" doc:"Quoted hex SHA-256 of the bytes"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func (h *handler) getArtifact(ctx context.Context, in *getArtifactInput) (*getArtifactOutput, error) {
	p := caller(ctx)
	if _, err := h.q.RunGetScoped(ctx, h.pool, dbsqlc.RunGetScopedParams{ID: in.ID, UserID: p.UserID, IsAdmin: p.IsAdmin}); err != nil {
		return nil, h.problem(notFound(err, "run", in.ID))
	}
	a, err := h.q.ArtifactGet(ctx, h.pool, dbsqlc.ArtifactGetParams{RunID: in.ID, Name: in.Name})
	if err != nil {
		return nil, h.problem(notFound(err, fmt.Sprintf("artifact of run %d", in.ID), in.Name))
	}
	etag := `"` + a.Sha256 + `"`
	out := &getArtifactOutput{Status: http.StatusOK, ETag: etag, CacheControl: "private, no-cache"}
	if etagMatches(in.IfNoneMatch, etag) {
		out.Status = http.StatusNotModified
		return out, nil
	}
	out.ContentType = a.ContentType
	out.ContentLength = strconv.Itoa(len(a.Data))
	out.ContentDisposition = fmt.Sprintf(`inline; filename="%s"`, a.Name)
	out.Body = a.Data
	return out, nil
}

// etagMatches reports whether an If-None-Match header names etag (weak
// comparison, RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

// artifactResponses documents the download's bytes and its 304.
func artifactResponses() map[string]*huma.Response {
	// No schema: the bytes as they are (the 3.0 document gets a binary
	// string for application/octet-stream).
	return map[string]*huma.Response{
		"200": {Description: "The file's bytes", Content: map[string]*huma.MediaType{
			"image/png":                {},
			"application/octet-stream": {},
		}},
		"304": {Description: "Not Modified: the copy named by If-None-Match is current"},
	}
}
