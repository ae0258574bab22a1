package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := newOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o.addFlags(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := o.complete(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(2)
	}
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(2)
	}
	if err := o.run(ctx, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

type options struct {
	data                   string
	pluto, kubent, kubehop string
	runs                   int
	target                 string
	datasets               string
	sanity, genOnly        bool
	strict                 bool
	gen                    genConfig
	timeout                time.Duration
	maxRSSMiB              int64
}

func newOptions() *options {
	return &options{
		runs:     3,
		target:   "1.37",
		datasets: treeData + "," + streamData,
		gen:      genConfig{Files: 25000, TreeBytes: 300e6, StreamBytes: 190e6, RemovedEvery: 66},
		timeout:  30 * time.Minute,
	}
}

func (o *options) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.data, "data", o.data, "directory for the generated datasets and tool outputs (default $KUBEHOP_CACHE/bench or ~/.cache/kubehop/bench)")
	fs.StringVar(&o.pluto, "pluto", o.pluto, "pluto binary; empty skips pluto")
	fs.StringVar(&o.kubent, "kubent", o.kubent, "kubent binary; empty skips kubent")
	fs.StringVar(&o.kubehop, "kubehop", o.kubehop, "kubehop binary; empty skips kubehop")
	fs.BoolVar(&o.strict, "strict", o.strict, "also run kubehop check --strict, which parses every document in full as pluto and kubent do")
	fs.IntVar(&o.runs, "runs", o.runs, "measured runs per tool and dataset")
	fs.StringVar(&o.target, "target", o.target, "target Kubernetes minor version")
	fs.StringVar(&o.datasets, "datasets", o.datasets, "comma-separated datasets to run: tree, stream")
	fs.BoolVar(&o.sanity, "sanity", o.sanity, "run each tool once on a small dataset and print findings per API next to the expected counts")
	fs.BoolVar(&o.genOnly, "generate-only", o.genOnly, "generate the datasets and exit")
	fs.IntVar(&o.gen.Files, "files", o.gen.Files, "files in the tree dataset")
	fs.Int64Var(&o.gen.TreeBytes, "tree-bytes", o.gen.TreeBytes, "approximate size of the tree dataset in bytes")
	fs.Int64Var(&o.gen.StreamBytes, "stream-bytes", o.gen.StreamBytes, "approximate size of the stream dataset in bytes")
	fs.IntVar(&o.gen.RemovedEvery, "removed-every", o.gen.RemovedEvery, "current-API documents per removed-API document")
	fs.DurationVar(&o.timeout, "timeout", o.timeout, "kill a run that takes longer")
	fs.Int64Var(&o.maxRSSMiB, "max-rss", o.maxRSSMiB, "kill a run whose resident set exceeds this many MiB (default 60% of RAM)")
}

func (o *options) complete() error {
	if o.data == "" {
		base := os.Getenv("KUBEHOP_CACHE")
		if base == "" {
			dir, err := os.UserCacheDir()
			if err != nil {
				return fmt.Errorf("find the cache directory (set --data or KUBEHOP_CACHE): %w", err)
			}
			base = filepath.Join(dir, "kubehop")
		}
		o.data = filepath.Join(base, "bench")
	}
	if o.sanity {
		o.data = filepath.Join(o.data, "sanity")
		o.runs = 1
		o.gen.Files /= 100
		o.gen.TreeBytes /= 100
		o.gen.StreamBytes /= 100
	}
	if o.maxRSSMiB == 0 {
		o.maxRSSMiB = memTotal() * 6 / 10 >> 20
	}
	return nil
}

func (o *options) validate() error {
	if o.runs < 1 {
		return errors.New("--runs must be at least 1")
	}
	if o.gen.Files < 1 || o.gen.TreeBytes < 1 || o.gen.StreamBytes < 1 || o.gen.RemovedEvery < 1 {
		return errors.New("--files, --tree-bytes, --stream-bytes and --removed-every must be positive")
	}
	for _, d := range o.datasetList() {
		if d != treeData && d != streamData {
			return fmt.Errorf("unknown dataset %q (want tree or stream)", d)
		}
	}
	return nil
}

