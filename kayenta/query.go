package kayenta

import (
	"errors"
	"fmt"
	"strings"
)

// kayentaQuery is a PrometheusCanaryMetricSetQueryConfig.
type kayentaQuery struct {
	resourceType, metricName     string
	labelBindings, groupByFields []string
	customFilter                 string // deprecated; Kayenta rejects it
	customInlineTemplate         string
	customFilterTemplate         string
}

// describe says which of Kayenta's query styles the query uses.
func (q *kayentaQuery) describe() string {
	switch {
	case q.customInlineTemplate != "" && strings.HasPrefix(strings.TrimSpace(q.customInlineTemplate), "PromQL:"):
		return "from customInlineTemplate (a PromQL: query)"
	case q.customInlineTemplate != "":
		return fmt.Sprintf("from metricName %s with the label filter of customInlineTemplate, as avg(%s{filter})%s", q.metricName, q.metricName, q.by())
	case q.customFilterTemplate != "":
		return fmt.Sprintf("from customFilterTemplate %q applied to metricName %s, as avg(%s{filter})%s", q.customFilterTemplate, q.metricName, q.metricName, q.by())
	}
	return fmt.Sprintf("from metricName %s with resourceType %s filters, as avg(%s{filter})%s", q.metricName, q.resourceType, q.metricName, q.by())
}

func (q *kayentaQuery) by() string {
	if len(q.groupByFields) == 0 {
		return ""
	}
	return " by (" + strings.Join(q.groupByFields, ",") + ")"
}

// build returns the PromQL Kayenta's Prometheus metrics service sends for
// one side: a template expanded to a "PromQL:" query is used as it is;
// otherwise Kayenta writes avg(metricName{filters}) by (groupByFields),
// where the filters are the expanded template's comma-separated parts (or
// the resource type's own) followed by labelBindings.
func (q *kayentaQuery) build(templates map[string]string, side Side, scopeLabel string) (string, error) {
	if q.customFilter != "" {
		return "", errors.New("customFilter is deprecated and Kayenta rejects it (customInlineTemplate replaces it)")
	}
	tmpl := q.customInlineTemplate
	if tmpl == "" && q.customFilterTemplate != "" {
		t, ok := templates[q.customFilterTemplate]
		if !ok {
			return "", fmt.Errorf("customFilterTemplate %q is not among the config's templates", q.customFilterTemplate)
		}
		tmpl = t
	}
	var filter string
	if tmpl != "" {
		var err error
		// Kayenta stores templates with ${ escaped as $\{ and unescapes them before use.
		filter, err = expand(strings.ReplaceAll(tmpl, `$\{`, "${"), side.bindings(q.resourceType))
		if err != nil {
			return "", fmt.Errorf("its template %v", err)
		}
	}
	if rest, ok := strings.CutPrefix(filter, "PromQL:"); ok {
		return rest, nil
	}
	if q.metricName == "" {
		return "", errors.New("metricName is required unless the template is a PromQL: query")
	}
	filters := append([]string(nil), q.labelBindings...) // Kayenta does not expand these
	if filter != "" {
		filters = append(javaSplit(filter, ","), filters...)
	} else {
		rt := q.resourceType
		if rt == "" {
			rt = side.Vars["resourceType"]
		}
		switch rt {
		case "gce_instance":
			if side.Location == "" {
				return "", errors.New("resourceType gce_instance needs --location (the region)")
			}
			if side.Scope != "" {
				filters = append(filters, scopeLabel+`=~"`+side.Scope+`-.{4}"`)
			}
			zone := ".+/"
			if p := side.Vars["project"]; p != "" {
				zone += "projects/" + p + "/"
			}
			filters = append(filters, `zone=~"`+zone+"zones/"+side.Location+`-.{1}"`)
		case "aws_ec2_instance":
			if side.Location == "" {
				return "", errors.New("resourceType aws_ec2_instance needs --location (the region)")
			}
			if side.Scope != "" {
				filters = append(filters, `asg_groupName="`+side.Scope+`"`)
			}
			filters = append(filters, `zone=~"`+side.Location+`.{1}"`)
		case "":
			return "", errors.New("it has neither a template (customInlineTemplate, customFilterTemplate) nor a resourceType, which Kayenta requires")
		default:
			return "", fmt.Errorf("resourceType %s has no filters in Kayenta (only gce_instance and aws_ec2_instance do); use a template", rt)
		}
	}
	sel := q.metricName
	if len(filters) > 0 {
		sel += "{" + strings.Join(filters, ",") + "}"
	}
	return "avg(" + sel + ")" + q.by(), nil
}

// bindings are the template variables for one side, in Kayenta's order of
// precedence: the scope's own values, the query's resourceType, then every
// extendedScopeParams entry.
func (s Side) bindings(resourceType string) map[string]string {
	b := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			b[k] = v
		}
	}
	set("project", s.Vars["project"])
	set("resourceType", s.Vars["resourceType"])
	set("scope", s.Scope)
	set("location", s.Location)
	set("resourceType", resourceType)
	for k, v := range s.Vars {
		b[k] = v
	}
	return b
}
