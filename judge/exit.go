package judge

// Exit codes (SPEC §2): the one table the CLI and Verdict.ExitCode share.
const (
	ExitPromote      = 0 // promote
	ExitAbort        = 1 // abort: the canary is worse or is missing data
	ExitUsage        = 2 // usage or config error; nothing was queried
	ExitInconclusive = 3 // inconclusive; a `check --online` finding
	ExitError        = 4 // error: a query, the data or an output failed
)
