// Package web is Plateau's user interface, served by the same binary: the
// home page, the customer chat widget (one script tag on a brand's site)
// and its demo page, the agent desktop, the supervisor wallboard, the
// reports and the admin pages. Everything is plain HTML, CSS and JavaScript modules
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
	File string // embedded file, e.g. "pages/index.html"
	app  *appPage
}

// appPage fills pages/app.html, the shell that the agent desktop, the
// wallboard and the admin pages share (their script builds the rest).
type appPage struct {
	Key            string // dictionary namespace of the title and heading
	Title, Heading string // in English until the script translates them
	Script         string // the page's module under /static/
	Live           string // politeness of the page's announcements
}

// Pages lists the pages the handler serves, in the home page's order.
func Pages() []Page {
	return []Page{
		{Path: "/{$}", File: "pages/index.html"},
		{Path: "/try/{entry}", File: "pages/try.html"},
		{Path: "/agent", File: "pages/app.html", app: &appPage{Key: "agent", Title: "Plateau agent desktop", Heading: "Agent desktop", Script: "agent.js", Live: "assertive"}},
		{Path: "/wallboard", File: "pages/app.html", app: &appPage{Key: "wb", Title: "Plateau wallboard", Heading: "Wallboard", Script: "wallboard.js", Live: "polite"}},
		{Path: "/reports", File: "pages/app.html", app: &appPage{Key: "rep", Title: "Plateau reports", Heading: "Reports", Script: "reports.js", Live: "polite"}},
		{Path: "/admin", File: "pages/app.html", app: &appPage{Key: "admin", Title: "Plateau administration", Heading: "Administration", Script: "admin.js", Live: "polite"}},
		{Path: "/barometer", File: "pages/app.html", app: &appPage{Key: "barometer", Title: "Plateau employment barometer", Heading: "Employment barometer", Script: "barometer.js", Live: "polite"}},
		{Path: "/palmares", File: "pages/app.html", app: &appPage{Key: "palmares", Title: "Plateau palmarès", Heading: "Palmarès", Script: "palmares.js", Live: "polite"}},
		{Path: "/invoices", File: "pages/app.html", app: &appPage{Key: "inv", Title: "Plateau invoices", Heading: "Invoices", Script: "invoices.js", Live: "polite"}},
	}
}

// render returns a page's HTML: its file, or the shell filled in.
func (p Page) render() ([]byte, error) {
	b, err := files.ReadFile(p.File)
	if err != nil || p.app == nil {
		return b, err
	}
	tmpl, err := template.New(p.File).Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", p.File, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p.app); err != nil {
		return nil, fmt.Errorf("render %s for %s: %w", p.File, p.Path, err)
	}
	return buf.Bytes(), nil
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
		b, err := p.render()
		if err != nil {
			panic(fmt.Sprintf("web: %v", err)) // embedded files and fixed data: the tests render every page
		}
		mux.Handle("GET "+p.Path, servePage(b))
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
	// Browsers ask for /favicon.ico whatever the page says.
	mux.Handle("GET /favicon.ico", serveAsset(static, "favicon.svg"))
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

func servePage(b []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
