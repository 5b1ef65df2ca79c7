package server

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// TestBusyPortSaysWhichFlag: an address already taken is refused with the
// setting that changes it.
func TestBusyPortSaysWhichFlag(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--http", taken.Addr().String()}, "--http"},
		{[]string{"--http", "127.0.0.1:0", "--sip", udp.LocalAddr().String()}, "--sip"},
	} {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, err := Load(fs, append(tc.args, "--data", t.TempDir()), func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		s, err := Open(context.Background(), cfg, slog.New(slog.DiscardHandler), nil)
		if err == nil {
			s.Store.Close()
			t.Fatalf("%v: opened on a taken address", tc.args)
		}
		if !strings.Contains(err.Error(), "choose another address with "+tc.want) {
			t.Errorf("%v: %v, want a hint naming %s", tc.args, err, tc.want)
		}
	}
}
