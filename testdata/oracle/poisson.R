# poisson.R writes the golden file of the count tests' oracle to stdout:
#   Rscript testdata/oracle/poisson.R > testdata/oracle/poisson.json
# Each case is R 4.2.2's own poisson.test(c(xc, xb), T = c(nc, nb), r = r)
# for the three alternatives, with the two-sided rate-ratio interval at conf,
# so the Go tests run without R. `make oracle` regenerates it and fails on
# drift. Doubles are printed with 17 significant digits (they round-trip);
# non-finite values as the strings "Inf", "-Inf" and "NaN"; a case R refuses
# carries R's error message instead of figures.
options(warn = -1)

num <- function(v) {
  s <- sprintf("%.17g", v)
  s[is.nan(v)] <- "\"NaN\""
  s[is.infinite(v) & v > 0] <- "\"Inf\""
  s[is.infinite(v) & v < 0] <- "\"-Inf\""
  s
}
str <- function(s) paste0("\"", gsub("\"", "'", s), "\"")

cases <- list()
add <- function(name, xc, nc, xb, nb, r = 1, conf = 0.95) {
  cases[[length(cases) + 1]] <<- list(name = name, xc = xc, nc = nc, xb = xb, nb = nb, r = r, conf = conf)
}

# the issue's healthy canary: 3 vs 7 errors in about 6,000 requests a side
add("issue-3v7", 3, 6012, 7, 5987, conf = 0.98)
add("equal-5v5", 5, 1000, 5, 1000)
add("equal-rates-unequal-traffic", 10, 1000, 100, 10000)
add("one-each", 1, 1500, 0, 1500, conf = 0.98)
# margins on the rate ratio: allowed_increase 10% (r = 1.1), allowed_decrease 10% (r = 0.9)
add("margin-up-healthy", 60, 60000, 58, 60000, r = 1.1, conf = 0.98)
add("margin-up-worse", 90, 60000, 60, 60000, r = 1.1, conf = 0.98)
add("margin-down-healthy", 58, 60000, 60, 60000, r = 0.9, conf = 0.98)
add("margin-down-lower", 30, 60000, 60, 60000, r = 0.9, conf = 0.98)
add("margin-up-50pct", 12, 2000, 10, 2500, r = 1.5, conf = 0.9)
add("margin-down-50pct", 12, 2000, 10, 2500, r = 0.5, conf = 0.9)
add("margin-up-large", 5200, 2.6e6, 4800, 2.4e6, r = 1.05, conf = 0.99)
add("margin-down-large", 5200, 2.6e6, 4800, 2.4e6, r = 0.95, conf = 0.99)
# zeros: one side, the other, both
add("zero-canary", 0, 6000, 7, 6000, conf = 0.98)
add("zero-baseline", 7, 6000, 0, 6000, conf = 0.98)
add("zero-both", 0, 6000, 0, 6000, conf = 0.98)
add("zero-both-margin-up", 0, 6000, 0, 6000, r = 1.1)
add("zero-both-margin-down", 0, 6000, 0, 6000, r = 0.9)
add("zero-canary-margin-up", 0, 600, 40, 6000, r = 1.1)
add("zero-baseline-margin-down", 25, 6000, 0, 6000, r = 0.9)
# a side with no traffic: R answers (p is 0 or 1), the judge calls it nodata
add("no-canary-traffic", 0, 0, 7, 6000)
add("no-baseline-traffic", 3, 6000, 0, 0)
add("no-canary-traffic-with-events", 2, 0, 7, 6000)
# regressions the judge must catch
add("regression-2pct-vs-0.1pct", 1200, 60000, 60, 60000, conf = 0.98)
add("regression-2x", 200, 100000, 100, 100000, conf = 0.98)
add("regression-1.5x-small", 15, 10000, 10, 10000, conf = 0.98)
# a canary at a tenth of the baseline's traffic
add("tenth-traffic-healthy", 6, 6000, 60, 60000, conf = 0.98)
add("tenth-traffic-worse", 20, 6000, 60, 60000, conf = 0.98)
add("tenth-traffic-margin", 6, 6000, 60, 60000, r = 1.1, conf = 0.98)
# large counts: millions of requests, thousands of errors, and beyond
add("large-thousands", 4870, 2.41e6, 5031, 2.43e6, conf = 0.98)
add("large-ten-thousands", 31000, 1.2e7, 30000, 1.2e7, conf = 0.99)
add("large-success-counts", 2.1e6, 2.2e6, 1.9e6, 2e6, conf = 0.98)
add("large-extreme", 5000, 1e6, 100, 1e6, conf = 0.98)
add("underflow", 0, 1e6, 5000, 1e6)
add("lopsided-traffic", 3, 1e3, 30000, 1e9)
# exact ties of the two-sided rule (symmetric p = 1/2, relErr)
add("tie-symmetric-2v8", 2, 500, 8, 500)
add("tie-symmetric-8v2", 8, 500, 2, 500)
add("tie-expected-exactly", 4, 100, 4, 100, r = 1)
add("tie-margin-exact", 11, 1000, 10, 1000, r = 1.1)
# confidence levels
for (cf in c(0.8, 0.9, 0.95, 0.98, 0.99, 0.999)) add(sprintf("conf-%g", cf), 17, 12000, 9, 11000, conf = cf)
# a battery of random cases: error rates from 0.01% to 5%, traffic from 100 to 10^6
set.seed(20261201)
for (i in 1:40) {
  nb <- round(10^runif(1, 2, 6)); nc <- round(nb * sample(c(0.1, 0.5, 1, 1, 2), 1))
  rate <- 10^runif(1, -4, log10(0.05)); k <- sample(c(1, 1, 1.2, 2, 0.5), 1)
  add(sprintf("random-%02d", i), rpois(1, nc * rate * k), nc, rpois(1, nb * rate), nb,
      r = sample(c(1, 1, 1.1, 0.9, 1.25), 1), conf = sample(c(0.9, 0.95, 0.98, 0.99), 1))
}
# the counts of the ratio scenarios cmd/verdict's Prometheus test backfills
# (ratio_e2e_test.go; an hour of counters every 15 s judged at 60 s steps),
# worked out by hand from the fixture's increments
add("prom-reset", 120, 36120, 60, 36060, conf = 0.98)          # the canary restarts at 00:30:15
add("prom-appear", 87, 54087, 60, 36060, conf = 0.98)          # a second canary instance from 00:30
add("prom-no-numerator", 0, 36000, 3, 36003, conf = 0.98)      # the canary has no 5xx series
add("prom-one-side-no-traffic", 0, 0, 60, 36060, conf = 0.98)  # the judge says nodata
add("prom-tenth", 6, 3606, 60, 36060, conf = 0.98)             # the canary at a tenth of the traffic
add("prom-tenth-margin", 6, 3606, 60, 36060, r = 1.1, conf = 0.98)
add("prom-regression", 240, 36240, 60, 36060, conf = 0.98)     # four times the errors
# what R refuses
add("error-no-traffic", 3, 0, 7, 0)
add("error-negative-count", -1, 6000, 7, 6000)
add("error-fractional-count", 2.5, 6000, 7, 6000)
add("error-negative-total", 3, -6000, 7, 6000)
add("error-negative-r", 3, 6000, 7, 6000, r = -1)
add("error-infinite-count", Inf, 6000, 7, 6000)
add("prom-no-traffic", 0, 0, 0, 0, conf = 0.98)                # both sides without traffic: nodata

