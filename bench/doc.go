// Command bench measures kubehop's removed-API manifest scan side by side
// with pluto and kubent (kube-no-trouble) and prints a Markdown table.
//
// It generates two deterministic datasets outside the repository (--data,
// default $KUBEHOP_CACHE/bench or ~/.cache/kubehop/bench) from the embedded
// seed manifests in seeds/: a tree of about 25,000 manifest files (~300 MB)
// and a single ~190 MB multi-document YAML stream, with about 1.5% of the
// documents on removed API versions. It then runs every tool whose binary is
// given several times on each dataset, one process at a time, and reports
// the median wall time, the median user+system CPU time, the peak resident
// set size of the child process and the number of findings.
//
//	go run ./bench --pluto /tmp/benchtools/bin/pluto \
//	    --kubent /tmp/benchtools/bin/kubent --kubehop bin/kubehop
//
// --strict adds a row for kubehop check --strict, which parses every
// document in full as the other two tools do.
//
// --sanity runs every tool once on a small dataset and prints the findings
// per API version and kind next to the expected counts, so that a tool that
// misses or double-counts documents is visible before anything is timed.
// See docs/benchmarks.md for the competitors' build commands and results.
package main
