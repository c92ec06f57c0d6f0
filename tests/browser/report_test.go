package browser

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sections are the page's sections (internal/report.Sections, and its
// header), each of which must be on screen.
var sections = []string{"summary", "diagrams", "resources", "network", "capacity", "helm", "alarms", "policy", "diagnostics"}

// box is what the browser laid out for an element.
type box struct {
	ID         string  `json:"id"`
	Found      bool    `json:"found"`
	Width      float64 `json:"width"`
	Height     float64 `json:"height"`
	Display    string  `json:"display"`
	Visibility string  `json:"visibility"`
	Where      string  `json:"where"`
}

// TestReportInChromium writes the report of each stack with the real
// command and opens it as a reviewer would, from the file, in headless
// Chromium. The prod page is written against a base preview, so that the
// changes section shows too.
func TestReportInChromium(t *testing.T) {
	chromium := chromiumPath(t)
	root := repoRoot(t)
	bin := buildPlatform(t, root)
	browser := newBrowser(t, chromium)
	shots := screenshotDirs(t)

	for _, stack := range []string{"prod", "workshop"} {
		t.Run(stack, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "report")
			args := []string{"report", "--stack", stack, "--out", dir}
			want := sections
			if stack == "prod" {
				base := filepath.Join(t.TempDir(), "base.json")
				runIn(t, root, bin, "preview", "--stack", stack, "--json", base)
				args = append(args, "--base", base)
				want = append([]string{"changes"}, sections...)
			}
			start := time.Now()
			out := runIn(t, root, bin, args...)
			index := filepath.Join(dir, "index.html")
			info, err := os.Stat(index)
			if err != nil {
				t.Fatalf("platform report wrote no page: %v\n%s", err, out)
			}
			t.Logf("platform report --stack %s: %d bytes in %s", stack, info.Size(), time.Since(start).Round(time.Millisecond))

			var seen problems
			tab, cancel := chromedp.NewContext(browser, chromedp.WithListener(seen.listen))
			defer cancel()
			tab, cancelTimeout := context.WithTimeout(tab, 2*time.Minute)
			defer cancelTimeout()
			start = time.Now()
			if err := chromedp.Do(tab,
				chromedp.EmulateViewport(1280, 900),
				chromedp.Navigate("file://"+index),
				chromedp.WaitVisible(chromedp.CSS("#policy")),
			); err != nil {
				t.Fatalf("opening %s: %v", index, err)
			}

			for _, b := range evaluate[[]box](tab, t, sectionBoxes(want)) {
				switch {
				case !b.Found:
					t.Errorf("section #%s is missing", b.ID)
				case b.Width <= 0 || b.Height <= 0 || b.Display == "none" || b.Visibility != "visible":
					t.Errorf("section #%s is not shown: %+v", b.ID, b)
				}
			}

			svgs := evaluate[[]box](tab, t, figureBoxes)
			figures := map[string]int{}
			for _, b := range svgs {
				figures[b.Where]++
				if b.Width <= 0 || b.Height <= 0 {
					t.Errorf("the SVG of %s has no size: %+v", b.Where, b)
				}
			}
			if n := diagrams(t, out); figures["diagram"] != n {
				t.Errorf("the page shows %d diagrams; platform report drew %d", figures["diagram"], n)
			}
			if figures["address"] == 0 {
				t.Errorf("no address-space figure in #network: %+v", svgs)
			}

			png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			t.Logf("Chromium opened and checked the page in %s", time.Since(start).Round(time.Millisecond))
			for _, d := range shots {
				path := filepath.Join(d, "report-"+stack+".png")
				if err := os.WriteFile(path, png, 0o644); err != nil {
					t.Fatalf("saving the screenshot: %v", err)
				}
				t.Logf("screenshot: %s (%d KB)", path, len(png)/1024)
			}

			for _, p := range seen.all() {
				t.Errorf("the page %s", p)
			}
		})
	}
}

// sectionBoxes measures each section the page must show.
func sectionBoxes(ids []string) string {
	list, _ := json.Marshal(ids)
	return `(` + string(list) + `).map(id => {
		const e = document.getElementById(id);
		if (!e) return {id, found: false};
		const r = e.getBoundingClientRect(), s = getComputedStyle(e);
		return {id, found: true, width: r.width, height: r.height, display: s.display, visibility: s.visibility};
	})`
}

// figureBoxes measures every figure's SVG: the diagrams and the network's
// address-space bars.
const figureBoxes = `Array.from(document.querySelectorAll('figure > svg')).map(svg => {
	const r = svg.getBoundingClientRect(), f = svg.parentElement;
	return {id: f.id, found: true, width: r.width, height: r.height, where: f.classList[0] || '',
		display: getComputedStyle(svg).display, visibility: getComputedStyle(svg).visibility};
})`

func evaluate[T any](ctx context.Context, t *testing.T, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluating in the page: %v", err)
	}
	return v
}

// screenshotDirs are where the screenshots go: the test's output
// (BROWSER_TEST_OUT, or a temporary directory) and testdata/out, which git
// ignores, for a person to open.
func screenshotDirs(t *testing.T) []string {
	t.Helper()
	first := os.Getenv("BROWSER_TEST_OUT")
	if first == "" {
		first = t.TempDir()
	}
	dirs := []string{first, filepath.Join("testdata", "out")}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("creating %s: %v", d, err)
		}
	}
	return dirs
}
