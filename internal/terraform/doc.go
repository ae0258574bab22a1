// Package terraform edits the Terraform files that pin a cluster's
// Kubernetes versions and judges the plans Terraform makes from them.
//
// The runbooks upgrade AKS and EKS clusters through Terraform by hand: bump
// `cluster_version` (and the node pools' `orchestrator_version` or the node
// groups' `kubernetes_version`) in constants.tf, check that `terraform plan`
// shows only those version changes, apply, and on EKS add and later remove a
// temporary `lifecycle { ignore_changes = [release_version] }`. This package
// does each of those steps:
//
//   - [Bump] and [BumpFiles] rewrite the version string literals in place,
//     leaving every other byte of the files as it was;
//   - [SetIgnoreChanges] adds or removes entries of a resource's
//     lifecycle ignore_changes list, so that removing restores the file
//     byte for byte;
//   - [Guard] reads `terraform show -json` output and reports every change
//     that is not an allowed version change: creations, deletions,
//     replacements, drift and unexpected attribute changes;
//   - [CurrentVersions] reads the versions the files pin now;
//   - [Runner] drives the terraform or tofu binary: init, plan to a file,
//     show it as JSON for the guard, apply exactly that plan.
package terraform
