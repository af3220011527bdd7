package preferences

import (
	"slices"
	"testing"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	avail := []string{"telegram", "email"}
	prefs := []Pref{
		{Type: Report, Channels: []string{"email"}},
		{Type: System},
		{Type: Alert, Channels: []string{"telegram"}, Silent: true},
		{Type: Screener, All: true, Silent: true},
	}
	cases := []struct {
		name               string
		typ                string
		explicit, fallback []string
		want               []string
		silent             bool
		suppressed         bool
	}{
		{name: "no preference: every available channel", typ: Trade, want: avail},
		{name: "no preference: the alert default", typ: Trade, fallback: []string{"telegram"}, want: []string{"telegram"}},
		{name: "chosen channels", typ: Report, want: []string{"email"}},
		{name: "chosen beat the alert default", typ: Report, fallback: []string{"telegram"}, want: []string{"email"}},
		{name: "off", typ: System, suppressed: true},
		{name: "off, but explicit channels win", typ: System, explicit: []string{"webhook"}, want: []string{"webhook"}},
		{name: "explicit beat preference, silent stays", typ: Alert, explicit: []string{"email", "email"}, want: []string{"email"}, silent: true},
		{name: "all channels, silent", typ: Screener, fallback: []string{"webhook"}, want: avail, silent: true},
	}
	for _, c := range cases {
		r := Decide(c.typ, c.explicit, prefs, c.fallback, avail)
		if !slices.Equal(r.Channels, c.want) || r.Silent != c.silent || (r.Suppressed != "") != c.suppressed {
			t.Errorf("%s: Decide = %+v, want channels %v silent %v suppressed %v", c.name, r, c.want, c.silent, c.suppressed)
		}
	}
}

func TestFromMode(t *testing.T) {
	t.Parallel()
	p, err := FromMode(Alert, ModeSilent, nil)
	if err != nil || !p.All || !p.Silent || p.Mode() != ModeSilent {
		t.Errorf("silent: %+v %v", p, err)
	}
	p, err = FromMode(Report, ModeOn, []string{"email", "telegram"})
	if err != nil || p.All || p.Silent || !slices.Equal(p.Channels, []string{"email", "telegram"}) || p.Mode() != ModeOn {
		t.Errorf("on: %+v %v", p, err)
	}
	p, err = FromMode(System, ModeOff, nil)
	if err != nil || p.All || len(p.Channels) != 0 || p.Mode() != ModeOff {
		t.Errorf("off: %+v %v", p, err)
	}
	for _, bad := range []struct {
		typ, mode string
		ch        []string
		want      string
	}{
		{"alerts", ModeOn, nil, "notification_type: unknown type \"alerts\" (one of alert, report, screener, system, trade)"},
		{Alert, "loud", nil, "mode: unknown mode \"loud\" (one of on, silent, off)"},
		{Alert, ModeOff, []string{"email"}, "channels: off takes no channels (got email)"},
		{Alert, ModeOn, []string{"sms"}, "channels[0]: unknown channel \"sms\" (one of telegram, email, webhook)"},
		{Alert, ModeOn, []string{"log"}, "channels[0]: unknown channel \"log\" (one of telegram, email, webhook)"},
		{Alert, ModeOn, []string{"email", "email"}, "channels[1]: duplicate channel \"email\""},
	} {
		if _, err := FromMode(bad.typ, bad.mode, bad.ch); err == nil || err.Error() != bad.want {
			t.Errorf("FromMode(%q, %q, %v) = %v, want %q", bad.typ, bad.mode, bad.ch, err, bad.want)
		}
	}
}
