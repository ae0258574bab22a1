package exitcode

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestFrom(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, OK},
		{errors.New("boom"), Failure},
		{Invalid(errors.New("bad flag")), BadInput},
		{fmt.Errorf("run: %w", With(Blockers, errors.New("2 blockers"))), Blockers},
		{fmt.Errorf("wait: %w", context.Canceled), Interrupted},
	} {
		if got := From(tc.err); got != tc.want {
			t.Errorf("From(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
	if With(Failure, nil) != nil {
		t.Error("With(code, nil) should be nil")
	}
}
