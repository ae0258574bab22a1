// Package cmdutil holds what every kubehop command shares: its input and
// output streams, the global flags, output formats and logging.
package cmdutil
