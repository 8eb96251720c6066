# verdict — build, test and benchmark.
# `make test` is the one test command (README, .ci/run). As root on Debian it
# installs the packages the oracle and integration tests use.

GO       ?= go
PKGS     := ./...
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 10000x

.PHONY: all build test unit deps oracle fuzz lint bench bench-compare bench-load bench-bigbody bench-validity bench-fastpaths bench-watch demo clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/verdict ./cmd/verdict

deps:
	@scripts/deps.sh

## test: everything — deps, lint (gofmt, vet, staticcheck), unit + oracle + integration tests, the race detector on the concurrent packages, oracle drift, brief fuzzing.
test: deps lint
	VERDICT_TEST_STRICT=1 $(GO) test -count=1 $(PKGS)
	VERDICT_TEST_STRICT=1 $(GO) test -count=1 -race ./judge ./metrics
	$(MAKE) --no-print-directory oracle
	$(MAKE) --no-print-directory fuzz

## unit: the Go tests alone, no installs.
unit:
	$(GO) test $(PKGS)

## oracle: regenerate the R golden file when R is present and fail on drift.
oracle:
	@if command -v Rscript >/dev/null 2>&1; then \
	  Rscript testdata/oracle/gen.R > /tmp/verdict-oracle.json && \
	  diff -q testdata/oracle/wilcox.json /tmp/verdict-oracle.json >/dev/null || \
	  { echo "oracle: testdata/oracle/wilcox.json drifted from R's output (Rscript testdata/oracle/gen.R)"; exit 1; }; \
	  Rscript testdata/oracle/signrank.R > /tmp/verdict-oracle-signrank.json && \
	  diff -q testdata/oracle/signrank.json /tmp/verdict-oracle-signrank.json >/dev/null || \
	  { echo "oracle: testdata/oracle/signrank.json drifted from R's output (Rscript testdata/oracle/signrank.R)"; exit 1; }; \
	  echo "oracle: golden file matches R $$(Rscript -e 'cat(R.version$$major, R.version$$minor, sep=".")')"; \
	else echo "oracle: Rscript missing, drift check NOT run" >&2; fi
	@if command -v Rscript >/dev/null 2>&1; then \
	  Rscript testdata/oracle/poisson.R > /tmp/verdict-oracle-poisson.json && \
	  diff -q testdata/oracle/poisson.json /tmp/verdict-oracle-poisson.json >/dev/null || \
	  { echo "oracle: testdata/oracle/poisson.json drifted from R's output (Rscript testdata/oracle/poisson.R)"; exit 1; }; \
	  echo "oracle: poisson.json matches R"; fi

## fuzz: run every fuzz target briefly (FUZZTIME each).
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)
	@$(GO) run ./scripts/longfuncs . >/tmp/verdict-longfuncs.txt || { cat /tmp/verdict-longfuncs.txt; echo "longfuncs: a function over 80 lines gives no reason (a doc comment line starting with Long:)"; exit 1; }

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

## bench-compare: analysis vs R's wilcox.test and scipy on the same data, side by side.
bench-compare: deps
	@scripts/bench-compare.sh

## bench-prom: verdict judge vs its 200 range queries alone on a real Prometheus (time ratio, peak RSS).
bench-prom: deps
	@scripts/bench-prom.sh

## bench-watch: simulated A/A and regressed rollouts through verdict watch (replayed) beside a naive repeated judge: false aborts and time to detect.
bench-watch:
	@scripts/bench-watch.sh

## bench-load: verdict judge over 1,000 series and 1,000 ratio metrics of the same sample count on a real Prometheus, from recordings and in memory, side by side: time and peak RSS (≤ 300 MB).
bench-load: deps
	@scripts/bench-load.sh

## bench-bigbody: peak RSS of verdict judge when every answer is a 300 MB body (MB=…): must stay ≤ 1 GB.
bench-bigbody:
	@scripts/bench-bigbody.sh

## bench-validity: simulated A/A and regressed canaries judged through bin/verdict: share that promotes / is inconclusive / aborts, default config vs revision 1's test.
VALIDITY_RUNS ?= 200
bench-validity: build
	$(GO) run ./scripts/validity -bin bin/verdict -runs $(VALIDITY_RUNS) -v $(VALIDITY_FLAGS)

## lab: the live lab alone — seven real service processes, a real Prometheus scraping them, the documented configs judging every pair (docs/lab.md; LAB_WINDOW, LAB_RATE, LAB_SEED).
.PHONY: lab
lab:
	VERDICT_TEST_STRICT=1 $(GO) test -count=1 -run TestLabIdenticalServices -v ./examples

## bench-fastpaths: each hand-written fast path against the plain version it replaces, side by side (docs/performance.md).
FASTPATH_COUNT ?= 5
bench-fastpaths:
	$(GO) test -run '^$$' -bench 'SortFloats|CountWalk|SignedRankEval|SignedRankCIPlain|SignedRankCIBracket|ParseSample|RangeDecode|RecordingCodec|SkipPoints|FastPoint|RankAt|NextDifference|SketchSelect|SelectKth|SignedRankKernels|CheckBody|SeriesPrep|LabelKey' -count $(FASTPATH_COUNT) ./analysis ./metrics ./judge

demo:
	$(GO) run ./cmd/verdict judge -c examples/checkout/canary.yaml

clean:
	rm -rf bin
