// Package browser opens a page in headless Chromium to check it as a person
// would see it: that it loads without console errors, what a script finds in
// it, and what it looks like. It is how kubehop's tests check the HTML run
// report.
package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// EnvChromium names the environment variable that points at the Chromium
// binary to use instead of the one found on PATH.
const EnvChromium = "KUBEHOP_CHROMIUM"

// candidates are the names Chromium goes by on PATH, in the order Find
// tries them.
var candidates = []string{"chromium", "chromium-browser", "google-chrome"}

// windowWidth and windowHeight are the size of the browser's window; a
// full-page screenshot grows beyond the height.
const (
	windowWidth  = 1280
	windowHeight = 900
)

// Find returns the path of the Chromium binary: $KUBEHOP_CHROMIUM when it is
// set, else the first of chromium, chromium-browser and google-chrome on
// PATH.
func Find() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("$%s=%s is not an executable Chromium: %w", EnvChromium, p, err)
		}
		return path, nil
	}
	for _, name := range candidates {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("no Chromium found: none of %s is on PATH and $%s is not set; install Debian's chromium package (apt-get install chromium) or set $%s to the browser's binary",
		strings.Join(candidates, ", "), EnvChromium, EnvChromium)
}

// Check opens the file htmlPath in headless Chromium and waits for it to
// load. When eval is not empty it evaluates that JavaScript expression and
// decodes its JSON value into out (which may be nil to discard it). When
// screenshotPath is not empty it writes a full-page PNG screenshot there.
//
// consoleErrors are the page's console messages of level error and its
// uncaught exceptions, in the order they came. The time limit is ctx's; the
// browser process is stopped before Check returns.
func Check(ctx context.Context, htmlPath, screenshotPath string, eval string, out any) (consoleErrors []string, err error) {
	bin, err := Find()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		return nil, fmt.Errorf("page %s: %w", htmlPath, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("page to open: %w", err)
	}

	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocatorOptions(bin)...)
	defer cancelAlloc() // waits for the browser process to end
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	var console consoleLog
	if err := chromedp.Listen(bctx, console.record); err != nil {
		return nil, fmt.Errorf("starting Chromium %s: %w", bin, err)
	}
	page := fileURL(abs)
	if err := chromedp.Do(bctx, chromedp.Navigate(page)); err != nil {
		return console.errors(), fmt.Errorf("loading %s in Chromium: %w", page, err)
	}
	if eval != "" {
		if err := evaluate(bctx, eval, out); err != nil {
			return console.errors(), err
		}
	}
	if screenshotPath != "" {
		if err := screenshot(bctx, screenshotPath); err != nil {
			return console.errors(), err
		}
	}
	return console.errors(), nil
}

// allocatorOptions are the flags Chromium needs to run headless as root in
// a container.
func allocatorOptions(bin string) []chromedp.ExecAllocatorOption {
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	return append(opts,
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(windowWidth, windowHeight),
	)
}

// fileURL is the file:// URL of an absolute path.
func fileURL(abs string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// evaluate evaluates the expression in the page and decodes its value into
// out.
func evaluate(ctx context.Context, expr string, out any) error {
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err != nil {
		return fmt.Errorf("evaluating %q in the page: %w", expr, err)
	}
	if out == nil {
		return nil
	}
	if len(raw) == 0 {
		return fmt.Errorf("evaluating %q in the page: the result is undefined", expr)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decoding the result of %q (%s): %w", expr, raw, err)
	}
	return nil
}

// screenshot writes a full-page PNG of the page to path.
func screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("taking a screenshot of the page: %w", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return fmt.Errorf("writing the screenshot: %w", err)
	}
	return nil
}

// consoleLog collects a page's console errors. record runs on chromedp's
// reading goroutine, errors on the caller's.
type consoleLog struct {
	mu   sync.Mutex
	msgs []string
}

// record keeps ev when it is a console error or an uncaught exception.
func (c *consoleLog) record(ev any) {
	var msg string
	switch e := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "uncaught exception: " + exceptionText(e.ExceptionDetails)
	case *runtime.EventConsoleAPICalled:
		if e.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		msg = "console.error: " + argsText(e.Args)
	case *log.EventEntryAdded:
		if e.Entry == nil || e.Entry.Level != log.EntryLevelError {
			return
		}
		msg = fmt.Sprintf("log (%s): %s", e.Entry.Source, e.Entry.Text)
		if e.Entry.URL != "" {
			msg += " at " + e.Entry.URL
		}
	default:
		return
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, msg)
	c.mu.Unlock()
}

// errors returns a copy of the errors recorded so far.
func (c *consoleLog) errors() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// exceptionText describes an uncaught exception: its text, the error's
// description and where it was thrown.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	text := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		first, _, _ := strings.Cut(d.Exception.Description, "\n")
		text += " " + first
	}
	if d.URL != "" {
		text += fmt.Sprintf(" at %s:%d:%d", d.URL, d.LineNumber+1, d.ColumnNumber+1)
	}
	return text
}

// argsText renders a console call's arguments: strings as they are, other
// values by their description.
func argsText(args []*runtime.RemoteObject) string {
	var parts []string
	for _, a := range args {
		if a == nil {
			continue
		}
		var s string
		if a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil {
			parts = append(parts, s)
			continue
		}
		switch {
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}
