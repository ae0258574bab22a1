// Package plan turns a profile, a snapshot and a target version into a
// reviewable upgrade plan: hops of one minor version, each with its
// control-plane and node-pool steps, plus the steps that relax drain
// blockers before the first pool moves and restore them after the last.
// Steps form a DAG with explicit dependencies and exclusions; the plan
// estimates its duration and its critical path, and prints as an outline,
// JSON/YAML or a Markdown runbook a person could follow by hand.
package plan
