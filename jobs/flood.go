package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
)

// What became of an alert fire's notification (Delivery.Outcome).
const (
	// DeliverySent: notified at once.
	DeliverySent = "sent"
	// DeliveryHeld: held for the user's digest (digest_first fires of the
	// user were sent within digest_window already).
	DeliveryHeld = "held"
	// DeliveryFlood: the alert fired more than alert_flood_limit times
	// within alert_flood_window; recorded, not sent, and the alert paused.
	DeliveryFlood = "flood"
)

// Delivery is what became of a fire's notification (AlertResult.Delivery).
type Delivery struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note,omitempty"`
	// DigestAt is when the digest listing a held fire is sent.
	DigestAt *time.Time `json:"digest_at,omitempty"`
}

// floodActor pauses flooding alerts through the schedule service.
var floodActor = schedules.Actor{Name: "flood control", AllUsers: true, Source: audit.SourceScheduler}

// floodControl is the alert worker's flood control and per-user digest. Its
// zero value is ready; the schedule service it pauses alerts through is
// built at the first flood.
type floodControl struct {
	once sync.Once
	svc  *schedules.Service
	err  error
}

func (fc *floodControl) schedules(cfg config.Config, log *slog.Logger) (*schedules.Service, error) {
	fc.once.Do(func() {
		v, err := schemas.New()
		if err != nil {
			fc.err = fmt.Errorf("flood control: load schemas: %w", err)
			return
		}
		fc.svc, fc.err = schedules.New(schedules.Options{Config: cfg, Validator: v, Logger: log})
	})
	return fc.svc, fc.err
}

// floodGate decides, for the fires of one alert job, which notifications
// go at once, which wait for the user's digest and which alerts flood. The
// worker reports each fire with fired and applies the decisions with close,
// in the job's transaction, just before the notifications are enqueued.
type floodGate struct {
	fc    *floodControl
	cfg   config.Config
	log   *slog.Logger
	now   time.Time
	fires []gatedFire
}

type gatedFire struct {
	event      int // index of the fire's run event
	scheduleID int32
	runID      int64
	res        *AlertResult
	note       *NotifyArgs
	outcome    string
	window     time.Time // held: the digest window
}

// begin starts the gate of one alert job evaluated at now.
func (fc *floodControl) begin(cfg config.Config, log *slog.Logger, now time.Time) *floodGate {
	return &floodGate{fc: fc, cfg: cfg, log: log, now: dbTime(now)}
}

// fired reports a fire: its run event's index, the run, its result and its
// notification.
func (g *floodGate) fired(event int, run RunRef, res *AlertResult, note *NotifyArgs) {
	g.fires = append(g.fires, gatedFire{event: event, scheduleID: int32(run.ScheduleID), runID: run.RunID,
		res: res, note: note, outcome: DeliverySent})
}

