// Package analysis holds verdict's pure statistics: the Mann–Whitney U test,
// the Hodges–Lehmann shift and its confidence interval, and descriptive statistics.
//
// Every function is a plain function over []float64 that does no I/O. Results
// match R 4.2.2's wilcox.test; see testdata/oracle for the generator and golden file.
package analysis
