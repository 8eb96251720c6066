package judge_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/config"
	"github.com/verdict-ci/verdict/judge"
	"github.com/verdict-ci/verdict/metrics"
	"github.com/verdict-ci/verdict/report"
)

// fuzzMetrics is how many metrics a FuzzJudge input describes.
const fuzzMetrics = 3

// maxFuzzSamples bounds one side's samples, to keep each input fast.
const maxFuzzSamples = 3000

// decodeSamples splits in into 2·fuzzMetrics sample slices (baseline and
// canary of each metric), separated by 0xFE. A byte below 0x80 is that small
// integer (ties galore); 0x80 is followed by the 8 bytes of a float64's
// bits (NaN payloads, ±Inf, ±0, subnormals, ±MaxFloat64); any other byte is
// a value near 1e6 scaled by it.
func decodeSamples(in []byte) [2 * fuzzMetrics][]float64 {
	var out [2 * fuzzMetrics][]float64
	k := 0
	for i := 0; i < len(in) && k < len(out); i++ {
		var v float64
		switch c := in[i]; {
		case c == 0xFE:
			k++
			continue
		case c < 0x80:
			v = float64(c)
		case c == 0x80:
			if i+8 >= len(in) {
				return out
			}
			v = math.Float64frombits(binary.LittleEndian.Uint64(in[i+1 : i+9]))
			i += 8
		default:
			v = 1e6 * float64(c-0x80) / 7
		}
		if len(out[k]) < maxFuzzSamples {
			out[k] = append(out[k], v)
		}
	}
	return out
}

// encodeSamples is decodeSamples' inverse for seeds: every value as raw bits.
func encodeSamples(sides ...[]float64) []byte {
	var b []byte
	for i, s := range sides {
		if i > 0 {
			b = append(b, 0xFE)
		}
		for _, v := range s {
			b = append(b, 0x80)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	return b
}

// fuzzConfig builds the config the flags describe: directions, margins,
// bounds, NaN handling, criticality, must_have_data and a before/after offset.
func fuzzConfig(flags uint16) *config.Config {
	dirs := []config.Direction{config.Either, config.Increase, config.Decrease, config.Either}
	margins := []config.Margin{{}, {Value: 0.1, Relative: true, Text: "10%"}, {Value: 0.5, Text: "0.5"}, {Value: 1e300, Text: "1e300"}}
	ms := make([]config.Metric, fuzzMetrics)
	for i := range ms {
		f := flags >> (2 * i)
		ms[i] = config.Metric{
			Name:            string(rune('a' + i)),
			Query:           "m{ {{ .Scope }} }",
			Group:           []string{"latency", "errors", "latency"}[i],
			FailOn:          dirs[f&3],
			AllowedIncrease: margins[(f>>1)&3],
			AllowedDecrease: margins[(f>>2)&3],
		}
	}
	ms[0].Critical = true
	ms[1].Critical = flags&(1<<6) != 0
	ms[2].MustHaveData = true
	if flags&(1<<7) != 0 {
		ms[1].NaN = "zero"
	}
	if flags&(1<<8) != 0 {
		hi := 1e6
		ms[2].Max = &hi
	}
	if flags&(1<<9) != 0 {
		lo := -1.0
		ms[2].Min = &lo
	}
	cfg := &config.Config{
		Version:    1,
		Window:     config.Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC), Step: time.Minute},
		Baseline:   config.Scope{Scope: `version="a"`},
		Canary:     config.Scope{Scope: `version="b"`},
		Confidence: []float64{0.98, 0.95, 0.999, 0.51}[(flags>>10)&3],
		Metrics:    ms,
		Groups:     map[string]config.Group{"latency": {Weight: 60}, "errors": {Weight: 40}},
		Scoring:    config.Scoring{Pass: 95, Marginal: 75},
	}
	if flags&(1<<12) != 0 {
		cfg.Baseline.Offset = 24 * time.Hour
	}
	return cfg
}

