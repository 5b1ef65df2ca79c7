package live

import (
	"testing"
	"time"
)

func TestExponentialHandle(t *testing.T) {
	draw := ExponentialHandle(10 * time.Second)
	var sum time.Duration
	const n = 20000
	for i := 0; i < n; i++ {
		d := draw()
		if d < 0 {
			t.Fatalf("negative handle time %v", d)
		}
		sum += d
	}
	// The mean of 20,000 exponential draws is within 3% of the mean with
	// overwhelming probability (standard error 0.7%).
	if mean := sum / n; mean < 9700*time.Millisecond || mean > 10300*time.Millisecond {
		t.Fatalf("mean handle time %v, want about 10s", mean)
	}
}
