package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// TelegramWebhookPath is where the API listener receives Telegram's webhook
// deliveries (telegram/bot.WebhookPath).
const TelegramWebhookPath = "/telegram/webhook"

// telegramSecretToken is what Telegram accepts as setWebhook's
// secret_token; vigil asks for at least 16 characters.
var telegramSecretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{16,256}$`)

// telegramWebhookPorts are the ports api.telegram.org delivers webhooks to.
var telegramWebhookPorts = map[string]bool{"443": true, "80": true, "88": true, "8443": true}

// TelegramWebhookURL is the URL setWebhook registers: public_url +
// /telegram/webhook.
func (c Config) TelegramWebhookURL() string { return c.PublicBase() + TelegramWebhookPath }

// TelegramLocalAPI reports whether the Bot API is local: no bot token (the
// stand-in `vigil serve` runs) or a telegram_api_endpoint on loopback (a
// stand-in, or a local telegram-bot-api server), which deliver webhooks to
// http:// URLs and any port.
func (c Config) TelegramLocalAPI() bool {
	if c.TelegramBotToken == "" {
		return true
	}
	if c.TelegramAPIEndpoint == "" {
		return false
	}
	u, err := url.Parse(strings.ReplaceAll(c.TelegramAPIEndpoint, "%s", "x"))
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// TelegramWebhookSecrets returns the secrets webhook deliveries may carry,
// the one setWebhook registers first: telegram_webhook_secret, or else
// keys derived from secret_key (and secret_key_previous, still accepted
// after a rotation) as 64 hex digits.
func (c Config) TelegramWebhookSecrets() ([]string, error) {
	if c.TelegramWebhookSecret != "" {
		return []string{c.TelegramWebhookSecret}, nil
	}
	kr, err := c.Keyring()
	if err != nil {
		return nil, fmt.Errorf("secret_key: %w", err)
	}
	keys, err := kr.Derive("telegram-webhook")
	if err != nil {
		return nil, fmt.Errorf("telegram_webhook_secret is empty and secret_key cannot derive one: %w", err)
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, hex.EncodeToString(k))
	}
	return out, nil
}

// telegram checks the webhook settings.
func (v *validator) telegram(c Config) {
	if s := c.TelegramWebhookSecret; s != "" && !telegramSecretToken.MatchString(s) {
		v.add("telegram_webhook_secret", "must be 16-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's secret_token)")
	}
	if !c.TelegramWebhook {
		return
	}
	if c.TelegramWebhookSecret == "" && c.SecretKey == "" {
		v.add("telegram_webhook", "needs telegram_webhook_secret (VIGIL_TELEGRAM_WEBHOOK_SECRET) or secret_key, from which the secret is derived")
	}
	if c.APIAddr == "" {
		v.add("telegram_webhook", "needs api_addr: updates arrive on the API listener")
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || c.TelegramLocalAPI() {
		return // a bad public_url is reported on its own
	}
	if u.Scheme != "https" {
		v.add("public_url", "%q is not https://: Telegram delivers webhooks (telegram_webhook) only to HTTPS URLs; "+
			"http:// is accepted only with a local Bot API (the stand-in, or a telegram_api_endpoint on loopback)", c.PublicURL)
		return
	}
	if p := u.Port(); p != "" && !telegramWebhookPorts[p] {
		v.add("public_url", "%q has port %s: Telegram delivers webhooks (telegram_webhook) only to ports 443, 80, 88 and 8443", c.PublicURL, p)
	}
}
