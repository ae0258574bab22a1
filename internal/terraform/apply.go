package terraform

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Result is what a bump changes: the edits, notes on attributes that follow
// an edited one, and each changed file before and after.
type Result struct {
	Edits []Edit        `json:"edits"`
	Notes []Note        `json:"notes,omitempty"`
	Files []*FileChange `json:"-"`
}

// FileChange is one file's content before and after an edit.
type FileChange struct {
	Path   string
	Before []byte
	After  []byte
}

// Bump edits the version attributes of one Terraform file in place and
// returns the new content with the edits made. Only the changed string
// literals differ between src and out; comments, alignment and blank lines
// stay as they were. References to local values that are not defined in
// this file cannot be followed: use [BumpFiles] for a whole module.
func Bump(filename string, src []byte, to Versions) (out []byte, edits []Edit, err error) {
	r, err := bump([]*FileChange{{Path: filename, Before: src}}, to)
	if err != nil {
		return nil, nil, err
	}
	out = src
	if len(r.Files) == 1 {
		out = r.Files[0].After
	}
	return out, r.Edits, nil
}

// BumpDir bumps the *.tf files of one directory (a Terraform module; not
// its subdirectories). See [BumpFiles].
func BumpDir(dir string, to Versions, dryRun bool) (*Result, error) {
	paths, err := moduleFiles(dir)
	if err != nil {
		return nil, err
	}
	return BumpFiles(paths, to, dryRun)
}

// moduleFiles lists the *.tf files of one directory.
func moduleFiles(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no *.tf files", dir)
	}
	return paths, nil
}

