package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// writeReport prints the machine, the datasets and the results as Markdown.
func writeReport(w io.Writer, o *options, ds *datasets, versions map[string]string, results []*result) {
	fmt.Fprintf(w, "Machine: %s\n\n", machine())
	for _, name := range slices.Sorted(maps.Keys(versions)) {
		fmt.Fprintf(w, "- %s: %s\n", name, versions[name])
	}
	fmt.Fprintln(w)
	writeDatasets(w, ds)
	fmt.Fprintf(w, "\nTarget Kubernetes %s; %d run(s) each; wall and CPU are medians, RSS the highest run.\n\n", o.target, o.runs)
	rows := [][]string{{"tool", "dataset", "wall", "CPU (user+sys)", "peak RSS", "MB/s", "findings", "expected", "wall vs kubehop"}}
	base := map[string]time.Duration{}
	for _, r := range results {
		if r.tool == "kubehop" && len(r.samples) > 0 {
			base[r.dataset] = median(r.samples, func(s sample) time.Duration { return s.wall })
		}
	}
	var notes []string
	for _, r := range results {
		st := ds.Tree
		if r.dataset == streamData {
			st = ds.Stream
		}
		if len(r.samples) == 0 {
			rows = append(rows, []string{r.tool, r.dataset, "—", "—", "—", "—", "—", strconv.Itoa(st.Removed), "—"})
			notes = append(notes, fmt.Sprintf("%s on %s: %s", r.tool, r.dataset, r.problem))
			continue
		}
		wall := median(r.samples, func(s sample) time.Duration { return s.wall })
		cpu := median(r.samples, func(s sample) time.Duration { return s.cpu })
		var rss int64
		for _, s := range r.samples {
			rss = max(rss, s.maxRSS)
		}
		found := "?"
		if r.found != nil {
			found = r.found.String()
		}
		vs := "—"
		if b, ok := base[r.dataset]; ok {
			vs = fmt.Sprintf("%.1f×", wall.Seconds()/b.Seconds())
		}
		rows = append(rows, []string{r.tool, r.dataset, dur(wall), dur(cpu), mib(rss),
			fmt.Sprintf("%.0f", float64(st.Bytes)/1e6/wall.Seconds()), found, strconv.Itoa(st.Removed), vs})
		if r.problem != "" {
			notes = append(notes, fmt.Sprintf("%s on %s: %s", r.tool, r.dataset, r.problem))
		}
	}
	table(w, rows)
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	if o.sanity {
		for _, d := range o.datasetList() {
			writeBreakdown(w, d, ds, results)
		}
	}
}

// writeDatasets describes the generated datasets.
func writeDatasets(w io.Writer, ds *datasets) {
	rows := [][]string{{"dataset", "path", "files", "size", "YAML documents", "objects", "removed-API objects"}}
	for _, d := range []struct {
		name string
		st   datasetStats
	}{{treeData, ds.Tree}, {streamData, ds.Stream}} {
		rows = append(rows, []string{d.name, d.st.Path, strconv.Itoa(d.st.Files), mb(d.st.Bytes), strconv.Itoa(d.st.Documents),
			strconv.Itoa(d.st.Objects), fmt.Sprintf("%d (%.2f%%)", d.st.Removed, 100*float64(d.st.Removed)/float64(max(d.st.Objects, 1)))})
	}
	table(w, rows)
}

// writeBreakdown prints, for one dataset, the findings per API of every
// tool next to the expected counts.
func writeBreakdown(w io.Writer, dataset string, ds *datasets, results []*result) {
	st := ds.Tree
	if dataset == streamData {
		st = ds.Stream
	}
	header := []string{"apiVersion kind", "expected"}
	var cols []*result
	keys := map[string]bool{}
	for k := range st.ByAPI {
		keys[k] = true
	}
	for _, r := range results {
		if r.dataset != dataset || r.found == nil {
			continue
		}
		cols = append(cols, r)
		header = append(header, r.tool)
		for k := range r.found.byAPI {
			keys[k] = true
		}
	}
	fmt.Fprintf(w, "\nFindings per API on the %s dataset:\n\n", dataset)
	rows := [][]string{header}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		row := []string{k, strconv.Itoa(st.ByAPI[k])}
		for _, r := range cols {
			row = append(row, strconv.Itoa(r.found.byAPI[k]))
		}
		rows = append(rows, row)
	}
	total := []string{"total", strconv.Itoa(st.Removed)}
	docs := []string{"documents read", strconv.Itoa(st.Documents)}
	for _, r := range cols {
		total = append(total, strconv.Itoa(r.found.total))
		d := "?"
		if r.found.documents >= 0 {
			d = strconv.Itoa(r.found.documents)
		}
		docs = append(docs, d)
	}
	table(w, append(rows, total, docs))
}

// table prints rows as a Markdown table with aligned columns.
func table(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		fmt.Fprintln(w, b.String())
	}
	line(rows[0])
	sep := make([]string, len(width))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range rows[1:] {
		line(r)
	}
}

func median(s []sample, f func(sample) time.Duration) time.Duration {
	v := make([]time.Duration, len(s))
	for i := range s {
		v[i] = f(s[i])
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func dur(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// machine describes the CPU, core count, memory, kernel and Go version.
func machine() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range bytes.Lines(data) {
			if k, v, ok := strings.Cut(string(line), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%s, %d cores, %.1f GiB RAM, %s %s, %s", cpu, runtime.NumCPU(), float64(memTotal())/(1<<30),
		runtime.GOOS, strings.TrimSpace(string(kernel)), runtime.Version())
}

// memTotal is the machine's RAM in bytes, or 0 if unknown.
func memTotal() int64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("MemTotal:")); ok {
			f := strings.Fields(string(v))
			if len(f) > 0 {
				kib, _ := strconv.ParseInt(f[0], 10, 64)
				return kib << 10
			}
		}
	}
	return 0
}
