package notify

import (
	"bytes"
	"context"
	"testing"

	"github.com/vigilhq/vigil/notify/mailtest"
)

// BenchmarkEmailSend is one delivery attempt over SMTP on loopback (a
// session per message: connect, EHLO, MAIL, RCPT, DATA, QUIT) to the mail
// catcher, for an alert and for a report with a 40 KB chart.
func BenchmarkEmailSend(b *testing.B) {
	for _, bc := range []struct {
		name   string
		images []Image
	}{
		{"alert", nil},
		{"report_40KB_chart", []Image{{Name: "price.png", Caption: "AAPL", PNG: bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 10_000)}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv, err := mailtest.Start(mailtest.Options{Keep: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			e, err := NewEmail(EmailConfig{Host: srv.Host(), Port: srv.Port(), From: "vigil@vigil.test", TLS: EmailNoTLS,
				Links: &EmailLinks{Base: "http://vigil.test", Keys: [][]byte{testLinkKey}}})
			if err != nil {
				b.Fatal(err)
			}
			m := emailMessage("7d4e1c1e-3c52-4c59-9a61-0d4bbf4c1a01", "AAPL close 151.20 crossed above 150")
			m.Images = bc.images
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Send(ctx, Destination{Email: "bench@example.com"}, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
