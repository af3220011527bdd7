package textcheck

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the nesting depth past which JSON stops looking (the JSON
// decoder refuses deeper documents anyway: encoding/json's limit).
const MaxDepth = 10000

// JSON returns the strings (values and object keys) of a JSON document that
// cannot be stored, at most max of them (max <= 0: all), in document order,
// each with its Path. It checks the raw bytes, not decoded values: the JSON
// decoder replaces bytes that are not UTF-8 with U+FFFD silently, and a
// json.RawMessage keeps \u0000 for PostgreSQL to refuse.
//
// It is not a JSON validator: it stops at the first syntax error and
// returns what it found before it, leaving the error to the decoder. A
// document with no NUL byte, no \u escape of NUL or of a surrogate, and
// valid UTF-8 throughout returns nil without being parsed.
func JSON(data []byte, max int) []*Error {
	if clean(data) {
		return nil
	}
	s := &scanner{data: data, max: max}
	s.value(0)
	return s.found
}

// clean is the fast path: nothing JSON could report.
func clean(data []byte) bool {
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return false
	}
	for rest := data; ; {
		i := bytes.Index(rest, []byte(`\u`))
		if i < 0 {
			return true
		}
		rest = rest[i+2:]
		if len(rest) < 4 {
			return true // not a whole escape: a syntax error for the decoder
		}
		if string(rest[:4]) == "0000" || (rest[0] == 'd' || rest[0] == 'D') && strings.IndexByte("89abcdefABCDEF", rest[1]) >= 0 {
			return false
		}
	}
}

// segment is one step of a path: an object key or an array index.
type segment struct {
	key   string
	index int
	isKey bool
}

type scanner struct {
	data  []byte
	i     int
	path  []segment
	found []*Error
	max   int
	stop  bool // a syntax error, too deep, or max problems found
}

func (s *scanner) report(e *Error, key *string) {
	if s.stop {
		return
	}
	var b strings.Builder
	for _, seg := range s.path {
		if seg.isKey {
			b.WriteString("." + seg.key)
		} else {
			b.WriteString("[" + strconv.Itoa(seg.index) + "]")
		}
	}
	if key != nil {
		b.WriteString("." + *key)
	}
	e.Path = b.String()
	s.found = append(s.found, e)
	if s.max > 0 && len(s.found) >= s.max {
		s.stop = true
	}
}

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) {
	s.ws()
	if s.stop || s.i >= len(s.data) {
		s.stop = true
		return
	}
	if depth >= MaxDepth {
		s.stop = true
		return
	}
	switch s.data[s.i] {
	case '{':
		s.object(depth + 1)
	case '[':
		s.array(depth + 1)
	case '"':
		if e, _ := s.str(false); e != nil {
			s.report(e, nil)
		}
	default:
		s.scalar()
	}
}

func (s *scanner) object(depth int) {
	s.i++ // {
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return
	}
	for !s.stop {
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			s.stop = true
			return
		}
		e, key := s.str(true)
		if e != nil {
			s.report(e, &key)
		}
		s.ws()
		if s.stop || s.i >= len(s.data) || s.data[s.i] != ':' {
			s.stop = true
			return
		}
		s.i++
		s.path = append(s.path, segment{key: key, isKey: true})
		s.value(depth)
		s.path = s.path[:len(s.path)-1]
		if !s.next('}') {
			return
		}
	}
}

func (s *scanner) array(depth int) {
	s.i++ // [
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return
	}
	for n := 0; !s.stop; n++ {
		s.path = append(s.path, segment{index: n})
		s.value(depth)
		s.path = s.path[:len(s.path)-1]
		if !s.next(']') {
			return
		}
	}
}

// next consumes the comma or the closing bracket after a member and
// reports whether another member follows.
func (s *scanner) next(closing byte) bool {
	s.ws()
	if s.stop || s.i >= len(s.data) {
		s.stop = true
		return false
	}
	switch s.data[s.i] {
	case ',':
		s.i++
		return true
	case closing:
		s.i++
		return false
	}
	s.stop = true
	return false
}

// scalar skips a number, true, false or null (not checked: the decoder does).
func (s *scanner) scalar() {
	start := s.i
	for s.i < len(s.data) && strings.IndexByte(",]} \t\r\n", s.data[s.i]) < 0 {
		s.i++
	}
	if s.i == start {
		s.stop = true
	}
}

// str scans the string at s.i (its opening quote) and returns its first
// fault; with decode it also returns the decoded string (for a key's path).
func (s *scanner) str(decode bool) (*Error, string) {
	s.i++ // "
	var fault *Error
	var b strings.Builder
	off := 0
	note := func(e *Error) {
		if fault == nil {
			fault = e
		}
	}
	for {
		if s.i >= len(s.data) {
			s.stop = true
			return fault, b.String()
		}
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return fault, b.String()
		case c == '\\':
			r, n, ok := s.escape()
			if !ok {
				s.stop = true
				return fault, b.String()
			}
			switch {
			case r == 0:
				note(&Error{Offset: off, Reason: NUL})
			case r == utf8.RuneError && n == 6 && s.loneAt():
				note(&Error{Offset: off, Reason: LoneSurrogate})
			}
			s.i += n
			if decode {
				b.WriteRune(r)
			}
			off += utf8.RuneLen(r)
		case c == 0:
			note(&Error{Offset: off, Reason: NUL})
			if decode {
				b.WriteByte(0)
			}
			s.i++
			off++
		case c < utf8.RuneSelf:
			if decode {
				b.WriteByte(c)
			}
			s.i++
			off++
		default:
			r, size := utf8.DecodeRune(s.data[s.i:])
			if r == utf8.RuneError && size == 1 {
				note(&Error{Offset: off, Reason: InvalidUTF8, Byte: c})
			}
			if decode {
				b.Write(s.data[s.i : s.i+size])
			}
			s.i += size
			off += size
		}
	}
}

// escape decodes the escape at s.i (a backslash): its rune and length in
// bytes. A lone surrogate decodes to utf8.RuneError; ok is false for a
// malformed escape.
func (s *scanner) escape() (r rune, n int, ok bool) {
	if s.i+1 >= len(s.data) {
		return 0, 0, false
	}
	switch s.data[s.i+1] {
	case '"', '\\', '/':
		return rune(s.data[s.i+1]), 2, true
	case 'b':
		return '\b', 2, true
	case 'f':
		return '\f', 2, true
	case 'n':
		return '\n', 2, true
	case 'r':
		return '\r', 2, true
	case 't':
		return '\t', 2, true
	case 'u':
		r, ok := hex4(s.data[s.i+2:])
		if !ok {
			return 0, 0, false
		}
		if !utf16.IsSurrogate(r) {
			return r, 6, true
		}
		if r < 0xDC00 && len(s.data) >= s.i+12 && s.data[s.i+6] == '\\' && s.data[s.i+7] == 'u' {
			if lo, ok := hex4(s.data[s.i+8:]); ok {
				if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
					return pair, 12, true
				}
			}
		}
		return utf8.RuneError, 6, true
	}
	return 0, 0, false
}

// loneAt reports whether the \u escape at s.i is a surrogate (escape has
// already found that it has no partner), not a literal \uFFFD.
func (s *scanner) loneAt() bool {
	r, _ := hex4(s.data[s.i+2:])
	return utf16.IsSurrogate(r)
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
