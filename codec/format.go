package codec

import (
	"bytes"
	"errors"
	"fmt"
)

// Format is how a value is stored in etcd.
type Format string

// The storage formats a kube-apiserver writes (docs/design.md, "Value formats").
const (
	FormatProtobuf  Format = "protobuf"
	FormatJSON      Format = "json"
	FormatCBOR      Format = "cbor"
	FormatEncrypted Format = "encrypted"
	FormatMalformed Format = "malformed"
)

var (
	// ErrMalformed is wrapped by every error about a value that no serializer
	// of the apiserver could read. Such a value breaks LIST of its whole
	// resource type, so callers report it instead of failing.
	ErrMalformed = errors.New("malformed value")

	// ErrEncrypted is wrapped by errors about values that are encrypted at
	// rest: lifeboat has no keys, so it can name the provider but never edit.
	ErrEncrypted = errors.New("encrypted value")
)

var (
	// protobufMagic prefixes every protobuf value: "k8s" and the encoding
	// style 0x00 = runtime.Unknown (protoEncodingPrefix, k8s.io/apimachinery
	// pkg/runtime/serializer/protobuf/protobuf.go).
	protobufMagic = []byte("k8s\x00")

	// cborSelfDescribed is the head of CBOR tag 55799 that the apiserver's
	// CBOR serializer writes before every value (selfDescribedCBOR,
	// k8s.io/apimachinery pkg/runtime/serializer/cbor/cbor.go).
	cborSelfDescribed = []byte{0xd9, 0xd9, 0xf7}

	// encryptedPrefix starts every value written by an encrypting transformer
	// (k8s.io/apiserver pkg/server/options/encryptionconfig/config.go).
	encryptedPrefix = []byte("k8s:enc:")
)

// DetectFormat tells how value is stored by looking only at its first bytes.
// It never fails: anything unrecognised is FormatMalformed.
func DetectFormat(value []byte) Format {
	switch {
	case bytes.HasPrefix(value, protobufMagic):
		return FormatProtobuf
	case bytes.HasPrefix(value, encryptedPrefix):
		return FormatEncrypted
	case bytes.HasPrefix(value, cborSelfDescribed):
		return FormatCBOR
	}
	// The JSON serializer recognises a value by its first non-space byte
	// (k8s.io/apimachinery pkg/util/json and serializer/json RecognizesData).
	if trimmed := bytes.TrimLeft(value, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		return FormatJSON
	}
	return FormatMalformed
}

// Encryption names how a value is encrypted at rest: enough to tell the
// operator which key the apiserver would need, nothing that could decrypt it.
type Encryption struct {
	Provider string // aescbc, aesgcm, secretbox, kms
	Version  string // v1 (kms: v1 or v2)
	KeyName  string // key name in the EncryptionConfiguration, or the KMS plugin name
}

// String is e.g. "aescbc key key1" or "kms v2 plugin vault".
func (e Encryption) String() string {
	provider := e.Provider
	if provider == "" {
		provider = "unknown provider"
	}
	if e.Provider == "kms" {
		return fmt.Sprintf("kms %s plugin %s", e.Version, e.KeyName)
	}
	return fmt.Sprintf("%s key %s", provider, e.KeyName)
}

// ParseEncryption reads the header of an encrypted value:
//
//	k8s:enc:<aescbc|aesgcm|secretbox>:v1:<key name>:<ciphertext>
//	k8s:enc:kms:<v1|v2>:<plugin name>:<ciphertext>
//
// Every provider writes "k8s:enc:<provider>:<version>:<name>:" before its
// ciphertext (k8s.io/apiserver pkg/server/options/encryptionconfig/config.go).
// The ciphertext is binary and may contain ':', so only the first three
// components after "k8s:enc:" are read. A value without the prefix, or whose
// header stops early, is an error wrapping ErrMalformed.
func ParseEncryption(value []byte) (Encryption, error) {
	if !bytes.HasPrefix(value, encryptedPrefix) {
		return Encryption{}, fmt.Errorf("%w: no %q prefix", ErrMalformed, encryptedPrefix)
	}
	rest := value[len(encryptedPrefix):]
	var parts [3]string
	for i := range parts {
		j := bytes.IndexByte(rest, ':')
		if j < 0 {
			var e Encryption
			e.Provider, e.Version, e.KeyName = parts[0], parts[1], parts[2]
			return e, fmt.Errorf("%w: encryption header %q ends before the ':' after its %s",
				ErrMalformed, clip(value, 48), [3]string{"provider", "version", "key name"}[i])
		}
		parts[i], rest = string(rest[:j]), rest[j+1:]
	}
	return Encryption{Provider: parts[0], Version: parts[1], KeyName: parts[2]}, nil
}

// clip returns at most n bytes of b, for error messages.
func clip(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// describeStart renders the first bytes of a value in hex for error messages.
func describeStart(b []byte) string {
	if len(b) == 0 {
		return "empty value"
	}
	var s bytes.Buffer
	s.WriteString("starts with")
	for _, c := range clip(b, 8) {
		fmt.Fprintf(&s, " 0x%02x", c)
	}
	if len(b) > 8 {
		s.WriteString("...")
	}
	return s.String()
}
