package server

import (
	"net/http"
	"net/http/pprof"
	"runtime"
)

// servePprof adds Go's profiles to the metrics listener's mux ([http]
// pprof): CPU (/debug/pprof/profile?seconds=N), heap, goroutines, and the
// block and mutex profiles, sampled from now on (one blocking event per
// 10 µs spent blocked, one contended lock in 10).
func servePprof(mux *http.ServeMux) {
	runtime.SetBlockProfileRate(10_000)
	runtime.SetMutexProfileFraction(10)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
