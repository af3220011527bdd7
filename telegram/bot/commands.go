package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/jackc/pgx/v5"

	"github.com/vigilhq/vigil/alerts"
	"github.com/vigilhq/vigil/audit"
	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/db/dbsqlc"
	"github.com/vigilhq/vigil/schedule"
	"github.com/vigilhq/vigil/schedules"
	"github.com/vigilhq/vigil/schemas"
	"github.com/vigilhq/vigil/useremail"
)

// User statuses (users.status).
const (
	StatusPending  = "pending"
	StatusVerified = "verified"
	StatusBlocked  = "blocked"
)

// listLimit caps the rows /alerts, /schedules and /runs show.
const (
	listLimit = 50
	runsLimit = 10
	nextFires = 5
)

// reply is what the bot answers, sent after the update's transaction
// commits; also holds messages to other chats (an approved user).
type reply struct {
	chatID int64
	text   string
	also   []outMsg
	// photo, when set, is sent after text with caption (a backtest's chart).
	photo   []byte
	caption string
	// mail, when set, is an email confirmation code to mail once the
	// transaction commits; the outcome is the reply's text.
	mail *useremail.Pending
}

type outMsg struct {
	chatID int64
	text   string
}

// openCommands answer users who are not verified.
var openCommands = map[string]bool{"start": true, "help": true, "verify": true}

// dispatch carries out the command in update u within tx and returns the
// reply. Bad input is a reply, not an error; errors are unexpected.
func (b *Bot) dispatch(ctx context.Context, tx pgx.Tx, u tgbotapi.Update) (reply, error) {
	m := u.Message
	if m == nil || m.From == nil || m.Chat == nil {
		return reply{}, nil
	}
	r := reply{chatID: m.Chat.ID}
	if m.Chat.Type != "" && m.Chat.Type != "private" {
		if m.IsCommand() {
			r.text = "I only answer in a private chat: open a chat with me and send /start."
		} else {
			r.chatID = 0
		}
		return r, nil
	}
	tgID := m.From.ID
	user, err := b.q.UserGetByTelegramID(ctx, tx, &tgID)
	known := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("load telegram user %d: %w", tgID, err)
	}
	verified := known && user.Status == StatusVerified

	if msg := textProblem(m.Text); msg != "" {
		r.text = msg
		return r, nil
	}
	cmd, perr := ParseCommand(m.Text)
	if perr != nil {
		var ue *UsageError
		if !errors.As(perr, &ue) {
			return r, perr
		}
		if !verified && ue.Command != "" && !openCommands[ue.Command] {
			r.text = notVerifiedText(known, user)
		} else {
			r.text = ue.Error()
		}
		return r, nil
	}

	switch cmd.Name {
	case "help":
		r.text = helpText(verified, known && user.IsAdmin, cmd.Args)
		return r, nil
	case "start":
		return b.cmdStart(ctx, tx, r, m, known, user)
	case "verify":
		return b.cmdVerify(ctx, tx, r, cmd, known, user)
	}
	if !verified {
		r.text = notVerifiedText(known, user)
		return r, nil
	}
	switch cmd.Name {
	case "alert":
		return b.cmdAlert(ctx, tx, r, cmd, user)
	case "alerttest":
		return b.cmdAlertTest(ctx, tx, r, cmd, user)
	case "alerts":
		return b.cmdList(ctx, tx, r, user, config.JobAlert)
	case "schedules":
		return b.cmdList(ctx, tx, r, user, "")
	case "pause", "resume", "delete":
		return b.cmdChange(ctx, tx, r, cmd, user)
	case "schedule":
		return b.cmdSchedule(ctx, tx, r, cmd, user)
	case "next":
		return b.cmdNext(ctx, tx, r, cmd, user)
	case "runs":
		return b.cmdRuns(ctx, tx, r, user)
	case "why":
		return b.cmdWhy(ctx, tx, r, cmd, user)
	case "report":
		return b.cmdReport(ctx, tx, r, cmd, user)
	case "screener":
		return b.cmdScreener(ctx, tx, r, cmd, user)
	case "portfolios":
		return b.cmdPortfolios(ctx, tx, r, user)
	case "portfolio":
		return b.cmdPortfolio(ctx, tx, r, cmd, user)
	case "sets":
		return b.cmdSets(ctx, tx, r, user)
	case "set":
		return b.cmdSet(ctx, tx, r, cmd, user)
	case "backtest":
		return b.cmdStrategyBacktest(ctx, r, cmd, user)
	case "bots", "bot", "profit", "balance", "trades", "forceexit", "stopentry", "startbot", "stopbot":
		return b.cmdTradingBot(ctx, tx, r, cmd, user)
	case "timezone":
		return b.cmdTimezone(ctx, tx, r, cmd, user)
	case "email":
		return b.cmdEmail(ctx, tx, r, cmd, user)
	case "notify":
		return b.cmdNotify(ctx, tx, r, cmd, user)
	case "quiet":
		return b.cmdQuiet(ctx, tx, r, cmd, user)
	case "status":
		return b.cmdStatus(ctx, tx, r, user)
	case "approve", "block":
		return b.cmdAdmin(ctx, tx, r, cmd, user)
	case "incidents":
		return b.cmdIncidents(ctx, tx, r, user)
	}
	r.text = "Unknown command. Send /help to see the commands."
	return r, nil
}

