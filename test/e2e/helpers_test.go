// Package e2e holds end-to-end tests: the real plateau binary in its own
// processes, real sockets, real databases.
package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// plateauBinary builds cmd/plateau once for the package.
func plateauBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "plateau-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "plateau")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/plateau").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running plateau process.
type server struct {
	cmd   *exec.Cmd
	base  string // http://host:port
	token string // platform admin token printed by the demo
	done  chan struct{}
	logs  *strings.Builder
	logMu sync.Mutex // guards logs
	outMu sync.Mutex
	out   []string // stdout lines
}

var (
	reBase  = regexp.MustCompile(`Plateau demo on (http://\S+)`)
	reToken = regexp.MustCompile(`admin API token (plt_\S+)`)
)

// startDemo runs `plateau demo` with args and waits until it prints its
// address and token.
func startDemo(t *testing.T, args ...string) *server {
	t.Helper()
	// SIP on a free port and no past unless args say otherwise (a later
	// flag wins): the tests count today's contacts.
	cmd := exec.Command(plateauBinary(t), append([]string{"demo", "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0", "--history", "0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{}), logs: &strings.Builder{}}
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		s.logMu.Lock()
		defer s.logMu.Unlock()
		return s.logs.Write(p)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			s.outMu.Lock()
			s.out = append(s.out, line)
			s.outMu.Unlock()
			if m := reBase.FindStringSubmatch(line); m != nil {
				s.base = m[1]
			}
			if m := reToken.FindStringSubmatch(line); m != nil {
				s.token = m[1]
				close(found)
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case <-found:
	case <-s.done:
		t.Fatalf("plateau demo exited early:\n%s", s.logString())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("plateau demo did not start:\n%s", s.logString())
	}
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			// The server's last words, to tell why.
			lines := strings.Split(strings.TrimSpace(s.logString()), "\n")
			t.Logf("plateau demo's last %d log lines:\n%s", min(len(lines), 60), strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	return s
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// kill ends the process with SIGKILL: no graceful step at all.
// logString returns what the server logged so far.
func (s *server) logString() string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.logs.String()
}

func (s *server) kill() {
	select {
	case <-s.done:
	default:
		s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) ws(path string) string { return "ws" + strings.TrimPrefix(s.base, "http") + path }

// api calls the REST API with the admin token.
func (s *server) api(t *testing.T, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// postgresDSN returns a DSN on a fresh schema of the test server, dropped
// at the end; it skips (or fails under CI) when there is no server.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("PLATEAU_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", dsn)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("PLATEAU_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL required but unavailable: %v", err)
		}
		t.Skipf("PostgreSQL unavailable: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "plt_e2e_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		db.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// waitLine waits for a stdout line matching re and returns its submatches.
func (s *server) waitLine(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s.outMu.Lock()
		for _, l := range s.out {
			if m := re.FindStringSubmatch(l); m != nil {
				s.outMu.Unlock()
				return m
			}
		}
		s.outMu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no output line matches %s", re)
	return nil
}

// missingTool ends a test that needs a program from Debian's packages that
// is not installed: it skips, except under CI, where scripts/test-deps.sh
// should have installed it and the test fails.
func missingTool(t *testing.T, name string) {
	t.Helper()
	if ci := os.Getenv("CI"); ci == "true" || ci == "1" {
		t.Fatalf("%s is required under CI: run scripts/test-deps.sh (apt-get install %s)", name, name)
	}
	t.Skipf("%s is not installed (scripts/test-deps.sh installs it)", name)
}
