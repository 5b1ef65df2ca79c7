// Package web is Plateau's user interface, served by the same binary: the
// home page, the customer chat widget (one script tag on a brand's site)
// and its demo page, the agent desktop, the supervisor wallboard and the
// admin pages. Everything is plain HTML, CSS and JavaScript modules
// embedded with go:embed; there is no build step and no framework. The
// pages talk to the live WebSockets (/chat/{entry}/ws, /agent/ws) and to the
// REST API (/api/v1); strings come from one dictionary per language
// (static/i18n/en.js, static/i18n/fr.js).
package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/plateau-cc/plateau/internal/model"
)

//go:embed pages static
var files embed.FS

// Page is one HTML page of the interface and the path it is served at.
type Page struct {
	Path string // ServeMux pattern without the method, e.g. "/wallboard"
	File string // embedded file, e.g. "pages/wallboard.html"
}

// Pages lists the pages the handler serves, in the home page's order.
func Pages() []Page {
	return []Page{
		{Path: "/{$}", File: "pages/index.html"},
		{Path: "/try/{entry}", File: "pages/try.html"},
		{Path: "/agent", File: "pages/agent.html"},
		{Path: "/wallboard", File: "pages/wallboard.html"},
		{Path: "/admin", File: "pages/admin.html"},
	}
}

// maxEntryLen bounds a chat entry point's address in a page's path.
const maxEntryLen = 64

// contentType is the media type of an embedded file by its extension; ""
// for a file of another kind, which is not served.
func contentType(ext string) string {
	switch ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return ""
}

// pageCSP is the Content-Security-Policy of Plateau's own pages: only
// Plateau's scripts, styles and connections.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Handler serves the pages, the widget script and the static assets. Mount
// it at "/" (and "GET /agent", which the agent WebSocket's subtree would
// otherwise redirect); it answers 404 to anything else.
func Handler() http.Handler {
	mux := http.NewServeMux()
	for _, p := range Pages() {
		if p.File == "pages/try.html" {
			continue
		}
		mux.Handle("GET "+p.Path, servePage(p.File))
	}
	tryTmpl := template.Must(template.ParseFS(files, "pages/try.html"))
	mux.HandleFunc("GET /try/{entry}", func(w http.ResponseWriter, r *http.Request) {
		entry := r.PathValue("entry")
		if len(entry) > maxEntryLen || !model.ValidSlug(entry) {
			http.NotFound(w, r)
			return
		}
		var buf bytes.Buffer
		if err := tryTmpl.Execute(&buf, map[string]string{"Entry": entry}); err != nil {
			http.Error(w, "render the demo page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		pageHeaders(w)
		w.Write(buf.Bytes())
	})
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(fmt.Sprintf("web: static files: %v", err)) // the embed directive guarantees the folder
	}
	mux.Handle("GET /widget.js", serveAsset(static, "widget.js"))
	mux.HandleFunc("GET /static/{file...}", func(w http.ResponseWriter, r *http.Request) {
		serveAsset(static, r.PathValue("file")).ServeHTTP(w, r)
	})
	return mux
}

func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", contentType(".html"))
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-cache")
}

func servePage(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := files.ReadFile(name)
		if err != nil {
			http.Error(w, "read page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		pageHeaders(w)
		w.Write(b)
	})
}

// serveAsset serves one static file. Assets may be loaded by a brand's
// page (the widget and what it imports), hence the open CORS header: they
// hold no secret.
func serveAsset(static fs.FS, name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := contentType(path.Ext(name))
		ok := ct != ""
		if !ok || strings.Contains(name, "..") || !fs.ValidPath(name) {
			http.NotFound(w, r)
			return
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ct)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "no-cache")
		w.Write(b)
	})
}
