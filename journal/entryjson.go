package journal

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// appendJSON appends e as encoding/json's Encoder writes it, newline
// included: every write of a batch journals an entry with two images of
// its object, and encoding/json's reflection was most of the journal's
// CPU. The bytes are encoding/json's by construction (strings that need
// escaping and the time go through it) and by test (TestEntryJSONIsEncodingJSON,
// FuzzEntryJSON), which also fails when Entry gains a field this does not write.
func (e *Entry) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendJSONString(b, e.Type)
	t, err := e.Time.MarshalJSON()
	if err != nil {
		// encoding/json's own error, for a time it cannot write.
		_, err = json.Marshal(e)
		return b, err
	}
	b = append(appendKey(b, "time"), t...)
	b = appendStringField(b, "key", e.Key)
	b = appendStringField(b, "resource", e.Resource)
	b = appendStringField(b, "namespace", e.Namespace)
	b = appendStringField(b, "name", e.Name)
	b = appendStringField(b, "action", e.Action)
	b = appendBytesField(b, "before", e.Before)
	b = appendIntField(b, "beforeRevision", e.BeforeRevision)
	b = appendIntField(b, "lease", e.Lease)
	b = appendBytesField(b, "after", e.After)
	b = appendIntField(b, "afterRevision", e.AfterRevision)
	b = appendStringField(b, "resolution", string(e.Resolution))
	b = appendStringField(b, "command", e.Command)
	if len(e.Endpoints) > 0 {
		b = append(appendKey(b, "endpoints"), '[')
		for i, ep := range e.Endpoints {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, ep)
		}
		b = append(b, ']')
	}
	b = appendStringField(b, "prefix", e.Prefix)
	b = appendStringField(b, "clusterID", e.ClusterID)
	b = appendStringField(b, "memberID", e.MemberID)
	b = appendStringField(b, "undoes", e.Undoes)
	return append(b, "}\n"...), nil
}

// The append*Field functions write `,"name":value`, and nothing for an
// empty value (omitempty).

func appendStringField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(appendKey(b, name), s)
}

func appendBytesField(b []byte, name string, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	b = append(appendKey(b, name), '"')
	return append(base64.StdEncoding.AppendEncode(b, v), '"')
}

func appendIntField(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(appendKey(b, name), v, 10)
}

// appendKey writes `,"name":`, the names being plain ASCII.
func appendKey(b []byte, name string) []byte {
	b = append(append(b, `,"`...), name...)
	return append(b, `":`...)
}

// appendJSONString writes s quoted. A string of printable ASCII that
// encoding/json would not escape (keys, names, revisions in hex) is
// written as it is; any other goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
