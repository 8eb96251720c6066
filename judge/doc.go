// Package judge turns baseline and canary samples into a verdict: it
// classifies each metric, scores groups, and explains every decision in words.
package judge
