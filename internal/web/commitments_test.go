package web

import (
	"regexp"
	"strings"
	"testing"

	"github.com/plateau-cc/plateau/internal/model"
)

// TestCommitmentsPageShell: /commitments is the shell with its module, its
// print stylesheet sets an A4 page, and the keys the module builds at run
// time (kinds, statuses, columns, bases, reasons) exist in both languages.
func TestCommitmentsPageShell(t *testing.T) {
	body := get(t, Handler(), "/commitments").Body.String()
	for _, want := range []string{`<script type="module" src="/static/commitments.js"></script>`, `data-i18n="cm.title"`, `data-i18n="cm.heading"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/commitments lacks %s:\n%s", want, body)
		}
	}
	css, err := files.ReadFile("static/commitments.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"@page { size: A4;", "@media print", "header.top, .skip, .cm-controls, .cm-drill, .cm-noprint { display: none !important; }"} {
		if !strings.Contains(string(css), want) {
			t.Errorf("commitments.css lacks %q", want)
		}
	}
	js, err := files.ReadFile("static/commitments.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `href: "/static/commitments.css"`) {
		t.Error("commitments.js does not load its stylesheet")
	}
	en, fr := dictionary(t, "en"), dictionary(t, "fr")
	var keys []string
	for _, k := range model.CommitmentKinds {
		keys = append(keys, "cm.kind."+string(k))
	}
	// The statuses and bases internal/commitment sends, and the reasons a
	// day was not open.
	for _, s := range []string{"met", "not_met", "no_data"} {
		keys = append(keys, "cm.status."+s)
	}
	for _, s := range []string{"rollups", "contacts", "rollups+contacts", "schedules", "recordings"} {
		keys = append(keys, "cm.basis."+s)
	}
	for _, s := range []string{"holiday", "closed", "hours"} {
		keys = append(keys, "cm.reason."+s)
	}
	// The columns, from the module's lists.
	for prefix, re := range map[string]*regexp.Regexp{
		"cm.col.":   regexp.MustCompile(`\[("commitment"[^\]]+)\]\.map\(\(k\) => h\("th"`),
		"cm.drill.": regexp.MustCompile(`\[("id"[^\]]+)\]\.map\(\(k\) =>`),
	} {
		m := re.FindSubmatch(js)
		if m == nil {
			t.Fatalf("commitments.js: no list for %s", prefix)
		}
		for _, q := range regexp.MustCompile(`"([a-z_]+)"`).FindAllSubmatch(m[1], -1) {
			keys = append(keys, prefix+string(q[1]))
		}
	}
	for _, m := range regexp.MustCompile(`\[("day"[^\]]+)\]`).FindSubmatch(js)[1:] {
		for _, q := range regexp.MustCompile(`"([a-z_]+)"`).FindAllSubmatch(m, -1) {
			keys = append(keys, "cm.drill."+string(q[1]))
		}
	}
	if len(keys) < 35 {
		t.Errorf("only %d built keys found: the scan is broken", len(keys))
	}
	for _, k := range keys {
		if en[k] == "" || fr[k] == "" {
			t.Errorf("the commitments page builds the key %q, missing in en.js or fr.js", k)
		}
	}
	for _, k := range []string{"admin.section.commitments", "home.commitments"} {
		if en[k] == "" || fr[k] == "" {
			t.Errorf("%s missing", k)
		}
	}
}
