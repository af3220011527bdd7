package bot

import (
	"strings"

	"github.com/vigilhq/vigil/textcheck"
)

// textProblem returns the reply to a message whose text Vigil cannot store
// (a NUL character, bytes that are not UTF-8), "" for text it can. dispatch
// checks it once, before the command is parsed, so no command stores such
// text or fails on it in the database.
func textProblem(text string) string {
	err := textcheck.String(text)
	if err == nil {
		return ""
	}
	what := "Your message"
	if cmd, _, _ := strings.Cut(strings.TrimSpace(text), " "); strings.HasPrefix(cmd, "/") && textcheck.Valid(cmd) {
		what = "The text of " + cmd
	}
	return what + " " + err.Error() + ", which I cannot store. Nothing was changed: " +
		"please send it again without control characters (type it rather than paste it)."
}

// storableName is a Telegram name as Vigil can store it: NUL characters
// dropped and bytes that are not UTF-8 replaced with U+FFFD (the name is the
// user's profile, which they may not be able to change).
func storableName(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}
