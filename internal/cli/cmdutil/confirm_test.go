package cmdutil

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kubehop/kubehop/internal/exitcode"
)

func TestConfirm(t *testing.T) {
	for in, want := range map[string]string{"yes\n": "", "yes": "", "no\n": "not confirmed", "": "no confirmation on standard input"} {
		var errOut bytes.Buffer
		err := Confirm(IOStreams{In: strings.NewReader(in), ErrOut: &errOut}, "Go on", "pass --yes")
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", in, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "pass --yes") || exitcode.From(err) != exitcode.BadInput):
			t.Errorf("%q: %v, want a bad-input error with %q", in, err, want)
		}
		if !strings.Contains(errOut.String(), "Go on? Type yes") {
			t.Errorf("%q: asked %q", in, errOut.String())
		}
	}
}
