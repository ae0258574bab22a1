// Package demo seeds a local cluster with the platform the runbooks
// describe: node pools for the Vantiq servers, MongoDB, Keycloak, Grafana and
// metrics; the Vantiq StatefulSets, MongoDB and its backup CronJob, Keycloak,
// telegraf-prom behind a PodDisruptionBudget that blocks every drain,
// DaemonSets, and budgets on the rest. The pools and manifests are data
// files under platform/.
package demo
