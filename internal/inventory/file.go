package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrBadSnapshot is returned for a snapshot file kubehop cannot use.
var ErrBadSnapshot = errors.New("bad snapshot")

// Write encodes the snapshot as indented JSON.
func (s *Snapshot) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// Save writes the snapshot to path atomically: to a temporary file in the
// same directory, then renamed over path.
func (s *Snapshot) Save(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := s.Write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save snapshot %s: %w", path, err)
	}
	return nil
}

// Load reads a snapshot file. Errors name the file, the line and, where
// known, the field.
func Load(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a snapshot; name is used in errors.
func Parse(name string, data []byte) (*Snapshot, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrBadSnapshot, describeJSONError(name, data, dec.InputOffset(), err))
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s:%d: unexpected data after the snapshot", ErrBadSnapshot, name, lineAt(data, dec.InputOffset()))
	}
	if s.APIVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %s: field apiVersion: got %q, want %q (is this a kubehop snapshot?)", ErrBadSnapshot, name, s.APIVersion, SchemaVersion)
	}
	if s.Cluster.Version == "" {
		return nil, fmt.Errorf("%w: %s: field cluster.version is empty", ErrBadSnapshot, name)
	}
	return &s, nil
}

func describeJSONError(name string, data []byte, offset int64, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("%s:%d: %v", name, lineAt(data, syntax.Offset), syntax)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s:%d: field %s: cannot use JSON %s as %s", name, lineAt(data, typ.Offset), typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("%s:%d: the file ends too early", name, lineAt(data, int64(len(data))))
	}
	// Unknown fields: `json: unknown field "x"`; the decoder has read past
	// it, so find the last mention of the field before where it stopped.
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if at := bytes.LastIndex(data[:min(offset, int64(len(data)))], []byte(field)); at >= 0 {
			offset = int64(at)
		}
	}
	return fmt.Sprintf("%s:%d: %v", name, lineAt(data, offset), err)
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
