// Package report renders kubehop's results for people and tools: readable
// text for a terminal, Markdown for a change ticket, JUnit XML for CI test
// views and SARIF for code-scanning dashboards. JSON and YAML are the
// results' own structure.
package report
