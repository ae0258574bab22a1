package terraform

import (
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	lines := func(n int) []string {
		var s []string
		for i := 1; i <= n; i++ {
			s = append(s, "line "+string(rune('a'+i-1)))
		}
		return s
	}
	a := lines(20)
	b := append([]string(nil), a...)
	b[1] = "changed b"                                        // a hunk at the top
	b = append(b[:15], append([]string{"new"}, b[15:]...)...) // an insertion far below
	b = b[:len(b)-1]                                          // and the last line removed
	got := UnifiedDiff("f.tf", []byte(strings.Join(a, "\n")+"\n"), []byte(strings.Join(b, "\n")+"\n"))
	want := `--- a/f.tf
+++ b/f.tf
@@ -1,5 +1,5 @@
 line a
-line b
+changed b
 line c
 line d
 line e
@@ -13,8 +13,8 @@
 line m
 line n
 line o
+new
 line p
 line q
 line r
 line s
-line t
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if d := UnifiedDiff("f.tf", []byte("x\n"), []byte("x\n")); d != "" {
		t.Errorf("equal files: %q", d)
	}
	if d := UnifiedDiff("f.tf", []byte("x"), []byte("y")); !strings.Contains(d, "-x\n\\ No newline at end of file\n+y\n") {
		t.Errorf("no final newline: %q", d)
	}
	if d := UnifiedDiff("f.tf", nil, []byte("a\n")); d != "--- a/f.tf\n+++ b/f.tf\n@@ -0,0 +1,1 @@\n+a\n" {
		t.Errorf("from nothing: %q", d)
	}
}
