package telegramtest

import (
	"fmt"
	"strconv"
	"strings"
)

// Parse modes accepted in parse_mode (case-insensitively, as Telegram does).
const (
	ModeHTML       = "HTML"
	ModeMarkdown   = "Markdown"
	ModeMarkdownV2 = "MarkdownV2"
)

// parseText turns text sent with parseMode into the text a user sees, the
// way the Bot API does before it checks lengths. A markup error returns the
// message that follows "Bad Request: can't parse entities: ". The
// recognised markup follows tdlib's parsers (td/telegram/MessageEntity.cpp,
// whose test/message_entities.cpp vectors the tests reuse): entities are
// parsed for validity and dropped, since the stand-in records text only.
func parseText(text, parseMode string) (plain string, parseErr string) {
	switch {
	case parseMode == "":
		return text, ""
	case strings.EqualFold(parseMode, ModeHTML):
		return parseHTML(text)
	case strings.EqualFold(parseMode, ModeMarkdownV2):
		return parseMarkdownV2(text)
	case strings.EqualFold(parseMode, ModeMarkdown):
		return parseMarkdown(text)
	}
	panic("telegramtest: parseText called with unchecked parse mode " + parseMode)
}

// validParseMode reports whether Telegram accepts mode.
func validParseMode(mode string) bool {
	return mode == "" || strings.EqualFold(mode, ModeHTML) ||
		strings.EqualFold(mode, ModeMarkdownV2) || strings.EqualFold(mode, ModeMarkdown)
}

// utf16Len is the length of s in UTF-16 code units, the unit of Telegram's
// text limits.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// htmlTags are the start tags the Bot API's HTML style supports.
var htmlTags = map[string]bool{
	"a": true, "b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "span": true, "tg-spoiler": true, "tg-emoji": true,
	"code": true, "pre": true, "blockquote": true,
}

func isHTMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isNameTokenByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-'
}

