package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Settings are addressed by their JSON key path ("jobs.report.workers"), so
// the file, the environment and Table share one naming: the json tags.

// field returns the field of struct v whose json tag is key.
func field(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// visit calls fn with the addressable value at path in c, storing it back
// when it lives in a map.
func visit(c *Config, path string, fn func(reflect.Value) error) error {
	return visitValue(reflect.ValueOf(c).Elem(), strings.Split(path, "."), fn)
}

func visitValue(v reflect.Value, path []string, fn func(reflect.Value) error) error {
	if len(path) == 0 {
		return fn(v)
	}
	switch v.Kind() {
	case reflect.Struct:
		f, ok := field(v, path[0])
		if !ok {
			return fmt.Errorf("unknown key %q", path[0])
		}
		return visitValue(f, path[1:], fn)
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
		key := reflect.ValueOf(path[0])
		elem := reflect.New(v.Type().Elem()).Elem()
		if old := v.MapIndex(key); old.IsValid() {
			elem.Set(old)
		}
		err := visitValue(elem, path[1:], fn)
		v.SetMapIndex(key, elem)
		return err
	}
	return fmt.Errorf("key %q is inside a %s", path[0], v.Type())
}

// copyPath sets the setting at dst to the value of the one at src.
func copyPath(c *Config, dst, src string) {
	var val reflect.Value
	must(visit(c, src, func(v reflect.Value) error { val = v; return nil }))
	must(visit(c, dst, func(v reflect.Value) error { v.Set(val); return nil }))
}

func must(err error) {
	if err != nil {
		panic("config: " + err.Error())
	}
}

// errEmpty reports an empty string for a setting that is not a string;
// the environment layer treats that variable as unset.
var errEmpty = errors.New("empty value")

// setString parses s into the setting at path.
func setString(c *Config, path, s string) error {
	return visit(c, path, func(v reflect.Value) error { return parse(v.Addr().Interface(), s) })
}

// parse parses s into p, a pointer to a setting's field.
func parse(p any, s string) error {
	if _, ok := p.(*string); !ok && strings.TrimSpace(s) == "" {
		return errEmpty
	}
	switch p := p.(type) {
	case *string:
		*p = s
	case *int:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%q is out of range", s)
		} else if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		*p = n
	case *bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not a boolean (want true or false)", s)
		}
		*p = b
	case *Duration:
		d, err := ParseDuration(s)
		if err != nil {
			return err
		}
		*p = d
	default:
		return fmt.Errorf("unsupported setting type %T", p)
	}
	return nil
}

// reconcile keeps linked settings equal after a layer (file or environment)
// set the paths in set: within the layer the specific setting wins.
func reconcile(c *Config, set map[string]bool) {
	for _, l := range links() {
		switch {
		case set[l.specific]:
			copyPath(c, l.general, l.specific)
		case set[l.general]:
			copyPath(c, l.specific, l.general)
		}
	}
	jd := &c.JobDefaults
	switch {
	case set["job_defaults.catchup"] && !set["job_defaults.coalesce"]:
		jd.Coalesce = jd.Catchup == "coalesce"
	case set["job_defaults.coalesce"] && !set["job_defaults.catchup"] && jd.Coalesce:
		jd.Catchup = "coalesce"
	}
}