// fuzzFetched is one side: the samples as one series (two when there are
// many), or the failure when failed.
func fuzzFetched(vals []float64, failed bool) judge.Fetched {
	f := judge.Fetched{Query: "m{}"}
	if failed {
		f.Err = errors.New(`metric "m" (canary): http 502: bad gateway`)
		return f
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cut := len(vals)
	if cut > 100 {
		cut /= 2
	}
	for _, part := range [][]float64{vals[:cut], vals[cut:]} {
		if len(part) == 0 {
			continue
		}
		s := metrics.Series{Labels: map[string]string{"pod": string(rune('a' + len(f.Result.Series)))}}
		for i, v := range part {
			s.Points = append(s.Points, metrics.Point{T: t0.Add(time.Duration(i) * time.Minute), V: v})
		}
		f.Result.Series = append(f.Result.Series, s)
	}
	return f
}

// FuzzJudge feeds arbitrary samples — NaN, ±Inf, huge, subnormal, ties,
// empty sides, failed queries — through judge.Judge under varied configs.
// It must never panic; the report must encode as JSON (and render as every
// text format) identically on a second run; and the verdict must fail
// closed: a failed query makes its metric `error`, any `error` makes the
// verdict error, and a promote never stands on a failing or empty critical
// metric, half the metrics without data, or a score below scoring.pass.
func FuzzJudge(f *testing.F) {
	f.Add(encodeSamples([]float64{1, 2, 3}, []float64{1, 2, 3}, []float64{4}, []float64{4}, []float64{0}, []float64{0}), uint16(0), uint8(0))
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xFE, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, uint16(0x0155), uint8(0))
	f.Add(encodeSamples([]float64{math.NaN(), math.Inf(1), math.Inf(-1)}, []float64{math.MaxFloat64, -math.MaxFloat64, 5e-324}), uint16(0xFFFF), uint8(0x3F))
	f.Fuzz(func(t *testing.T, in []byte, flags uint16, failMask uint8) {
		cfg := fuzzConfig(flags)
		sides := decodeSamples(in)
		data := make([]judge.Data, fuzzMetrics)
		anyFailed := false
		for i := range data {
			bf, cf := failMask&(1<<(2*i)) != 0, failMask&(1<<(2*i+1)) != 0
			anyFailed = anyFailed || bf || cf
			data[i] = judge.Data{Baseline: fuzzFetched(sides[2*i], bf), Canary: fuzzFetched(sides[2*i+1], cf)}
		}
		rep := judge.Judge(cfg, data)
		first, err := json.Marshal(rep)
		if err != nil {
			t.Fatalf("the report does not encode as JSON: %v", err)
		}
		again, _ := json.Marshal(judge.Judge(cfg, data))
		if !bytes.Equal(first, again) {
			t.Fatal("the same input gave a different report")
		}
		for _, format := range []string{"json", "markdown", "table", "junit", "dotenv", "openmetrics"} {
			var buf bytes.Buffer
			if err := report.Write(format, &buf, rep); err != nil {
				t.Fatalf("%s report: %v", format, err)
			}
		}

		switch rep.Verdict {
		case judge.Promote, judge.Abort, judge.Inconclusive, judge.Error:
		default:
			t.Fatalf("verdict %q", rep.Verdict)
		}
		if (rep.Score == nil) != (rep.Verdict == judge.Error) {
			t.Fatalf("verdict %s with score %v: an error carries no score, every other verdict one", rep.Verdict, rep.Score)
		}
		if s := rep.Score; s != nil && (math.IsNaN(*s) || *s < 0 || *s > 100) {
			t.Fatalf("score %v outside [0, 100]", *s)
		}
		if anyFailed && rep.Verdict != judge.Error {
			t.Fatalf("a query failed, but the verdict is %s", rep.Verdict)
		}
		noData := 0
		for i, m := range rep.Metrics {
			failed := data[i].Baseline.Err != nil || data[i].Canary.Err != nil
			if failed && m.Classification != judge.Failed {
				t.Fatalf("%s: its query failed, but it is %s", m.Name, m.Classification)
			}
			if m.Classification == judge.Failed && rep.Verdict != judge.Error {
				// Also statistics that cannot be computed (differences beyond float64).
				t.Fatalf("%s is an error, but the verdict is %s", m.Name, rep.Verdict)
			}
			switch m.Classification {
			case judge.Pass, judge.High, judge.Low, judge.Failed, judge.Missing, judge.MetricInconclusive:
			case judge.NoData:
				noData++
			default:
				t.Fatalf("%s: classification %q", m.Name, m.Classification)
			}
			if rep.Verdict == judge.Promote && m.Critical && m.Classification != judge.Pass {
				t.Fatalf("promoted although critical metric %s is %s", m.Name, m.Classification)
			}
		}
		if rep.Verdict == judge.Promote && 2*noData >= len(rep.Metrics) {
			t.Fatalf("promoted with %d of %d metrics without data", noData, len(rep.Metrics))
		}
		if rep.Verdict == judge.Promote && *rep.Score < cfg.Scoring.Pass {
			t.Fatalf("promoted with score %v below %v", *rep.Score, cfg.Scoring.Pass)
		}
	})
}
