package scan

import (
	"bytes"
)

// header is what the line scanner reads of one document's top level.
type header struct {
	apiVersion, kind, name, namespace string
	// line is the 1-based line of apiVersion within the document.
	line int
	// full asks for a full parse: the line scanner cannot be sure.
	full bool
}

// forEachDocument calls fn with every document of data and the 1-based
// line it starts at, counting from firstLine. Documents are separated by
// "---" lines and ended by "..." lines, as YAML streams are.
func forEachDocument(data []byte, firstLine int, fn func(doc []byte, line int)) {
	start, startLine, line := 0, firstLine, firstLine
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		l := data[pos:next]
		if isMarker(l, "---") || isMarker(l, "...") {
			if pos > start {
				fn(data[start:pos], startLine)
			}
			start, startLine = next, line+1
			// "--- key: value" puts content on the marker line itself.
			if rest := bytes.TrimSpace(l[3:]); len(rest) > 0 && rest[0] != '#' && isMarker(l, "---") {
				start, startLine = pos, line
			}
		}
		pos = next
		line++
	}
	if start < len(data) {
		fn(data[start:], startLine)
	}
}

func isMarker(l []byte, marker string) bool {
	if len(l) < 3 || string(l[:3]) != marker {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

// scanHeader reads a document's top-level apiVersion, kind and
// metadata.name and namespace without parsing it. It asks for a full parse
// when the document uses YAML it does not follow or looks malformed.
func scanHeader(doc []byte) header {
	var h header
	top, metaIndent := -1, -1
	inMeta, lineNo := false, 0
	if bytes.HasPrefix(doc, []byte("---")) {
		doc = doc[3:] // content on the marker line
	}
	for pos := 0; pos < len(doc); {
		end := bytes.IndexByte(doc[pos:], '\n')
		next := len(doc)
		if end >= 0 {
			next = pos + end + 1
		}
		l := doc[pos:next]
		pos = next
		lineNo++
		indent := 0
		for indent < len(l) && l[indent] == ' ' {
			indent++
		}
		rest := bytes.TrimRight(l[indent:], " \t\r\n")
		if len(rest) == 0 || rest[0] == '#' || (top < 0 && rest[0] == '%') {
			continue // blank, a comment, or a directive (%YAML) before the content
		}
		if rest[0] == '\t' {
			h.full = true // tabs may not indent YAML
			continue
		}
		if top < 0 {
			top = indent
			switch rest[0] {
			case '{', '[', '%', '&', '!', '|', '>', '*':
				h.full = true // JSON, flow style, directives, anchors, tags
				return h
			}
		}
		if indent < top {
			h.full = true // less indented than the top level: malformed
			continue
		}
		if indent > top {
			if inMeta {
				if metaIndent < 0 {
					metaIndent = indent
				}
				if indent == metaIndent {
					key, value, ok := splitKey(rest)
					if ok && (key == "name" || key == "namespace") {
						v, plain := scalar(value)
						if !plain {
							h.full = true
						}
						if key == "name" {
							h.name = v
						} else {
							h.namespace = v
						}
					}
				}
			}
			continue
		}
		inMeta = false
		if rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ') {
			h.full = true // a top-level sequence is not an object
			continue
		}
		key, value, ok := splitKey(rest)
		if !ok {
			h.full = true // a top-level line that is not "key: value"
			continue
		}
		switch key {
		case "apiVersion":
			v, plain := scalar(value)
			h.apiVersion, h.line = v, lineNo
			h.full = h.full || !plain || v == "" // an empty value may continue on the next line
		case "kind":
			v, plain := scalar(value)
			h.kind = v
			h.full = h.full || !plain || v == ""
		case "<<":
			h.full = true // a merge key may bring apiVersion or kind along
		case "metadata":
			inMeta, metaIndent = true, -1
			if len(bytes.TrimSpace(value)) > 0 && value[0] != '#' {
				h.full = true // flow-style metadata
			}
		}
	}
	if len(h.kind) > 4 && h.kind[len(h.kind)-4:] == "List" {
		h.full = true // a List's items are objects of their own
	}
	return h
}

// splitKey splits "key: value" at the first ": " (or a final ":").
func splitKey(l []byte) (key string, value []byte, ok bool) {
	if l[0] == '"' || l[0] == '\'' {
		closing := bytes.IndexByte(l[1:], l[0])
		if closing < 0 {
			return "", nil, false
		}
		k := l[1 : closing+1]
		after := bytes.TrimLeft(l[closing+2:], " \t")
		if len(after) == 0 || after[0] != ':' {
			return "", nil, false
		}
		return string(k), bytes.TrimSpace(after[1:]), true
	}
	for i := 0; i < len(l); i++ {
		if l[i] == ':' && (i+1 == len(l) || l[i+1] == ' ' || l[i+1] == '\t') {
			return string(bytes.TrimRight(l[:i], " \t")), bytes.TrimSpace(l[i+1:]), true
		}
		if l[i] == '#' && i > 0 && (l[i-1] == ' ' || l[i-1] == '\t') {
			break
		}
	}
	return "", nil, false
}

// scalar reads a one-line plain or quoted scalar; plain is false when the
// value is something the line scanner does not follow.
func scalar(v []byte) (s string, plain bool) {
	if len(v) == 0 {
		return "", true
	}
	switch v[0] {
	case '"', '\'':
		closing := bytes.IndexByte(v[1:], v[0])
		if closing < 0 || bytes.IndexByte(v[1:closing+1], '\\') >= 0 {
			return "", false
		}
		return string(v[1 : closing+1]), true
	case '&', '*', '!', '|', '>', '{', '[', '@', '`':
		return "", false
	case '#':
		return "", true
	}
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		v = bytes.TrimRight(v[:i], " \t")
	}
	return string(v), true
}
