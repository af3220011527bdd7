package config

import (
	"strings"

	"github.com/vigilhq/vigil/notify/channels"
)

// DeliveryChannels returns the notification channels this deployment
// delivers on, in the order of channels.All: telegram with a bot token,
// email with an smtp_host, webhook and log always. localStandIns is true in
// a process that runs the local stand-ins when those are unset (`vigil
// serve`: the Bot API stand-in and the mail catcher), where telegram and
// email count as configured too.
func (c Config) DeliveryChannels(localStandIns bool) []string {
	var out []string
	for _, name := range channels.All() {
		switch name {
		case channels.Telegram:
			if c.TelegramBotToken == "" && !localStandIns {
				continue
			}
		case channels.Email:
			if c.SMTPHost == "" && !localStandIns {
				continue
			}
		}
		out = append(out, name)
	}
	return out
}

// ChannelSetting names the setting that configures channel name, for
// messages such as "email is not configured on this server (smtp_host)";
// "" for the channels that need none.
func ChannelSetting(name string) string {
	switch name {
	case channels.Telegram:
		return "telegram_bot_token"
	case channels.Email:
		return "smtp_host"
	}
	return ""
}

// PublicBase is public_url without a trailing slash, ready for a path
// ("/email/preferences") to be appended.
func (c Config) PublicBase() string { return strings.TrimRight(c.PublicURL, "/") }
