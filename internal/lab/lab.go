// Package lab runs real HTTP services instrumented with client_golang and an
// open-loop load generator, for tests that judge live instances through a scraping Prometheus.
package lab

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Service describes one instance: its request latency is log-normal with
// median Median and log-scale σ Sigma, multiplied by Slowdown (1.5 makes it
// 50% slower; 0 means 1), and a share ErrorRate of its requests fail with 500.
// Seed makes its draws reproducible (each request still takes real time).
type Service struct {
	Median    time.Duration
	Sigma     float64
	Slowdown  float64
	ErrorRate float64
	Seed      uint64
}

// Healthy is the lab's service: a 20 ms median, σ = 0.5 (p99 ≈ 64 ms), 0.5% errors.
func Healthy(seed uint64) Service {
	return Service{Median: 20 * time.Millisecond, Sigma: 0.5, ErrorRate: 0.005, Seed: seed}
}

// Path is where an instance serves requests; /metrics serves its metrics.
const Path = "/work"

// Start serves s on addr ("127.0.0.1:0" for a free port) until stop is
// called: Path answers requests after spending their latency (a sleep plus
// a little hashing), /metrics exposes the instance's own registry —
// http_request_duration_seconds (a histogram with client_golang's default
// buckets) and http_requests_total{code, method} — the names Prometheus'
// client libraries use. stop closes the listener and waits for requests in
// flight; it returns the first error of Shutdown.
func Start(addr string, s Service) (url string, stop func() error, err error) {
	if s.Median <= 0 || s.Sigma < 0 || s.ErrorRate < 0 || s.ErrorRate > 1 || s.Slowdown < 0 {
		return "", nil, fmt.Errorf("lab: invalid service %+v: median must be positive, sigma and slowdown not negative, error rate in [0, 1]", s)
	}
	if s.Slowdown == 0 {
		s.Slowdown = 1
	}
	reg := prometheus.NewRegistry()
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time spent serving HTTP requests.",
		Buckets: prometheus.DefBuckets,
	}, nil)
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests served, by status code and method.",
	}, []string{"code", "method"})
	reg.MustRegister(duration, requests)

	h := &handler{s: s, rng: rand.New(rand.NewPCG(s.Seed, 0x1ab))}
	mux := http.NewServeMux()
	mux.Handle(Path, promhttp.InstrumentHandlerDuration(duration, promhttp.InstrumentHandlerCounter(requests, h)))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("lab: listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stopErr = srv.Shutdown(ctx)
			if err := <-served; !errors.Is(err, http.ErrServerClosed) && stopErr == nil {
				stopErr = err
			}
		})
		return stopErr
	}
	return "http://" + l.Addr().String(), stop, nil
}

type handler struct {
	s   Service
	mu  sync.Mutex
	rng *rand.Rand
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	z, u := h.rng.NormFloat64(), h.rng.Float64()
	h.mu.Unlock()
	d := time.Duration(float64(h.s.Median) * h.s.Slowdown * math.Exp(h.s.Sigma*z))
	work(r.URL.RawQuery)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	if u < h.s.ErrorRate {
		http.Error(w, "injected failure", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintln(w, "ok")
}

// work is the request's real CPU work: a few rounds of hashing (a few µs).
func work(seed string) [32]byte {
	sum := sha256.Sum256([]byte(seed))
	for range 16 {
		sum = sha256.Sum256(sum[:])
	}
	return sum
}

// Stats counts what a load generator did to one target.
type Stats struct {
	Sent    int64 // requests started
	Failed  int64 // transport errors and non-2xx answers
	Dropped int64 // arrivals skipped because Concurrency requests were in flight
}

// Load sends open-loop traffic to each target (an instance's base URL):
// Poisson arrivals at Rate requests a second, independent per target, at
// most Concurrency requests in flight per target (an arrival finding them
// all busy is dropped, not queued, so a slow target cannot slow the
// arrivals). It runs until ctx is done, waits for requests in flight, and
// returns each target's counts in targets' order.
func Load(ctx context.Context, rate float64, concurrency int, seed uint64, targets ...string) []Stats {
	stats := make([]Stats, len(targets))
	if rate <= 0 || concurrency <= 0 {
		return stats
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	for i, target := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			arrivals(ctx, client, rate, concurrency, rand.New(rand.NewPCG(seed, uint64(i))), target+Path, &stats[i])
		}()
	}
	wg.Wait()
	return stats
}

// arrivals runs one target's Poisson arrival process until ctx is done.
func arrivals(ctx context.Context, client *http.Client, rate float64, concurrency int, rng *rand.Rand, url string, st *Stats) {
	slots := make(chan struct{}, concurrency)
	var inflight sync.WaitGroup
	defer inflight.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	next := time.Now()
	for n := 0; ; n++ {
		// Arrival times are kept on an absolute schedule, so time spent
		// starting requests does not slow the process down.
		next = next.Add(time.Duration(rng.ExpFloat64() / rate * float64(time.Second)))
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			atomic.AddInt64(&st.Dropped, 1)
			continue
		}
		atomic.AddInt64(&st.Sent, 1)
		inflight.Add(1)
		go func(n int) {
			defer func() { <-slots; inflight.Done() }()
			if !get(context.WithoutCancel(ctx), client, fmt.Sprintf("%s?n=%d", url, n)) {
				atomic.AddInt64(&st.Failed, 1)
			}
		}(n)
	}
}

// get sends one request and reports whether it was answered with a 2xx.
func get(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode/100 == 2
}
