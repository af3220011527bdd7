package notify

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{name: "empty", text: "", limit: 10, want: nil},
		{name: "fits", text: "hello", limit: 10, want: []string{"hello"}},
		{name: "exact", text: "abc", limit: 3, want: []string{"abc"}},
		{name: "lines packed", text: "aaa\nbbb\nccc", limit: 8, want: []string{"aaa\nbbb\n", "ccc"}},
		{name: "newline over space", text: "a b\ncc dd", limit: 7, want: []string{"a b\n", "cc dd"}},
		{name: "crlf kept whole", text: "ab\r\ncd\r\nef", limit: 5, want: []string{"ab\r\n", "cd\r\n", "ef"}},
		{name: "spaces", text: "aaa bbb ccc", limit: 8, want: []string{"aaa bbb ", "ccc"}},
		{name: "tab", text: "aaa\tbbb", limit: 5, want: []string{"aaa\t", "bbb"}},
		{name: "long line among short", text: "hi\nabcdefgh ij\nok", limit: 5, want: []string{"hi\n", "abcde", "fgh ", "ij\nok"}},
		{name: "hard", text: "abcdefgh", limit: 3, want: []string{"abc", "def", "gh"}},
		{name: "blank lines", text: "\n\n\n", limit: 2, want: []string{"\n\n", "\n"}},
		{name: "limit one", text: "a b", limit: 1, want: []string{"a", " ", "b"}},
		{name: "cyrillic", text: "привет мир", limit: 7, want: []string{"привет ", "мир"}},
		{name: "emoji runes", text: "😀😀😀😀", limit: 3, want: []string{"😀😀😀", "😀"}},
		{name: "combining marks may separate", text: "e\u0301e\u0301", limit: 3, want: []string{"e\u0301e", "\u0301"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Split(tt.text, tt.limit))
		})
	}
}

func TestSplitUTF16(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{name: "empty", text: "", limit: 10, want: nil},
		{name: "emoji count two", text: "😀😀😀😀", limit: 5, want: []string{"😀😀", "😀😀"}},
		{name: "emoji never cut", text: "a😀", limit: 2, want: []string{"a", "😀"}},
		{name: "emoji alone over limit one", text: "😀a", limit: 1, want: []string{"😀", "a"}},
		{name: "bmp counts one", text: "€€€", limit: 3, want: []string{"€€€"}},
		{name: "words", text: "🚀 to the 🌕", limit: 6, want: []string{"🚀 to ", "the 🌕"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, SplitUTF16(tt.text, tt.limit))
		})
	}
}

func TestSplitLongSingleLine(t *testing.T) {
	t.Parallel()

	parts := Split(strings.Repeat("x", 10_000), 4096)
	require.Len(t, parts, 3)
	require.Equal(t, []int{4096, 4096, 1808}, []int{len(parts[0]), len(parts[1]), len(parts[2])})

	text := strings.Repeat("é", 10_000) // 2 bytes, 1 rune, 1 UTF-16 unit each
	for _, parts := range [][]string{Split(text, 4096), SplitUTF16(text, TelegramTextLimit)} {
		require.Len(t, parts, 3)
		require.Equal(t, 4096, utf8.RuneCountInString(parts[0]))
		require.Equal(t, 4096, utf8.RuneCountInString(parts[1]))
		require.Equal(t, 1808, utf8.RuneCountInString(parts[2]))
		require.Equal(t, text, strings.Join(parts, ""))
	}

	emoji := strings.Repeat("🚀", 10_000) // 2 UTF-16 units each
	parts = SplitUTF16(emoji, TelegramTextLimit)
	require.Len(t, parts, 5)
	for _, p := range parts[:4] {
		require.Equal(t, 2048, utf8.RuneCountInString(p))
	}
	require.Equal(t, emoji, strings.Join(parts, ""))
}

func TestSplitInvalidUTF8PassesThrough(t *testing.T) {
	t.Parallel()
	text := "ab\xffcd\xe2\x82" // a stray byte and a truncated "€"
	parts := Split(text, 2)
	require.Equal(t, []string{"ab", "\xffc", "d\xe2", "\x82"}, parts)
	require.Equal(t, text, strings.Join(parts, ""))
}

func TestSplitPanicsOnBadLimit(t *testing.T) {
	t.Parallel()
	require.Panics(t, func() { Split("x", 0) })
	require.Panics(t, func() { SplitUTF16("x", -1) })
}

func FuzzSplit(f *testing.F) {
	for _, seed := range []string{
		"", "a", "hello world", "line one\nline two\r\nline three",
		"😀😀😀 🚀 x", "привет мир\n", "e\u0301\u0301", "\xff\xfe bad", strings.Repeat("ab ", 50),
		"\n\n \t\t", "日本語のテキスト、長い行",
	} {
		f.Add(seed, uint8(3))
	}
	f.Fuzz(func(t *testing.T, text string, rawLimit uint8) {
		limit := int(rawLimit)%64 + 1
		for _, tc := range []struct {
			name  string
			split func(string, int) []string
			width func(rune) int
		}{
			{name: "Split", split: Split, width: func(rune) int { return 1 }},
			{name: "SplitUTF16", split: SplitUTF16, width: utf16Len},
		} {
			parts := tc.split(text, limit)
			if text == "" {
				require.Empty(t, parts, tc.name)
				continue
			}
			require.Equal(t, text, strings.Join(parts, ""), "%s: nothing is dropped", tc.name)
			for i, p := range parts {
				require.NotEmpty(t, p, tc.name)
				w, runes := 0, 0
				for _, r := range p {
					w += tc.width(r)
					runes++
				}
				require.True(t, w <= limit || runes == 1, "%s: part %q has width %d > %d", tc.name, p, w, limit)
				if utf8.ValidString(text) {
					require.True(t, utf8.ValidString(p), "%s: part %q cuts a rune", tc.name, p)
				}
				if i == len(parts)-1 {
					continue
				}
				// Cut preference: a part not ending at a newline holds none,
				// and one ending inside a word holds no space or tab either.
				if !strings.HasSuffix(p, "\n") {
					require.NotContains(t, p, "\n", tc.name)
					if !strings.HasSuffix(p, " ") && !strings.HasSuffix(p, "\t") {
						require.False(t, strings.ContainsAny(p, " \t"), "%s: part %q cut inside a word", tc.name, p)
					}
				}
			}
		}
	})
}
