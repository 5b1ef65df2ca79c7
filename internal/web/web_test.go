package web

import (
	"encoding/json"
	"github.com/plateau-cc/plateau/internal/model"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	return w
}

// embedded lists every embedded file with its content.
func embedded(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The pages that share a shell, as served: what they refer to and
	// the keys they use are checked like the files'.
	for _, p := range Pages() {
		if p.app != nil {
			b, err := p.render()
			if err != nil {
				t.Fatal(err)
			}
			out[renderedPrefix+p.Path] = string(b)
		}
	}
	return out
}

// renderedPrefix names a rendered page among the embedded files.
const renderedPrefix = "rendered "

func TestPagesServedAsHTML(t *testing.T) {
	h := Handler()
	for _, target := range []string{"/", "/try/demo", "/try/demo-sales", "/agent", "/wallboard", "/wallboard?tenant=2", "/reports", "/reports?tenant=2&tab=ewt", "/admin"} {
		w := get(t, h, target)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d", target, w.Code)
			continue
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", target, ct)
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q", target, csp)
		}
		if !strings.Contains(w.Body.String(), "<!doctype html>") || !strings.Contains(w.Body.String(), `<html lang="en">`) {
			t.Errorf("GET %s: not a page:\n%s", target, w.Body.String())
		}
	}
	if body := get(t, h, "/try/demo-sales").Body.String(); !strings.Contains(body, `<script src="/widget.js" data-entry="demo-sales" async></script>`) {
		t.Errorf("the demo page does not embed the widget for its entry point:\n%s", body)
	}
	for _, target := range []string{"/nope", "/try/Not%20A%20Slug", "/try/a%22b", "/agent/x", "/static/", "/static/nope.js", "/static/../web.go", "/static/i18n", "/index.html"} {
		if w := get(t, h, target); w.Code != http.StatusNotFound && w.Code != http.StatusMethodNotAllowed && w.Code != http.StatusMovedPermanently && w.Code != http.StatusTemporaryRedirect {
			t.Errorf("GET %s: %d, want 404", target, w.Code)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/agent", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /agent: %d, want 405", w.Code)
	}
}

func TestAssetsServedWithTheirTypes(t *testing.T) {
	h := Handler()
	want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	n := 0
	for name, content := range embedded(t) {
		rel, ok := strings.CutPrefix(name, "static/")
		if !ok {
			continue
		}
		n++
		w := get(t, h, "/static/"+rel)
		if w.Code != http.StatusOK {
			t.Errorf("GET /static/%s: %d", rel, w.Code)
			continue
		}
		if ct := w.Header().Get("Content-Type"); ct != want[path.Ext(rel)] {
			t.Errorf("GET /static/%s: Content-Type %q, want %q", rel, ct, want[path.Ext(rel)])
		}
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET /static/%s: headers %v", rel, w.Header())
		}
		if w.Body.String() != content {
			t.Errorf("GET /static/%s: body differs from the embedded file", rel)
		}
	}
	if n < 10 {
		t.Errorf("only %d static files embedded", n)
	}
	w := get(t, h, "/widget.js")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || !strings.Contains(w.Body.String(), "data-entry") {
		t.Errorf("GET /widget.js: %d %v", w.Code, w.Header())
	}
}

// refRE finds the references between the files: /static/x, ./x.js
// imports and /widget.js.
var refRE = regexp.MustCompile(`(?:/static/|\./)([a-z0-9_/-]+\.(?:js|css|svg))|/(widget\.js)`)