one <- function(cs) {
  head <- paste0("{\"name\":", str(cs$name), ",\"xc\":", num(cs$xc), ",\"nc\":", num(cs$nc),
                 ",\"xb\":", num(cs$xb), ",\"nb\":", num(cs$nb), ",\"r\":", num(cs$r), ",\"conf\":", num(cs$conf))
  res <- tryCatch({
    alts <- c("two.sided", "greater", "less")
    p <- sapply(alts, function(a) poisson.test(c(cs$xc, cs$xb), T = c(cs$nc, cs$nb), r = cs$r, alternative = a)$p.value)
    ci <- poisson.test(c(cs$xc, cs$xb), T = c(cs$nc, cs$nb), conf.level = cs$conf)
    paste0(",\"p\":{\"two.sided\":", num(p[1]), ",\"greater\":", num(p[2]), ",\"less\":", num(p[3]), "}",
           ",\"estimate\":", num(unname(ci$estimate)),
           ",\"conf_int\":[", paste(num(as.numeric(ci$conf.int)), collapse = ","), "]}")
  }, error = function(e) paste0(",\"error\":", str(conditionMessage(e)), "}"))
  paste0(head, res)
}

cat("{\"r_version\":", str(paste(R.version$major, R.version$minor, sep = ".")), ",\n", sep = "")
cat("\"cases\":[\n", paste(sapply(cases, one), collapse = ",\n"), "\n]}\n", sep = "")
