// Command labservice runs one lab instance (internal/lab) as its own
// process: it prints "listening on URL" and serves until SIGTERM or SIGINT.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/verdict-ci/verdict/internal/lab"
)

func main() {
	s := lab.Healthy(1)
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.DurationVar(&s.Median, "median", s.Median, "median request latency")
	flag.Float64Var(&s.Sigma, "sigma", s.Sigma, "log-scale spread of the latency")
	flag.Float64Var(&s.Slowdown, "slowdown", 1, "latency multiplier (1.5: 50% slower)")
	flag.Float64Var(&s.ErrorRate, "errors", s.ErrorRate, "share of requests that fail with 500")
	flag.Uint64Var(&s.Seed, "seed", s.Seed, "seed of the latency and failure draws")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "labservice: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	url, stop, err := lab.Start(*addr, s)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("listening on", url)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "labservice:", err)
		os.Exit(1)
	}
}
