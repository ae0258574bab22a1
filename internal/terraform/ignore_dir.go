package terraform

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// IgnoreChange is a SetIgnoreChangesDir edit: the file it changed, and its
// content before and after (equal when nothing had to change).
type IgnoreChange struct {
	FileChange
}

// Changed reports whether the edit changed the file.
func (c *IgnoreChange) Changed() bool { return !bytes.Equal(c.Before, c.After) }

// SetIgnoreChangesDir finds the *.tf file of dir that declares resource
// (TYPE.NAME, or an address as Terraform prints it) and adds (present) or
// removes attrs in its lifecycle ignore_changes, as [SetIgnoreChanges].
// Unless dryRun is set it replaces the file atomically when it changed.
func SetIgnoreChangesDir(dir, resource string, attrs []string, present, dryRun bool) (*IgnoreChange, error) {
	typ, name, err := ParseResourceAddress(resource)
	if err != nil {
		return nil, err
	}
	paths, err := moduleFiles(dir)
	if err != nil {
		return nil, err
	}
	files, err := readFiles(paths)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		parsed, diags := hclsyntax.ParseConfig(f.Before, f.Path, hcl.InitialPos)
		if diags.HasErrors() {
			return nil, diags
		}
		if _, err := findResource(f.Path, parsed.Body.(*hclsyntax.Body), typ, name); err != nil {
			continue
		}
		out, err := SetIgnoreChanges(f.Path, f.Before, typ, name, attrs, present)
		if err != nil {
			return nil, err
		}
		c := &IgnoreChange{FileChange: FileChange{Path: f.Path, Before: f.Before, After: out}}
		if c.Changed() && !dryRun {
			if err := (&Result{Files: []*FileChange{&c.FileChange}}).Write(); err != nil {
				return nil, err
			}
		}
		return c, nil
	}
	return nil, fmt.Errorf("%s: no *.tf file declares resource %s.%s (files: %s)", dir, typ, name, strings.Join(paths, ", "))
}
