// Package drain empties nodes through the Eviction API, so that no
// PodDisruptionBudget is ever violated: the API server refuses (429) an
// eviction the budget does not allow, atomically, however many drains run
// at once. A drain is a chain of pod filters (DaemonSet and mirror pods are
// skipped; pods without a controller or with emptyDir data are refused
// unless allowed) and bounded passes: each pass evicts what it can and
// returns what is still pending or blocked, naming the budget that blocks.
// The caller owns waiting between passes.
package drain
