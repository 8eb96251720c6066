package config

import "math"

// Steps is the number of points a step-aligned range query from
// Window.Start to Window.End (both included) returns per series:
// floor((End-Start)/Step)+1, or 0 when the window or step is empty.
func (c *Config) Steps() int {
	w := c.Window
	if w.Step <= 0 || w.End.Before(w.Start) {
		return 0
	}
	return int(w.End.Sub(w.Start)/w.Step) + 1
}

// Directions says which changes fail m: inc for an increase, dec for a
// decrease. An unset FailOn means Either.
func (m Metric) Directions() (inc, dec bool) {
	switch m.FailOn {
	case Increase:
		return true, false
	case Decrease:
		return false, true
	}
	return true, true
}

// Of is the margin in the metric's units for a baseline median: Value when
// absolute, Value × |baselineMedian| when relative.
func (m Margin) Of(baselineMedian float64) float64 {
	if m.Relative {
		return m.Value * math.Abs(baselineMedian)
	}
	return m.Value
}

// String is the margin as written ("10%", "0.05"), or its value.
func (m Margin) String() string {
	if m.Text != "" {
		return m.Text
	}
	if m.Relative {
		return formatFloat(m.Value*100) + "%"
	}
	return formatFloat(m.Value)
}
