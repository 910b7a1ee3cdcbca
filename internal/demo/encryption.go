package demo

import (
	"context"
	"crypto/aes"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/lifeboat-k8s/lifeboat/codec"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
)

// demoKey is the demo cluster's aescbc key1: derived, so every demo has the
// same one. It protects nothing.
func demoKey() []byte { return digest("lifeboat demo aescbc key1", 32) }

// EncryptionConfig is the demo cluster's kube-apiserver
// --encryption-provider-config: Secrets encrypted with aescbc key1, and
// read as plaintext where they were written before encryption was on.
// `lifeboat --encryption-config FILE` with it decrypts the demo's
// encrypted Secret.
func EncryptionConfig() []byte {
	return []byte(fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: %s
  - identity: {}
`, base64.StdEncoding.EncodeToString(demoKey())))
}

// encryptedSecret is payments/card-processor-token as kube-apiserver with
// EncryptionConfig stores it: the protobuf object, encrypted by its own
// aescbc transformer, with the key as authenticated data.
func encryptedSecret(key string, created time.Time) ([]byte, error) {
	plain, err := codec.EncodeProtobuf(&corev1.Secret{
		ObjectMeta: meta("Secret", "payments", "card-processor-token", created, map[string]string{"app": "payments-api"}),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"token": []byte("tok_" + hexOf("card-processor-token", 24))},
	})
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(demoKey())
	if err != nil {
		return nil, err
	}
	out, err := aestransformer.NewCBCTransformer(block).TransformToStorage(context.Background(), plain, value.DefaultContext(key))
	if err != nil {
		return nil, fmt.Errorf("encrypt %s: %w", key, err)
	}
	return append([]byte("k8s:enc:aescbc:v1:key1:"), out...), nil
}