// close decides every reported fire, records it in alert_fires, pauses the
// alerts that flood (with a message to their owner), schedules the digests
// of held fires, rewrites the fires' run results and returns notes without
// the notifications it held or suppressed, plus the messages it adds.
func (g *floodGate) close(ctx context.Context, tx pgx.Tx, events []RunEvent, notes []river.InsertManyParams) ([]river.InsertManyParams, error) {
	if len(g.fires) == 0 {
		return notes, nil
	}
	q := dbsqlc.New()
	if err := g.floods(ctx, tx, q); err != nil {
		return notes, err
	}
	digests, err := g.digest(ctx, tx, q)
	if err != nil {
		return notes, err
	}

	var rec dbsqlc.AlertFiresInsertParams
	rec.FiredAt = g.now
	drop := map[string]bool{}
	for i := range g.fires {
		f := &g.fires[i]
		rec.ScheduleIds = append(rec.ScheduleIds, f.scheduleID)
		rec.UserIds = append(rec.UserIds, f.note.UserID)
		rec.RunIds = append(rec.RunIds, f.runID)
		rec.Outcomes = append(rec.Outcomes, f.outcome)
		rec.Messages = append(rec.Messages, f.note.Message)
		window := noWindow
		d := &Delivery{Outcome: f.outcome}
		switch f.outcome {
		case DeliveryHeld:
			window = f.window
			at := f.window.Add(g.cfg.DigestWindow.D())
			d.DigestAt = &at
			d.Note = fmt.Sprintf("held for your digest at %s UTC: the first %d alert fires within %s are sent at once (digest_first, digest_window)",
				at.UTC().Format(time.TimeOnly), g.cfg.DigestFirst, g.cfg.DigestWindow.D())
		case DeliveryFlood:
			d.Note = fmt.Sprintf("not sent: fire %d of this alert within %s, over alert_flood_limit %d; the alert is paused",
				g.cfg.AlertFloodLimit+1, g.cfg.AlertFloodWindow.D(), g.cfg.AlertFloodLimit)
		}
		rec.DigestWindows = append(rec.DigestWindows, window)
		f.res.Delivery = d
		if f.outcome != DeliverySent {
			drop[f.note.MessageID] = true
			f.res.MessageID = ""
		}
		b, err := json.Marshal(f.res)
		if err != nil {
			return notes, fmt.Errorf("encode alert result: %w", err)
		}
		events[f.event].Result = b
	}
	if err := q.AlertFiresInsert(ctx, tx, rec); err != nil {
		return notes, fmt.Errorf("record %d alert fires: %w", len(g.fires), err)
	}
	if len(drop) > 0 {
		notes = slices.DeleteFunc(notes, func(p river.InsertManyParams) bool {
			n, ok := p.Args.(NotifyArgs)
			return ok && drop[n.MessageID]
		})
	}
	for _, d := range digests {
		notes = append(notes, river.InsertManyParams{Args: d, InsertOpts: d.insertOpts(g.cfg)})
	}
	more, err := g.pauseFloods(ctx, tx)
	if err != nil {
		return notes, err
	}
	return append(notes, more...), nil
}

// noWindow stands for "no digest window" in AlertFiresInsert's array
// (the query stores it as NULL).
var noWindow = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// floods marks the fires over alert_flood_limit within alert_flood_window
// (counting since the alert's last flood, so a resumed alert starts at 0).
func (g *floodGate) floods(ctx context.Context, tx pgx.Tx, q *dbsqlc.Queries) error {
	limit := g.cfg.AlertFloodLimit
	if limit <= 0 {
		return nil
	}
	ids := make([]int32, 0, len(g.fires))
	for _, f := range g.fires {
		ids = append(ids, f.scheduleID)
	}
	slices.Sort(ids)
	rows, err := q.AlertFireCounts(ctx, tx, dbsqlc.AlertFireCountsParams{Ids: slices.Compact(ids),
		Since: g.now.Add(-g.cfg.AlertFloodWindow.D())})
	if err != nil {
		return fmt.Errorf("count recent alert fires: %w", err)
	}
	counts := make(map[int32]int, len(rows))
	for _, r := range rows {
		counts[r.ScheduleID] = int(r.Fires)
	}
	for i := range g.fires {
		f := &g.fires[i]
		counts[f.scheduleID]++
		if counts[f.scheduleID] > limit {
			f.outcome = DeliveryFlood
			counts[f.scheduleID] = 0 // what follows a flood counts again from zero
		}
	}
	return nil
}

