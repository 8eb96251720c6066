# gen.R writes the golden file of verdict's statistics oracle to stdout:
#   Rscript testdata/oracle/gen.R > testdata/oracle/wilcox.json
# Every case is generated deterministically (set.seed) and recorded with the
# output of R's own wilcox.test, so the Go tests run without R. `make oracle`
# regenerates it and fails on drift. Doubles are printed with 17 significant
# digits, which round-trip exactly.
options(warn = -1)

num <- function(v) {
  s <- sprintf("%.17g", v)
  s[is.na(v)] <- "null"
  s
}
arr <- function(v) paste0("[", paste(num(v), collapse = ","), "]")
str <- function(s) paste0("\"", s, "\"")

cases <- list()
add <- function(name, x, y, conf = 0.95, delta = 0) {
  cases[[length(cases) + 1]] <<- list(name = name, x = x, y = y, conf = conf, delta = delta)
}

set.seed(20240601)
# tiny exact samples (continuous, no ties)
add("tiny-3v4", rnorm(3), rnorm(4))
add("tiny-5v5-shift", rnorm(5, 1), rnorm(5))
add("tiny-7v10", rnorm(7), rnorm(10, 0.5), conf = 0.9)
add("tiny-10v8", rexp(10), rexp(8), conf = 0.99)
add("tiny-6v3", runif(6), runif(3), conf = 0.98)
add("tiny-1v1", 2.5, 1.25)
add("exact-integer-diff-ties", c(1, 4, 9, 16), c(2, 3, 10, 12, 20), conf = 0.9)
# ties
add("ties-rounded-20v25", round(rnorm(20), 1), round(rnorm(25, 0.3), 1))
add("ties-small", c(1, 2, 2, 3), c(2, 3, 4, 4, 5))
add("ties-endpoint", c(0, 0, 0, 1), c(0, 0, 0, 0, 1), conf = 0.99)
add("ties-heavy-integers", sample(0:3, 40, TRUE), sample(0:4, 45, TRUE), conf = 0.98)
# one side constant
add("const-x", rep(3, 20), rnorm(30, 3))
add("const-y-counts", rpois(20, 2), rep(0, 15))
add("single-canary", 5, rnorm(60, 5))
# unequal sizes
add("unequal-5v500", rnorm(5, 0.2), rnorm(500))
add("unequal-500v7", rlnorm(500), rlnorm(7), conf = 0.9)
# the exact boundary
add("boundary-49v49", rnorm(49), rnorm(49, 0.4))
add("boundary-49v50", rnorm(49), rnorm(50, 0.4))
add("boundary-50v49", rnorm(50), rnorm(49, 0.4), conf = 0.99)
add("boundary-50v50", rnorm(50), rnorm(50, 0.4))
add("boundary-49v49-ties", round(rnorm(49), 1), round(rnorm(49), 1))
# large
add("large-2000v2500-lognormal", rlnorm(2000, log(200), 0.3), rlnorm(2500, log(195), 0.3), conf = 0.98)
add("large-3000v3000-normal", rnorm(3000, 10.02), rnorm(3000, 10))
# latency-like
add("latency-300v300-5pct", rlnorm(300, log(210), 0.25), rlnorm(300, log(200), 0.25), conf = 0.98)
add("latency-rounded-ms", round(rlnorm(400, log(120), 0.4)), round(rlnorm(380, log(118), 0.4)), conf = 0.9)
# zero-inflated error ratios
zi <- function(n, p0, scale) ifelse(runif(n) < p0, 0, runif(n) * scale)
add("zero-inflated-500v500", zi(500, 0.9, 0.01), zi(500, 0.9, 0.01))
add("zero-inflated-1000v800", zi(1000, 0.97, 0.05), zi(800, 0.97, 0.02), conf = 0.98)
add("zero-inflated-200v200-sparse", zi(200, 0.99, 1), zi(200, 0.99, 1))
# integer counts
add("counts-100v120", rpois(100, 4), rpois(120, 5), conf = 0.99)
add("counts-30v35", rpois(30, 10), rpois(35, 10))
# scales
add("scale-1e-4", 1e-4 * (1 + rnorm(60) * 0.01), 1e-4 * (1 + rnorm(70) * 0.01))
add("scale-1e-4-exact", 1e-4 * (1 + rnorm(12) * 0.01), 1e-4 * (1 + rnorm(15) * 0.01), conf = 0.9)
add("scale-1e6", 1e6 + rnorm(80) * 100, 1e6 + rnorm(90) * 100 + 20, conf = 0.98)
add("scale-1e6-exact", 1e6 + rnorm(20) * 100, 1e6 + rnorm(25) * 100, conf = 0.99)
# negative values
add("negative-40v45", rnorm(40, -5), rnorm(45, -4.5))
add("negative-mixed-200v150", rnorm(200, -1, 3), rnorm(150, 0, 3), conf = 0.9)
# the judge's shifted tests: wilcox.test(x - delta, y, alternative = ...)
lx <- rlnorm(150, log(220), 0.2); ly <- rlnorm(160, log(200), 0.2)
add("judge-shift-latency", lx, ly, delta = 5)
add("judge-shift-latency-pct", lx, ly, delta = 0.1 * median(ly), conf = 0.98)
add("judge-shift-exact", rnorm(20, 1.5), rnorm(25), delta = 0.5)
add("judge-shift-errors", zi(300, 0.8, 0.02), zi(300, 0.9, 0.02), delta = 0.001)

