package telegramtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The vectors below are from tdlib's test/message_entities.cpp, the parser
// behind the Bot API's parse_mode: the plain text for valid markup, the
// exact message for invalid markup.

func TestParseHTML(t *testing.T) {
	t.Parallel()
	errs := []struct{ in, want string }{
		{"&#57311;", "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"},
		{"&#xDFDF;", "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units"},
		{"🏟 🏟&lt;<abacaba", "Unclosed start tag at byte offset 13"},
		{"🏟 🏟&lt;<abac aba>", `Unsupported start tag "abac" at byte offset 13`},
		{"🏟 🏟&lt;<abac>", `Unsupported start tag "abac" at byte offset 13`},
		{"🏟 🏟&lt;<i   =aba>", `Empty attribute name in the tag "i" at byte offset 13`},
		{"🏟 🏟&lt;<i    aba>", `Can't find end tag corresponding to start tag "i"`},
		{"🏟 🏟&lt;<i    aba  =  ", `Unclosed start tag "i" at byte offset 13`},
		{"🏟 🏟&lt;<i    aba  =  190azAz-.,", "Unexpected end of name token at byte offset 27"},
		{"🏟 🏟&lt;<i    aba  =  \"&lt;&gt;&quot;>", "Unclosed start tag at byte offset 13"},
		{"🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;>", "Unclosed start tag at byte offset 13"},
		{"🏟 🏟&lt;</", "Unexpected end tag at byte offset 13"},
		{"🏟 🏟&lt;<b></b></", "Unexpected end tag at byte offset 20"},
		{"🏟 🏟&lt;<i>a</i   ", "Unclosed end tag at byte offset 17"},
		{"🏟 🏟&lt;<i>a</em   >", `Unmatched end tag at byte offset 17, expected "</i>", found "</em>"`},
		{"<span>x</span>", `Tag "span" must have class "tg-spoiler" at byte offset 0`},
	}
	for _, tt := range errs {
		_, got := parseHTML(tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
	}

	oks := []struct{ in, want string }{
		{"", ""},
		{"➡️ ➡️", "➡️ ➡️"},
		{"&ge;&lt;&gt;&amp;&quot;&laquo;&raquo;&#12345678;", "&ge;<>&\"&laquo;&raquo;&#12345678;"},
		{"&Or;", "&Or;"},
		{"➡️ ➡️<i>➡️ ➡️</i>", "➡️ ➡️➡️ ➡️"},
		{"➡️ ➡️<strong>➡️ ➡️</strong>", "➡️ ➡️➡️ ➡️"},
		{"➡️ ➡️<del>➡️ ➡️</del>", "➡️ ➡️➡️ ➡️"},
		{"➡️ ➡️<blockquote>➡️ ➡️</blockquote>", "➡️ ➡️➡️ ➡️"},
		{"🏟 🏟<i>🏟 &lt🏟</i>", "🏟 🏟🏟 <🏟"},
		{"🏟 🏟<i>🏟 &gt;<b aba   =   caba>&lt🏟</b></i>", "🏟 🏟🏟 ><🏟"},
		{"🏟 🏟&lt;<i    aba  =  190azAz-.   >a</i>", "🏟 🏟<a"},
		{"🏟 🏟&lt;<i    aba  =  \"&lt;&gt;&quot;\">a</i>", "🏟 🏟<a"},
		{"🏟 🏟&lt;<i    aba  =  '&lt;&gt;&quot;'>a</>", "🏟 🏟<a"},
		{"🏟 🏟&lt;<i>a</    >", "🏟 🏟<a"},
		{"➡️ ➡️<span class = \"tg-spoiler\">➡️ ➡️</span><b>➡️ ➡️</b>", "➡️ ➡️➡️ ➡️➡️ ➡️"},
		{"<a   href=  'telegram.org?&lt;'   > </a>", " "},
		{"🏟 🏟&lt;<pre><code class=\"language-fift\">🏟 🏟&lt;</></>", "🏟 🏟<🏟 🏟<"},
		{"➡️ ➡️<tg-emoji emoji-id = \"12345\">➡️ ➡️</tg-emoji><b>➡️ ➡️</b>", "➡️ ➡️➡️ ➡️➡️ ➡️"},
		{"<blockquote   expandable>a&lt;<pre  >b;</></>", "a<b;"},
	}
	for _, tt := range oks {
		got, e := parseHTML(tt.in)
		require.Empty(t, e, "%q", tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestParseMarkdownV2(t *testing.T) {
	t.Parallel()
	begin := "_*[~`>"
	reserved := "]()>#+-=|{}.!"
	for c := byte(1); c < 126; c++ {
		if strings.IndexByte(begin, c) >= 0 {
			continue
		}
		text := string([]byte{c})
		got, e := parseMarkdownV2(text)
		if strings.IndexByte(reserved, c) < 0 {
			require.Empty(t, e, "%q", text)
			require.Equal(t, text, got)
			continue
		}
		require.Equal(t, fmt.Sprintf("Character '%c' is reserved and must be escaped with the preceding '\\'", c), e)
		got, e = parseMarkdownV2(`\` + text)
		require.Empty(t, e)
		require.Equal(t, text, got)
	}

	errs := []struct{ in, want string }{
		{"🏟 🏟_abacaba", "Can't find end of Italic entity at byte offset 9"},
		{"🏟 🏟_abac * asd ", "Can't find end of Bold entity at byte offset 15"},
		{"🏟 🏟_abac * asd _", "Can't find end of Italic entity at byte offset 21"},
		{"🏟 🏟`", "Can't find end of Code entity at byte offset 9"},
		{"🏟 🏟```", "Can't find end of Pre entity at byte offset 9"},
		{"🏟 🏟```a", "Can't find end of Pre entity at byte offset 9"},
		{"🏟 🏟```a ", "Can't find end of PreCode entity at byte offset 9"},
		{"🏟 🏟__🏟 🏟_", "Can't find end of Italic entity at byte offset 20"},
		{"🏟 🏟_🏟 🏟__", "Can't find end of Underline entity at byte offset 19"},
		{"🏟 🏟```🏟 🏟`", "Can't find end of Code entity at byte offset 21"},
		{"🏟 🏟```🏟 🏟_", "Can't find end of PreCode entity at byte offset 9"},
		{"🏟 🏟```🏟 🏟\\`", "Can't find end of PreCode entity at byte offset 9"},
		{"[telegram\\.org](asd\\)", "Can't find end of a URL at byte offset 16"},
		{"[telegram\\.org](", "Can't find end of a URL at byte offset 16"},
		{"[telegram\\.org](asd", "Can't find end of a URL at byte offset 16"},
		{"🏟 🏟__🏟 _🏟___", "Can't find end of Italic entity at byte offset 23"},
		{"🏟 🏟__", "Can't find end of Underline entity at byte offset 9"},
		{"🏟 🏟||test\\|", "Can't find end of Spoiler entity at byte offset 9"},
		{"🏟 🏟!", "Character '!' is reserved and must be escaped with the preceding '\\'"},
		{"🏟 🏟>", "Character '>' is reserved and must be escaped with the preceding '\\'"},
		{"🏟 🏟![", "Can't find end of CustomEmoji entity at byte offset 9"},
		{"🏟 🏟![👍", "Can't find end of CustomEmoji entity at byte offset 9"},
		{"🏟 🏟![👍]", "Custom emoji entity must contain a tg://emoji URL"},
		{"🏟 🏟![👍](tg://emoji?id=1234", "Can't find end of a custom emoji URL at byte offset 17"},
	}
	for _, tt := range errs {
		_, got := parseMarkdownV2(tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
	}

	oks := []struct{ in, want string }{
		{"", ""},
		{`\\`, `\`},
		{`\\\`, `\\`},
		{"\\\\\\\\\\_\\*\\`", "\\\\_*`"},
		{"🏟 🏟``", "🏟 🏟"},
		{"🏟 🏟_abac \\* asd _", "🏟 🏟abac * asd "},
		{"🏟 \\.🏟_🏟\\. 🏟_", "🏟 .🏟🏟. 🏟"},
		{"🏟 🏟_🏟 __🏟___", "🏟 🏟🏟 🏟"},
		{"🏟 🏟__🏟 _🏟_ __", "🏟 🏟🏟 🏟 "},
		{"🏟 🏟`🏟 🏟```", "🏟 🏟🏟 🏟"},
		{"🏟 🏟**", "🏟 🏟"},
		{"||test||", "test"},
		{"🏟 🏟``````", "🏟 🏟"},
		{"`_* *_`__*` `*__", "_* *_ "},
		{"[telegram\\.org](https://telegram.dog?\\\\\\()", "telegram.org"},
		{"[telegram\\.org]a", "telegram.orga"},
		{">a", "a"},
		{"abc\n> \n> \n>\ndef", "abc\n \n \n\ndef"},
		{"*BTC* crossed 100k\\!", "BTC crossed 100k!"},
	}
	for _, tt := range oks {
		got, e := parseMarkdownV2(tt.in)
		require.Empty(t, e, "%q", tt.in)
		require.Equal(t, tt.want, got, "%q", tt.in)
	}
}

func TestParseMarkdown(t *testing.T) {
	t.Parallel()
	got, e := parseMarkdown("*bold* _it_ `code` ```pre``` [link](https://example.com) a\\_b")
	require.Empty(t, e)
	require.Equal(t, "bold it code pre link a_b", got)
	for in, want := range map[string]string{
		"ok *bold":   "Can't find end of the entity starting at byte offset 3",
		"a [x](http": "Can't find end of the entity starting at byte offset 2",
		"```x":       "Can't find end of the entity starting at byte offset 0",
	} {
		_, e := parseMarkdown(in)
		require.Equal(t, want, e, in)
	}
}

func TestUTF16Len(t *testing.T) {
	t.Parallel()
	require.Equal(t, 0, utf16Len(""))
	require.Equal(t, 3, utf16Len("abc"))
	require.Equal(t, 2, utf16Len("жё"))
	require.Equal(t, 2, utf16Len("🚀"))
	require.Equal(t, 4, utf16Len("a🚀€"))
}
