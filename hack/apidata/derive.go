package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/version"
)

// entry is one line of removed-apis.yaml.
type entry struct {
	Key             gvk
	DeprecatedIn    int // 0: omitted
	RemovedIn       int
	Replacement     gvk // zero: none
	ReplacementKind string
	Notes           string
	// Evidence is a one-line summary of the signals, for the -report file.
	Evidence string
}

// span is the first and last minor in which a kind was seen; 0, 0 if never.
type span struct{ First, Last, Count int }

func (s span) String() string {
	if s.Count == 0 {
		return "-"
	}
	return fmt.Sprintf("%s..%s", formatMinor(s.First), formatMinor(s.Last))
}

func (s *span) add(minor int) {
	if s.Count == 0 || minor < s.First {
		s.First = minor
	}
	if minor > s.Last {
		s.Last = minor
	}
	s.Count++
}

// gapped reports whether the kind disappeared and came back.
func (s span) gapped() bool { return s.Count > 0 && s.Last-s.First+1 != s.Count }

// result is what derive produces.
type result struct {
	Entries  []entry
	Newest   int      // the newest minor read
	Warnings []string // things a maintainer should look at
}

// derive turns per-minor observations into removal entries. The rules:
//
//  1. Only kinds the kube-apiserver served in some minor (its OpenAPI spec)
//     count; AdmissionReview, ConversionReview, JobTemplate and other
//     registered types that are never served as REST resources are skipped.
//  2. removedIn is the earliest of: the declared APILifecycleRemoved (newest
//     declaration), the first minor whose OpenAPI spec no longer has the
//     kind, and the first minor whose API module no longer registers it.
//  3. deprecatedIn is the declared APILifecycleDeprecated when it is before
//     removedIn; otherwise (most alpha versions) it is omitted.
//  4. A kind is listed when removedIn is at most the newest minor, or when
//     it is deprecated by the newest minor and has a later removal.
//  5. replacement is the declared APILifecycleReplacement when that kind was
//     ever served (a non-list kind whose declared replacement is the list
//     kind gets the item kind); else the most stable other version of the
//     same group and kind served in the removal minor (or the newest minor,
//     for future removals) that outranks the removed version.
//  6. overrides.yaml then excludes entries and sets fields, each with a
//     reason; an override that matches nothing or changes nothing is an
//     error, so stale corrections do not linger.
func derive(releases []release, ov overrides) (result, error) {
	if len(releases) == 0 {
		return result{}, fmt.Errorf("no releases")
	}
	releases = slices.Clone(releases)
	slices.SortFunc(releases, func(a, b release) int { return cmp.Compare(a.Minor, b.Minor) })
	for i := 1; i < len(releases); i++ {
		if releases[i].Minor != releases[i-1].Minor+1 {
			return result{}, fmt.Errorf("releases skip from %s to %s: removals in between would be missed",
				formatMinor(releases[i-1].Minor), formatMinor(releases[i].Minor))
		}
	}
	newest := releases[len(releases)-1].Minor
	byMinor := map[int]*release{}
	for i := range releases {
		byMinor[releases[i].Minor] = &releases[i]
	}

	served := map[gvk]*span{}
	present := map[gvk]*span{}
	declared := map[gvk]lifecycle{} // newest declaration wins
	for _, r := range releases {
		for k := range r.Served {
			spanOf(served, k).add(r.Minor)
		}
		for k := range r.Present {
			spanOf(present, k).add(r.Minor)
		}
		for k, l := range r.Lifecycle {
			declared[k] = l
		}
	}

	sets := map[gvk]override{}
	for _, s := range ov.Set {
		k := parseGVK(s.APIVersion, s.Kind)
		if _, dup := sets[k]; dup {
			return result{}, fmt.Errorf("overrides: %s is set twice", k)
		}
		sets[k] = s
	}
	excluded := map[gvk]bool{}
	for _, e := range ov.Exclude {
		excluded[parseGVK(e.APIVersion, e.Kind)] = true
	}

	d := &deriver{served: served, present: present, declared: declared, byMinor: byMinor, oldest: releases[0].Minor, newest: newest}
	usedSet := map[gvk]bool{}
	usedExclude := map[gvk]bool{}
	var entries []entry
	// Item kinds first, then list kinds, which follow their items: the
	// kube-apiserver serves a list wherever it serves the item, whatever the
	// list type's own lifecycle declarations say.
	keys := slices.SortedFunc(maps.Keys(served), compareGVK)
	listed := map[gvk]entry{}
	for _, lists := range []bool{false, true} {
		for _, k := range keys {
			if d.isList(k) != lists {
				continue
			}
			entryOf := func(s *override) (entry, bool) {
				if lists {
					return d.listEntryFor(k, listed, s)
				}
				return d.entryFor(k, s)
			}
			e, ok := entryOf(nil)
			if s, has := sets[k]; has {
				usedSet[k] = true
				e2, ok2 := entryOf(&s)
				if ok == ok2 && sameEntry(e, e2) {
					return result{}, fmt.Errorf("overrides: the override of %s changes nothing; remove it", k)
				}
				e, ok = e2, ok2
			}
			if !ok {
				continue
			}
			if excluded[k] {
				usedExclude[k] = true
				continue
			}
			listed[k] = e
			entries = append(entries, e)
		}
	}
	if d.err != nil {
		return result{}, d.err
	}

	// Overrides for kinds never served: entries the sources cannot see.
	for k, s := range sets {
		if usedSet[k] {
			continue
		}
		if s.RemovedIn == "" {
			return result{}, fmt.Errorf("overrides: %s was never served, so its override must set removedIn", k)
		}
		e := entry{Key: k, RemovedIn: mustMinor(s.RemovedIn), Evidence: "override: " + s.Reason}
		if err := applySet(&e, s); err != nil {
			return result{}, err
		}
		entries = append(entries, e)
	}
	for k := range excluded {
		if !usedExclude[k] {
			return result{}, fmt.Errorf("overrides: exclusion of %s matches no derived entry; remove it", k)
		}
	}
	for _, e := range entries {
		if e.DeprecatedIn != 0 && e.DeprecatedIn > e.RemovedIn {
			return result{}, fmt.Errorf("%s: deprecatedIn %s is after removedIn %s", e.Key, formatMinor(e.DeprecatedIn), formatMinor(e.RemovedIn))
		}
	}
	slices.SortFunc(entries, compareEntries)
	slices.Sort(d.warnings)
	return result{Entries: entries, Newest: newest, Warnings: slices.Compact(d.warnings)}, nil
}

