package incidents

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/jobs"
	"github.com/vigilhq/vigil/notify"
)

// The two messages an incident sends.
const (
	eventOpen    = "open"
	eventResolve = "resolve"
)

// messageNamespace makes message ids of incident messages deterministic: one
// per (incident, event, admin), so a receiver can drop a duplicate delivery.
var messageNamespace = uuid.MustParse("5b0c6f7e-2f1d-4c7e-9a37-6c1f0e4d9a11")

// MessageID is the message_id of an incident's open or resolve message to
// an admin.
func MessageID(incidentID int64, event string, adminID int64) string {
	return uuid.NewSHA1(messageNamespace, fmt.Appendf(nil, "incident:%d:%s:%d", incidentID, event, adminID)).String()
}

// notify queues one message about in for every admin and records that it
// was sent; it returns how many it queued.
func (m *Monitor) notify(ctx context.Context, tx pgx.Tx, in dbsqlc.Incident, event, summary string, admins []int64, now time.Time) (int, error) {
	text := Message(in, event, summary, now)
	params := make([]river.InsertManyParams, 0, len(admins))
	for _, id := range admins {
		args := jobs.NewNotifyArgs(id, text, notify.PriorityUrgent, notify.TypeSystem)
		args.MessageID = MessageID(in.ID, event, id)
		params = append(params, river.InsertManyParams{Args: args, InsertOpts: jobs.InsertOpts(m.cfg, config.JobNotification)})
	}
	if len(params) > 0 {
		if _, err := m.client.InsertManyTx(ctx, tx, params); err != nil {
			return 0, fmt.Errorf("queue %s messages of incident %d: %w", event, in.ID, err)
		}
	}
	var err error
	if event == eventOpen {
		err = m.q.IncidentMarkNotifiedOpen(ctx, tx, dbsqlc.IncidentMarkNotifiedOpenParams{ID: in.ID, At: &now})
	} else {
		err = m.q.IncidentMarkNotifiedResolve(ctx, tx, dbsqlc.IncidentMarkNotifiedResolveParams{ID: in.ID, At: &now})
	}
	if err != nil {
		return 0, fmt.Errorf("mark incident %d notified: %w", in.ID, err)
	}
	return len(params), nil
}

// Message is the text admins get when in opens or resolves.
func Message(in dbsqlc.Incident, event, summary string, now time.Time) string {
	var b strings.Builder
	switch event {
	case eventOpen:
		fmt.Fprintf(&b, "Vigil incident #%d opened (%s): %s\n\n", in.ID, in.Kind, in.Subject)
		b.WriteString(summary)
		fmt.Fprintf(&b, "\n\nOpened %s. You get one more message when it resolves; it comes back silently within the cooldown. /incidents lists what is open.",
			in.OpenedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	default:
		fmt.Fprintf(&b, "Vigil incident #%d resolved (%s): %s\n\n", in.ID, in.Kind, in.Subject)
		fmt.Fprintf(&b, "Open for %s; %s.", short(now.Sub(in.OpenedAt)), countText(in))
		if summary != "" {
			b.WriteString("\nLast seen: " + summary)
		}
	}
	return b.String()
}

func countText(in dbsqlc.Incident) string {
	s := fmt.Sprintf("seen by %d checks", in.Count)
	if in.Kind == KindJobFailed {
		s = fmt.Sprintf("%d failed runs", in.Count)
	}
	if in.Reopened > 0 {
		s += fmt.Sprintf(", came back %d times within the cooldown", in.Reopened)
	}
	return s
}
