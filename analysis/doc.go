// Package analysis holds verdict's pure statistics: rank tests (two-sample and one-sample wilcox.test with
// their intervals), block lengths, Holm, counts (poisson.test, dispersion), sequential tests, descriptive stats.
//
// Every function is a plain function over []float64 that does no I/O. Results
// match R 4.2.2's wilcox.test and poisson.test; see testdata/oracle for the generators and golden files.
package analysis