// deriver holds the observations of every minor, merged per kind.
type deriver struct {
	served, present map[gvk]*span
	declared        map[gvk]lifecycle // the newest declaration of each kind
	byMinor         map[int]*release
	oldest, newest  int
	warnings        []string
	err             error
}

func (d *deriver) warn(format string, args ...any) {
	d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
}

// entryFor derives the entry of a served kind, with an optional override,
// and reports whether it is listed at all.
func (d *deriver) entryFor(k gvk, s *override) (entry, bool) {
	sv, pr, l := d.served[k], d.present[k], d.declared[k]
	if pr != nil && sv.Last > pr.Last {
		d.warn("%s: served until %s but registered only until %s", k, formatMinor(sv.Last), formatMinor(pr.Last))
	}
	removed := l.Removed
	if sv.Last < d.newest {
		removed = earliest(removed, sv.Last+1)
	}
	if pr != nil && pr.Last < d.newest {
		removed = earliest(removed, pr.Last+1)
	}
	if s != nil && s.RemovedIn != "" {
		removed = mustMinor(s.RemovedIn)
	}
	if removed == 0 {
		return entry{}, false // served, and no removal declared
	}
	if sv.gapped() {
		d.warn("%s: served in %s with gaps (%d minors)", k, sv, sv.Count)
	}
	deprecated := 0
	if l.Deprecated != 0 && l.Deprecated < removed {
		deprecated = l.Deprecated
	}
	if s != nil && s.DeprecatedIn != "" {
		deprecated = mustMinor(s.DeprecatedIn)
	}
	if removed > d.newest && (deprecated == 0 || deprecated > d.newest) {
		return entry{}, false // a default removal far off, not yet deprecated
	}
	e := entry{Key: k, DeprecatedIn: deprecated, RemovedIn: removed}
	e.Replacement = d.declaredReplacement(k, l.Replacement)
	if e.Replacement == (gvk{}) {
		e.Replacement = inferReplacement(k, d.byMinor[min(max(removed, d.oldest), d.newest)])
	}
	e.Evidence = fmt.Sprintf("served=%s registered=%s lifecycle=deprecated:%s,removed:%s,replacement:%s",
		sv, spanString(pr), orDash(formatMinor(l.Deprecated)), orDash(formatMinor(l.Removed)), optional(l.Replacement))
	if s != nil {
		if err := applySet(&e, *s); err != nil && d.err == nil {
			d.err = err
		}
		e.Evidence += " override: " + s.Reason
	}
	return e, true
}

// declaredReplacement checks a declared APILifecycleReplacement.
func (d *deriver) declaredReplacement(k, repl gvk) gvk {
	if repl == (gvk{}) {
		return repl
	}
	if !strings.HasSuffix(k.Kind, "List") && repl.Kind == k.Kind+"List" {
		fixed := gvk{repl.Group, repl.Version, k.Kind}
		if d.served[fixed] != nil {
			d.warn("%s: declared replacement %s is the list kind; using %s", k, repl, fixed)
			return fixed
		}
	}
	if d.served[repl] == nil {
		d.warn("%s: declared replacement %s was never served; ignored", k, repl)
		return gvk{}
	}
	return repl
}