// decodeHTMLEntity decodes the character reference at s[pos] ('&'): the
// named &lt; &gt; &amp; &quot; (the semicolon is optional) and numeric
// ones. It returns the code point and the position after the reference, or
// ok false when s[pos:] is not one, which Telegram keeps as literal text.
func decodeHTMLEntity(s string, pos int) (r rune, next int, ok bool) {
	end := pos + 1
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	var res int64
	if at(pos+1) == '#' {
		end++
		if at(pos+2) == 'x' {
			end++
			for ; isHex(at(end)); end++ {
				v, _ := strconv.ParseInt(string(s[end]), 16, 64)
				res = res*16 + v
				if res > 0x10ffff {
					res = 0x110000
				}
			}
		} else {
			for ; at(end) >= '0' && at(end) <= '9'; end++ {
				res = res*10 + int64(s[end]-'0')
				if res > 0x10ffff {
					res = 0x110000
				}
			}
		}
		if res == 0 || res >= 0x10ffff || end-pos >= 10 {
			return 0, 0, false
		}
	} else {
		for end < len(s) && (s[end] >= 'a' && s[end] <= 'z' || s[end] >= 'A' && s[end] <= 'Z') {
			end++
		}
		switch s[pos+1 : end] {
		case "lt":
			res = '<'
		case "gt":
			res = '>'
		case "amp":
			res = '&'
		case "quot":
			res = '"'
		default:
			return 0, 0, false
		}
	}
	if at(end) == ';' {
		end++
	}
	return rune(res), end, true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// parseHTML checks Telegram's HTML style and returns the plain text. Byte
// offsets in errors are into the markup, as Telegram reports them.
func parseHTML(s string) (string, string) {
	var out strings.Builder
	var stack []string // open tag names
	surrogate := false
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		if c == '&' {
			if r, next, ok := decodeHTMLEntity(s, i); ok {
				if r >= 0xd800 && r <= 0xdfff {
					surrogate = true
				}
				out.WriteRune(r)
				i = next - 1
				continue
			}
		}
		if c != '<' {
			out.WriteByte(c)
			continue
		}
		begin := i
		i++
		if i < n && s[i] == '/' {
			// End tag.
			if len(stack) == 0 {
				return "", fmt.Sprintf("Unexpected end tag at byte offset %d", begin)
			}
			i++
			for i < n && !isHTMLSpace(s[i]) && s[i] != '>' {
				i++
			}
			name := strings.ToLower(s[begin+2 : i])
			for i < n && isHTMLSpace(s[i]) {
				i++
			}
			if i >= n || s[i] != '>' {
				return "", fmt.Sprintf("Unclosed end tag at byte offset %d", begin)
			}
			open := stack[len(stack)-1]
			if name != "" && name != open {
				return "", fmt.Sprintf("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", begin, open, name)
			}
			stack = stack[:len(stack)-1]
			continue
		}
		// Start tag.
		for i < n && !isHTMLSpace(s[i]) && s[i] != '>' {
			i++
		}
		if i >= n {
			return "", fmt.Sprintf("Unclosed start tag at byte offset %d", begin)
		}
		name := strings.ToLower(s[begin+1 : i])
		if !htmlTags[name] {
			return "", fmt.Sprintf("Unsupported start tag %q at byte offset %d", name, begin)
		}
		attrs := map[string]string{}
		for i < n && s[i] != '>' {
			for i < n && isHTMLSpace(s[i]) {
				i++
			}
			if i >= n {
				return "", fmt.Sprintf("Unclosed start tag at byte offset %d", begin)
			}
			if s[i] == '>' {
				break
			}
			attrBegin := i
			for i < n && !isHTMLSpace(s[i]) && s[i] != '=' && s[i] != '>' {
				i++
			}
			attr := strings.ToLower(s[attrBegin:i])
			if attr == "" {
				return "", fmt.Sprintf("Empty attribute name in the tag %q at byte offset %d", name, begin)
			}
			for i < n && isHTMLSpace(s[i]) {
				i++
			}
			if i >= n {
				return "", fmt.Sprintf("Unclosed start tag at byte offset %d", begin)
			}
			if s[i] != '=' {
				attrs[attr] = "" // a value-less attribute such as <blockquote expandable>
				continue
			}
			i++
			for i < n && isHTMLSpace(s[i]) {
				i++
			}
			if i >= n {
				return "", fmt.Sprintf("Unclosed start tag %q at byte offset %d", name, begin)
			}
			var value strings.Builder
			if q := s[i]; q == '"' || q == '\'' {
				i++
				for i < n && s[i] != q {
					if s[i] == '&' {
						if r, next, ok := decodeHTMLEntity(s, i); ok {
							value.WriteRune(r)
							i = next
							continue
						}
					}
					value.WriteByte(s[i])
					i++
				}
				if i < n {
					i++ // the closing quote
				}
			} else {
				tokenBegin := i
				for i < n && isNameTokenByte(s[i]) {
					i++
				}
				if i < n && !isHTMLSpace(s[i]) && s[i] != '>' || i >= n {
					return "", fmt.Sprintf("Unexpected end of name token at byte offset %d", tokenBegin)
				}
				value.WriteString(strings.ToLower(s[tokenBegin:i]))
			}
			if i >= n {
				return "", fmt.Sprintf("Unclosed start tag at byte offset %d", begin)
			}
			attrs[attr] = value.String()
		}
		switch name {
		case "span":
			if attrs["class"] != "tg-spoiler" {
				return "", fmt.Sprintf("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", begin)
			}
		case "tg-emoji":
			if id, err := strconv.ParseInt(attrs["emoji-id"], 10, 64); err != nil || id <= 0 {
				return "", "Invalid custom emoji identifier specified"
			}
		}
		stack = append(stack, name)
	}
	if len(stack) > 0 {
		return "", fmt.Sprintf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1])
	}
	if surrogate {
		// tdlib writes the code unit as is, and no UTF-16 surrogate, even
		// one of a pair, makes valid UTF-8.
		return "", "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"
	}
	return out.String(), ""
}

// mdEntity is an open MarkdownV2 entity.
type mdEntity struct {
	kind  string // tdlib's type name, used in errors
	begin int    // byte offset of its opening mark
}

