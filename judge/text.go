package judge

// The number formats judge's reasons are written in, exported so that the
// renderers (report) write every number the way the reasons do.

// Num formats a value with 4 significant digits ("0.2013", "536.1M").
func Num(v float64) string { return num(v) }

// SignedPct formats a fraction as a signed percentage: "+12.4%", "−3.1%".
func SignedPct(f float64) string { return signedPct(f) }

// SignedNum formats a value with its sign and Num's digits: "+0.012", "−3".
func SignedNum(v float64) string { return signedNum(v) }

// PValue formats a p-value: two significant digits, "1.2e-05" below 1e-4.
func PValue(p float64) string { return pval(p) }

// Whole writes a count in full ("36060"), a non-whole total with Num's digits.
func Whole(v float64) string { return whole(v) }