func notVerifiedText(known bool, user dbsqlc.User) string {
	switch {
	case !known:
		return "You are not registered yet. Send /start to register, then /verify CODE with an invite code from an admin. Until then only /help is available."
	case user.Status == StatusBlocked:
		return "Your account is blocked. Ask an admin if you think this is a mistake."
	default:
		return fmt.Sprintf("You are not verified yet. Send /verify CODE with an invite code from an admin, or ask an admin to /approve %d. Until then only /help is available.", user.ID)
	}
}

func helpText(verified, admin bool, topic string) string {
	var b strings.Builder
	if !verified {
		b.WriteString("Vigil watches markets and runs your schedules.\n\nTo get started:\n")
		for _, name := range []string{"start", "verify", "help"} {
			b.WriteString(usages[name] + "\n")
		}
		b.WriteString("\nThe other commands work once you are verified.")
		return b.String()
	}
	shown := func(name string) bool {
		return !((name == "approve" || name == "block" || name == "incidents") && !admin || helpHidden[name])
	}
	// /help COMMAND: that command's full form and examples.
	if t := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(topic)), "/"); t != "" {
		if u, ok := usages[t]; ok && shown(t) {
			return u
		}
		return fmt.Sprintf("I have no command /%s. Send /help to see the commands.", clip(t))
	}
	// The list: one line each, well under Telegram's 4,096 characters.
	b.WriteString("Commands (send /help COMMAND for its full form and examples, e.g. /help alert):\n\n")
	for _, name := range commandOrder {
		if !shown(name) {
			continue
		}
		desc := descriptions[name]
		if desc == "" {
			desc = strings.SplitN(usages[name], "\n", 2)[0]
		}
		b.WriteString("/" + name + " — " + desc + "\n")
	}
	return strings.TrimSpace(b.String())
}

func displayName(m *tgbotapi.Message) string {
	name := strings.TrimSpace(storableName(m.From.UserName))
	if name == "" {
		name = strings.TrimSpace(storableName(m.From.FirstName + " " + m.From.LastName))
	}
	if name == "" {
		name = fmt.Sprintf("telegram:%d", m.From.ID)
	}
	if r := []rune(name); len(r) > 255 {
		name = string(r[:255])
	}
	return name
}

