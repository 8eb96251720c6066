// Package judge turns baseline and canary samples into a verdict: it classifies each metric by its kind's test,
// scores groups, explains every decision in words, and watches a rollout with sequential tests (Watch).
package judge
