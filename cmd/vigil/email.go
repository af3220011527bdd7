package main

import (
	"fmt"
	"log/slog"

	"github.com/vigilhq/vigil/config"
	"github.com/vigilhq/vigil/notify"
	"github.com/vigilhq/vigil/notify/mailtest"
	"github.com/vigilhq/vigil/useremail"
)

// devMailPath is where `vigil serve` shows the mail catcher's messages,
// beside /dev/chat.
const devMailPath = "/dev/mail"

// devMailFrom is the From address of mail to the local catcher.
const devMailFrom = "Vigil <vigil@localhost>"

// emailLinks signs the preferences links of mails with a key derived from
// secret_key; nil without one (mails then carry no List-Unsubscribe).
func emailLinks(cfg config.Config) (*notify.EmailLinks, error) {
	kr, err := cfg.Keyring()
	if err != nil {
		return nil, fmt.Errorf("secret_key: %w", err)
	}
	if !kr.Enabled() {
		return nil, nil
	}
	keys, err := kr.Derive("email-links")
	if err != nil {
		return nil, fmt.Errorf("secret_key: %w", err)
	}
	return &notify.EmailLinks{Base: cfg.PublicBase(), Keys: keys}, nil
}

// emailChannel returns the email channel: SMTP to smtp_host when it is
// set; otherwise, when catcher is true (`vigil serve`), a mail catcher on
// loopback that keeps what it receives (shown at /dev/mail); otherwise nil
// (no email channel: alerts cannot choose email).
func emailChannel(cfg config.Config, links *notify.EmailLinks, catcher bool, log *slog.Logger) (*notify.Email, *mailtest.Server, error) {
	if cfg.SMTPHost != "" {
		em, err := notify.NewEmail(notify.EmailConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS, Links: links})
		if err != nil {
			return nil, nil, fmt.Errorf("email channel: %w", err)
		}
		log.Info("email channel", "smtp_host", cfg.SMTPHost, "smtp_port", cfg.SMTPPort, "smtp_tls", cfg.SMTPTLS)
		return em, nil, nil
	}
	if !catcher {
		log.Info("no smtp_host: this process has no email channel")
		return nil, nil, nil
	}
	srv, err := mailtest.Start(mailtest.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("local mail catcher: %w", err)
	}
	em, err := notify.NewEmail(notify.EmailConfig{Host: srv.Host(), Port: srv.Port(), From: devMailFrom, TLS: notify.EmailNoTLS, Links: links})
	if err != nil {
		srv.Close()
		return nil, nil, fmt.Errorf("email channel: %w", err)
	}
	if links == nil {
		log.Warn("no secret_key: mails carry no signed preferences (List-Unsubscribe) link")
	}
	return em, srv, nil
}

// emailSender is the API's and the bot's confirmation sender: nil (the
// interface, not a nil pointer) without an email channel.
func emailSender(em *notify.Email) useremail.Sender {
	if em == nil {
		return nil
	}
	return em
}
