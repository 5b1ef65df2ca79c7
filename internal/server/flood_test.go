//go:build linux

package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// floodFiles is the open-files limit (soft and hard) of the flooded server.
const floodFiles = 256

// TestSIPFloodChild is the server TestIdleSIPFloodKeepsServing floods: it
// runs only as that test's child process, under a low open-files limit.
func TestSIPFloodChild(t *testing.T) {
	if os.Getenv("PLATEAU_FLOOD_CHILD") == "" {
		t.Skip("the child process of TestIdleSIPFloodKeepsServing")
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: floodFiles, Max: floodFiles}); err != nil {
		t.Fatalf("lower the open files limit: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }() // the parent closes stdin to stop us
	cfg := Defaults()
	cfg.HTTP, cfg.Data = "127.0.0.1:0", os.Getenv("PLATEAU_FLOOD_DATA")
	cfg.SIP.Addr = "127.0.0.1:0"
	cfg.SIP.ReadTimeout = Duration{time.Second}
	// JSON at debug level, as --log-json --log-level debug: the parent
	// checks that sipgo's own lines come through it.
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	StartProcess(logger)
	srv, err := Open(ctx, cfg, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDRS %s %s\n", srv.Addr(), srv.SIP.Addr())
	err = srv.Run(ctx)
	fmt.Printf("RUN ENDED %v\n", err)
}

// About twice as many idle TCP connections to the SIP port as the server
// may open files: it keeps serving HTTP and SIP (the idle connections are
// closed after the read timeout, accepts failing meanwhile are retried).
func TestIdleSIPFloodKeepsServing(t *testing.T) {
	if os.Getenv("PLATEAU_FLOOD_CHILD") != "" {
		t.Skip("in the child")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIPFloodChild$", "-test.v")
	cmd.Env = append(os.Environ(), "PLATEAU_FLOOD_CHILD=1", "PLATEAU_FLOOD_DATA="+t.TempDir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var out syncBuffer
	addrs := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			out.Write([]byte(line + "\n"))
			if f, ok := strings.CutPrefix(line, "ADDRS "); ok {
				addrs <- strings.Fields(f)
			}
		}
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("server stdout:\n%s\nserver stderr (end):\n%s", out.String(), tail(stderr.String(), 3000))
		}
	})
	var httpAddr, sipAddr string
	select {
	case a := <-addrs:
		httpAddr, sipAddr = a[0], a[1]
	case <-exited:
		t.Fatal("the server exited before serving")
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	// 400 idle connections from 8 addresses (50 each: under the per-source
	// cap, so that the server runs out of files first).
	var conns []net.Conn
	for i := range 400 {
		src := netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + i%8)})
		d := net.Dialer{LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(src, 0)), Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", sipAddr)
		if err != nil {
			t.Logf("connection %d: %v", i, err)
			break
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if len(conns) < floodFiles {
		t.Fatalf("only %d connections opened", len(conns))
	}
	// HTTP answers, and SIP over UDP and over a new TCP connection.
	deadline := time.Now().Add(20 * time.Second)
	check := func(what string, ok func() error) {
		t.Helper()
		var err error
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				t.Fatalf("%s: the server exited", what)
			default:
			}
			if err = ok(); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: %v", what, err)
	}
	client := http.Client{Timeout: 2 * time.Second}
	check("HTTP /healthz", func() error {
		res, err := client.Get("http://" + httpAddr + "/healthz")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	})
	for _, network := range []string{"udp", "tcp"} {
		check("SIP OPTIONS over "+network, func() error { return sipOptions(network, sipAddr) })
	}
	select {
	case <-exited:
		t.Fatal("the server exited")
	default:
	}
	// A response matching no transaction (sipgo logs it), then stop: every
	// line the server logged is its logger's JSON, sipgo's at debug level.
	stray, err := net.Dial("udp", sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(stray, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-stray\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\n"+
		"To: <sip:b@127.0.0.1>;tag=2\r\nCall-ID: stray-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", stray.LocalAddr())
	stray.Close()
	time.Sleep(300 * time.Millisecond)
	stdin.Close()
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not stop")
	}
	sipgoLines := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("a log line not in the server's JSON format: %q", tail(line, 300))
			continue
		}
		if rec["part"] == "sipgo" {
			sipgoLines++
			if rec["level"] != "DEBUG" {
				t.Errorf("sipgo logged at %v: %q", rec["level"], tail(line, 300))
			}
		}
	}
	if sipgoLines == 0 {
		t.Error("no sipgo line in the server's log")
	}
}

// sipOptions sends an OPTIONS and wants 200 OK.
func sipOptions(network, addr string) error {
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	local := c.LocalAddr().String()
	tp := strings.ToUpper(network)
	msg := "OPTIONS sip:1000@" + addr + ";transport=" + network + " SIP/2.0\r\nVia: SIP/2.0/" + tp + " " + local + ";branch=z9hG4bK-fl" +
		fmt.Sprint(time.Now().UnixNano()) + "\r\nFrom: <sip:probe@127.0.0.1>;tag=fl\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: flood-" +
		fmt.Sprint(time.Now().UnixNano()) + "\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(msg)); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(buf[:n], []byte("SIP/2.0 200")) {
		return fmt.Errorf("got %q", buf[:min(n, 40)])
	}
	return nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