func TestEmbeddedFilesAllReferenced(t *testing.T) {
	all := embedded(t)
	referenced := map[string]bool{}
	for _, p := range Pages() {
		if _, ok := all[p.File]; !ok {
			t.Errorf("page %s: %s is not embedded", p.Path, p.File)
		}
		referenced[p.File] = true
		if p.app != nil {
			referenced[renderedPrefix+p.Path] = true
		}
	}
	for name, content := range all {
		for _, m := range refRE.FindAllStringSubmatch(content, -1) {
			target := m[1]
			if target == "" {
				target = m[2]
			}
			target = "static/" + target
			if _, ok := all[target]; !ok {
				t.Errorf("%s refers to %s, which is not embedded", name, target)
				continue
			}
			if target != name {
				referenced[target] = true
			}
		}
	}
	for name := range all {
		if !referenced[name] {
			t.Errorf("%s is embedded but nothing refers to it", name)
		}
	}
}

// dictionary parses one of the i18n modules: a comment line, then
// "export default" and a JSON object whose lines may be // comments.
func dictionary(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := files.ReadFile("static/i18n/" + lang + ".js")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "export default ")
	if i < 0 {
		t.Fatalf("%s.js: no export default", lang)
	}
	s = strings.TrimSuffix(strings.TrimSpace(s[i+len("export default "):]), ";")
	// Line comments head each area's block of keys.
	lines := strings.Split(s, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			kept = append(kept, l)
		}
	}
	s = strings.Join(kept, "\n")
	var d map[string]string
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		t.Fatalf("%s.js is not a JSON object after export default: %v", lang, err)
	}
	return d
}

var (
	// Keys named in the markup and code: data-i18n="k", "data-i18n": "k",
	// data-i18n-attr pairs and t("k").
	keyRE  = regexp.MustCompile(`data-i18n"?(?:=|: )"([a-z0-9_.]+)"|\bt\("([a-z0-9_.]+)"`)
	attrRE = regexp.MustCompile(`data-i18n-attr"?(?:=|: )"([^"]+)"`)
	// Other literal keys (maps of codes to keys): "namespace.key".
	literalRE = regexp.MustCompile(`"([a-z]+\.[a-z0-9_]+)"`)
)

func TestDictionariesMatch(t *testing.T) {
	en, fr := dictionary(t, "en"), dictionary(t, "fr")
	for k, v := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("key %q is in en.js but not in fr.js", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("en.js: %q is empty", k)
		}
	}
	for k, v := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q is in fr.js but not in en.js", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("fr.js: %q is empty", k)
		}
	}
	namespaces := map[string]bool{}
	for k := range en {
		namespaces[strings.SplitN(k, ".", 2)[0]] = true
	}
	used := map[string]bool{}
	for name, content := range embedded(t) {
		if strings.HasPrefix(name, "static/i18n/") {
			continue
		}
		for _, m := range keyRE.FindAllStringSubmatch(content, -1) {
			used[m[1]+m[2]] = true
		}
		for _, m := range attrRE.FindAllStringSubmatch(content, -1) {
			for _, pair := range strings.Fields(m[1]) {
				_, key, ok := strings.Cut(pair, ":")
				if !ok {
					t.Errorf("%s: data-i18n-attr %q is not attr:key", name, pair)
				}
				used[key] = true
			}
		}
		for _, m := range literalRE.FindAllStringSubmatch(content, -1) {
			if namespaces[strings.SplitN(m[1], ".", 2)[0]] && !strings.HasSuffix(m[1], ".js") && !strings.HasSuffix(m[1], ".css") {
				used[m[1]] = true
			}
		}
	}
	var missing []string
	for k := range used {
		if _, ok := en[k]; !ok {
			missing = append(missing, k)
		}
	}
	slices.Sort(missing)
	for _, k := range missing {
		t.Errorf("key %q is used but not in the dictionaries", k)
	}
	if len(used) < 50 {
		t.Errorf("only %d keys found in use: the scan is broken", len(used))
	}
}

func TestFavicon(t *testing.T) {
	h := Handler()
	for _, target := range []string{"/favicon.ico", "/static/favicon.svg"} {
		w := get(t, h, target)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(w.Body.String(), "<svg") {
			t.Errorf("GET %s: %d %s", target, w.Code, w.Header().Get("Content-Type"))
		}
	}
	if w := get(t, h, "/agent"); !strings.Contains(w.Body.String(), `rel="icon" href="/static/favicon.svg"`) {
		t.Error("the pages do not name their icon")
	}
}

