// Package analysis holds verdict's pure statistics: the Mann–Whitney U test,
// the Hodges–Lehmann shift and its confidence interval, and descriptive statistics;
// for count metrics, counter increases, R's poisson.test and the dispersion of per-step counts.
//
// Every function is a plain function over []float64 that does no I/O. Results
// match R 4.2.2's wilcox.test and poisson.test; see testdata/oracle for the generators and golden files.
package analysis
