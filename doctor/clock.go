package doctor

import (
	"fmt"
	"time"
)

// clock measures ages against this machine's clock. Lease renewTimes are
// the holders' clocks: one that runs ahead gives a renewTime in this
// machine's future, whose age is said as none, and the disagreement is
// said once.
type clock struct {
	now time.Time
	// ahead is the most a renewTime is in this machine's future, beyond
	// ClockMargin; aheadOf counts such holders.
	ahead   time.Duration
	aheadOf int
}

func newClock(now time.Time, c *census) clock {
	k := clock{now: now}
	for _, l := range c.leases {
		if d := l.RenewTime.Sub(now); !l.RenewTime.IsZero() && d > ClockMargin {
			k.aheadOf++
			k.ahead = max(k.ahead, d)
		}
	}
	return k
}

// since is how long ago t was; 0 for a time in this machine's future.
func (k clock) since(t time.Time) time.Duration {
	return max(k.now.Sub(t), 0)
}

// ago says how long ago t was, in seconds: "13s ago", "just now".
func (k clock) ago(t time.Time) string {
	d := k.since(t).Round(time.Second)
	if d == 0 {
		return "just now"
	}
	return d.String() + " ago"
}

func (k clock) describe() string {
	s := fmt.Sprintf("this machine's clock (%s UTC) against the renewTimes the holders wrote; leases count as stale %s past their duration",
		k.now.UTC().Format(time.RFC3339), ClockMargin)
	if k.aheadOf > 0 {
		s += fmt.Sprintf("; %d holder(s) wrote renewTimes up to %s in this machine's future: their clocks, or this one, are off, and such ages count as none",
			k.aheadOf, k.ahead.Round(time.Second))
	}
	return s
}