func (b *Bot) cmdStart(ctx context.Context, tx pgx.Tx, r reply, m *tgbotapi.Message, known bool, user dbsqlc.User) (reply, error) {
	tgID, chatID := m.From.ID, m.Chat.ID
	name := displayName(m)
	if known {
		name = user.Name
	}
	user, err := b.q.UserRegisterTelegram(ctx, tx, dbsqlc.UserRegisterTelegramParams{Name: name, TelegramUserID: &tgID, TelegramChatID: &chatID})
	if err != nil {
		return r, fmt.Errorf("register telegram user %d: %w", tgID, err)
	}
	if !known {
		if err := b.audit(ctx, tx, user.ID, user.ID, "user.register", "user", user.ID, map[string]any{"telegram_user_id": tgID}); err != nil {
			return r, err
		}
	}
	switch user.Status {
	case StatusVerified:
		r.text = "Welcome back! You are verified. Send /help to see the commands."
	case StatusBlocked:
		r.text = notVerifiedText(true, user)
	default:
		if !known {
			b.log.InfoContext(ctx, "telegram user registered", "user_id", user.ID)
		}
		r.text = fmt.Sprintf("Welcome to Vigil! You are registered as user %d and waiting for verification.\n\nSend /verify CODE with an invite code from an admin, or ask an admin to /approve %d. Until then only /help is available.", user.ID, user.ID)
	}
	return r, nil
}

