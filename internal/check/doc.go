// Package check holds kubehop's upgrade-readiness checks. A check is data —
// a stable ID, a severity, the hops and providers it applies to, a remedy —
// plus a pure function of an Input (a snapshot, the hop path, the manifest
// scan) that returns findings. The registry is the explicit list in
// Registry; version policy lives in data/policy.yaml.
package check
