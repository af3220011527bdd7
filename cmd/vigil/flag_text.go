package main

import (
	"flag"
	"fmt"

	"github.com/vigilhq/vigil/textcheck"
)

// checkFlagText refuses a flag value Vigil cannot store as text (a NUL
// character, bytes that are not UTF-8), naming the flag: "--name: must not
// contain NUL (U+0000), found at byte 1". A JSON flag (--params) is checked
// string by string, naming the JSON path. Paths (--config, --dir) need not
// be UTF-8 and are only checked for NUL. parse calls it for every command.
func checkFlagText(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		v := f.Value.String()
		switch f.Name {
		case "params":
			if found := textcheck.JSON([]byte(v), 1); len(found) > 0 {
				err = fmt.Errorf("--%s: the JSON string at %s %w", f.Name, jsonPath(found[0].Path), found[0])
			}
		case "config", "dir":
			if e := textcheck.String(v); e != nil && e.(*textcheck.Error).Reason == textcheck.NUL {
				err = fmt.Errorf("--%s: %w", f.Name, e)
			}
		default:
			if e := textcheck.String(v); e != nil {
				err = fmt.Errorf("--%s: %w", f.Name, e)
			}
		}
	})
	return err
}

// jsonPath is a textcheck path for people: "(the document)" for "".
func jsonPath(p string) string {
	if p == "" {
		return "(the document)"
	}
	return p
}
