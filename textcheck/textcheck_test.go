package textcheck

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestTextString(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "plain", "<script>alert(1)</script>", "'; DROP TABLE job_schedules; --",
		"\u202Eevil\u200F", "📈🚀👍🏽👨‍👩‍👧", "tab\tnew\nline", "\uFFFD"} {
		require.NoError(t, String(ok), "%q", ok)
		require.True(t, Valid(ok))
	}
	for _, c := range []struct {
		in     string
		reason Reason
		offset int
		msg    string
	}{
		{"a\x00b", NUL, 1, "must not contain NUL (U+0000), found at byte 1"},
		{"\x00", NUL, 0, "found at byte 0"},
		{"ab\xffc", InvalidUTF8, 2, "must be valid UTF-8, found byte 0xFF at byte 2"},
		{"é\xc3", InvalidUTF8, 2, "byte 0xC3"},         // a truncated sequence
		{"\xed\xa0\x80", InvalidUTF8, 0, "0xED"},       // a UTF-8-encoded surrogate
		{"ok\xc0\x80", InvalidUTF8, 2, "0xC0"},         // an overlong NUL
		{"\xff\x00", InvalidUTF8, 0, "0xFF at byte 0"}, // the first fault wins
	} {
		err := String(c.in)
		require.Error(t, err, "%q", c.in)
		var e *Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, c.reason, e.Reason, "%q", c.in)
		require.Equal(t, c.offset, e.Offset, "%q", c.in)
		require.Contains(t, e.Error(), c.msg)
		require.False(t, Valid(c.in))
	}
}

func TestTextJSON(t *testing.T) {
	t.Parallel()
	type want struct {
		path   string
		reason Reason
		offset int
	}
	for _, c := range []struct {
		doc  string
		want []want
	}{
		{`{"name":"ok","n":1,"a":[true,null,-1.5e3]}`, nil},
		{`{"name":"caf\u00e9 \ud83d\udcc8 \"q\" \\u0000"}`, nil}, // escapes that are fine, and an escaped backslash
		{`{"name":"a\u0000b"}`, []want{{".name", NUL, 1}}},
		{"{\"name\":\"a\x00b\"}", []want{{".name", NUL, 1}}}, // a raw NUL (not valid JSON; still named)
		{"{\"name\":\"ab\xff\"}", []want{{".name", InvalidUTF8, 2}}},
		{`{"name":"\ud800x"}`, []want{{".name", LoneSurrogate, 0}}},
		{`{"name":"x\udc00"}`, []want{{".name", LoneSurrogate, 1}}},
		{`{"name":"\ud800\u0041"}`, []want{{".name", LoneSurrogate, 0}}},
		{`{"name":"\uFFFD"}`, nil}, // a literal replacement character is text
		{`{"task_params":{"message":"é\u0000","rule":{"x":["ok","\u0000"]}}}`,
			[]want{{".task_params.message", NUL, 2}, {".task_params.rule.x[1]", NUL, 0}}},
		{`[{"a":"\u0000"},{"b":["x","y","` + "\xc3" + `"]}]`, []want{{"[0].a", NUL, 0}, {"[1].b[2]", InvalidUTF8, 0}}},
		{`{"k\u0000ey":1}`, []want{{".k\x00ey", NUL, 1}}}, // a key
		{`"\u0000"`, []want{{"", NUL, 0}}},
		{`{"a":"\u0000", "b": }`, []want{{".a", NUL, 0}}},                                    // a syntax error after it
		{`{"a": nope "\u0000"}`, nil},                                                        // a syntax error before it: the decoder's
		{`{"a":"\u00`, nil},                                                                  // truncated
		{`{"a":"\u0000","b":"\u0000","c":"\u0000"}`, []want{{".a", NUL, 0}, {".b", NUL, 0}}}, // max 2
	} {
		got := JSON([]byte(c.doc), 2)
		require.Len(t, got, len(c.want), "%q: %v", c.doc, got)
		for i, w := range c.want {
			require.Equal(t, w.path, got[i].Path, c.doc)
			require.Equal(t, w.reason, got[i].Reason, c.doc)
			require.Equal(t, w.offset, got[i].Offset, c.doc)
		}
	}
	// Deeper than the decoder accepts: stops, does not overflow the stack.
	deep := strings.Repeat("[", MaxDepth+10) + `"\u0000"` + strings.Repeat("]", MaxDepth+10)
	require.Empty(t, JSON([]byte(deep), 0))
}

// decodedStrings returns every string and key of a JSON document as
// encoding/json decodes them (bytes that are not UTF-8 and lone surrogates
// become U+FFFD), duplicate keys included; ok is false for a document the
// decoder refuses.
func decodedStrings(data []byte) (strs []string, ok bool) {
	if !json.Valid(data) {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return strs, err == io.EOF
		}
		if s, isStr := tok.(string); isStr {
			strs = append(strs, s)
		}
	}
}

func anyContains(strs []string, chars string) bool {
	for _, s := range strs {
		if strings.ContainsAny(s, chars) {
			return true
		}
	}
	return false
}

func FuzzTextJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a\u0000b"}`, "{\"a\":[\"\xff\"]}", `{"a":"\ud800"}`, `{"a":{"b":[1,"x",{"c":"\uD83D\uDCC8"}]}}`,
		`"plain"`, `[1,2,3]`, `{"k\u0000":null}`, `{`, `"\u00`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := JSON(data, 0) // never panics
		for _, e := range got {
			require.NotEmpty(t, e.Error())
			require.GreaterOrEqual(t, e.Offset, 0)
		}
		strs, ok := decodedStrings(data)
		if !ok {
			return
		}
		if len(got) == 0 {
			// Accepted: the bytes are UTF-8 and no decoded string has a NUL.
			require.True(t, utf8.Valid(data), "%q", data)
			require.False(t, anyContains(strs, "\x00"), "%q", data)
		} else {
			// Refused: the bytes are not UTF-8, or a decoded string shows it.
			require.True(t, !utf8.Valid(data) || anyContains(strs, "\x00\uFFFD"), "%q", data)
		}
		if utf8.Valid(data) && !anyContains(strs, "\x00\uFFFD") {
			require.Empty(t, got, "%q", data)
		}
	})
}

func FuzzTextString(f *testing.F) {
	for _, s := range []string{"", "a\x00b", "ab\xff", "📈\u202E", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := String(s)
		require.Equal(t, utf8.ValidString(s) && !strings.Contains(s, "\x00"), err == nil, "%q", s)
		if err == nil {
			return
		}
		e := err.(*Error)
		// The offset is the first fault, and everything before it is fine.
		require.NoError(t, String(s[:e.Offset]))
		switch e.Reason {
		case NUL:
			require.Equal(t, byte(0), s[e.Offset])
		case InvalidUTF8:
			r, size := utf8.DecodeRuneInString(s[e.Offset:])
			require.Equal(t, utf8.RuneError, r)
			require.Equal(t, 1, size)
			require.Equal(t, s[e.Offset], e.Byte)
		default:
			t.Fatalf("reason %d for a plain string", e.Reason)
		}
	})
}
