package bot

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/notify/channels"
	"github.com/vigilhq/vigil/notify/mailtest"
	"github.com/vigilhq/vigil/schedules"
)

// withEmail gives the bot an email channel on a fresh mail catcher.
func withEmail(t *testing.T) (func(*Options), *mailtest.Server) {
	t.Helper()
	srv, err := mailtest.Start(mailtest.Options{})
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	email, err := notify.NewEmail(notify.EmailConfig{Host: srv.Host(), Port: srv.Port(), TLS: notify.EmailNoTLS, From: "vigil@vigil.test"})
	require.NoError(t, err)
	return func(o *Options) { o.Email = email }, srv
}

var botCodeRE = regexp.MustCompile(`confirmation code is (\d{6})`)

// /email ADDR mails a code after the command's transaction commits;
// /email confirm CODE accepts it; every step is audited with source bot.
func TestEmailCommand(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	with, mail := withEmail(t)
	tb.start(t, with)
	u := tb.user(t, StatusVerified, false)

	require.Contains(t, tb.say(t, u, "/email"), "You have no email address")
	reply := tb.say(t, u, "/email not-an-address")
	require.Contains(t, reply, `"not-an-address" is not an email address`)
	require.Contains(t, reply, "/email ADDRESS", "shows the usage")

	reply = tb.say(t, u, "/email ann@Example.com")
	require.Equal(t, "I mailed a code to ann@example.com. Send /email confirm CODE within an hour; until then nothing is mailed there.", reply)
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	msgs, err := mail.Wait(ctx, "ann@example.com", 1)
	require.NoError(t, err)
	code := botCodeRE.FindStringSubmatch(msgs[0].Text)[1]
	require.Contains(t, tb.say(t, u, "/email"), "waiting for its code")
	require.Contains(t, tb.say(t, u, "/email ann@example.com"), "wait", "one code a minute")

	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	require.Equal(t, "that is not the code mailed to ann@example.com; 4 tries left.", tb.say(t, u, "/email confirm "+wrong))
	require.Contains(t, tb.say(t, u, "/email confirm 12"), "the code is the 6 digits")
	require.Equal(t, "Confirmed: your notifications go to ann@example.com by email too.", tb.say(t, u, "/email confirm "+code))
	require.Contains(t, tb.say(t, u, "/email"), "Your notifications go to ann@example.com")
	require.Equal(t, "Removed ann@example.com: you get no more email.", tb.say(t, u, "/email remove"))
	require.Equal(t, map[string]int{"user.email.request": 1, "user.email.confirm_failed": 1, "user.email.confirm": 1, "user.email.clear": 1},
		tb.botAudits(t, u, "user"))
}

func TestEmailCommandRefusedAndUnconfigured(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	with, mail := withEmail(t)
	tb.start(t, with)
	u := tb.user(t, StatusVerified, false)
	mail.Fail(mailtest.StageRcpt, "gone@example.com", mailtest.Reply{Code: 550, Message: "5.1.1 no such user"}, -1)
	reply := tb.say(t, u, "/email gone@example.com")
	require.Equal(t, "the mail server refused gone@example.com: 550 5.1.1 no such user. Send /email ADDRESS again to retry.", reply)
	require.True(t, strings.HasPrefix(tb.say(t, u, "/email ok@example.com"), "I mailed a code"), "a refused address does not hold the next one back")

	plain := setup(t)
	plain.start(t)
	v := plain.user(t, StatusVerified, false)
	require.Contains(t, plain.say(t, v, "/email ann@example.com"), "Email is not configured on this server")
}

// /alert … via CHANNELS chooses the channels; one the server has not
// configured, or one the user has no address on, gets a reply that says so
// and how to fix it, and creates nothing.
func TestAlertViaChannels(t *testing.T) {
	t.Parallel()
	tb := setup(t)
	svc, err := schedules.New(schedules.Options{Config: config.Default(), Validator: testValidator(t), Runs: tb.enq,
		Fireable: tb.enq.Fireable(), Channels: []string{channels.Telegram, channels.Webhook, channels.Log}})
	require.NoError(t, err)
	tb.start(t, func(o *Options) { o.Schedules = svc })
	u := tb.user(t, StatusVerified, false)

	require.Equal(t, "I cannot deliver that alert: email is not configured on this server (its operator has not set smtp_host). "+
		"Choose other channels after via (telegram is the default), or set up the missing one first (/email ADDRESS for email).",
		tb.say(t, u, "/alert AAPL > 150 via telegram,email"))
	require.Contains(t, tb.say(t, u, "/alert AAPL > 150 1d via webhook"), "you have no webhook URL")
	reply := tb.say(t, u, "/alert AAPL > 150 via sms")
	require.Contains(t, reply, `Unknown channel "sms" after via: use telegram, email, webhook`)
	require.Contains(t, reply, "Usage:")
	require.Contains(t, tb.say(t, u, "/alert AAPL > 150 via log"), `Unknown channel "log"`, "log is not a user's channel")
	require.Empty(t, tb.schedules(t, u), "nothing refused was created")

	reply = tb.say(t, u, "/alert AAPL > 150 1d via telegram")
	require.Contains(t, reply, "Alert #")
	require.Contains(t, reply, "AAPL close > 150 1d via telegram")
	var p struct {
		Notify struct {
			Channels []string `json:"channels"`
		} `json:"notify"`
	}
	require.NoError(t, json.Unmarshal(tb.schedules(t, u)[0].TaskParams, &p))
	require.Equal(t, []string{"telegram"}, p.Notify.Channels)
}
