package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

// What /incidents shows: the open incidents, then the latest resolved ones.
const (
	incidentsOpenLimit     = 20
	incidentsResolvedLimit = 5
)

// cmdIncidents lists incidents for an admin (the rows are scoped to a
// verified admin in the SQL as well).
func (b *Bot) cmdIncidents(ctx context.Context, tx pgx.Tx, r reply, user dbsqlc.User) (reply, error) {
	if !user.IsAdmin {
		r.text = "Sorry, /incidents is for admins: it lists problems of the Vigil service itself (failed jobs, backlog, stale services). Your own runs are in /runs."
		return r, nil
	}
	list := func(state string, limit int32) ([]dbsqlc.Incident, error) {
		rows, err := b.q.IncidentList(ctx, tx, dbsqlc.IncidentListParams{UserID: user.ID, State: state, MaxRows: limit + 1})
		if err != nil {
			return nil, fmt.Errorf("list %s incidents: %w", state, err)
		}
		return rows, nil
	}
	open, err := list("open", incidentsOpenLimit)
	if err != nil {
		return r, err
	}
	resolved, err := list("resolved", incidentsResolvedLimit)
	if err != nil {
		return r, err
	}
	now := b.now()
	var sb strings.Builder
	if len(open) == 0 {
		sb.WriteString("No open incidents.\n")
	} else {
		more := len(open) > incidentsOpenLimit
		if more {
			open = open[:incidentsOpenLimit]
			fmt.Fprintf(&sb, "Open incidents (the newest %d):\n", len(open))
		} else {
			fmt.Fprintf(&sb, "Open incidents (%d):\n", len(open))
		}
		for _, in := range open {
			fmt.Fprintf(&sb, "#%d %s — %s\n  open for %s, %s", in.ID, in.Kind, in.Subject, ago(now.Sub(in.OpenedAt)), incidentCount(in))
			if s := incidentSummary(in); s != "" {
				sb.WriteString("\n  " + s)
			}
			sb.WriteString("\n")
		}
		if more {
			sb.WriteString("… more in GET /api/incidents\n")
		}
	}
	if len(resolved) > incidentsResolvedLimit {
		resolved = resolved[:incidentsResolvedLimit]
	}
	if len(resolved) > 0 {
		sb.WriteString("\nRecently resolved:\n")
		for _, in := range resolved {
			fmt.Fprintf(&sb, "#%d %s — %s, resolved %s ago after %s\n", in.ID, in.Kind, in.Subject,
				ago(now.Sub(*in.ResolvedAt)), ago(in.ResolvedAt.Sub(in.OpenedAt)))
		}
	}
	r.text = strings.TrimSpace(sb.String())
	return r, nil
}

func incidentCount(in dbsqlc.Incident) string {
	s := fmt.Sprintf("seen by %d checks", in.Count)
	if in.Kind == "job_failed" {
		s = fmt.Sprintf("%d failed runs", in.Count)
	}
	if in.Reopened > 0 {
		s += fmt.Sprintf(", back %d times", in.Reopened)
	}
	return s
}

// incidentSummary is the incident's summary, cut to fit a list.
func incidentSummary(in dbsqlc.Incident) string {
	var d struct {
		Summary string `json:"summary"`
	}
	_ = json.Unmarshal(in.Details, &d)
	if utf8.RuneCountInString(d.Summary) > 200 {
		return string([]rune(d.Summary)[:200]) + "…"
	}
	return d.Summary
}

// ago formats a duration for people: 45s, 12m, 3h5m, 2d4h.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d.Seconds()), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
