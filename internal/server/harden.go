package server

import (
	"cmp"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// listen binds the web server's listener, within the connection caps of
// [http], and the metrics listener if [http] metrics_addr names one.
func (s *Server) listen() error {
	ln, err := net.Listen("tcp", s.cfg.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s: %w%s", s.cfg.HTTP, err, portHint(err, "--http (or PLATEAU_HTTP, http in the configuration file)"))
	}
	refused := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "plateau_http_connections_refused_total",
		Help: "HTTP connections closed on accept because a cap was reached (total or per address).",
	}, []string{"cap"})
	s.reg.MustRegister(refused)
	total, perAddr := s.cfg.Web.MaxConns, s.cfg.Web.MaxConnsPerAddress
	if total == 0 {
		total = defaultMaxConns()
	}
	if perAddr == 0 {
		perAddr = DefaultMaxConnsPerAddress
	}
	s.ln = newLimitListener(ln, total, perAddr, refused)
	if s.cfg.Web.MetricsAddr != "" {
		if s.metricsLn, err = net.Listen("tcp", s.cfg.Web.MetricsAddr); err != nil {
			s.ln.Close()
			return fmt.Errorf("listen for metrics on %s: %w", s.cfg.Web.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", s.metricsHandler())
		if s.cfg.Web.Pprof {
			servePprof(mux)
		}
		s.metrics = s.newHTTPServer(mux)
	}
	return nil
}

func (s *Server) closeListeners() {
	s.ln.Close()
	if s.metricsLn != nil {
		s.metricsLn.Close()
	}
}

// recordingsDir is where the SIP channel keeps recordings (as sipConfig).
func recordingsDir(data string) string {
	if data == "" {
		return ""
	}
	return filepath.Join(data, "recordings")
}

// defaultMaxConns is the total connection cap when [http] max_conns is
// not set: the open-files limit less a reserve for the database, SIP,
// recordings and the process's own files.
func defaultMaxConns() int {
	limit, ok := softOpenFilesLimit()
	if !ok {
		return DefaultMaxConns
	}
	return maxConnsFromLimit(limit)
}

func maxConnsFromLimit(limit uint64) int {
	const reserve = 256
	if limit > 1<<31 {
		limit = 1 << 31
	}
	if limit <= 2*reserve {
		return max(int(limit)/2, 1)
	}
	return int(limit) - reserve
}

// newHTTPServer returns an http.Server with the timeouts of [http]. There
// is no ReadTimeout or WriteTimeout on the whole request, which would cut
// the wallboard's event stream: bodies are bounded by bodyDeadline.
func (s *Server) newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cmp.Or(s.cfg.Web.ReadHeaderTimeout.Duration, DefaultReadHeaderTimeout),
		IdleTimeout:       cmp.Or(s.cfg.Web.IdleTimeout.Duration, DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// bodyDeadline gives a request's body d to arrive whole: a client sending
// its body slowly (or never) is cut off instead of holding the connection.
// Once the body is read the deadline is lifted, so the handler may take
// its time (a stream may last).
func bodyDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			rc := http.NewResponseController(w)
			if err := rc.SetReadDeadline(time.Now().Add(d)); err == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// metricsHandler serves the Prometheus series, behind [http]
// metrics_token when one is set.
func (s *Server) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.gatherer(), promhttp.HandlerOpts{})
	token := s.cfg.Web.MetricsToken
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="plateau metrics"`)
			http.Error(w, "metrics: send Authorization: Bearer <[http] metrics_token>", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
