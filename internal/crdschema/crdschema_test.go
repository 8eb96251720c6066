package crdschema

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const argo = "../../testdata/crds/argo-rollouts-v1.9.1/"

func manifest(t *testing.T, text string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(text), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestValidate(t *testing.T) {
	kinds, err := Load(argo+"analysis-template-crd.yaml", argo+"rollout-crd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const good = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: t}
spec:
  args: [{name: a}]
  metrics:
    - name: m
      count: 1
      failureLimit: 0
      provider:
        job:
          spec:
            backoffLimit: 0
            template:
              spec:
                restartPolicy: Never
                containers:
                  - name: c
                    image: busybox
                    args: ["{{args.a}}"]
`
	if errs := Validate(kinds, manifest(t, good)); len(errs) > 0 {
		t.Fatalf("a valid AnalysisTemplate: %v", errs)
	}
	cases := map[string]struct{ from, to, want string }{
		"unknown field":        {"count: 1", "cout: 1", "spec.metrics[0]: unknown field cout"},
		"unknown nested field": {"restartPolicy: Never", "restartPolicy: Never\n                restartPolcy: Never", "unknown field restartPolcy"},
		"wrong type":           {"backoffLimit: 0", "backoffLimit: none", "backoffLimit: must be a number"},
		"missing required":     {"- name: c\n", "- nam: c\n", "required field name is missing"},
		"int or string":        {"count: 1", "count: [1]", "must be an integer or a string"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(good, c.from, c.to, 1)
			errs := Validate(kinds, manifest(t, bad))
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
			}
			if !strings.Contains(strings.Join(all, "\n"), c.want) {
				t.Errorf("errors %v lack %q", all, c.want)
			}
		})
	}
	if errs := Validate(kinds, manifest(t, "apiVersion: argoproj.io/v1alpha1\nkind: Analysis\n")); len(errs) != 1 {
		t.Errorf("an unknown kind: %v", errs)
	}
}
