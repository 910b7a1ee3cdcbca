package codec

import (
	"errors"
	"testing"
)

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  Format
	}{
		{"protobuf", "k8s\x00\x0a\x0b", FormatProtobuf},
		{"protobuf magic only", "k8s\x00", FormatProtobuf},
		{"json", `{"kind":"Widget"}`, FormatJSON},
		{"json after whitespace", " \n\t{}", FormatJSON},
		{"cbor", "\xd9\xd9\xf7\xa1", FormatCBOR},
		{"aescbc", "k8s:enc:aescbc:v1:key1:\x01\x02", FormatEncrypted},
		{"kms v2", "k8s:enc:kms:v2:vault:\x0a", FormatEncrypted},
		{"bare encryption prefix", "k8s:enc:", FormatEncrypted},
		{"json array", `[{}]`, FormatMalformed},
		{"other k8s style", "k8s\x01", FormatMalformed},
		{"garbage", "JUNK", FormatMalformed},
		{"whitespace only", "  \n", FormatMalformed},
		{"empty", "", FormatMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectFormat([]byte(tt.value)); got != tt.want {
				t.Errorf("DetectFormat(%q) = %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestParseEncryption(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    Encryption
		str     string
		wantErr bool
	}{
		{"aescbc", "k8s:enc:aescbc:v1:key1:\x8f\x01:\x00", Encryption{"aescbc", "v1", "key1"}, "aescbc key key1", false},
		{"aesgcm", "k8s:enc:aesgcm:v1:2024-rotation:ciphertext", Encryption{"aesgcm", "v1", "2024-rotation"}, "aesgcm key 2024-rotation", false},
		{"secretbox", "k8s:enc:secretbox:v1:sb:\xff", Encryption{"secretbox", "v1", "sb"}, "secretbox key sb", false},
		{"kms v1", "k8s:enc:kms:v1:aws-kms:\x00\x10", Encryption{"kms", "v1", "aws-kms"}, "kms v1 plugin aws-kms", false},
		{"kms v2", "k8s:enc:kms:v2:vault:\x0a\x24", Encryption{"kms", "v2", "vault"}, "kms v2 plugin vault", false},
		{"truncated header", "k8s:enc:aescbc:v1:key1", Encryption{"aescbc", "v1", ""}, "aescbc key ", true},
		{"prefix only", "k8s:enc:", Encryption{}, "unknown provider key ", true},
		{"garbage", "JUNK", Encryption{}, "unknown provider key ", true},
		{"empty", "", Encryption{}, "unknown provider key ", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEncryption([]byte(tt.value))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseEncryption(%q) error = %v, want error %v", tt.value, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if got != tt.want {
				t.Errorf("ParseEncryption(%q) = %+v, want %+v", tt.value, got, tt.want)
			}
			if s := got.String(); s != tt.str {
				t.Errorf("String() = %q, want %q", s, tt.str)
			}
		})
	}
}