// parseMarkdownV2 checks Telegram's MarkdownV2 style and returns the plain
// text. It covers what notifications can contain: escapes, reserved
// characters, bold, italic, underline, strikethrough, spoiler, code, pre,
// links, custom emoji and line-start block quotes.
func parseMarkdownV2(s string) (string, string) {
	var out strings.Builder
	var stack []mdEntity
	n := len(s)
	at := func(i int) byte {
		if i < n {
			return s[i]
		}
		return 0
	}
	top := func() string {
		if len(stack) == 0 {
			return ""
		}
		return stack[len(stack)-1].kind
	}
	for i := 0; i < n; i++ {
		c := s[i]
		if c == '\\' && at(i+1) > 0 && at(i+1) <= 126 {
			out.WriteByte(s[i+1])
			i++
			continue
		}
		if !strings.ContainsRune("_*[]()~`>#+-=|{}.!", rune(c)) {
			out.WriteByte(c)
			continue
		}
		if k := top(); (k == "Code" || k == "Pre" || k == "PreCode") && c != '`' {
			out.WriteByte(c)
			continue
		}
		end := false
		switch top() {
		case "Bold":
			end = c == '*'
		case "Italic":
			end = c == '_' && at(i+1) != '_'
		case "Underline":
			end = c == '_' && at(i+1) == '_'
		case "Strikethrough":
			end = c == '~'
		case "Spoiler":
			end = c == '|' && at(i+1) == '|'
		case "Code":
			end = c == '`'
		case "Pre", "PreCode":
			end = c == '`' && at(i+1) == '`' && at(i+2) == '`'
		case "TextUrl", "CustomEmoji":
			end = c == ']'
		}
		if end {
			e := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch e.kind {
			case "Underline", "Spoiler":
				i++
			case "Pre", "PreCode":
				i += 2
			case "TextUrl", "CustomEmoji":
				if at(i+1) == '(' {
					urlBegin := i + 2
					j := urlBegin
					for j < n && s[j] != ')' {
						if s[j] == '\\' && at(j+1) > 0 && at(j+1) <= 126 {
							j++
						}
						j++
					}
					if j >= n {
						if e.kind == "CustomEmoji" {
							return "", fmt.Sprintf("Can't find end of a custom emoji URL at byte offset %d", urlBegin)
						}
						return "", fmt.Sprintf("Can't find end of a URL at byte offset %d", urlBegin)
					}
					i = j
				} else if e.kind == "CustomEmoji" {
					return "", "Custom emoji entity must contain a tg://emoji URL"
				}
			}
			continue
		}
		kind := ""
		begin := i
		switch c {
		case '_':
			if at(i+1) == '_' {
				kind = "Underline"
				i++
			} else {
				kind = "Italic"
			}
		case '*':
			kind = "Bold"
		case '~':
			kind = "Strikethrough"
		case '|':
			if at(i+1) == '|' {
				kind = "Spoiler"
				i++
			}
		case '[':
			kind = "TextUrl"
		case '!':
			if at(i+1) == '[' {
				kind = "CustomEmoji"
				i++
			}
		case '`':
			if at(i+1) == '`' && at(i+2) == '`' {
				i += 3
				langBegin := i
				for i < n && !isHTMLSpace(s[i]) && s[i] != '`' {
					i++
				}
				switch {
				case i >= n || i == langBegin:
					kind, i = "Pre", langBegin-1
				default:
					kind = "PreCode"
					if s[i] == '\r' || s[i] == '\n' {
						if (at(i+1) == '\r' || at(i+1) == '\n') && at(i+1) != s[i] {
							i++
						}
					} else {
						i--
					}
				}
			} else {
				kind = "Code"
			}
		case '>':
			if i == 0 || s[i-1] == '\n' || s[i-1] == '\r' {
				continue // a block quote line; the mark is dropped
			}
		}
		if kind == "" {
			return "", fmt.Sprintf("Character '%c' is reserved and must be escaped with the preceding '\\'", c)
		}
		stack = append(stack, mdEntity{kind: kind, begin: begin})
	}
	if len(stack) > 0 {
		e := stack[len(stack)-1]
		return "", fmt.Sprintf("Can't find end of %s entity at byte offset %d", e.kind, e.begin)
	}
	return out.String(), ""
}

// parseMarkdown checks the legacy Markdown style: *bold*, _italic_, `code`,
// ```pre``` and [text](url), not nested; a backslash escapes _ * ` [.
func parseMarkdown(s string) (string, string) {
	var out strings.Builder
	n := len(s)
	for i := 0; i < n; i++ {
		c := s[i]
		if c == '\\' && i+1 < n && strings.IndexByte("_*`[", s[i+1]) >= 0 {
			out.WriteByte(s[i+1])
			i++
			continue
		}
		if strings.IndexByte("_*`[", c) < 0 {
			out.WriteByte(c)
			continue
		}
		begin := i
		endMark := string(c)
		if c == '[' {
			endMark = "]"
		} else if c == '`' && strings.HasPrefix(s[i:], "```") {
			endMark = "```"
			i += 2
		}
		i++
		j := strings.Index(s[i:], endMark)
		if j < 0 {
			return "", fmt.Sprintf("Can't find end of the entity starting at byte offset %d", begin)
		}
		out.WriteString(s[i : i+j])
		i += j + len(endMark) - 1
		if c == '[' && i+1 < n && s[i+1] == '(' {
			k := strings.IndexByte(s[i+2:], ')')
			if k < 0 {
				return "", fmt.Sprintf("Can't find end of the entity starting at byte offset %d", begin)
			}
			i += 2 + k
		}
	}
	return out.String(), ""
}