// digest holds the fires of users who already had digest_first fires sent
// within their digest window and returns the digest jobs to enqueue (one
// per user and window; River keeps them unique). It locks the users'
// digest rows in user id order, just before the commit.
func (g *floodGate) digest(ctx context.Context, tx pgx.Tx, q *dbsqlc.Queries) ([]AlertDigestArgs, error) {
	window := g.cfg.DigestWindow.D()
	if window <= 0 {
		return nil, nil
	}
	var users []int64
	for _, f := range g.fires {
		if f.outcome == DeliverySent {
			users = append(users, f.note.UserID)
		}
	}
	if len(users) == 0 {
		return nil, nil
	}
	slices.Sort(users)
	users = slices.Compact(users)
	rows, err := q.AlertDigestLock(ctx, tx, users)
	if err != nil {
		return nil, fmt.Errorf("lock digest windows: %w", err)
	}
	type state struct {
		start time.Time
		fires int
	}
	byUser := make(map[int64]*state, len(rows))
	for _, r := range rows {
		s := &state{fires: int(r.Fires)}
		if r.WindowStart != nil {
			s.start = dbTime(*r.WindowStart)
		}
		byUser[r.UserID] = s
	}
	var digests []AlertDigestArgs
	queued := map[AlertDigestArgs]bool{}
	for i := range g.fires {
		f := &g.fires[i]
		s := byUser[f.note.UserID]
		if f.outcome != DeliverySent || s == nil {
			continue
		}
		if s.start.IsZero() || !g.now.Before(s.start.Add(window)) {
			s.start, s.fires = g.now, 0
		}
		s.fires++
		if s.fires <= g.cfg.DigestFirst {
			continue
		}
		f.outcome, f.window = DeliveryHeld, s.start
		d := AlertDigestArgs{UserID: f.note.UserID, WindowStart: s.start}
		if !queued[d] {
			queued[d] = true
			digests = append(digests, d)
		}
	}
	set := dbsqlc.AlertDigestSetParams{}
	for _, u := range users {
		s := byUser[u]
		if s == nil || s.start.IsZero() {
			continue
		}
		set.UserIds = append(set.UserIds, u)
		set.WindowStarts = append(set.WindowStarts, s.start)
		set.Fires = append(set.Fires, int32(s.fires))
	}
	if len(set.UserIds) > 0 {
		if err := q.AlertDigestSet(ctx, tx, set); err != nil {
			return nil, fmt.Errorf("write digest windows: %w", err)
		}
	}
	for _, d := range digests {
		g.log.Info("alert fires held for the digest", "user_id", d.UserID, "window_start", d.WindowStart,
			"digest_at", d.WindowStart.Add(window))
	}
	return digests, nil
}

// pauseFloods pauses each flooding alert through the schedule service
// (audited, source scheduler) and returns a message to its owner for each.
func (g *floodGate) pauseFloods(ctx context.Context, tx pgx.Tx) ([]river.InsertManyParams, error) {
	var out []river.InsertManyParams
	for _, f := range g.fires {
		if f.outcome != DeliveryFlood {
			continue
		}
		svc, err := g.fc.schedules(g.cfg, g.log)
		if err != nil {
			return nil, err
		}
		n, w := g.cfg.AlertFloodLimit+1, g.cfg.AlertFloodWindow.D()
		note := fmt.Sprintf("paused by flood control: %d fires within %s (alert_flood_limit %d)", n, w, g.cfg.AlertFloodLimit)
		row, err := svc.Pause(ctx, tx, floodActor, f.scheduleID, note)
		if err != nil {
			return nil, fmt.Errorf("pause flooding alert %d: %w", f.scheduleID, err)
		}
		g.log.Warn("alert paused by flood control", "schedule_id", f.scheduleID, "user_id", row.UserID, "run_id", f.runID,
			"fires", n, "window", w)
		msg := fmt.Sprintf("Flood control paused your alert #%d %q: it fired %d times within %s (at most %d are sent). "+
			"This fire was recorded in run #%d, not sent:\n%s\n\nResume it when it is quieter: /resume %d (bot), "+
			"vigil schedules resume %d or POST /api/schedules/%d/resume.",
			row.ID, row.Name, n, w, g.cfg.AlertFloodLimit, f.runID, f.note.Message, row.ID, row.ID, row.ID)
		m := NewNotifyArgs(int64(row.UserID), msg, notify.PriorityHigh, notify.TypeSystem)
		m.Channels = f.note.Channels
		out = append(out, river.InsertManyParams{Args: m, InsertOpts: InsertOpts(g.cfg, config.JobNotification)})
	}
	return out, nil
}

// dbTime is t as PostgreSQL keeps it: UTC, whole microseconds. Times that
// go into job args and come back from the database compare equal.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
