package notify

import (
	"strings"
	"unicode/utf8"
)

// TelegramTextLimit is the maximum length of a Telegram message text, in
// UTF-16 code units after entity parsing; use it with SplitUTF16.
const TelegramTextLimit = 4096

// Split cuts text into parts of at most limit runes each, for channels that
// limit message length. It never drops or changes anything:
// strings.Join(parts, "") == text. It cuts, in order of preference:
//
//  1. after the last newline that fits (the newline ends its part, so
//     "\r\n" stays whole);
//  2. else after the last space or tab that fits (the space ends its part);
//  3. else after the last rune that fits (a hard cut inside a word).
//
// Parts are as long as these rules allow, so several short lines share a
// part. A cut never falls inside a UTF-8 sequence; invalid bytes count as one
// rune each and pass through unchanged. Callers that do not want the
// trailing newline or space of a part may trim it (Telegram does itself).
//
// Empty text gives no parts (nil): there is nothing to send. Split panics if
// limit < 1.
//
// Split works on plain text: a cut can fall inside HTML or Markdown markup,
// so format each part after splitting.
func Split(text string, limit int) []string {
	return split(text, limit, func(rune) int { return 1 })
}

// SplitUTF16 is Split with the length of a part counted in UTF-16 code units,
// which is how Telegram counts its TelegramTextLimit: a rune outside the Basic
// Multilingual Plane (most emoji) counts 2. A single such rune is never cut,
// so with limit 1 it forms a part of length 2; with limit >= 2 every part is
// within limit.
func SplitUTF16(text string, limit int) []string {
	return split(text, limit, utf16Len)
}

// utf16Len is the number of UTF-16 code units of r; invalid bytes, decoded
// as utf8.RuneError, count 1.
func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func split(text string, limit int, width func(rune) int) []string {
	if limit < 1 {
		panic("notify: Split limit must be at least 1")
	}
	var parts []string
	for text != "" {
		cut := fitPrefix(text, limit, width)
		if cut == len(text) {
			parts = append(parts, text)
			break
		}
		head := text[:cut]
		if i := strings.LastIndexByte(head, '\n'); i >= 0 {
			cut = i + 1
		} else if i := strings.LastIndexAny(head, " \t"); i >= 0 {
			cut = i + 1
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	return parts
}

// fitPrefix returns the byte length of the longest prefix of text, ending on
// a rune boundary, whose width is at most limit; at least one rune, so that
// splitting always advances.
func fitPrefix(text string, limit int, width func(rune) int) int {
	n := 0
	for i, r := range text {
		n += width(r)
		if n > limit {
			if i == 0 {
				_, size := utf8.DecodeRuneInString(text)
				return size
			}
			return i
		}
	}
	return len(text)
}
