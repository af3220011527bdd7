package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"riverqueue.com/riverui"
)

// The River UI is mounted at /riverui/ for admins. Its page and its own API
// requests authenticate with the bearer token or, for a browser, with the
// vigil_token cookie that GET /riverui/login?token=... (or a POST of a form
// field token) sets; GET /riverui/logout clears it. Its assets are embedded in
// riverui, so it works offline.

const (
	riverUIPrefix = "/riverui"
	// CookieName is the cookie that carries an admin token to the River UI.
	CookieName = "vigil_token"
	cookieTTL  = 12 * time.Hour
)

func (h *handler) mountRiverUI(ctx context.Context, mux *http.ServeMux) (*riverui.Handler, error) {
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(h.client.Client, nil),
		Logger:    h.log.With("component", "riverui"),
		Prefix:    riverUIPrefix,
	})
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	if err := ui.Start(ctx); err != nil {
		return nil, fmt.Errorf("start river ui: %w", err)
	}
	mux.HandleFunc("GET "+riverUIPrefix+"/login", h.riverUILogin)
	mux.HandleFunc("POST "+riverUIPrefix+"/login", h.riverUILogin)
	mux.HandleFunc("GET "+riverUIPrefix+"/logout", riverUILogout)
	mux.Handle(riverUIPrefix+"/", textGuard(h.requireAdmin(ui)))
	return ui, nil
}

// requireAdmin lets through requests with an admin token in the
// Authorization header or the vigil_token cookie, or an admin's console
// session (one login for both).
func (h *handler) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := bearer(r.Header.Get("Authorization"))
		if token == "" {
			if c, err := r.Cookie(CookieName); err == nil {
				token = c.Value
			}
		}
		if token == "" && h.console.AdminSession(r) {
			next.ServeHTTP(w, r)
			return
		}
		if _, err := h.admin(r.Context(), token); err != nil {
			h.writeAuthError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) admin(ctx context.Context, token string) (*principal, error) {
	p, err := h.authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	if !p.IsAdmin {
		return nil, errNotAdmin
	}
	return p, nil
}

// riverUILogin checks an admin token and keeps it in an HttpOnly cookie
// scoped to /riverui, then sends the browser to the UI.
func (h *handler) riverUILogin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	token := r.URL.Query().Get("token")
	if r.Method == http.MethodPost {
		token = r.PostFormValue("token")
	}
	if _, err := h.admin(r.Context(), token); err != nil {
		h.writeAuthError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: token, Path: riverUIPrefix, MaxAge: int(cookieTTL / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, riverUIPrefix+"/", http.StatusSeeOther)
}

func riverUILogout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: riverUIPrefix, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("logged out of the River UI\n"))
}

// writeAuthError answers a failed authentication outside huma with the same
// problem document huma writes.
func (h *handler) writeAuthError(w http.ResponseWriter, _ *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "internal server error"
	var ae *authError
	if errors.As(err, &ae) {
		status, msg = ae.status, ae.msg
	} else {
		h.log.Error("authenticate", "error", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": msg})
}