# a battery of small random samples, mostly tied (rounded, few levels,
# zero-inflated), where R's root-finding lands on shared differences
for (i in 1:60) {
  m <- sample(c(1:12, 20, 49, 50, 60), 1); n <- sample(c(1:12, 20, 49, 50, 60), 1)
  shape <- i %% 6
  g <- function(k) switch(shape + 1, round(rnorm(k)), sample(0:2, k, TRUE), round(rlnorm(k), 1),
    ifelse(runif(k) < 0.8, 0, round(runif(k), 2)), rnorm(k), sample(c(-3, 0, 1, 5, 10), k, TRUE) / 4)
  x <- g(m) + sample(c(0, 0.5, 1), 1); y <- g(n)
  if (length(unique(x)) == 1 && length(unique(y)) == 1) next # R has no interval
  add(sprintf("random-%02d", i), x, y, conf = sample(c(0.8, 0.9, 0.95, 0.98, 0.99), 1))
}

# small exact samples where R finds the requested confidence not achievable
# (blocked Mann–Whitney on few block means), and ones just achievable
add("unachievable-2v3", c(1.3, 2.9), c(0.2, 1.1, 2.2))
add("unachievable-3v3-95", rnorm(3), rnorm(3))
add("unachievable-4v4-99", rnorm(4, 1), rnorm(4), conf = 0.99)
add("unachievable-5v4-98", rnorm(5), rnorm(4), conf = 0.98)
add("achievable-5v5-98", rnorm(5), rnorm(5), conf = 0.98)
add("blocks-8v8-98", rnorm(8, 0.5), rnorm(8), conf = 0.98)
add("blocks-7v6-98", rnorm(7), rnorm(6), conf = 0.98)
add("unachievable-1v6-90", 0.3, rnorm(6), conf = 0.9)

# all values equal: R has no answer (NaN p-value, error for conf.int); SPEC
# section 4 fixes P = 1 and estimate = interval = 0.
add("all-equal", rep(5, 10), rep(5, 12))
add("all-equal-zero", rep(0, 60), rep(0, 40))

one <- function(cs) {
  x <- cs$x - cs$delta
  y <- cs$y
  alts <- c("two.sided", "greater", "less")
  p <- sapply(alts, function(a) wilcox.test(x, y, alternative = a)$p.value)
  allEqual <- length(unique(c(x, y))) == 1
  if (allEqual) {
    stat <- sum(rank(c(x, y))[seq_along(x)]) - length(x) * (length(x) + 1) / 2
    p[] <- 1
    ci <- c(0, 0); est <- 0; method <- "asymptotic"; lvl <- cs$conf
  } else {
    r <- wilcox.test(x, y, conf.int = TRUE, conf.level = cs$conf, tol.root = 1e-12)
    stat <- unname(r$statistic)
    ci <- as.numeric(r$conf.int)
    lvl <- attr(r$conf.int, "conf.level")
    est <- median(outer(x, y, "-"))
    method <- if (grepl("exact", r$method)) "exact" else "asymptotic"
  }
  paste0("{\"name\":", str(cs$name),
         ",\"x\":", arr(cs$x), ",\"y\":", arr(cs$y), ",\"delta\":", num(cs$delta),
         ",\"conf\":", num(cs$conf), ",\"statistic\":", num(stat),
         ",\"p\":{\"two.sided\":", num(p[1]), ",\"greater\":", num(p[2]), ",\"less\":", num(p[3]), "}",
         ",\"conf_int\":", arr(ci), ",\"estimate\":", num(est), ",\"method\":", str(method), ",\"conf_level\":", num(lvl), "}")
}

# pwilcox / qwilcox spot values for the exact distribution
pw <- character()
for (mn in list(c(1, 1), c(3, 7), c(7, 3), c(10, 10), c(20, 35), c(49, 10), c(49, 49))) {
  m <- mn[1]; n <- mn[2]
  for (q in unique(round(c(0, 1, 2, m * n / 10, m * n / 4, m * n / 2, 3 * m * n / 4, m * n - 2, m * n)))) {
    pw <- c(pw, paste0("{\"m\":", m, ",\"n\":", n, ",\"q\":", num(q),
                       ",\"lower\":", num(pwilcox(q, m, n)), ",\"upper\":", num(pwilcox(q, m, n, lower.tail = FALSE)), "}"))
  }
}
qw <- character()
for (mn in list(c(3, 7), c(10, 10), c(20, 35), c(49, 49))) {
  # (not 0.5: at the exact median the answer hinges on the last bits of choose())
  for (pr in c(0.005, 0.01, 0.025, 0.05, 0.1, 0.95)) {
    qw <- c(qw, paste0("{\"m\":", mn[1], ",\"n\":", mn[2], ",\"p\":", num(pr), ",\"q\":", qwilcox(pr, mn[1], mn[2]), "}"))
  }
}

cat("{\"r_version\":", str(paste(R.version$major, R.version$minor, sep = ".")), ",\n", sep = "")
cat("\"cases\":[\n", paste(sapply(cases, one), collapse = ",\n"), "\n],\n", sep = "")
cat("\"pwilcox\":[\n", paste(pw, collapse = ",\n"), "\n],\n", sep = "")
cat("\"qwilcox\":[\n", paste(qw, collapse = ",\n"), "\n]}\n", sep = "")
