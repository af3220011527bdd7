package api

import (
	"fmt"
	"html"
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	auditlog "github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/useremail"
)

// emailPreferences serves the signed, unauthenticated link every mail
// carries (List-Unsubscribe and the footer), GET and POST
// notify.EmailPreferencesPath?u=USER&t=TOKEN:
//
//   - GET shows whether mail to the address goes out, with a button to
//     turn it off (or on again);
//   - POST turns it off: the RFC 8058 one-click request (body
//     "List-Unsubscribe=One-Click", which mail providers send), or the
//     page's form with action=off; action=on turns it on again.
//
// The link is signed for one user and address (notify.EmailLinks): once
// the address changes, old links stop working (404). It changes nothing
// else and shows no more than the masked address.
func (h *handler) emailPreferences(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, HEAD, POST")
		preferencesPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Open the link from your mail.", "")
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			preferencesPage(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "")
			return
		}
	}
	q := r.URL.Query()
	userID, err := strconv.ParseInt(q.Get("u"), 10, 64)
	var u dbsqlc.User
	valid := err == nil && userID > 0 && h.links != nil
	if valid {
		u, err = h.q.UserGetByID(r.Context(), h.pool, userID)
		valid = err == nil && u.Email != nil && h.links.Verify(userID, *u.Email, q.Get("t"))
	}
	if !valid {
		preferencesPage(w, http.StatusNotFound, "This link does not work any more",
			"It was sent to an address that is no longer the one on this account, or it is not a Vigil link. "+
				"Use the link in a newer mail, or change your address with PUT /api/me/email or the bot's /email.", "")
		return
	}
	addr := *u.Email
	if r.Method == http.MethodPost {
		off := r.PostForm.Get("List-Unsubscribe") == "One-Click" || r.PostForm.Get("action") == "off"
		on := r.PostForm.Get("action") == "on"
		if !off && !on {
			preferencesPage(w, http.StatusBadRequest, "Bad request", "Choose to turn email off or on.", "")
			return
		}
		err := pgx.BeginFunc(r.Context(), h.pool, func(tx pgx.Tx) error {
			_, err := useremail.SetUnsubscribed(r.Context(), tx, auditlog.Entry{Actor: userID, Source: auditlog.SourceAPI}, userID, addr, off)
			return err
		})
		if err != nil {
			h.log.Error("email preferences", "user_id", userID, "error", err)
			preferencesPage(w, http.StatusInternalServerError, "Something went wrong", "Try again in a moment.", "")
			return
		}
		if u, err = h.q.UserGetByID(r.Context(), h.pool, userID); err != nil {
			h.log.Error("email preferences", "user_id", userID, "error", err)
			preferencesPage(w, http.StatusInternalServerError, "Something went wrong", "Try again in a moment.", "")
			return
		}
	}
	masked := useremail.Mask(addr)
	switch status := useremail.Status(u); status {
	case "unsubscribed":
		preferencesPage(w, http.StatusOK, "Email is off",
			fmt.Sprintf("Vigil sends nothing to %s. Your other channels (Telegram, webhook) are unchanged.", masked),
			preferencesForm("on", "Turn email back on"))
	case "confirmed":
		preferencesPage(w, http.StatusOK, "Email is on",
			fmt.Sprintf("Vigil sends your notifications to %s.", masked),
			preferencesForm("off", "Turn email off"))
	default:
		preferencesPage(w, http.StatusOK, "Email is not active",
			fmt.Sprintf("%s is %s: Vigil sends nothing to it.", masked, status), "")
	}
}

// preferencesForm posts action to the page's own URL (the signed link).
func preferencesForm(value, label string) string {
	return fmt.Sprintf(`<form method="post"><input type="hidden" name="action" value="%s"><button type="submit">%s</button></form>`,
		html.EscapeString(value), html.EscapeString(label))
}

// preferencesPage writes the page; form is trusted HTML (preferencesForm).
func preferencesPage(w http.ResponseWriter, status int, title, text, form string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Vigil email preferences</title>
<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:560px;margin:48px auto;color:#222}button{font-size:16px;padding:8px 16px}</style>
</head><body><h1>%s</h1><p>%s</p>%s</body></html>`, html.EscapeString(title), html.EscapeString(text), form)
}
