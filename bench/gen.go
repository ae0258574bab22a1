package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// genVersion changes whenever the generator's output changes, so cached
// datasets are rebuilt.
const genVersion = 2

// genConfig sizes the datasets.
type genConfig struct {
	Files       int   `json:"files"`
	TreeBytes   int64 `json:"treeBytes"`
	StreamBytes int64 `json:"streamBytes"`
	// RemovedEvery is how many current documents come before each
	// document on a removed API version.
	RemovedEvery int `json:"removedEvery"`
}

// datasetStats describes one generated dataset.
type datasetStats struct {
	Path  string `json:"path"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
	// Documents counts the non-blank YAML documents, Objects those with
	// an apiVersion and a kind (the others hold only comments).
	Documents int            `json:"documents"`
	Objects   int            `json:"objects"`
	Removed   int            `json:"removed"`
	ByAPI     map[string]int `json:"byAPI"`
}

// datasets is what dataset.json records about a generated data directory.
type datasets struct {
	Version int          `json:"version"`
	Seeds   string       `json:"seeds"`
	Config  genConfig    `json:"config"`
	Tree    datasetStats `json:"tree"`
	Stream  datasetStats `json:"stream"`
}

const infoFile = "dataset.json"

// ensureDatasets returns the datasets under dir, generating them unless a
// previous run left identical ones there.
func ensureDatasets(ctx context.Context, dir string, cfg genConfig, s *seeds, progress io.Writer) (*datasets, error) {
	if old, err := readDatasets(dir); err == nil && old.Version == genVersion && old.Seeds == s.digest && old.Config == cfg {
		if _, err := os.Stat(old.Stream.Path); err == nil {
			return old, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	// Remove the old dataset.json first: an interrupted generation must not
	// look complete.
	if err := os.Remove(filepath.Join(dir, infoFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ds := &datasets{Version: genVersion, Seeds: s.digest, Config: cfg}
	fmt.Fprintf(progress, "generating %d files (%s) into %s\n", cfg.Files, mb(cfg.TreeBytes), filepath.Join(dir, "tree"))
	tree, err := genTree(ctx, filepath.Join(dir, "tree"), cfg, s)
	if err != nil {
		return nil, fmt.Errorf("generate manifest tree: %w", err)
	}
	ds.Tree = *tree
	fmt.Fprintf(progress, "generating a %s stream into %s\n", mb(cfg.StreamBytes), filepath.Join(dir, "stream.yaml"))
	stream, err := genStream(ctx, filepath.Join(dir, "stream.yaml"), cfg, s)
	if err != nil {
		return nil, fmt.Errorf("generate manifest stream: %w", err)
	}
	ds.Stream = *stream
	data, err := json.MarshalIndent(ds, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, infoFile), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("record datasets: %w", err)
	}
	return ds, nil
}

func readDatasets(dir string) (*datasets, error) {
	data, err := os.ReadFile(filepath.Join(dir, infoFile))
	if err != nil {
		return nil, err
	}
	var ds datasets
	if err := json.Unmarshal(data, &ds); err != nil {
		return nil, err
	}
	return &ds, nil
}

// mixer writes copies of seed files, renamed, and after every RemovedEvery
// current documents one document on a removed API version, taking the
// removed seeds in turn.
type mixer struct {
	s       *seeds
	every   int
	pending int // current objects since the last removed one
	next    int // next removed seed
	stats   *datasetStats
}

// writeCopy writes copy n of f, its names suffixed with n. A "---" line
// goes between documents, and before the first one too when lead is set.
func (m *mixer) writeCopy(w *bufio.Writer, f *seedFile, n int, lead bool) {
	suffix := "-" + pad(n)
	first := !lead
	emit := func(d *doc) {
		if !first {
			w.WriteString("---\n")
			m.stats.Bytes += 4
		}
		first = false
		w.Write(d.head)
		if d.named {
			w.WriteString(suffix)
			w.Write(d.tail)
		}
		m.stats.Bytes += int64(d.size(len(suffix)))
		m.stats.Documents++
		if d.api != "" {
			m.stats.Objects++
		}
	}
	for i := range f.docs {
		d := &f.docs[i]
		emit(d)
		if d.api == "" {
			continue
		}
		m.pending++
		if m.pending >= m.every {
			m.pending = 0
			r := &m.s.removed[m.next%len(m.s.removed)]
			m.next++
			emit(r)
			m.stats.Removed++
			m.stats.ByAPI[r.api]++
		}
	}
}

func pad(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 5 {
		s = "0" + s
	}
	return s
}

// genTree writes cfg.Files files of about cfg.TreeBytes in all under dir,
// 100 to a directory. Each file is a renamed copy of a seed file; which
// seed is chosen from the larger or the smaller seeds so that the total
// stays on course for cfg.TreeBytes.
func genTree(ctx context.Context, dir string, cfg genConfig, s *seeds) (*datasetStats, error) {
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	st := &datasetStats{Path: dir, ByAPI: map[string]int{}}
	m := &mixer{s: s, every: cfg.RemovedEvery, stats: st}
	avg := cfg.TreeBytes / int64(max(cfg.Files, 1))
	var large, small []*seedFile
	for i := range s.current {
		if int64(s.current[i].size) >= avg {
			large = append(large, &s.current[i])
		} else {
			small = append(small, &s.current[i])
		}
	}
	if len(large) == 0 || len(small) == 0 {
		large = append(large, small...)
		small = large
	}
	var nl, ns int
	for i := range cfg.Files {
		if i%1000 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var f *seedFile
		if st.Bytes < cfg.TreeBytes*int64(i)/int64(cfg.Files) {
			f = large[nl%len(large)]
			nl++
		} else {
			f = small[ns%len(small)]
			ns++
		}
		sub := filepath.Join(dir, fmt.Sprintf("team-%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return nil, err
			}
		}
		if err := writeFile(filepath.Join(sub, fmt.Sprintf("%s-%s.yaml", f.name, pad(i))), func(w *bufio.Writer) error {
			m.writeCopy(w, f, i, false)
			return nil
		}); err != nil {
			return nil, err
		}
		st.Files++
	}
	return st, nil
}

// genStream writes one multi-document stream of at least cfg.StreamBytes,
// taking the seed files in turn.
func genStream(ctx context.Context, file string, cfg genConfig, s *seeds) (*datasetStats, error) {
	st := &datasetStats{Path: file, Files: 1, ByAPI: map[string]int{}}
	m := &mixer{s: s, every: cfg.RemovedEvery, stats: st}
	err := writeFile(file, func(w *bufio.Writer) error {
		for n := 0; st.Bytes < cfg.StreamBytes; n++ {
			if n%1000 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			m.writeCopy(w, &s.current[n%len(s.current)], n, n > 0)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func writeFile(name string, write func(*bufio.Writer) error) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 256<<10)
	if err := write(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// treeFiles lists the files of a generated tree, relative to it, sorted.
func treeFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		files = append(files, rel)
		return err
	})
	slices.Sort(files)
	return files, err
}

// warm reads every file of a dataset once so that all tools find it in the
// page cache.
func warm(p string) error {
	return filepath.WalkDir(p, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(io.Discard, f)
		return err
	})
}

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }
