// Package profile reads kubehop.yaml: which cluster an upgrade is for (so
// that kubehop refuses any other), its provider and target version, its
// node pools with their strategy and ordering rules, the gates that must
// hold before a pool moves, and how nodes are drained.
package profile
