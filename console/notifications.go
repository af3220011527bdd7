package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vigilhq/vigil/db/dbsqlc"
)

var (
	notificationChannels = []string{"telegram", "email", "webhook"}
	notificationStatuses = []string{"queued", "sending", "sent", "retrying", "failed", "cancelled", "recorded"}
)

// channelWindow is how far back the per-channel summary counts.
const channelWindow = 7 * 24 * time.Hour

type notificationsData struct {
	Channels []dbsqlc.ConsoleNotificationChannelsRow
	Rows     []dbsqlc.Notification
	Query    url.Values
	NextPage url.Values
	Names    []string
	Statuses []string
	Users    []dbsqlc.ConsoleUserListRow
	Since    time.Time
}

// notificationsPage is the delivery log: per channel the last week's
// deliveries, attempts and latest error, then every delivery, newest first,
// filtered by channel and status.
func (c *Console) notificationsPage(w http.ResponseWriter, r *http.Request, s *session) {
	ctx := r.Context()
	lq := &listQuery{v: r.URL.Query()}
	channel := lq.oneOf("channel", notificationChannels)
	st := lq.oneOf("status", notificationStatuses)
	owner := lq.owner(s)
	var before *int64
	if b := lq.positive("before"); b > 0 {
		before = &b
	}
	if field, msg, bad := lq.err(); bad {
		c.badRequest(w, r, s, field, msg)
		return
	}
	d := notificationsData{Query: r.URL.Query(), Names: notificationChannels, Statuses: notificationStatuses,
		Since: c.now().Add(-channelWindow)}
	var err error
	d.Channels, err = c.q.ConsoleNotificationChannels(ctx, c.pool, dbsqlc.ConsoleNotificationChannelsParams{UserID: s.UserID,
		AllUsers: s.IsAdmin, OwnerID: owner, Since: d.Since})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	rows, err := c.q.ConsoleNotificationList(ctx, c.pool, dbsqlc.ConsoleNotificationListParams{UserID: s.UserID,
		AllUsers: s.IsAdmin, OwnerID: owner, Channel: channel, Status: st, BeforeID: before, MaxRows: pageSize + 1})
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	if len(rows) > pageSize {
		rows = rows[:pageSize]
		d.NextPage = with(d.Query, "before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
	}
	d.Rows = rows
	if s.IsAdmin {
		if d.Users, err = c.q.ConsoleUserList(ctx, c.pool); err != nil {
			c.fail(w, r, s, err)
			return
		}
	}
	c.render(w, r, s, http.StatusOK, "notifications", "Notifications", d)
}
