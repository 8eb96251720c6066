// Package crdschema checks Kubernetes manifests against the OpenAPI v3
// schemas of CustomResourceDefinitions, for tests of example manifests.
//
// It is strict where the API server can be: a field that no schema
// declares is an error (as with kubectl's strict field validation), unless
// the schema preserves unknown fields. It checks type, properties,
// additionalProperties, items, required, enum, pattern, length and range
// bounds, anyOf/oneOf and x-kubernetes-int-or-string; CEL rules
// (x-kubernetes-validations) are not evaluated.
package crdschema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// Schema is a node of an OpenAPI v3 schema as CRDs write it.
type Schema struct {
	Type                 string             `yaml:"type"`
	Properties           map[string]*Schema `yaml:"properties"`
	AdditionalProperties *Schema            `yaml:"additionalProperties"`
	Items                *Schema            `yaml:"items"`
	Required             []string           `yaml:"required"`
	Enum                 []any              `yaml:"enum"`
	Pattern              string             `yaml:"pattern"`
	MinLength            *int               `yaml:"minLength"`
	MaxLength            *int               `yaml:"maxLength"`
	Minimum              *float64           `yaml:"minimum"`
	Maximum              *float64           `yaml:"maximum"`
	MaxItems             *int               `yaml:"maxItems"`
	AnyOf                []*Schema          `yaml:"anyOf"`
	OneOf                []*Schema          `yaml:"oneOf"`
	IntOrString          bool               `yaml:"x-kubernetes-int-or-string"`
	PreserveUnknown      bool               `yaml:"x-kubernetes-preserve-unknown-fields"`
}

// Kind is one served version of a custom resource.
type Kind struct {
	Group, Version, Kind string
	Schema               *Schema
}

// APIVersion is group/version.
func (k Kind) APIVersion() string { return k.Group + "/" + k.Version }

type crd struct {
	Kind string `yaml:"kind"`
	Spec struct {
		Group string `yaml:"group"`
		Names struct {
			Kind string `yaml:"kind"`
		} `yaml:"names"`
		Versions []struct {
			Name   string `yaml:"name"`
			Served bool   `yaml:"served"`
			Schema struct {
				OpenAPIV3Schema *Schema `yaml:"openAPIV3Schema"`
			} `yaml:"schema"`
		} `yaml:"versions"`
	} `yaml:"spec"`
}

// Load reads the CRDs in the YAML files (several documents each) and
// returns every served version with a schema.
func Load(paths ...string) ([]Kind, error) {
	var kinds []Kind
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		docs, err := decodeAll[crd](data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		for _, c := range docs {
			if c.Kind != "CustomResourceDefinition" {
				continue
			}
			for _, v := range c.Spec.Versions {
				if v.Served && v.Schema.OpenAPIV3Schema != nil {
					kinds = append(kinds, Kind{c.Spec.Group, v.Name, c.Spec.Names.Kind, v.Schema.OpenAPIV3Schema})
				}
			}
		}
	}
	if len(kinds) == 0 {
		return nil, errors.New("no CustomResourceDefinition with a schema found")
	}
	return kinds, nil
}

