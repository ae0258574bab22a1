package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/kubehop/kubehop/internal/exitcode"
)

// OutputOptions select how a command prints its result.
type OutputOptions struct {
	Format  string
	allowed []string
}

// NewOutputOptions accepts the given formats; the first is the default.
func NewOutputOptions(formats ...string) *OutputOptions {
	return &OutputOptions{Format: formats[0], allowed: formats}
}

// AddFlags registers -o/--output.
func (o *OutputOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.Format, "output", "o", o.Format, "output format: "+strings.Join(o.allowed, ", "))
}

// Validate rejects a format the command does not print.
func (o *OutputOptions) Validate() error {
	if !slices.Contains(o.allowed, o.Format) {
		return exitcode.Invalid(fmt.Errorf("--output %q: want one of %s", o.Format, strings.Join(o.allowed, ", ")))
	}
	return nil
}

// Structured reports whether the format is a machine-readable one that
// PrintStructured handles.
func (o *OutputOptions) Structured() bool { return o.Format == "json" || o.Format == "yaml" }

// PrintStructured writes v as JSON or YAML.
func (o *OutputOptions) PrintStructured(w io.Writer, v any) error {
	switch o.Format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		data, err := yaml.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode YAML: %w", err)
		}
		_, err = w.Write(data)
		return err
	}
	return fmt.Errorf("format %q is not structured", o.Format)
}
