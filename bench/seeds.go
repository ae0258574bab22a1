package main

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// seedFS holds the seed manifests: seeds/current/*.yaml are multi-document
// files on API versions that the target still serves, seeds/removed/*.yaml
// one document each on a removed API version.
//
//go:embed seeds
var seedFS embed.FS

// doc is one YAML document of a seed file, split where a copy's suffix is
// inserted into its metadata.name.
type doc struct {
	head, tail []byte
	named      bool
	// api is "apiVersion Kind", or "" for a document without an object
	// (such as a comment-only document).
	api string
}

// seedFile is a multi-document seed manifest.
type seedFile struct {
	name string // base name without extension
	docs []doc
	size int
}

// seeds is the parsed seed set.
type seeds struct {
	current []seedFile
	removed []doc
	// digest identifies the seed set, so a cached dataset built from other
	// seeds is regenerated.
	digest string
}

func loadSeeds() (*seeds, error) {
	sub, err := fs.Sub(seedFS, "seeds")
	if err != nil {
		return nil, err
	}
	s := &seeds{}
	h := sha256.New()
	for _, dir := range []string{"current", "removed"} {
		names, err := fs.Glob(sub, dir+"/*.yaml")
		if err != nil {
			return nil, err
		}
		slices.Sort(names)
		for _, name := range names {
			data, err := fs.ReadFile(sub, name)
			if err != nil {
				return nil, fmt.Errorf("read seed %s: %w", name, err)
			}
			h.Write([]byte(name))
			h.Write(data)
			f := seedFile{name: strings.TrimSuffix(path.Base(name), ".yaml"), size: len(data)}
			for _, text := range splitDocs(data) {
				f.docs = append(f.docs, parseDoc(text))
			}
			if dir == "current" {
				s.current = append(s.current, f)
				continue
			}
			for _, d := range f.docs {
				if d.api != "" {
					s.removed = append(s.removed, d)
				}
			}
		}
	}
	if len(s.current) == 0 || len(s.removed) == 0 {
		return nil, fmt.Errorf("seed set is incomplete: %d current files, %d removed documents", len(s.current), len(s.removed))
	}
	s.digest = hex.EncodeToString(h.Sum(nil))[:16]
	return s, nil
}

// splitDocs splits a YAML stream at its "---" lines. Each document keeps
// its trailing newline; blank documents are dropped.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	var cur []byte
	flush := func() {
		if len(bytes.TrimSpace(cur)) > 0 {
			docs = append(docs, cur)
		}
		cur = nil
	}
	for line := range bytes.Lines(data) {
		if bytes.HasPrefix(line, []byte("---")) && len(bytes.TrimSpace(line[3:])) == 0 {
			flush()
			continue
		}
		cur = append(cur, line...)
	}
	flush()
	for i, d := range docs {
		if !bytes.HasSuffix(d, []byte("\n")) {
			docs[i] = append(d, '\n')
		}
	}
	return docs
}

// parseDoc finds a document's apiVersion, kind and the place in its
// top-level metadata.name where a copy's suffix goes: before the first dot
// (so a CRD stays <plural>.<group>), else at the end of the value.
func parseDoc(text []byte) doc {
	var apiVersion, kind string
	insert := -1
	inMeta := false
	off := 0
	for line := range bytes.Lines(text) {
		start := off
		off += len(line)
		l := strings.TrimRight(string(line), " \r\n")
		switch {
		case strings.HasPrefix(l, "apiVersion:"):
			apiVersion = unquote(strings.TrimPrefix(l, "apiVersion:"))
		case strings.HasPrefix(l, "kind:"):
			kind = unquote(strings.TrimPrefix(l, "kind:"))
		case l == "metadata:":
			inMeta = true
			continue
		}
		if !inMeta {
			continue
		}
		if l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "#") {
			inMeta = false
			continue
		}
		if insert < 0 && strings.HasPrefix(l, "  name:") {
			v := strings.TrimSpace(strings.TrimPrefix(l, "  name:"))
			vStart := start + len(l) - len(v)
			vEnd := start + len(l)
			if q := v[:min(1, len(v))]; q == `"` || q == `'` {
				vEnd--
			}
			insert = vEnd
			if i := strings.IndexByte(v, '.'); i > 0 {
				insert = vStart + i
			}
		}
	}
	d := doc{head: text}
	if apiVersion != "" && kind != "" {
		d.api = apiVersion + " " + kind
	}
	if insert >= 0 {
		d.head, d.tail, d.named = text[:insert], text[insert:], true
	}
	return d
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, " #"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return strings.Trim(s, `"'`)
}

// size is the number of bytes a copy of d takes with a suffix of n bytes.
func (d *doc) size(n int) int {
	if d.named {
		return len(d.head) + n + len(d.tail)
	}
	return len(d.head)
}