func (o *options) datasetList() []string {
	var out []string
	for _, d := range strings.Split(o.datasets, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// result is what one tool did on one dataset.
type result struct {
	tool, dataset string
	samples       []sample
	found         *findings
	problem       string // why the tool was skipped or failed
}

func (o *options) run(ctx context.Context, stdout, progress io.Writer) error {
	s, err := loadSeeds()
	if err != nil {
		return err
	}
	ds, err := ensureDatasets(ctx, o.data, o.gen, s, progress)
	if err != nil {
		return err
	}
	if o.genOnly {
		writeDatasets(stdout, ds)
		return nil
	}
	outDir := filepath.Join(o.data, "out")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	lim := limits{timeout: o.timeout, maxRSS: o.maxRSSMiB << 20}
	ts := tools(o)
	versions := map[string]string{}
	for _, t := range ts {
		if t.bin == "" {
			continue
		}
		bin, err := exec.LookPath(t.bin)
		if err != nil {
			continue // reported per dataset below
		}
		t.bin, _ = filepath.Abs(bin)
		if !strings.Contains(t.name, " ") {
			versions[t.name] = toolVersion(ctx, t)
		}
	}
	var results []*result
	for _, dname := range o.datasetList() {
		p := ds.Tree.Path
		if dname == streamData {
			p = ds.Stream.Path
		}
		fmt.Fprintf(progress, "reading the %s dataset into the page cache\n", dname)
		if err := warm(p); err != nil {
			return fmt.Errorf("read dataset %s: %w", dname, err)
		}
		for _, t := range ts {
			r := o.runTool(ctx, t, dname, ds, outDir, lim, progress)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			results = append(results, r)
		}
	}
	writeReport(stdout, o, ds, versions, results)
	return nil
}

func (o *options) runTool(ctx context.Context, t *tool, dname string, ds *datasets, outDir string, lim limits, progress io.Writer) *result {
	r := &result{tool: t.name, dataset: dname}
	if t.bin == "" {
		r.problem = fmt.Sprintf("skipped: no --%s binary given", t.name)
		return r
	}
	if _, err := exec.LookPath(t.bin); err != nil {
		r.problem = fmt.Sprintf("skipped: %v", err)
		fmt.Fprintf(progress, "%s: %s\n", t.name, r.problem)
		return r
	}
	inv, err := t.cmd(dname, ds, o.target)
	if err != nil {
		r.problem = err.Error()
		return r
	}
	inv.args = append([]string{t.bin}, inv.args...)
	out := filepath.Join(outDir, strings.ReplaceAll(strings.ReplaceAll(t.name, "-", ""), " ", "-")+"-"+dname+".json")
	for i := range o.runs {
		fmt.Fprintf(progress, "%s on %s, run %d/%d: ", t.name, dname, i+1, o.runs)
		smp, err := measure(ctx, inv, out, t.ok, lim)
		if err != nil {
			r.problem = fmt.Sprintf("failed (%s): %v", filepath.Base(t.bin), err)
			fmt.Fprintln(progress, r.problem)
			return r
		}
		fmt.Fprintf(progress, "%s wall, %s CPU, %s peak RSS, exit %d\n", dur(smp.wall), dur(smp.cpu), mib(smp.maxRSS), smp.exitCode)
		r.samples = append(r.samples, smp)
		if i == 0 {
			data, err := os.ReadFile(out)
			if err == nil {
				var f findings
				if f, err = t.parse(data); err == nil {
					r.found = &f
				}
			}
			if err != nil {
				fmt.Fprintf(progress, "%s on %s: cannot count findings in %s: %v\n", t.name, dname, out, err)
			}
		}
	}
	return r
}

// toolVersion asks a tool for its version, best effort.
func toolVersion(ctx context.Context, t *tool) string {
	args := []string{"version"}
	if t.name == "kubent" {
		args = []string{"--version"}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, t.bin, args...).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(stripANSI(string(out))), "\n")
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.TrimSpace(l) == "" })
	if len(lines) == 0 {
		return "?"
	}
	v := strings.Join(strings.Fields(strings.Join(lines, " ")), " ")
	if i := strings.Index(v, "version "); i > 0 && t.name == "kubent" {
		v = v[i:] // drop the log line's time and level
	}
	return v
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < '@' || s[j] > '~') {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