// BumpFiles edits the version attributes of the named files, read as one
// module: an attribute that refers to a local value defined in any of them
// follows that value. Unless dryRun is set it writes the changed files, and
// only when every file parsed and every attribute could be edited: an error
// anywhere leaves every file as it was. Each file is replaced atomically
// (written beside it, then renamed).
func BumpFiles(paths []string, to Versions, dryRun bool) (*Result, error) {
	files, err := readFiles(paths)
	if err != nil {
		return nil, err
	}
	r, err := bump(files, to)
	if err != nil {
		return nil, err
	}
	if !dryRun {
		if err := r.Write(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// readFiles reads the named files, each once.
func readFiles(paths []string) ([]*FileChange, error) {
	var files []*FileChange
	seen := map[string]bool{}
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		src, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, &FileChange{Path: p, Before: src})
	}
	return files, nil
}

// scanFiles returns the version attributes of every file, failing when
// any of them does not parse.
func scanFiles(files []*FileChange) ([]*site, error) {
	var errs []error
	var sites []*site
	for _, f := range files {
		s, err := scanFile(f.Path, f.Before)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sites = append(sites, s...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return sites, nil
}

// bump scans every file, resolves references to locals across them and
// computes each changed file's new content.
func bump(files []*FileChange, to Versions) (*Result, error) {
	if err := to.Validate(); err != nil {
		return nil, err
	}
	sites, err := scanFiles(files)
	if err != nil {
		return nil, err
	}
	var errs []error
	b := &bumper{to: to, locals: indexLocals(sites), next: map[*site]string{}}
	r := &Result{Edits: []Edit{}}
	for _, s := range sites {
		if s.kind == siteLiteral {
			if err := b.literal(s, r); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, s := range sites {
		if s.kind != siteLiteral {
			if err := b.reference(s, r); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, b.checkSkew(sites)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, f := range files {
		after, err := splice(f, b)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(after, f.Before) {
			f.After = after
			r.Files = append(r.Files, f)
		}
	}
	return r, nil
}

type bumper struct {
	to     Versions
	locals localSites
	next   map[*site]string // literal → its new value, for those that change
}

// localSites are the version attributes in locals blocks, by path.
type localSites map[string]*site

func indexLocals(sites []*site) localSites {
	l := localSites{}
	for _, s := range sites {
		if s.path[0] == "locals" {
			l[strings.Join(s.path, "\x00")] = s
		}
	}
	return l
}

// literal computes a literal's new value.
func (b *bumper) literal(s *site, r *Result) error {
	target := b.to.target(s.role)
	if target == "" {
		return nil
	}
	nv, err := nextValue(s.value, target, s.role)
	if err != nil {
		return &Error{File: s.file, Line: s.line, Attribute: s.attribute(), Problem: err.Error()}
	}
	if nv == s.value {
		return nil
	}
	b.next[s] = nv
	r.Edits = append(r.Edits, Edit{File: s.file, Line: s.line, Attribute: s.attribute(), Old: s.value, New: nv})
	return nil
}

// reference checks an attribute that is not a literal. One that refers to
// a local version literal follows it: that is fine when the literal ends up
// at the version asked for this attribute's role. Anything else cannot be
// bumped here.
func (b *bumper) reference(s *site, r *Result) error {
	target := b.to.target(s.role)
	lit, chain := b.locals.resolve(s)
	if lit == nil {
		if target == "" {
			return nil
		}
		return &Error{File: s.file, Line: s.line, Attribute: s.attribute(),
			Problem: fmt.Sprintf("not a literal (%s); change it where it is defined", s.source())}
	}
	final := b.value(lit)
	_, changes := b.next[lit]
	follows := fmt.Sprintf("follows %s", strings.Join(chain, " → "))
	switch {
	case target == "" && changes:
		r.Notes = append(r.Notes, Note{File: s.file, Line: s.line, Attribute: s.attribute(),
			Text: fmt.Sprintf("%s, so it changes too: %q → %q", follows, lit.value, final)})
	case target == "":
	case !sameVersion(final, target):
		set := "which this bump leaves alone"
		if changes {
			set = "which " + lit.role.flag() + " sets"
		}
		return &Error{File: s.file, Line: s.line, Attribute: s.attribute(),
			Problem: fmt.Sprintf("%s (%q, %s), not %s %s; change it where it is defined", follows, final, set, s.role.flag(), target)}
	default:
		r.Notes = append(r.Notes, Note{File: s.file, Line: s.line, Attribute: s.attribute(),
			Text: fmt.Sprintf("%s (%q)", follows, final)})
	}
	return nil
}

// checkSkew refuses node versions newer than the control plane: kubelets
// must not be newer than the API server. It compares with the newest
// control plane version in the files, as they will be after the bump, so
// that a module holding two clusters (blue/green) is judged by the newer.
func (b *bumper) checkSkew(sites []*site) []error {
	var cp *site
	var cpv version
	for _, s := range sites {
		if s.kind != siteLiteral || s.role != roleControlPlane {
			continue
		}
		v, ok := parseVersion(b.value(s))
		if ok && (cp == nil || v.compare(cpv) > 0) {
			cp, cpv = s, v
		}
	}
	if cp == nil {
		return nil
	}
	var errs []error
	for _, s := range sites {
		nv, changes := b.next[s]
		if !changes || s.role != roleNodes {
			continue
		}
		if v, _ := parseVersion(nv); v.nums[0] > cpv.nums[0] || (v.nums[0] == cpv.nums[0] && v.nums[1] > cpv.nums[1]) {
			errs = append(errs, &Error{File: s.file, Line: s.line, Attribute: s.attribute(),
				Problem: fmt.Sprintf("nodes at %s would be newer than the control plane (%s = %q at %s:%d); move the control plane first (--control-plane)", nv, cp.attribute(), b.value(cp), cp.file, cp.line)})
		}
	}
	return errs
}

// value is a literal's value after the bump.
func (b *bumper) value(s *site) string {
	if nv, ok := b.next[s]; ok {
		return nv
	}
	return s.value
}

// resolve follows references to locals until a literal, returning it and
// the addresses on the way; nil when the chain ends anywhere else.
func (l localSites) resolve(s *site) (*site, []string) {
	var chain []string
	for range 16 { // longer chains are surely cycles
		switch s.kind {
		case siteLiteral:
			return s, chain
		case siteLocalRef:
			chain = append(chain, formatPath(s.ref))
			next, ok := l[strings.Join(s.ref, "\x00")]
			if !ok {
				return nil, nil
			}
			s = next
		default:
			return nil, nil
		}
	}
	return nil, nil
}

// source is how the site's expression reads in its file.
func (s *site) source() string {
	switch s.kind {
	case siteLocalRef:
		return "local" + strings.TrimPrefix(formatPath(s.ref), "locals")
	case siteLiteral:
		return fmt.Sprintf("%q", s.value)
	}
	return s.expr
}

// sameVersion compares a resolved value with a target on the components
// both spell out.
func sameVersion(value, target string) bool {
	v, ok1 := parseVersion(value)
	t, ok2 := parseVersion(target)
	return ok1 && ok2 && v.compare(t) == 0
}

// splice replaces the changed literals of one file, last first so that
// earlier offsets stay valid, and checks that the result still parses.
//
// The literals are found with hclsyntax and replaced by byte range in the
// original source; hclwrite only renders the new quoted strings. Editing
// through an hclwrite.File instead would not keep the other bytes: its
// Bytes and WriteTo run the formatter over the whole file (re-aligning the
// hand-aligned "=" and comments of the runbooks' constants.tf), and its
// tokens keep only a count of the spaces before them, so tabs are lost.
func splice(f *FileChange, b *bumper) ([]byte, error) {
	type change struct {
		rng hcl.Range
		val string
	}
	var changes []change
	for s, nv := range b.next {
		if s.file == f.Path {
			changes = append(changes, change{s.rng, nv})
		}
	}
	if len(changes) == 0 {
		return f.Before, nil
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].rng.Start.Byte > changes[j].rng.Start.Byte })
	out := bytes.Clone(f.Before)
	for _, c := range changes {
		out = append(out[:c.rng.Start.Byte:c.rng.Start.Byte], append(quoted(c.val), out[c.rng.End.Byte:]...)...)
	}
	if _, diags := hclsyntax.ParseConfig(out, f.Path, hcl.InitialPos); diags.HasErrors() {
		return nil, fmt.Errorf("%s: the edited file does not parse (a bug in kubehop): %w", f.Path, diags)
	}
	return out, nil
}

// Write replaces every changed file: each new content is written to a
// temporary file beside the original and synced; only when all of them are
// written, and no original changed meanwhile, are they renamed over the
// originals.
func (r *Result) Write() error {
	type pending struct {
		f   *FileChange
		tmp string
	}
	var done []pending
	cleanup := func() {
		for _, p := range done {
			os.Remove(p.tmp)
		}
	}
	for _, f := range r.Files {
		tmp, err := writeTemp(f.Path, f.After)
		if err != nil {
			cleanup()
			return err
		}
		done = append(done, pending{f, tmp})
	}
	for _, p := range done {
		now, err := os.ReadFile(p.f.Path)
		if err != nil || !bytes.Equal(now, p.f.Before) {
			cleanup()
			return fmt.Errorf("%s changed while kubehop was editing it; nothing was written, run again", p.f.Path)
		}
	}
	for i, p := range done {
		if err := os.Rename(p.tmp, p.f.Path); err != nil {
			for _, q := range done[i:] {
				os.Remove(q.tmp)
			}
			var written []string
			for _, q := range done[:i] {
				written = append(written, q.f.Path)
			}
			return fmt.Errorf("replace %s: %w (already replaced: %s)", p.f.Path, err, strings.Join(written, ", "))
		}
	}
	return nil
}

// writeTemp writes data to a new file beside path with path's permissions.
func writeTemp(path string, data []byte) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".kubehop-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(info.Mode().Perm())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return name, nil
}

// Diff is a unified diff of every changed file.
func (r *Result) Diff() string {
	var b strings.Builder
	for _, f := range r.Files {
		b.WriteString(UnifiedDiff(f.Path, f.Before, f.After))
	}
	return b.String()
}
