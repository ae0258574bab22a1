package runreport

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kubehop/kubehop/internal/browser"
)

// TestHTMLInBrowser opens the fixture's HTML report in headless Chromium:
// it must load without console errors, show every pool, and render to a
// screenshot with something on it. Without Chromium the test fails, unless
// KUBEHOP_SKIP_BROWSER=1.
//
// With KUBEHOP_REPORT_SCREENSHOT set to a path, the screenshot is copied
// there for a person to look at.
func TestHTMLInBrowser(t *testing.T) {
	needBrowser(t)
	dir := t.TempDir()
	page := writeHTML(t, dir, fixture())
	shot := filepath.Join(dir, "report.png")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var pools []string
	consoleErrors, err := browser.Check(ctx, page, shot,
		`Array.from(document.querySelectorAll('[data-pool]')).map(e => e.getAttribute('data-pool'))`, &pools)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range consoleErrors {
		t.Errorf("console error: %s", e)
	}
	for _, p := range fixturePools {
		if !slices.Contains(pools, p) {
			t.Errorf("pool %q not in the page; it has %q", p, pools)
		}
	}
	info, err := os.Stat(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	if info.Size() <= 10<<10 {
		t.Errorf("the screenshot has %d bytes: the page looks empty", info.Size())
	}
	if dst := os.Getenv("KUBEHOP_REPORT_SCREENSHOT"); dst != "" {
		data, err := os.ReadFile(shot)
		if err == nil {
			err = os.WriteFile(dst, data, 0o644)
		}
		if err != nil {
			t.Errorf("copying the screenshot to $KUBEHOP_REPORT_SCREENSHOT: %v", err)
		}
	}
}

// TestEmptyHTMLInBrowser opens the report of a run that has nothing yet:
// it too must load without console errors.
func TestEmptyHTMLInBrowser(t *testing.T) {
	needBrowser(t)
	page := writeHTML(t, t.TempDir(), &Report{Status: "in progress"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var pools []string
	consoleErrors, err := browser.Check(ctx, page, "", `Array.from(document.querySelectorAll('[data-pool]')).map(e => e.getAttribute('data-pool'))`, &pools)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range consoleErrors {
		t.Errorf("console error: %s", e)
	}
	if len(pools) != 0 {
		t.Errorf("an empty report shows pools %q", pools)
	}
}

// needBrowser fails the test when Chromium is missing, or skips it when
// KUBEHOP_SKIP_BROWSER=1.
func needBrowser(t *testing.T) {
	t.Helper()
	if _, err := browser.Find(); err != nil {
		if os.Getenv("KUBEHOP_SKIP_BROWSER") == "1" {
			t.Skipf("KUBEHOP_SKIP_BROWSER=1: %v", err)
		}
		t.Fatal(err)
	}
}

// writeHTML renders r into dir/report.html and returns its path.
func writeHTML(t *testing.T, dir string, r *Report) string {
	t.Helper()
	path := filepath.Join(dir, "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := HTML(f, r); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
