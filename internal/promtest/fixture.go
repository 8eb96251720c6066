package promtest

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/verdict-ci/verdict/metrics"
)

// Sample is one point of a fixture series.
type Sample struct {
	T time.Time
	V float64
}

// Series is one fixture time series: a metric name, its labels and its samples in time order.
type Series struct {
	Name    string
	Labels  map[string]string
	Samples []Sample
}

// WriteOpenMetrics writes series as OpenMetrics text with timestamps in
// seconds and a final "# EOF", the input promtool's
// "tsdb create-blocks-from openmetrics" backfills. Series of one metric name
// are written together, as OpenMetrics requires; names and labels are sorted
// so the output is deterministic.
func WriteOpenMetrics(w io.Writer, series []Series) error {
	sorted := make([]Series, len(series))
	copy(sorted, series)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Name != sorted[j].Name {
			return sorted[i].Name < sorted[j].Name
		}
		return labelText(sorted[i].Labels) < labelText(sorted[j].Labels)
	})
	bw := bufio.NewWriterSize(w, 1<<16)
	for _, s := range sorted {
		if !validName(s.Name) {
			return fmt.Errorf("series name %q is not a valid metric name", s.Name)
		}
		prefix := s.Name + labelText(s.Labels) + " "
		for i, p := range s.Samples {
			if i > 0 && !p.T.After(s.Samples[i-1].T) {
				return fmt.Errorf("series %s: timestamps not increasing at sample %d", prefix, i)
			}
			bw.WriteString(prefix)
			bw.WriteString(metrics.FormatValue(p.V))
			bw.WriteByte(' ')
			bw.WriteString(formatSeconds(p.T))
			bw.WriteByte('\n')
		}
	}
	bw.WriteString("# EOF\n")
	return bw.Flush()
}

// ToPrometheusText converts OpenMetrics text as WriteOpenMetrics writes it
// (timestamps in seconds) to the Prometheus exposition format with
// timestamps in milliseconds, which VictoriaMetrics' /api/v1/import/prometheus
// reads. Comment lines are dropped; exemplars are not supported.
func ToPrometheusText(openmetrics string) (string, error) {
	var b strings.Builder
	b.Grow(len(openmetrics) + len(openmetrics)/8)
	for n, line := range strings.Split(openmetrics, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			return "", fmt.Errorf("line %d: no timestamp: %q", n+1, line)
		}
		sec, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return "", fmt.Errorf("line %d: timestamp %q is not a number", n+1, line[i+1:])
		}
		b.WriteString(line[:i+1])
		b.WriteString(strconv.FormatInt(int64(math.Round(sec*1e3)), 10))
		b.WriteByte('\n')
	}
	return b.String(), nil
}

func labelText(l map[string]string) string {
	if len(l) == 0 {
		return ""
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(l[k]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		ok := r == '_' || r == ':' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

func formatSeconds(t time.Time) string {
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		return strconv.FormatInt(ms/1000, 10)
	}
	return strconv.FormatFloat(float64(ms)/1e3, 'f', -1, 64)
}
