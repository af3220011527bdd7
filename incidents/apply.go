package incidents

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/db/dbsqlc"
)

type key struct{ kind, subject string }

// apply turns the observations of one round into incident rows: a new
// problem opens an incident (and messages the admins), one seen again counts,
// one back within the cooldown reopens silently, and an open incident of a
// kind that was checked and no longer seen resolves (and messages the admins
// unless they already had its resolve message).
func (m *Monitor) apply(ctx context.Context, tx pgx.Tx, now time.Time, obs []observation, checked map[string]bool, res *Result) error {
	current, err := m.q.IncidentCurrent(ctx, tx, now.Add(-m.cfg.IncidentCooldown.D()))
	if err != nil {
		return fmt.Errorf("load incidents: %w", err)
	}
	byKey := make(map[key]dbsqlc.Incident, len(current))
	for _, in := range current {
		byKey[key{in.Kind, in.Subject}] = in
	}
	admins, err := m.q.IncidentAdmins(ctx, tx)
	if err != nil {
		return fmt.Errorf("load admins: %w", err)
	}

	seen := map[key]bool{}
	for _, o := range obs {
		k := key{o.kind, o.subject}
		if seen[k] {
			continue
		}
		seen[k] = true
		details := o.details
		details["summary"] = o.summary
		b, err := json.Marshal(details)
		if err != nil {
			return fmt.Errorf("encode incident details: %w", err)
		}
		prev, ok := byKey[k]
		if !ok {
			in, err := m.q.IncidentInsert(ctx, tx, dbsqlc.IncidentInsertParams{Kind: o.kind, Subject: o.subject,
				OpenedAt: now, LastSeen: o.seen, Count: max(o.count, 1), Details: b})
			if err != nil {
				return fmt.Errorf("open incident %s %q: %w", o.kind, o.subject, err)
			}
			n, err := m.notify(ctx, tx, in, eventOpen, o.summary, admins, now)
			if err != nil {
				return err
			}
			res.Notified += n
			if err := m.audit(ctx, tx, in, "incident.open", map[string]any{"summary": o.summary, "admins_notified": n}); err != nil {
				return err
			}
			m.log.Warn("incident opened", "incident_id", in.ID, "kind", in.Kind, "subject", in.Subject,
				"summary", o.summary, "admins_notified", n)
			res.Opened = append(res.Opened, in)
			continue
		}
		in, err := m.q.IncidentSee(ctx, tx, dbsqlc.IncidentSeeParams{ID: prev.ID, LastSeen: o.seen, Add: o.add, Details: b})
		if err != nil {
			return fmt.Errorf("update incident %d: %w", prev.ID, err)
		}
		if prev.ResolvedAt != nil {
			// Back within the cooldown: the same incident, no message.
			if err := m.audit(ctx, tx, in, "incident.reopen", map[string]any{"summary": o.summary,
				"resolved_at": prev.ResolvedAt, "reopened": in.Reopened}); err != nil {
				return err
			}
			m.log.Info("incident reopened within the cooldown (no message)", "incident_id", in.ID, "kind", in.Kind,
				"subject", in.Subject, "resolved_at", prev.ResolvedAt, "reopened", in.Reopened)
			res.Reopened = append(res.Reopened, in)
			continue
		}
		m.log.Debug("incident seen", "incident_id", in.ID, "kind", in.Kind, "subject", in.Subject, "count", in.Count)
		res.Seen = append(res.Seen, in)
	}

	for _, prev := range current {
		k := key{prev.Kind, prev.Subject}
		if prev.ResolvedAt != nil || seen[k] || !checked[prev.Kind] {
			continue
		}
		in, err := m.q.IncidentResolve(ctx, tx, dbsqlc.IncidentResolveParams{ID: prev.ID, ResolvedAt: now})
		if err != nil {
			return fmt.Errorf("resolve incident %d: %w", prev.ID, err)
		}
		n := 0
		if in.NotifiedResolveAt == nil {
			if n, err = m.notify(ctx, tx, in, eventResolve, summaryOf(in), admins, now); err != nil {
				return err
			}
		}
		res.Notified += n
		if err := m.audit(ctx, tx, in, "incident.resolve", map[string]any{"count": in.Count, "admins_notified": n,
			"open_seconds": int64(now.Sub(in.OpenedAt).Seconds())}); err != nil {
			return err
		}
		m.log.Info("incident resolved", "incident_id", in.ID, "kind", in.Kind, "subject", in.Subject,
			"count", in.Count, "open_for", now.Sub(in.OpenedAt).Round(time.Second), "admins_notified", n)
		res.Resolved = append(res.Resolved, in)
	}
	return nil
}

func (m *Monitor) audit(ctx context.Context, tx pgx.Tx, in dbsqlc.Incident, action string, details map[string]any) error {
	details["kind"], details["subject"] = in.Kind, in.Subject
	return audit.Write(ctx, tx, audit.Entry{Source: audit.SourceScheduler, Action: action, EntityType: "incident",
		EntityID: in.ID, Details: details})
}

// summaryOf returns the summary stored in an incident's details.
func summaryOf(in dbsqlc.Incident) string {
	var d struct {
		Summary string `json:"summary"`
	}
	_ = json.Unmarshal(in.Details, &d)
	return d.Summary
}
