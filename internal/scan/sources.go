package scan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kubehop/kubehop/internal/inventory"
)

// ErrPath is returned for a path that cannot be scanned at all.
var ErrPath = errors.New("cannot scan path")

// ScanBytes scans one file's content; name is reported as its file.
func (s *Scanner) ScanBytes(name string, data []byte) *Result {
	r := &Result{Files: 1, Bytes: int64(len(data))}
	s.scanChunk(r, Location{File: name}, data, 1)
	r.Sort()
	return r
}

// scanChunk scans the documents of data, which starts at firstLine of loc.File.
func (s *Scanner) scanChunk(r *Result, loc Location, data []byte, firstLine int) {
	if firstLine == 1 {
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	}
	forEachDocument(data, firstLine, func(doc []byte, line int) {
		s.scanDocument(r, loc, doc, line)
	})
}

// scanDocument scans one document that starts at line.
func (s *Scanner) scanDocument(r *Result, loc Location, doc []byte, line int) {
	r.Documents++
	data := s.data()
	if loc.HelmRelease != "" {
		if src := helmSource(doc); src != "" {
			loc.File = src
		}
	}
	if !s.Strict {
		h := scanHeader(doc)
		if !h.full {
			if h.apiVersion == "" || h.kind == "" {
				return // not a Kubernetes object
			}
			if _, ok := data.Lookup(h.apiVersion, h.kind); !ok {
				return
			}
			// A match: parse it in full, to be sure of it.
		}
	}
	objs, err := parseFull(doc, line)
	if err != nil {
		msg := err.Error()
		errLine := line
		if rel := yamlErrorLine(err); rel > 0 {
			errLine = line + rel - 1
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
		r.Problems = append(r.Problems, Problem{File: loc.File, Line: errLine, Err: msg})
		return
	}
	for _, o := range objs {
		api, ok := data.Lookup(o.apiVersion, o.kind)
		if !ok {
			continue
		}
		l := loc
		l.Line = o.line
		r.Matches = append(r.Matches, Match{APIVersion: o.apiVersion, Kind: o.kind, Namespace: o.namespace, Name: o.name, Location: l, API: api})
	}
}

// helmSource returns the template a Helm manifest document came from, as
// Helm marks it: "# Source: chart/templates/file.yaml".
func helmSource(doc []byte) string {
	const prefix = "# Source: "
	for len(doc) > 0 {
		end := bytes.IndexByte(doc, '\n')
		l := doc
		if end >= 0 {
			l, doc = doc[:end], doc[end+1:]
		} else {
			doc = nil
		}
		l = bytes.TrimSpace(l)
		if bytes.HasPrefix(l, []byte(prefix)) {
			return string(l[len(prefix):])
		}
		if len(l) > 0 && l[0] != '#' {
			return ""
		}
	}
	return ""
}

// ScanHelmRelease scans the manifest of a Helm release; each match names
// the release and the chart template it came from.
func (s *Scanner) ScanHelmRelease(namespace, name, manifest string) *Result {
	r := &Result{Files: 1, Bytes: int64(len(manifest))}
	release := namespace + "/" + name
	s.scanChunk(r, Location{File: "helm:" + release, HelmRelease: release}, []byte(manifest), 1)
	r.Sort()
	return r
}

// ScanSnapshot scans a snapshot's Helm release manifests and the API
// versions recorded on its live objects.
func (s *Scanner) ScanSnapshot(snap *inventory.Snapshot) *Result {
	r := &Result{}
	for _, hr := range snap.HelmReleases {
		r.Merge(s.ScanHelmRelease(hr.Namespace, hr.Name, hr.Manifest))
	}
	r.Merge(s.ScanLive(snap.LiveObjects))
	r.Sort()
	return r
}

// ScanLive matches the API versions recorded on live objects.
func (s *Scanner) ScanLive(objs []inventory.LiveObject) *Result {
	r := &Result{}
	data := s.data()
	for _, o := range objs {
		for _, rec := range o.Recorded {
			api, ok := data.Lookup(rec.APIVersion, o.Kind)
			if !ok {
				continue
			}
			r.Matches = append(r.Matches, Match{APIVersion: rec.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name,
				Location: Location{Live: true, Via: rec.Via}, API: api})
		}
	}
	r.Documents = len(objs)
	r.Sort()
	return r
}

// isManifest reports whether a file found in a directory is scanned.
func isManifest(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// ScanPaths scans files and directory trees in parallel. Files named on
// the command line are scanned whatever their extension; in directories,
// .yaml, .yml and .json files are, and hidden directories are skipped.
func (s *Scanner) ScanPaths(ctx context.Context, paths []string) (*Result, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPath, err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if path != p && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && isManifest(d.Name()) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%w: walk %s: %w", ErrPath, p, err)
		}
	}

	work := make(chan string)
	results := make([]*Result, s.workers())
	var wg sync.WaitGroup
	for i := range results {
		r := &Result{}
		results[i] = r
		wg.Go(func() {
			for path := range work {
				data, err := os.ReadFile(path)
				if err != nil {
					r.Problems = append(r.Problems, Problem{File: path, Err: err.Error()})
					continue
				}
				r.Files++
				r.Bytes += int64(len(data))
				s.scanChunk(r, Location{File: path}, data, 1)
			}
		})
	}
	var err error
feed:
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(work)
	wg.Wait()
	total := &Result{}
	for _, r := range results {
		total.Merge(r)
	}
	total.Sort()
	return total, err
}

// chunkSize is how much of a stream one worker scans at a time.
const chunkSize = 4 << 20

type chunk struct {
	data []byte
	line int
}

// ScanReader scans a stream of YAML documents, such as `helm template`
// output, in bounded memory: it is cut at document boundaries into chunks
// that workers scan in parallel.
func (s *Scanner) ScanReader(ctx context.Context, name string, in io.Reader) (*Result, error) {
	chunks := make(chan chunk, s.workers())
	results := make([]*Result, s.workers())
	free := sync.Pool{New: func() any { b := make([]byte, 0, chunkSize+64<<10); return &b }}
	var wg sync.WaitGroup
	for i := range results {
		r := &Result{}
		results[i] = r
		wg.Go(func() {
			for c := range chunks {
				s.scanChunk(r, Location{File: name}, c.data, c.line)
				buf := c.data[:0]
				free.Put(&buf)
			}
		})
	}

	br := bufio.NewReaderSize(in, 1<<20)
	var bytesRead int64
	buf := *free.Get().(*[]byte)
	line, chunkLine := 1, 1
	var readErr error
	for {
		l, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: keep reading it.
			buf = append(buf, l...)
			bytesRead += int64(len(l))
			continue
		}
		if len(l) > 0 && len(buf) >= chunkSize && isMarker(l, "---") {
			select {
			case chunks <- chunk{buf, chunkLine}:
			case <-ctx.Done():
				readErr = ctx.Err()
			}
			if readErr != nil {
				break
			}
			buf, chunkLine = *free.Get().(*[]byte), line
		}
		buf = append(buf, l...)
		bytesRead += int64(len(l))
		if len(l) > 0 && l[len(l)-1] == '\n' {
			line++
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = fmt.Errorf("read %s: %w", name, err)
			}
			break
		}
	}
	if readErr == nil && len(buf) > 0 {
		chunks <- chunk{buf, chunkLine}
	}
	close(chunks)
	wg.Wait()
	total := &Result{Files: 1, Bytes: bytesRead}
	for _, r := range results {
		total.Merge(r)
	}
	total.Sort()
	return total, readErr
}
