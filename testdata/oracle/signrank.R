# signrank.R writes the golden file of verdict's one-sample oracle to stdout:
#   Rscript testdata/oracle/signrank.R > testdata/oracle/signrank.json
# R 4.2.2's one-sample wilcox.test (the paired test on block means), its
# confidence interval (tol.root = 1e-12), psignrank/qsignrank, block means
# and p.adjust(p, "holm"), on deterministic cases (set.seed). `make oracle`
# regenerates it and fails on drift. Doubles are printed with 17 significant
# digits, which round-trip exactly; NaN and NA are null.
options(warn = -1)

num <- function(v) {
  s <- sprintf("%.17g", v)
  s[is.na(v)] <- "null"
  s[is.infinite(v) & v > 0] <- "\"Inf\""
  s[is.infinite(v) & v < 0] <- "\"-Inf\""
  s
}
arr <- function(v) paste0("[", paste(num(v), collapse = ","), "]")
str <- function(s) paste0("\"", s, "\"")

cases <- list()
add <- function(name, x, mu = 0, conf = 0.95) {
  cases[[length(cases) + 1]] <<- list(name = name, x = x, mu = mu, conf = conf)
}

set.seed(20261201)
# exact: fewer than 50 nonzero, untied, no zero
add("exact-n1", 0.7)
add("exact-n2", c(-0.3, 1.1))
add("exact-n5", rnorm(5, 0.5))
add("exact-n6-98", rnorm(6), conf = 0.98)
add("exact-n7-98", rnorm(7, 1), conf = 0.98)
add("exact-n8-98", rnorm(8), conf = 0.98)
add("exact-n10", rnorm(10, 0.3))
add("exact-n12-90", rexp(12) - 0.5, conf = 0.9)
add("exact-n20-99", rnorm(20, 0.2), conf = 0.99)
add("exact-n30-80", rnorm(30), conf = 0.8)
add("exact-n49", rnorm(49, 0.1))
add("exact-negative", rnorm(15, -2))
add("exact-all-positive", rexp(9) + 0.1, conf = 0.98)
add("exact-scale-1e-6", 1e-6 * rnorm(25, 0.5))
add("exact-scale-1e6", 1e6 + 100 * rnorm(20))
# the exact/asymptotic boundary
add("boundary-n50", rnorm(50, 0.2))
add("boundary-49-plus-zero", c(rnorm(49, 0.2), 0))
# asymptotic without ties
add("asym-n60", rnorm(60, 0.3))
add("asym-n120-98", rnorm(120, 0.1), conf = 0.98)
add("asym-n240-98", rnorm(240), conf = 0.98)
add("asym-lognormal-diff-500", rlnorm(500, log(200), 0.3) - rlnorm(500, log(195), 0.3), conf = 0.98)
add("asym-n2000", rnorm(2000, 0.05), conf = 0.95)
# ties and zeros (asymptotic even when small)
add("ties-small", c(1, -1, 2, 2, 3, -3, 4))
add("ties-rounded-20", round(rnorm(20, 0.5), 1), conf = 0.9)
add("ties-rounded-40-98", round(rnorm(40, 0.2)), conf = 0.98)
add("zeros-small", c(0, 0, 1.5, -0.5, 2.5, 3.5))
add("zeros-and-ties", c(0, 1, 1, -1, 2, 0, 3, 3, -2))
add("zeros-many-60", ifelse(runif(60) < 0.5, 0, round(rnorm(60, 0.3), 1)), conf = 0.98)
add("integers-100", sample(-3:5, 100, TRUE), conf = 0.99)
add("ties-abs-only", c(-1, 1, -2, 2, 3, -4, 5, 6))
# one nonzero value left, constant nonzero values: R has no interval
add("one-nonzero-with-zeros", c(0, 0, 3))
add("constant-nonzero", rep(2.5, 8))
add("constant-nonzero-60", rep(-1, 60))
add("all-zero", rep(0, 10))
add("all-zero-one", 0)
# requested confidence not achievable (small exact n)
add("unachievable-n3-95", c(0.4, 1.2, -0.1))
add("unachievable-n4-98", c(0.4, 1.2, -0.1, 2.2), conf = 0.98)
add("unachievable-n5-99", rnorm(5), conf = 0.99)
add("unachievable-ties-n4-99", c(1, 1, 2, -3), conf = 0.99)
add("unachievable-zeros-n3-98", c(0, 1, 2, -0.5), conf = 0.98)
# no alpha < 1 brackets a root: the interval is median(x) twice and the
# estimate (a root of the uncorrected score) lies outside it
add("collapsed-ties-3", c(-18, -18, -17.75), conf = 244 / 258)
add("collapsed-ties-6", c(rep(-18, 5), -17.75), conf = 244 / 258)
# a value near 1e300: R's uniroot stops after 1000 steps, not converged
add("nonconverged-1e300", c(-18, -8, -18, -17.75, -13.5, -9.25, -18, -18, -8, -18, -8, -8, -8, 1e300, -8, -18),
    conf = 198 / 258)