// TestHomeLinksEveryPage: the home page is the navigation; every page of
// the shell is linked from it.
func TestHomeLinksEveryPage(t *testing.T) {
	home := get(t, Handler(), "/").Body.String()
	n := 0
	for _, p := range Pages() {
		if p.app == nil {
			continue
		}
		n++
		if !strings.Contains(home, `href="`+p.Path+`"`) {
			t.Errorf("the home page does not link to %s", p.Path)
		}
	}
	if n < 4 {
		t.Errorf("only %d shell pages", n)
	}
}

// TestReportsPageShell: /reports is the shell with the reports module and
// its own title, and the module's definitions exist in both languages for
// every tab it shows (keys built at run time, which the scan above cannot
// see).
func TestReportsPageShell(t *testing.T) {
	body := get(t, Handler(), "/reports").Body.String()
	for _, want := range []string{`<script type="module" src="/static/reports.js"></script>`, `data-i18n="rep.title"`, `data-i18n="rep.heading"`, `aria-live="polite"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/reports lacks %s:\n%s", want, body)
		}
	}
	js, err := files.ReadFile("static/reports.js")
	if err != nil {
		t.Fatal(err)
	}
	en, fr := dictionary(t, "en"), dictionary(t, "fr")
	// The keys the module builds: tabs, presets, groups, definitions and
	// the columns' default labels.
	lists := map[string]*regexp.Regexp{
		"rep.tab.":    regexp.MustCompile(`const tabs = \[([^\]]+)\]`),
		"rep.preset.": regexp.MustCompile(`const presets = \[([^\]]+)\]`),
		"rep.group.":  regexp.MustCompile(`const groups = \[([^\]]+)\]`),
	}
	var keys []string
	for prefix, re := range lists {
		m := re.FindSubmatch(js)
		if m == nil {
			t.Fatalf("reports.js: no list for %s", prefix)
		}
		for _, q := range regexp.MustCompile(`"([a-z_]+)"`).FindAllSubmatch(m[1], -1) {
			keys = append(keys, prefix+string(q[1]))
		}
	}
	for _, m := range regexp.MustCompile(`\b(?:def|drill)?:? ?"([a-z_]+)"`).FindAllSubmatch(regexp.MustCompile(`(?s)const defsOf = \{.*?\n\};`).Find(js), -1) {
		keys = append(keys, "rep.def."+string(m[1]), "rep.def_title."+string(m[1]))
	}
	for _, m := range regexp.MustCompile(`col\("([a-z_0-9]+)", "[a-z0-9]+"(?:\)|, null)`).FindAllSubmatch(js, -1) {
		keys = append(keys, "rep."+string(m[1]))
	}
	for _, m := range regexp.MustCompile(`def: "([a-z_]+)"`).FindAllSubmatch(js, -1) {
		keys = append(keys, "rep.def."+string(m[1]))
	}
	if len(keys) < 60 {
		t.Errorf("only %d built keys found in reports.js: the scan is broken", len(keys))
	}
	for _, k := range keys {
		if en[k] == "" || fr[k] == "" {
			t.Errorf("reports.js builds the key %q, missing in en.js or fr.js", k)
		}
	}
}

// Every message key the server's validation errors carry is translated,
// so that the pages say them in the reader's language.
func TestValidationMessagesTranslated(t *testing.T) {
	en, fr := dictionary(t, "en"), dictionary(t, "fr")
	for _, k := range model.ValidationKeys() {
		for lang, d := range map[string]map[string]string{"en": en, "fr": fr} {
			if d["verr."+k] == "" {
				t.Errorf("%s.js has no verr.%s", lang, k)
			}
		}
	}
}