func (b *Bot) cmdVerify(ctx context.Context, tx pgx.Tx, r reply, cmd Command, known bool, user dbsqlc.User) (reply, error) {
	switch {
	case !known:
		r.text = "Send /start first to register, then /verify CODE."
		return r, nil
	case user.Status == StatusVerified:
		r.text = "You are already verified. Send /help to see the commands."
		return r, nil
	case user.Status == StatusBlocked:
		r.text = notVerifiedText(true, user)
		return r, nil
	}
	_, err := b.q.InviteUse(ctx, tx, dbsqlc.InviteUseParams{CodeHash: hashCode(cmd.Code), UsedBy: &user.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		r.text = (&UsageError{Command: "verify", Problem: "That invite code is not valid, has expired or was already used. Ask an admin for a new one.", Usage: usages["verify"]}).Error()
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("use invite: %w", err)
	}
	if _, err := b.q.UserSetStatus(ctx, tx, dbsqlc.UserSetStatusParams{ID: user.ID, Status: StatusVerified}); err != nil {
		return r, fmt.Errorf("verify user %d: %w", user.ID, err)
	}
	if err := b.audit(ctx, tx, user.ID, user.ID, "user.verify", "user", user.ID, map[string]any{"with": "invite"}); err != nil {
		return r, err
	}
	b.log.InfoContext(ctx, "telegram user verified with invite", "user_id", user.ID)
	r.text = "You are verified. Send /help to see what you can do, e.g. /alert AAPL > 150."
	return r, nil
}

// actor is the user as the schedule service sees them: their own
// schedules only, whatever their role.
func actor(user dbsqlc.User) schedules.Actor {
	return schedules.Actor{UserID: user.ID, Name: user.Name, Source: audit.SourceBot}
}

// refusal is the reply to a schedule the service refused for a reason the
// user can act on; ok is false for an internal failure (err is returned).
func refusal(cmd string, id int64, err error) (string, bool) {
	var (
		se *schedules.Error
		ce *schedule.Error
		ve *schemas.ValidationError
	)
	switch {
	case errors.As(err, &se) && se.Kind == schedules.KindNotFound:
		return notFound(id), true
	case errors.As(err, &se) && se.Kind == schedules.KindQuota:
		return "You have as many schedules as you may: " + se.Msg + " (/schedules lists them, /delete ID removes one).", true
	case errors.As(err, &se):
		return usage(cmd, fmt.Sprintf("That %s is not allowed: %s.", cmd, se.Error())).Error(), true
	case errors.As(err, &ce):
		return usage(cmd, fmt.Sprintf("That %s is not valid: %v.", cmd, ce)).Error(), true
	case errors.As(err, &ve), errors.Is(err, schemas.ErrInvalidJSON):
		if cmd == "alert" {
			return usage(cmd, "That alert is not valid: "+alertProblem(err)).Error(), true
		}
		return usage(cmd, fmt.Sprintf("That %s is not valid: %v.", cmd, err)).Error(), true
	}
	return "", false
}

func (b *Bot) cmdAlert(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	a := cmd.Alert
	if a.Test {
		return b.backtestAlert(ctx, tx, r, a, user)
	}
	s, err := b.schedules.Create(ctx, tx, actor(user), schedules.Definition{
		Name: "alert " + a.Summary, JobType: config.JobAlert, Target: a.Ticker, TaskParams: a.TaskParams, Cron: a.Cron, Timezone: "UTC"})
	if text, ok := refusal("alert", 0, err); ok {
		if errors.Is(err, schedule.ErrNotAllowed) {
			text = usage("alert", fmt.Sprintf("Alerts on %s bars are checked on %q, which you may not schedule: %v. Use a longer timeframe.", a.Timeframe, a.Cron, err)).Error()
		}
		if se, ok := schedules.AsError(err); ok && strings.HasPrefix(se.Field, "task_params/notify/channels/") {
			text = fmt.Sprintf("I cannot deliver that alert: %s. Choose other channels after via (telegram is the default), or set up the missing one first (/email ADDRESS for email).", se.Msg)
		}
		r.text = text
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.text = fmt.Sprintf("Alert #%d created: %s.\nChecked on cron %q (UTC). /pause %d, /delete %d, /alerts lists yours.", s.ID, a.Summary, a.Cron, s.ID, s.ID)
	return r, nil
}

func (b *Bot) cmdSchedule(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	spec := cmd.Schedule
	zone := spec.Zone
	if zone == "" {
		zone = user.Timezone
	}
	s, err := b.schedules.Create(ctx, tx, actor(user), schedules.Definition{
		Name: spec.JobType + " " + spec.ReportType, JobType: spec.JobType, TaskParams: spec.TaskParams, Cron: spec.Cron, Timezone: zone})
	if text, ok := refusal("schedule", 0, err); ok {
		r.text = text
		return r, nil
	}
	if err != nil {
		return r, err
	}
	text := fmt.Sprintf("Schedule #%d created: %s %s on %q (%s).", s.ID, spec.JobType, spec.ReportType, spec.Cron, zone)
	if fires := b.preview(s, 1); fires != "" {
		text += "\nNext: " + fires
	}
	r.text = text + fmt.Sprintf("\n/next %d shows more.", s.ID)
	return r, nil
}

// preview lists the next n fires of s in its zone, "" if it cannot.
func (b *Bot) preview(s dbsqlc.JobSchedule, n int) string {
	sched, err := schedule.Parse(s.Cron, s.Timezone, schedule.Options{Gap: schedule.GapPolicy(s.DstGap), Fold: schedule.FoldPolicy(s.DstFold)})
	if err != nil {
		return ""
	}
	var lines []string
	for _, f := range sched.Preview(b.now(), n) {
		line := f.Local.Format("Mon 2006-01-02 15:04 MST")
		if f.Shifted {
			line += " (moved by a DST gap)"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func scheduleState(s dbsqlc.JobSchedule) string {
	switch {
	case s.DisabledReason != nil:
		return "disabled: " + *s.DisabledReason
	case !s.Enabled && s.PausedNote != nil:
		return "paused (" + *s.PausedNote + ")"
	case !s.Enabled:
		return "paused"
	case s.WaitReason != nil:
		return "waiting: " + *s.WaitReason
	}
	state := "active"
	if s.JobType == config.JobAlert {
		if st, err := alerts.LoadState(s.StateJson); err == nil {
			state += ", " + strings.ToLower(st.Status)
		}
	}
	return state
}

func (b *Bot) cmdList(ctx context.Context, tx pgx.Tx, r reply, user dbsqlc.User, jobType string) (reply, error) {
	var jt *string
	if jobType != "" {
		jt = &jobType
	}
	rows, err := b.schedules.List(ctx, tx, actor(user), schedules.Filter{JobType: jt, Limit: listLimit + 1})
	if err != nil {
		return r, err
	}
	slices.Reverse(rows) // oldest first reads like a list
	if len(rows) == 0 {
		if jobType == config.JobAlert {
			r.text = "You have no alerts. Create one: /alert AAPL > 150"
		} else {
			r.text = "You have no schedules. Create one with /alert or /schedule; /help shows how."
		}
		return r, nil
	}
	var sb strings.Builder
	if jobType == config.JobAlert {
		sb.WriteString("Your alerts:\n")
	} else {
		sb.WriteString("Your schedules:\n")
	}
	for i, s := range rows {
		if i == listLimit {
			sb.WriteString("… and more\n")
			break
		}
		if jobType == config.JobAlert {
			fmt.Fprintf(&sb, "#%d %s — %s\n", s.ID, strings.TrimPrefix(s.Name, "alert "), scheduleState(s))
		} else {
			fmt.Fprintf(&sb, "#%d %s — %q %s — %s\n", s.ID, s.Name, s.Cron, s.Timezone, scheduleState(s))
		}
	}
	r.text = strings.TrimSpace(sb.String())
	return r, nil
}

func notFound(id int64) string {
	return fmt.Sprintf("Schedule #%d not found. /schedules lists yours.", id)
}

func (b *Bot) cmdChange(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	id := int32(cmd.ID)
	var err error
	switch cmd.Name {
	case "pause":
		_, err = b.schedules.Pause(ctx, tx, actor(user), id, "paused from Telegram")
		r.text = fmt.Sprintf("Schedule #%d paused. /resume %d starts it again.", id, id)
	case "resume":
		_, err = b.schedules.Resume(ctx, tx, actor(user), id)
		r.text = fmt.Sprintf("Schedule #%d resumed; it fires from now on (missed fires are not caught up).", id)
	case "delete":
		var cancelled int
		_, cancelled, err = b.schedules.Delete(ctx, tx, actor(user), id, "")
		r.text = fmt.Sprintf("Schedule #%d deleted.", id)
		if cancelled > 0 {
			r.text += fmt.Sprintf(" %d pending or running run(s) cancelled.", cancelled)
		}
	}
	if text, ok := refusal(cmd.Name, cmd.ID, err); ok {
		r.text = text
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("%s schedule %d of user %d: %w", cmd.Name, id, user.ID, err)
	}
	return r, nil
}

func (b *Bot) cmdNext(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	s, err := b.schedules.Get(ctx, tx, actor(user), int32(cmd.ID))
	if text, ok := refusal("next", cmd.ID, err); ok {
		r.text = text
		return r, nil
	}
	if err != nil {
		return r, err
	}
	fires := b.preview(s, nextFires)
	if fires == "" {
		r.text = fmt.Sprintf("Schedule #%d (%q %s) has no upcoming fires.", s.ID, s.Cron, s.Timezone)
		return r, nil
	}
	head := fmt.Sprintf("Next fires of #%d %s (%q %s):", s.ID, s.Name, s.Cron, s.Timezone)
	if !s.Enabled {
		head = fmt.Sprintf("#%d %s is paused; resumed, it would fire at:", s.ID, s.Name)
	}
	r.text = head + "\n" + fires
	return r, nil
}

func (b *Bot) cmdRuns(ctx context.Context, tx pgx.Tx, r reply, user dbsqlc.User) (reply, error) {
	runs, err := b.q.RunListByOwner(ctx, tx, dbsqlc.RunListByOwnerParams{UserID: &user.ID, MaxRows: runsLimit})
	if err != nil {
		return r, fmt.Errorf("list runs of user %d: %w", user.ID, err)
	}
	if len(runs) == 0 {
		r.text = "No runs yet. Your schedules' runs will show here."
		return r, nil
	}
	loc := userLocation(user)
	var sb strings.Builder
	sb.WriteString("Your recent runs:\n")
	for _, run := range runs {
		fmt.Fprintf(&sb, "run %d", run.ID)
		if run.JobID != nil {
			fmt.Fprintf(&sb, " of #%d", *run.JobID)
		}
		fmt.Fprintf(&sb, " %s — %s", run.JobType, run.Status)
		sb.WriteString(" — " + run.ScheduledFor.In(loc).Format("2006-01-02 15:04 MST"))
		if run.Error != nil && *run.Error != "" {
			first, _, _ := strings.Cut(*run.Error, "\n")
			sb.WriteString(" — " + clip(first))
		}
		sb.WriteString("\n")
	}
	r.text = strings.TrimSpace(sb.String())
	return r, nil
}

func userLocation(user dbsqlc.User) *time.Location {
	if loc, err := time.LoadLocation(user.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

func (b *Bot) cmdTimezone(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if cmd.Zone == "Local" || schedule.ValidateFor("0 0 * * *", cmd.Zone, true, 0) != nil {
		r.text = usage("timezone", fmt.Sprintf("Unknown time zone %q: use an IANA name such as Europe/Berlin, America/New_York or UTC.", clip(cmd.Zone))).Error()
		return r, nil
	}
	if _, err := b.q.UserSetTimezone(ctx, tx, dbsqlc.UserSetTimezoneParams{ID: user.ID, Timezone: cmd.Zone}); err != nil {
		return r, fmt.Errorf("set time zone of user %d: %w", user.ID, err)
	}
	if err := b.audit(ctx, tx, user.ID, user.ID, "user.timezone", "user", user.ID, map[string]any{"timezone": cmd.Zone}); err != nil {
		return r, err
	}
	r.text = fmt.Sprintf("Your time zone is now %s. New schedules use it unless they name another; existing ones keep theirs.", cmd.Zone)
	return r, nil
}

func (b *Bot) cmdStatus(ctx context.Context, tx pgx.Tx, r reply, user dbsqlc.User) (reply, error) {
	st, err := b.q.UserTelegramStatus(ctx, tx, int32(user.ID))
	if err != nil {
		return r, fmt.Errorf("status of user %d: %w", user.ID, err)
	}
	role := ""
	if user.IsAdmin {
		role = ", admin"
	}
	quota := "no limit"
	if limit, ok := b.schedules.Limits().Quota(schedules.Owner{ID: user.ID, Admin: user.IsAdmin, MaxSchedules: user.MaxSchedules}); ok {
		quota = fmt.Sprintf("at most %d", limit)
	}
	r.text = fmt.Sprintf("User %d (%s): %s%s\nTime zone: %s\nSchedules: %d active of %d (%s)\nRuns in the last 24 h: %d, %d failed",
		user.ID, user.Name, user.Status, role, user.Timezone, st.Enabled, st.Schedules, quota, st.Runs24h, st.Failed24h)
	return r, nil
}

func (b *Bot) cmdAdmin(ctx context.Context, tx pgx.Tx, r reply, cmd Command, user dbsqlc.User) (reply, error) {
	if !user.IsAdmin {
		r.text = fmt.Sprintf("Only admins can use /%s.", cmd.Name)
		return r, nil
	}
	if cmd.Name == "block" && cmd.ID == user.ID {
		r.text = "You cannot block yourself."
		return r, nil
	}
	status := StatusVerified
	if cmd.Name == "block" {
		status = StatusBlocked
	}
	target, err := b.q.UserSetStatus(ctx, tx, dbsqlc.UserSetStatusParams{ID: cmd.ID, Status: status})
	if errors.Is(err, pgx.ErrNoRows) {
		r.text = usage(cmd.Name, fmt.Sprintf("User %d not found.", cmd.ID)).Error()
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("%s user %d: %w", cmd.Name, cmd.ID, err)
	}
	b.log.InfoContext(ctx, "user status set from telegram", "user_id", target.ID, "status", status, "admin_user_id", user.ID)
	if err := b.audit(ctx, tx, user.ID, target.ID, "user.status", "user", target.ID, map[string]any{"status": status}); err != nil {
		return r, err
	}
	r.text = fmt.Sprintf("User %d (%s) is now %s.", target.ID, target.Name, status)
	if status == StatusVerified && target.TelegramChatID != nil {
		r.also = append(r.also, outMsg{chatID: *target.TelegramChatID, text: "An admin verified your account. Send /help to see what you can do."})
	}
	return r, nil
}
