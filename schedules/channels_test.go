package schedules

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestChosenChannels(t *testing.T) {
	t.Parallel()
	require.Equal(t, []ChosenChannel{{"telegram", "task_params/notify/channels/0"}, {"email", "task_params/notify/channels/1"}},
		ChosenChannels("alert", []byte(`{"ticker":"AAPL","notify":{"channels":["telegram","email"]}}`)))
	require.Equal(t, []ChosenChannel{{"email", "task_params/notification_channels/0"}},
		ChosenChannels("alert", []byte(`{"symbol":"AAPL","notification_channels":["email"]}`)))
	require.Equal(t, []ChosenChannel{{"log", "task_params/channels/0"}},
		ChosenChannels("notification", []byte(`{"user_id":1,"message":"x","channels":["log"]}`)))
	require.Empty(t, ChosenChannels("alert", []byte(`{"ticker":"AAPL"}`)), "the default is not a choice")
	require.Empty(t, ChosenChannels("report", []byte(`{"channels":["email"]}`)))
}

func TestCheckChannels(t *testing.T) {
	t.Parallel()
	all := Recipient{ID: 7, TelegramChatID: true, Email: true, WebhookURL: true}
	configured := []string{"telegram", "webhook", "log"}
	pick := func(names ...string) []ChosenChannel {
		out := make([]ChosenChannel, len(names))
		for i, n := range names {
			out[i] = ChosenChannel{Name: n, Field: "f/" + n}
		}
		return out
	}
	require.NoError(t, CheckChannels(pick("telegram", "webhook"), configured, false, all, true))
	require.NoError(t, CheckChannels(pick("email"), nil, false, all, true), "nil: every channel")

	for _, tt := range []struct {
		chosen     []ChosenChannel
		admin      bool
		r          Recipient
		self       bool
		kind       Kind
		field, msg string
	}{
		{pick("email"), false, all, true, KindInvalid, "f/email", "email is not configured on this server (its operator has not set smtp_host)"},
		{pick("log"), false, all, true, KindForbidden, "f/log", "log is for operators only: choose telegram, email or webhook"},
		{pick("sms"), true, all, true, KindInvalid, "f/sms", `unknown channel "sms"`},
		{pick("telegram"), false, Recipient{ID: 7}, true, KindInvalid, "f/telegram", "you have no Telegram chat"},
		{pick("webhook"), true, Recipient{ID: 9}, false, KindInvalid, "f/webhook", "user 9 has no webhook URL"},
	} {
		err := CheckChannels(tt.chosen, configured, tt.admin, tt.r, tt.self)
		e, ok := AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, tt.kind, e.Kind)
		require.Equal(t, tt.field, e.Field)
		require.Contains(t, e.Msg, tt.msg)
	}
	require.NoError(t, CheckChannels(pick("log"), configured, true, Recipient{ID: 1}, true), "an admin's log needs no address")
	err := CheckChannels(pick("email"), []string{"email"}, false, Recipient{ID: 7}, true)
	e, _ := AsError(err)
	require.Contains(t, e.Msg, "you have no confirmed email address")
}
