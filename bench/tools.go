package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Dataset names.
const (
	treeData   = "tree"
	streamData = "stream"
)

// tool is a scanner under test.
type tool struct {
	name string
	bin  string
	// ok are the exit codes of a successful scan, findings or not.
	ok []int
	// cmd is the command line that scans a dataset.
	cmd func(dataset string, ds *datasets, target string) (invocation, error)
	// parse counts the findings in the tool's JSON output.
	parse func(out []byte) (findings, error)
}

// findings is what a tool reported.
type findings struct {
	total int
	byAPI map[string]int // "apiVersion Kind" -> count
	// documents is the number of documents the tool says it read, or -1.
	documents int
}

func tools(o *options) []*tool {
	ts := []*tool{{name: "kubehop", bin: o.kubehop, ok: []int{0, 3, 4}, cmd: kubehopCmd, parse: parseKubehop}}
	if o.strict {
		ts = append(ts, &tool{name: "kubehop --strict", bin: o.kubehop, ok: []int{0, 3, 4}, cmd: kubehopStrictCmd, parse: parseKubehop})
	}
	return append(ts,
		&tool{name: "pluto", bin: o.pluto, ok: []int{0, 2, 3, 4}, cmd: plutoCmd, parse: parsePluto},
		&tool{name: "kubent", bin: o.kubent, ok: []int{0, 200}, cmd: kubentCmd, parse: parseKubent},
	)
}

// kubehop check reads a directory or standard input; it exits 3 for
// warnings and 4 for blockers.
func kubehopCmd(dataset string, ds *datasets, target string) (invocation, error) {
	if dataset == treeData {
		return invocation{args: []string{"check", "-f", ds.Tree.Path, "--target", target, "-o", "json"}}, nil
	}
	return invocation{args: []string{"check", "-f", "-", "--target", target, "-o", "json"}, stdin: ds.Stream.Path}, nil
}

// kubehopStrictCmd parses every document in full, as pluto and kubent do,
// instead of reading only the top-level fields of most documents.
func kubehopStrictCmd(dataset string, ds *datasets, target string) (invocation, error) {
	inv, err := kubehopCmd(dataset, ds, target)
	inv.args = append(inv.args, "--strict")
	return inv, err
}

// pluto detect-files walks a directory and detect reads one file or
// standard input. Both exit 2 when they find deprecated, 3 removed and 4
// deprecated-without-replacement API versions.
func plutoCmd(dataset string, ds *datasets, target string) (invocation, error) {
	tv := "--target-versions=k8s=v" + semver(target)
	if dataset == treeData {
		return invocation{args: []string{"detect-files", "-d", ds.Tree.Path, "-o", "json", tv}}, nil
	}
	return invocation{args: []string{"detect", "-", "-o", "json", tv}, stdin: ds.Stream.Path}, nil
}

// kubent has no directory mode: it takes files with -f (comma-separated
// lists allowed) or - for standard input. The cluster and Helm collectors
// are on by default and are turned off. Without --exit-error it exits 0.
func kubentCmd(dataset string, ds *datasets, target string) (invocation, error) {
	args := []string{"--cluster=false", "--helm3=false", "--target-version=" + semver(target), "--output=json"}
	if dataset == streamData {
		return invocation{args: append(args, "--filename=-"), stdin: ds.Stream.Path}, nil
	}
	files, err := treeFiles(ds.Tree.Path)
	if err != nil {
		return invocation{}, err
	}
	// One argument holds at most 128 KiB (MAX_ARG_STRLEN); relative paths
	// keep the whole command line well under ARG_MAX.
	const chunk = 100 << 10
	var b strings.Builder
	for _, f := range files {
		if b.Len()+len(f)+1 > chunk {
			args = append(args, "--filename="+b.String())
			b.Reset()
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f)
	}
	if b.Len() > 0 {
		args = append(args, "--filename="+b.String())
	}
	return invocation{args: args, dir: ds.Tree.Path}, nil
}

// semver turns "1.37" into "1.37.0".
func semver(v string) string {
	if strings.Count(v, ".") == 1 {
		return v + ".0"
	}
	return v
}

func parsePluto(out []byte) (findings, error) {
	var r struct {
		Items []struct {
			API struct {
				Version string `json:"version"`
				Kind    string `json:"kind"`
			} `json:"api"`
		} `json:"items"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return findings{}, err
	}
	f := findings{byAPI: map[string]int{}, documents: -1}
	for _, it := range r.Items {
		f.total++
		f.byAPI[it.API.Version+" "+it.API.Kind]++
	}
	return f, nil
}

func parseKubent(out []byte) (findings, error) {
	var r []struct {
		Kind       string
		ApiVersion string
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return findings{}, err
	}
	f := findings{byAPI: map[string]int{}, documents: -1}
	for _, it := range r {
		f.total++
		f.byAPI[it.ApiVersion+" "+it.Kind]++
	}
	return f, nil
}

// parseKubehop counts the removed- and deprecated-API findings (checks
// KH-API-*) of a check report; their message starts "<apiVersion> <Kind>".
func parseKubehop(out []byte) (findings, error) {
	var r struct {
		Findings []struct {
			Check   string `json:"check"`
			Message string `json:"message"`
		} `json:"findings"`
		Scanned *struct {
			Documents int `json:"documents"`
		} `json:"scanned"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return findings{}, err
	}
	f := findings{byAPI: map[string]int{}, documents: -1}
	if r.Scanned != nil {
		f.documents = r.Scanned.Documents
	}
	for _, it := range r.Findings {
		if !strings.HasPrefix(it.Check, "KH-API-") {
			continue
		}
		f.total++
		api := "?"
		if w := strings.Fields(it.Message); len(w) >= 2 {
			api = w[0] + " " + w[1]
		}
		f.byAPI[api]++
	}
	return f, nil
}

func (f findings) String() string {
	if f.total < 0 {
		return "?"
	}
	return fmt.Sprint(f.total)
}
