package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
)

// DefaultPath is the config file Load reads when given no path: the design's
// config/scheduler/scheduler.json, relative to the working directory.
const DefaultPath = "config/scheduler/scheduler.json"

// Load returns Default overlaid with the JSON file at path and then with the
// environment, read through getenv (os.LookupEnv in production).
//
// With path "" it reads DefaultPath and skips it silently when absent; an
// explicit path that does not exist is an error. It fails only on input it
// cannot read: a malformed file (the error names the file, line and column),
// an unknown key (named by its key path), or a variable that does not parse
// (named, like `SCHEDULER_MAX_WORKERS: "ten" is not an integer`). Values out
// of range are Validate's business.
func Load(path string, getenv func(string) (string, bool)) (Config, error) {
	c := Default()
	if err := c.loadFile(path); err != nil {
		return Config{}, err
	}
	if getenv != nil {
		if err := c.loadEnv(getenv); err != nil {
			return Config{}, fmt.Errorf("config environment: %w", err)
		}
	}
	return c, nil
}

// loadFile applies the JSON file at path (or DefaultPath) over c.
func (c *Config) loadFile(path string) error {
	explicit := path != ""
	if !explicit {
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read config file: %w", err)
	}
	d := fileDecoder{dec: json.NewDecoder(bytes.NewReader(data)), data: data, set: make(map[string]bool)}
	if err := d.decode(reflect.ValueOf(c).Elem()); err != nil {
		return fmt.Errorf("config file %s:%w", path, err)
	}
	reconcile(c, d.set)
	return nil
}

// fileDecoder walks a JSON document token by token alongside Config, so each
// error can name the key path and its line and column, the design's aliases
// can be mapped, and d.set records which settings the file gave.
type fileDecoder struct {
	dec  *json.Decoder
	data []byte
	set  map[string]bool // key paths of the settings the file gave
}

func (d *fileDecoder) decode(root reflect.Value) error {
	tok, err := d.dec.Token()
	if errors.Is(err, io.EOF) {
		return d.at(0, errors.New("empty file; want a JSON object"))
	} else if err != nil {
		return d.syntax(err)
	}
	if tok != json.Delim('{') {
		return d.at(d.dec.InputOffset(), errors.New("want a JSON object at the top level"))
	}
	if err := d.object(root, ""); err != nil {
		return err
	}
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		return d.at(d.dec.InputOffset(), errors.New("unexpected data after the top-level object"))
	}
	return nil
}

// object reads the members of an object whose '{' was read into v, a struct
// or a map, and the closing '}'.
func (d *fileDecoder) object(v reflect.Value, path string) error {
	for d.dec.More() {
		tok, err := d.token()
		if err != nil {
			return err
		}
		off := d.dec.InputOffset()
		name, _ := tok.(string) // an object key is always a string
		key := canonicalKey(path, name)
		full := join(path, key)
		switch v.Kind() {
		case reflect.Struct:
			f, ok := field(v, key)
			if !ok {
				return d.at(off, fmt.Errorf("unknown key %q", join(path, name)))
			}
			err = d.value(f, full, off)
		case reflect.Map:
			// Start from the current entry so a file that sets one field of
			// a job type keeps the others.
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			k := reflect.ValueOf(key)
			elem := reflect.New(v.Type().Elem()).Elem()
			if old := v.MapIndex(k); old.IsValid() {
				elem.Set(old)
			}
			err = d.value(elem, full, off)
			v.SetMapIndex(k, elem)
		}
		if err != nil {
			return err
		}
	}
	_, err := d.token() // '}'
	return err
}

// value reads the value of the member at path, whose key ends at offset off,
// into v.
func (d *fileDecoder) value(v reflect.Value, path string, off int64) error {
	if k := v.Kind(); k == reflect.Struct || k == reflect.Map {
		tok, err := d.token()
		switch {
		case err != nil:
			return err
		case tok == nil: // null: leave the defaults
			return nil
		case tok != json.Delim('{'):
			return d.at(off, fmt.Errorf("%s: want a JSON object", path))
		}
		return d.object(v, path)
	}
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return d.syntax(err)
	}
	if string(raw) == "null" {
		return nil
	}
	if d.set[path] {
		return d.at(off, fmt.Errorf("%s: given twice (report_generation, notifications and job_configs are aliases)", path))
	}
	d.set[path] = true
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			err = fmt.Errorf("want %s, got %s", kindName(v), typeErr.Value)
		}
		return d.at(off, fmt.Errorf("%s: %w", path, err))
	}
	return nil
}

// token reads the next token inside the top-level object, giving errors a
// position; the end of the input is an error there.
func (d *fileDecoder) token() (json.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.syntax(err)
	}
	return tok, nil
}

// syntax positions an error of the JSON decoder.
func (d *fileDecoder) syntax(err error) error {
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &syntaxErr):
		return d.at(syntaxErr.Offset, err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return d.at(int64(len(d.data)), errors.New("unexpected end of JSON"))
	}
	return d.at(d.dec.InputOffset(), err)
}

// at prefixes err with the line and column of byte offset off.
func (d *fileDecoder) at(off int64, err error) error {
	off = min(max(off, 0), int64(len(d.data)))
	before := d.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Errorf("%d:%d: %w", line, col, err)
}

// canonicalKey maps the design's names for a key under parent to ours.
func canonicalKey(parent, key string) string {
	switch {
	case parent == "" && key == "job_configs":
		return "jobs"
	case parent == "jobs":
		return canonicalJobType(key)
	}
	return key
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// kindName describes the JSON a setting of v's type wants.
func kindName(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "an integer"
	}
	return "a " + v.Type().String()
}