// isList reports whether k is the list kind of a served item kind.
func (d *deriver) isList(k gvk) bool {
	item, ok := strings.CutSuffix(k.Kind, "List")
	return ok && d.served[gvk{k.Group, k.Version, item}] != nil
}

// listEntryFor derives the entry of a list kind from its item's entry in
// listed: the same versions and notes, and the replacement's list kind.
func (d *deriver) listEntryFor(k gvk, listed map[gvk]entry, s *override) (entry, bool) {
	itemKey := gvk{k.Group, k.Version, strings.TrimSuffix(k.Kind, "List")}
	own := d.declared[k]
	item, ok := listed[itemKey]
	if !ok {
		if own.Removed != 0 && own.Removed <= d.newest && s == nil {
			d.warn("%s: declared removed in %s, but its item kind is not; not listed", k, formatMinor(own.Removed))
		}
		return entry{}, false
	}
	itemDecl := d.declared[itemKey]
	if s == nil && (own.Removed != itemDecl.Removed || own.Deprecated != itemDecl.Deprecated) {
		d.warn("%s: declares deprecated %s, removed %s, unlike its item (%s, %s); following the item", k,
			orDash(formatMinor(own.Deprecated)), orDash(formatMinor(own.Removed)),
			orDash(formatMinor(itemDecl.Deprecated)), orDash(formatMinor(itemDecl.Removed)))
	}
	e := item
	e.Key = k
	if e.Replacement != (gvk{}) {
		e.Replacement.Kind += "List"
		if d.served[e.Replacement] == nil {
			e.Replacement = gvk{}
		}
	}
	e.Evidence = "as " + itemKey.Kind
	if s != nil {
		if err := applySet(&e, *s); err != nil && d.err == nil {
			d.err = err
		}
		e.Evidence += " override: " + s.Reason
	}
	return e, true
}

func compareGVK(a, b gvk) int {
	return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Kind, b.Kind))
}

// sameEntry compares everything but the evidence.
func sameEntry(a, b entry) bool {
	a.Evidence, b.Evidence = "", ""
	return a == b
}

func spanString(s *span) string {
	if s == nil {
		return "-"
	}
	return s.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func spanOf(m map[gvk]*span, k gvk) *span {
	s := m[k]
	if s == nil {
		s = &span{}
		m[k] = s
	}
	return s
}

// earliest returns the smaller of two minors, treating 0 as unknown.
func earliest(a, b int) int {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

func mustMinor(s string) int {
	n, err := parseMinor(s)
	if err != nil {
		panic(err) // validated in loadOverrides
	}
	return n
}

func optional(k gvk) string {
	if k == (gvk{}) {
		return "-"
	}
	return k.apiVersion() + "/" + k.Kind
}

// inferReplacement returns the most stable version of k's group and kind
// served in r that outranks k's version, or the zero gvk.
func inferReplacement(k gvk, r *release) gvk {
	var best gvk
	for c := range r.Served {
		if c.Group != k.Group || c.Kind != k.Kind || c.Version == k.Version {
			continue
		}
		if version.CompareKubeAwareVersionStrings(c.Version, k.Version) <= 0 {
			continue
		}
		if best == (gvk{}) || version.CompareKubeAwareVersionStrings(c.Version, best.Version) > 0 {
			best = c
		}
	}
	return best
}

// applySet applies an override's non-empty fields to e.
func applySet(e *entry, s override) error {
	if s.DeprecatedIn != "" {
		e.DeprecatedIn = mustMinor(s.DeprecatedIn)
	}
	if s.RemovedIn != "" {
		e.RemovedIn = mustMinor(s.RemovedIn)
	}
	if s.Replacement != "" {
		e.Replacement = parseGVK(s.Replacement, e.Key.Kind)
	}
	if s.ReplacementKind != "" {
		if e.Replacement == (gvk{}) {
			return fmt.Errorf("overrides: %s sets replacementKind without a replacement", e.Key)
		}
		e.Replacement.Kind = s.ReplacementKind
	}
	if s.Notes != "" {
		e.Notes = s.Notes
	}
	return nil
}

// compareEntries orders by removedIn, then group, version and kind.
func compareEntries(a, b entry) int {
	return cmp.Or(
		cmp.Compare(a.RemovedIn, b.RemovedIn),
		cmp.Compare(a.Key.Group, b.Key.Group),
		cmp.Compare(a.Key.Version, b.Key.Version),
		cmp.Compare(a.Key.Kind, b.Key.Kind),
	)
}