func decodeAll[T any](data []byte) ([]T, error) {
	d := yaml.NewDecoder(bytes.NewReader(data))
	var out []T
	for {
		var v T
		if err := d.Decode(&v); errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// Validate checks one manifest (decoded YAML) against the kind its
// apiVersion and kind name, and returns every problem found, each with its path.
func Validate(kinds []Kind, manifest map[string]any) []error {
	av, _ := manifest["apiVersion"].(string)
	k, _ := manifest["kind"].(string)
	i := slices.IndexFunc(kinds, func(x Kind) bool { return x.APIVersion() == av && x.Kind == k })
	if i < 0 {
		return []error{fmt.Errorf("no schema for apiVersion %q kind %q", av, k)}
	}
	// apiVersion, kind and metadata are the API server's, whatever the schema says.
	rest := map[string]any{}
	for key, v := range manifest {
		if key != "apiVersion" && key != "kind" && key != "metadata" {
			rest[key] = v
		}
	}
	s := *kinds[i].Schema
	s.Properties = without(s.Properties, "apiVersion", "kind", "metadata")
	var errs []error
	check(&s, rest, k, &errs)
	return errs
}

func without(p map[string]*Schema, drop ...string) map[string]*Schema {
	out := map[string]*Schema{}
	for k, v := range p {
		if !slices.Contains(drop, k) {
			out[k] = v
		}
	}
	return out
}

// check appends to errs what is wrong with v under s, at path.
func check(s *Schema, v any, path string, errs *[]error) {
	var fail failFunc = func(format string, args ...any) {
		*errs = append(*errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
	}
	if v == nil {
		return // null is pruned by the API server
	}
	if len(s.AnyOf) > 0 || len(s.OneOf) > 0 {
		alts := append(slices.Clone(s.AnyOf), s.OneOf...)
		ok := slices.ContainsFunc(alts, func(a *Schema) bool {
			var e []error
			check(a, v, path, &e)
			return len(e) == 0
		})
		// anyOf/oneOf in CRDs often only add constraints to the node's own type.
		if !ok && s.Type == "" && !s.IntOrString {
			fail("matches none of its alternatives")
			return
		}
	}
	if s.IntOrString {
		switch v.(type) {
		case int, int64, string:
		default:
			fail("must be an integer or a string, not %T", v)
		}
		return
	}
	switch s.Type {
	case "object":
		checkObject(s, v, path, errs, fail)
	case "array":
		checkArray(s, v, path, errs, fail)
	case "string":
		checkString(s, v, fail)
	case "integer", "number":
		checkNumber(s, v, fail)
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("must be true or false, not %T (%v)", v, v)
		}
	case "":
		if !s.PreserveUnknown && s.Properties != nil {
			check(&Schema{Type: "object", Properties: s.Properties, Required: s.Required, AdditionalProperties: s.AdditionalProperties}, v, path, errs)
		}
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		fail("%v is not one of %v", v, s.Enum)
	}
}

// failFunc records one problem at the node being checked.
type failFunc func(format string, args ...any)

func checkObject(s *Schema, v any, path string, errs *[]error, fail failFunc) {
	m, ok := v.(map[string]any)
	if !ok {
		fail("must be an object, not %T", v)
		return
	}
	for _, r := range s.Required {
		if _, ok := m[r]; !ok {
			fail("required field %s is missing", r)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		switch ps, ok := s.Properties[k]; {
		case ok:
			check(ps, m[k], path+"."+k, errs)
		case s.AdditionalProperties != nil:
			check(s.AdditionalProperties, m[k], path+"."+k, errs)
		case !s.PreserveUnknown:
			fail("unknown field %s", k)
		}
	}
}

func checkArray(s *Schema, v any, path string, errs *[]error, fail failFunc) {
	a, ok := v.([]any)
	if !ok {
		fail("must be an array, not %T", v)
		return
	}
	if s.MaxItems != nil && len(a) > *s.MaxItems {
		fail("has %d items, more than %d", len(a), *s.MaxItems)
	}
	if s.Items != nil {
		for i, x := range a {
			check(s.Items, x, fmt.Sprintf("%s[%d]", path, i), errs)
		}
	}
}

func checkString(s *Schema, v any, fail failFunc) {
	str, ok := v.(string)
	if !ok {
		fail("must be a string, not %T (%v)", v, v)
		return
	}
	if s.MinLength != nil && len(str) < *s.MinLength {
		fail("is shorter than %d", *s.MinLength)
	}
	if s.MaxLength != nil && len(str) > *s.MaxLength {
		fail("is longer than %d", *s.MaxLength)
	}
	if s.Pattern != "" {
		if re, err := regexp.Compile(s.Pattern); err == nil && !re.MatchString(str) {
			fail("%q does not match %s", str, s.Pattern)
		}
	}
}

func checkNumber(s *Schema, v any, fail failFunc) {
	var f float64
	switch n := v.(type) {
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case float64:
		if s.Type == "integer" && n != math.Trunc(n) {
			fail("must be an integer, not %v", n)
			return
		}
		f = n
	default:
		fail("must be a number, not %T (%v)", v, v)
		return
	}
	if s.Minimum != nil && f < *s.Minimum {
		fail("is below the minimum %v", *s.Minimum)
	}
	if s.Maximum != nil && f > *s.Maximum {
		fail("is above the maximum %v", *s.Maximum)
	}
}

// Manifests decodes every YAML document of a file (skipping empty ones).
func Manifests(path string) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	docs, err := decodeAll[map[string]any](data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return slices.DeleteFunc(docs, func(m map[string]any) bool { return len(m) == 0 }), nil
}
