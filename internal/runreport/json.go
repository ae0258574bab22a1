package runreport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSON writes the report as indented JSON, followed by a newline.
func JSON(w io.Writer, r *Report) error {
	if r == nil {
		return errors.New("rendering the JSON report: no report")
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing the JSON report: %w", err)
	}
	return nil
}
