// Package textcheck finds text that Vigil cannot store: PostgreSQL's text
// and jsonb refuse the NUL character (U+0000) and bytes that are not UTF-8,
// and jsonb also refuses a \u escape of a lone UTF-16 surrogate. The API,
// the bot and the CLI check their input with it at the boundary, so such
// input is refused with a message naming the field instead of failing in
// the database.
//
// It is a pure package: no I/O, no database, HTTP or Telegram imports.
package textcheck

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Reason is what is wrong with a text.
type Reason int

// The reasons of an Error.
const (
	// NUL is a NUL character (U+0000), raw or as the JSON escape \u0000.
	NUL Reason = iota + 1
	// InvalidUTF8 is a byte that does not start a valid UTF-8 sequence.
	InvalidUTF8
	// LoneSurrogate is a JSON \u escape of a UTF-16 surrogate without its
	// other half (\ud800 alone).
	LoneSurrogate
)

// Error is one text that cannot be stored.
type Error struct {
	// Path is where the text is in a JSON document, in the location syntax
	// of huma's problem details without its base: ".name",
	// ".task_params.message", ".symbols[0]"; "" for the document itself or
	// a plain string.
	Path string
	// Offset is the byte offset of the fault in the text (decoded, for a
	// JSON string).
	Offset int
	// Reason is what is wrong.
	Reason Reason
	// Byte is the offending byte of an InvalidUTF8.
	Byte byte
}

// Error says what is wrong and where in the text, without naming the field
// (the caller does): "must not contain NUL (U+0000), found at byte 3".
func (e *Error) Error() string {
	switch e.Reason {
	case NUL:
		return fmt.Sprintf("must not contain NUL (U+0000), found at byte %d", e.Offset)
	case InvalidUTF8:
		return fmt.Sprintf("must be valid UTF-8, found byte 0x%02X at byte %d", e.Byte, e.Offset)
	case LoneSurrogate:
		return fmt.Sprintf("must be valid Unicode, found a \\u escape of a lone UTF-16 surrogate at byte %d", e.Offset)
	}
	return fmt.Sprintf("cannot be stored (byte %d)", e.Offset)
}

// String returns nil when s can be stored as text, else an *Error for its
// first fault.
func String(s string) error {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return nil
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0 {
			return &Error{Offset: i, Reason: NUL}
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return &Error{Offset: i, Reason: InvalidUTF8, Byte: c}
		}
		i += size
	}
	return nil
}

// Valid reports whether s can be stored as text.
func Valid(s string) bool { return String(s) == nil }
