package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/verdict-ci/verdict/judge"
)

var updateHTML = flag.Bool("update-html", false, "rewrite report/testdata/html golden files and docs/report-screenshot.png")

// writeReportFile renders r as HTML into dir and returns its file:// URL.
func writeReportFile(t *testing.T, dir, name string, r *judge.Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := HTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + path
}

// pageFacts is what the browser tests read from the rendered DOM.
type pageFacts struct {
	Sections, TS, Dist, Charts int
	Scripts, Images, Links     int
	Resources                  int
	IDs, UniqueIDs             int
	Labelled                   int // charts whose aria-labelledby targets exist and have text
	Painted                    int // charts laid out with a real size
	BodyBG, BaselineStroke     string
	CanaryStroke               string
}

const pageFactsJS = `(() => {
  const q = s => document.querySelectorAll(s);
  const charts = [...q('figure.chart > svg')];
  const ids = [...q('[id]')].map(e => e.id);
  const stroke = v => { const p = document.querySelector('figure.chart-ts path[style*="var(--' + v + ')"]'); return p ? getComputedStyle(p).stroke : ''; };
  return {
    Sections: q('section.metric').length,
    TS: q('section.metric figure.chart-ts > svg').length,
    Dist: q('section.metric figure.chart-dist > svg').length,
    Charts: charts.length,
    Scripts: document.scripts.length,
    Images: q('img, image, iframe, object, embed').length,
    Links: q('link').length,
    Resources: performance.getEntriesByType('resource').length,
    IDs: ids.length,
    UniqueIDs: new Set(ids).size,
    Labelled: charts.filter(s => (s.getAttribute('aria-labelledby') || '').split(' ').every(id => { const e = document.getElementById(id); return e && e.textContent.trim().length > 0; })).length,
    Painted: charts.filter(s => { const r = s.getBoundingClientRect(); return r.width > 200 && r.height > 80; }).length,
    BodyBG: getComputedStyle(document.body).backgroundColor,
    BaselineStroke: stroke('baseline'),
    CanaryStroke: stroke('canary'),
  };
})()`