# the judge's margin forms: wilcox.test(dbar, mu = delta) = wilcox.test(dbar - delta)
d <- rnorm(12, 0.8)
add("margin-exact-mu", d, mu = 0.5)
add("margin-exact-mu-negative", d, mu = -0.5)
d <- rnorm(80, 2)
add("margin-asym-mu", d, mu = 1.5, conf = 0.98)
add("margin-asym-mu-negative", d, mu = -1.5, conf = 0.98)
add("margin-creates-zero", c(0.5, 1, 1.5, 2, 2.5, 3), mu = 1.5)
add("margin-float-shift", c(0.3, 0.6, 0.9, 1.2, 0.1, 0.7), mu = 0.1)
# small random batteries, tied and untied, where W is flat around the estimate
for (i in 1:50) {
  n <- sample(c(1:15, 20, 30, 49, 50, 51, 70), 1)
  shape <- i %% 5
  g <- switch(shape + 1, round(rnorm(n, 0.3)), round(rnorm(n, 0.2), 1), rnorm(n, 0.4),
              sample(c(-2, -1, 0, 1, 2, 3), n, TRUE) / 4, round(rexp(n) - 0.7, 2))
  add(sprintf("random-%02d", i), g, mu = sample(c(0, 0, 0.25, -0.1), 1),
      conf = sample(c(0.8, 0.9, 0.95, 0.98, 0.99), 1))
}

one <- function(cs) {
  x <- cs$x
  alts <- c("two.sided", "greater", "less")
  tests <- lapply(alts, function(a) wilcox.test(x, mu = cs$mu, alternative = a))
  p <- sapply(tests, function(t) t$p.value)
  stat <- unname(tests[[1]]$statistic)
  method <- if (grepl("exact", tests[[1]]$method)) "exact" else "asymptotic"
  r <- tryCatch(wilcox.test(x, conf.int = TRUE, conf.level = cs$conf, tol.root = 1e-12),
                error = function(e) NULL)
  if (is.null(r)) {
    ci <- c(NaN, NaN); est <- NaN; lvl <- NaN; cimethod <- "error"
  } else {
    ci <- as.numeric(r$conf.int); est <- unname(r$estimate); lvl <- attr(r$conf.int, "conf.level")
    cimethod <- if (grepl("exact", r$method)) "exact" else "asymptotic"
  }
  paste0("{\"name\":", str(cs$name), ",\"x\":", arr(x), ",\"mu\":", num(cs$mu),
         ",\"conf\":", num(cs$conf), ",\"statistic\":", num(stat),
         ",\"n\":", sum(x - cs$mu != 0),
         ",\"p\":{\"two.sided\":", num(p[1]), ",\"greater\":", num(p[2]), ",\"less\":", num(p[3]), "}",
         ",\"method\":", str(method),
         ",\"conf_int\":", arr(ci), ",\"estimate\":", num(est), ",\"conf_level\":", num(lvl),
         ",\"ci_method\":", str(cimethod), "}")
}

# psignrank / qsignrank spot values
ps <- character()
for (n in c(1, 2, 5, 8, 20, 49)) {
  u <- n * (n + 1) / 2
  for (q in unique(round(c(0, 1, 2, u / 10, u / 4, u / 2, 3 * u / 4, u - 2, u - 1, u)))) {
    ps <- c(ps, paste0("{\"n\":", n, ",\"q\":", num(q), ",\"lower\":", num(psignrank(q, n)),
                       ",\"upper\":", num(psignrank(q, n, lower.tail = FALSE)), "}"))
  }
}
qs <- character()
for (n in c(1, 3, 8, 20, 49)) {
  for (pr in c(0.005, 0.01, 0.025, 0.05, 0.1, 0.9, 0.95)) {
    qs <- c(qs, paste0("{\"n\":", n, ",\"p\":", num(pr), ",\"q\":", qsignrank(pr, n), "}"))
  }
}

# p.adjust(p, "holm")
holm <- list(
  c(0.01), c(0.04, 0.01, 0.03), c(0.5, 0.5, 0.01, 0.5), c(0.001, 0.001, 0.2, 0.9, 0.049),
  c(1e-300, 0.3, 1, 0.02), runif(12), runif(50)^4, c(0.2, 0.1, 0.1, 0.05, 0.3, 0.05))
hs <- sapply(holm, function(p) paste0("{\"p\":", arr(p), ",\"adjusted\":", arr(p.adjust(p, "holm")), "}"))

# block means: R's mean over consecutive blocks of L, the last shorter block dropped
blocks <- list(list(x = rnorm(240), L = 7), list(x = 1e6 + rnorm(100), L = 3),
               list(x = cumsum(rnorm(61)) / 3, L = 12), list(x = c(0.1, 0.2, 0.3, 0.4, 0.5), L = 2),
               list(x = rlnorm(50), L = 1), list(x = rnorm(10), L = 10), list(x = rnorm(9), L = 10))
bs <- sapply(blocks, function(b) {
  k <- length(b$x) %/% b$L
  m <- if (k == 0) numeric(0) else sapply(seq_len(k), function(i) mean(b$x[((i - 1) * b$L + 1):(i * b$L)]))
  paste0("{\"x\":", arr(b$x), ",\"L\":", b$L, ",\"means\":", arr(m), "}")
})

cat("{\"r_version\":", str(paste(R.version$major, R.version$minor, sep = ".")), ",\n", sep = "")
cat("\"cases\":[\n", paste(sapply(cases, one), collapse = ",\n"), "\n],\n", sep = "")
cat("\"psignrank\":[\n", paste(ps, collapse = ",\n"), "\n],\n", sep = "")
cat("\"qsignrank\":[\n", paste(qs, collapse = ",\n"), "\n],\n", sep = "")
cat("\"holm\":[\n", paste(hs, collapse = ",\n"), "\n],\n", sep = "")
cat("\"blocks\":[\n", paste(bs, collapse = ",\n"), "\n]}\n", sep = "")
