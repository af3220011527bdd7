package api

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
)

// docsFS holds the /docs page and Swagger UI (see docs/README.md).
//
//go:embed docs
var docsFS embed.FS

// mountDocs serves the docs page at /docs and its files at /docs/{file}.
func mountDocs(mux *http.ServeMux) {
	files, _ := fs.Sub(docsFS, "docs") // the directory is embedded, so Sub cannot fail
	serve := func(w http.ResponseWriter, r *http.Request, name string) {
		b, err := fs.ReadFile(files, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		switch path.Ext(name) {
		case ".html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		case ".js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		case ".css":
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(b)
	}
	index := func(w http.ResponseWriter, r *http.Request) { serve(w, r, "index.html") }
	mux.HandleFunc("GET /docs", index)
	mux.HandleFunc("GET /docs/{$}", index)
	mux.HandleFunc("GET /docs/{file}", func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, r.PathValue("file"))
	})
}
