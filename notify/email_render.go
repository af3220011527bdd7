package notify

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// maxSubjectRunes bounds the part of a message's first line a subject
// repeats.
const maxSubjectRunes = 120

// EmailSubject is the subject of a mail of notification type typ whose
// text is text: a label for the type ("[Vigil alert]", "[Vigil report]",
// "[Vigil screener]", "[Vigil trade]", "[Vigil]" for system and anything
// else) and the first non-blank line of the text, cut at 120 characters.
func EmailSubject(typ, text string) string {
	label := "[Vigil]"
	switch typ {
	case TypeAlert, TypeReport, TypeScreener, TypeTrade:
		label = "[Vigil " + typ + "]"
	}
	first := ""
	for line := range strings.Lines(text) {
		if line = strings.TrimSpace(line); line != "" {
			first = line
			break
		}
	}
	first = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, first)
	if utf8.RuneCountInString(first) > maxSubjectRunes {
		first = strings.TrimSpace(string([]rune(first)[:maxSubjectRunes-1])) + "…"
	}
	if first == "" {
		return label + " " + typeName(typ)
	}
	return label + " " + first
}

func typeName(typ string) string {
	if typ == "" {
		return "notification"
	}
	return typ + " notification"
}

// emailImage is an image of a mail with its Content-ID (without the angle
// brackets).
type emailImage struct {
	Image
	cid string
}

// emailText is the plain-text part: the message, the captions of the
// images (shown in the HTML part) and the preferences link.
func emailText(m Message, images []emailImage, prefs string) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(m.Text, "\n"))
	b.WriteString("\n")
	if len(images) > 0 {
		b.WriteString("\nCharts (shown in the HTML version of this mail):\n")
		for _, im := range images {
			fmt.Fprintf(&b, "- %s\n", imageTitle(im.Image))
		}
	}
	if prefs != "" {
		b.WriteString("\n-- \nEmail preferences and unsubscribe: " + prefs + "\n")
	}
	return b.String()
}

// emailHTML is the HTML part: the message escaped (its text is never
// markup), the images inline by Content-ID, and the preferences link.
func emailHTML(m Message, images []emailImage, prefs string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>`)
	b.WriteString(html.EscapeString(EmailSubject(m.Type, m.Text)))
	b.WriteString(`</title></head><body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222">`)
	b.WriteString(`<div style="white-space:pre-wrap;font-size:15px;line-height:1.4">`)
	b.WriteString(html.EscapeString(strings.TrimRight(m.Text, "\n")))
	b.WriteString(`</div>`)
	for _, im := range images {
		title := html.EscapeString(imageTitle(im.Image))
		fmt.Fprintf(&b, `<figure style="margin:16px 0"><img src="cid:%s" alt="%s" style="max-width:100%%;height:auto">`,
			html.EscapeString(im.cid), title)
		fmt.Fprintf(&b, `<figcaption style="font-size:13px;color:#555">%s</figcaption></figure>`, title)
	}
	if prefs != "" {
		fmt.Fprintf(&b, `<hr style="border:0;border-top:1px solid #ddd"><p style="font-size:12px;color:#777">Sent by Vigil. <a href="%s">Email preferences and unsubscribe</a></p>`,
			html.EscapeString(prefs))
	}
	b.WriteString(`</body></html>`)
	return b.String()
}

func imageTitle(im Image) string {
	if strings.TrimSpace(im.Caption) != "" {
		return im.Caption
	}
	return im.Name
}