// TestHTMLInChromium loads reports from disk in headless chromium with the
// network refused: no console error, one time-series and one distribution
// chart per metric, painted in the palette, dark mode and print working,
// hostile names shown as text; it takes screenshots.
func TestHTMLInChromium(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b := startBrowser(t, ctx)
	dir := t.TempDir()

	t.Run("harness sees errors", func(t *testing.T) {
		// The checks below pass on "no problem": prove the harness would see one.
		bad := filepath.Join(dir, "bad.html")
		page := `<!DOCTYPE html><title>bad</title><script>console.error("boom")</script><img src="http://example.com/x.png">`
		if err := os.WriteFile(bad, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		mark := len(b.events)
		b.navigate("file://" + bad)
		var n int
		b.eval(`document.scripts.length`, &n)
		got := problemsSince(b, mark)
		if !containsAll(strings.Join(got, "\n"), "boom") || len(got) < 2 {
			t.Fatalf("the harness missed the console error or the failed fetch; saw %q", got)
		}
	})

	r := sampleReport(8, 240)
	r.Warnings = []string{"metric error_rate_04 has fewer than 30 points in the baseline"}
	t.Run("sample report", func(t *testing.T) {
		mark := len(b.events)
		b.navigate(writeReportFile(t, dir, "report.html", r))
		var f pageFacts
		b.eval(pageFactsJS, &f)
		if p := problemsSince(b, mark); len(p) > 0 {
			t.Errorf("console/log problems: %q", p)
		}
		n := len(r.Metrics)
		if f.Sections != n || f.TS != n || f.Dist != n || f.Charts != 2*n {
			t.Errorf("want %d metric sections, each with one time-series and one distribution chart; got %+v", n, f)
		}
		if f.Scripts != 0 || f.Images != 0 || f.Links != 0 || f.Resources != 0 {
			t.Errorf("page is not self-contained: %+v", f)
		}
		if f.UniqueIDs != f.IDs {
			t.Errorf("duplicate ids: %d ids, %d unique", f.IDs, f.UniqueIDs)
		}
		if f.Labelled != 2*n || f.Painted != 2*n {
			t.Errorf("want all %d charts labelled and painted, got labelled %d, painted %d", 2*n, f.Labelled, f.Painted)
		}
		if f.BaselineStroke != "rgb(0, 114, 178)" || f.CanaryStroke != "rgb(230, 159, 0)" {
			t.Errorf("light palette: baseline %q, canary %q; want Okabe–Ito blue and orange", f.BaselineStroke, f.CanaryStroke)
		}
		checkPainted(t, b.screenshot(1280, 2400))

		// The documentation's screenshot: the same report without its
		// failed-query metric, whose empty charts would lead the page.
		show := sampleReport(8, 240)
		show.Warnings = r.Warnings
		show.Metrics = slices.Delete(show.Metrics, 3, 4)
		b.navigate(writeReportFile(t, dir, "showcase.html", show))
		shot := b.screenshot(1280, 2400)
		checkPainted(t, shot)
		savePNG(t, shot, filepath.Join(dir, "report-light.png"), "../docs/report-screenshot.png")

		b.call("Emulation.setEmulatedMedia", map[string]any{"features": []map[string]string{{"name": "prefers-color-scheme", "value": "dark"}}}, nil)
		b.eval(pageFactsJS, &f)
		if f.BodyBG != "rgb(20, 22, 26)" || f.BaselineStroke != "rgb(86, 180, 233)" {
			t.Errorf("dark mode: body %q, baseline %q; want rgb(20, 22, 26) and sky blue", f.BodyBG, f.BaselineStroke)
		}
		savePNG(t, b.screenshot(1280, 2400), filepath.Join(dir, "report-dark.png"), "")

		b.call("Emulation.setEmulatedMedia", map[string]any{"media": "print", "features": []map[string]string{{"name": "prefers-color-scheme", "value": "dark"}}}, nil)
		b.eval(pageFactsJS, &f)
		if f.BodyBG != "rgb(255, 255, 255)" || f.BaselineStroke != "rgb(0, 114, 178)" {
			t.Errorf("print (from dark mode): body %q, baseline %q; want white paper and the light palette", f.BodyBG, f.BaselineStroke)
		}
		b.call("Emulation.setEmulatedMedia", map[string]any{"media": "", "features": []map[string]string{}}, nil)
		var pdf struct{ Data string }
		b.call("Page.printToPDF", map[string]any{"printBackground": true}, &pdf)
		raw, err := base64.StdEncoding.DecodeString(pdf.Data)
		if err != nil || !bytes.HasPrefix(raw, []byte("%PDF")) || len(raw) < 10000 {
			t.Errorf("printing to PDF gave %d bytes (err %v)", len(raw), err)
		}
		if p := problemsSince(b, mark); len(p) > 0 {
			t.Errorf("console/log problems after dark mode and print: %q", p)
		}
	})

	t.Run("hostile names are text", func(t *testing.T) {
		h := hostileReport()
		mark := len(b.events)
		b.navigate(writeReportFile(t, dir, "hostile.html", h))
		if p := problemsSince(b, mark); len(p) > 0 {
			t.Errorf("console/log problems (a script ran or was blocked): %q", p)
		}
		var got struct {
			Scripts, Handlers int
			Name, Query       string
			Title, Reason     string
		}
		b.eval(`(() => ({
		  Scripts: document.scripts.length,
		  Handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
		  Name: document.querySelector('section.metric .mname').textContent,
		  Query: document.querySelector('section.metric .queries code').textContent,
		  Title: document.querySelector('section.metric figure svg title').textContent,
		  Reason: document.querySelector('section.metric .reason').textContent,
		}))()`, &got)
		m := h.Metrics[0]
		if got.Scripts != 0 || got.Handlers != 0 {
			t.Errorf("markup from the report became live: %d scripts, %d event handlers", got.Scripts, got.Handlers)
		}
		if got.Name != m.Name || got.Query != m.Baseline.Query || got.Reason != m.Reason || !strings.Contains(got.Title, m.Name) {
			t.Errorf("hostile text not shown verbatim:\n name %q\n query %q\n reason %q\n title %q", got.Name, got.Query, got.Reason, got.Title)
		}
	})
}

// hostileReport is a one-metric report whose name, query, reason and
// warning try to inject markup.
func hostileReport() *judge.Report {
	r := sampleReport(1, 60)
	m := &r.Metrics[0]
	m.Name = `<script>console.error("name ran")</script>"quoted" & 'single' </title><img src=x onerror=console.error(1)>`
	m.Baseline.Query = `rate(x{a="</code><script>console.error('query ran')</script>"}[5m]) &amp; <b>bold</b>`
	m.Reason = `<img src=x onerror="console.error('reason ran')"> & "more"`
	m.Group = `"><svg onload=console.error(2)>`
	r.Reason = m.Reason
	r.Warnings = []string{`<style>body{display:none}</style> & warning`}
	return r
}

// problemsSince returns the problems recorded after event index mark.
func problemsSince(b *browser, mark int) []string {
	all := b.events
	b.events = all[mark:]
	p := b.problems()
	b.events = all
	return p
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// checkPainted asserts a screenshot shows both series colours.
func checkPainted(t *testing.T, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	near := func(c [3]uint32, want [3]uint32) bool {
		for i := range c {
			d := int(c[i]) - int(want[i])
			if d < -24 || d > 24 {
				return false
			}
		}
		return true
	}
	var blue, orange int
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			c := [3]uint32{r >> 8, g >> 8, bb >> 8}
			if near(c, [3]uint32{0x00, 0x72, 0xB2}) {
				blue++
			}
			if near(c, [3]uint32{0xE6, 0x9F, 0x00}) {
				orange++
			}
		}
	}
	if blue < 500 || orange < 500 {
		t.Errorf("screenshot %v shows %d baseline-blue and %d canary-orange pixels; the charts did not paint", bounds.Size(), blue, orange)
	}
}

// savePNG keeps a screenshot in the test's temp dir and, with -update-html,
// refreshes the committed copy at repoPath.
func savePNG(t *testing.T, shot []byte, tmpPath, repoPath string) {
	t.Helper()
	if err := os.WriteFile(tmpPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", tmpPath)
	if *updateHTML && repoPath != "" {
		if _, _, err := image.DecodeConfig(bytes.NewReader(shot)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(repoPath, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
