package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpExitsZero: asking a command for its help is not an error.
func TestHelpExitsZero(t *testing.T) {
	for name := range commands() {
		for _, flag := range []string{"--help", "-h"} {
			var out, errOut bytes.Buffer
			if code := Run(context.Background(), []string{name, flag}, &out, &errOut); code != 0 {
				t.Errorf("plateau %s %s: exit %d\n%s", name, flag, code, errOut.String())
			}
			if !strings.Contains(out.String()+errOut.String(), "-") {
				t.Errorf("plateau %s %s printed no flags", name, flag)
			}
		}
	}
	var out, errOut bytes.Buffer
	if code := Run(context.Background(), []string{"staff", "--no-such-flag"}, &out, &errOut); code != 2 {
		t.Errorf("an unknown flag: exit %d, want 2", code)
	}
}
