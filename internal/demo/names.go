package demo

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// Everything that is random in a real cluster (UIDs, name suffixes, container
// IDs, digests) is derived here from a name by SHA-256, so that two seeded
// clusters are byte-for-byte the same and golden outputs stay stable.

// digest is a stream of pseudo-random bytes determined by seed.
func digest(seed string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	for block := 0; len(out) < n; block++ {
		sum := sha256.Sum256([]byte(seed + "#" + strconv.Itoa(block)))
		out = append(out, sum[:]...)
	}
	return out[:n]
}

// hexOf is n lowercase hex digits, as in image digests and container IDs.
func hexOf(seed string, n int) string {
	return hex.EncodeToString(digest(seed, (n+1)/2))[:n]
}

// uid is a version 4 UUID, as the apiserver assigns them, derived from the
// object's kind, namespace and name.
func uid(kind, namespace, name string) types.UID {
	b := digest("uid/"+kind+"/"+namespace+"/"+name, 16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// alphanums are the characters the apiserver uses in generated names
// (k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters).
const alphanums = "bcdfghjklmnpqrstvwxz2456789"

func encodeAlphanums(v uint64, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteByte(alphanums[v%uint64(len(alphanums))])
		v /= uint64(len(alphanums))
	}
	return sb.String()
}

// randomSuffix is a 5-character generateName suffix derived from seed.
func randomSuffix(seed string) string {
	return encodeAlphanums(binary.BigEndian.Uint64(digest("suffix/"+seed, 8)), 5)
}

// indexSuffix is a 5-character suffix that differs for every i below 27^5,
// so thousands of generated pods never collide. 7919 is prime to 27: the map
// is a bijection that does not look like a counter.
func indexSuffix(i int) string {
	const space = 27 * 27 * 27 * 27 * 27
	return encodeAlphanums(uint64((i*7919+104729)%space), 5)
}

// podTemplateHash is a Deployment's pod-template-hash (10 characters).
func podTemplateHash(seed string) string {
	return encodeAlphanums(binary.BigEndian.Uint64(digest("hash/"+seed, 8)), 10)
}

// nodeNumber gives every node its own small number, used for its addresses:
// control-plane-N is N, worker-N is 10+N; other names are hashed.
func nodeNumber(node string) int {
	for prefix, base := range map[string]int{"control-plane-": 0, "worker-": 10} {
		if n, err := strconv.Atoi(strings.TrimPrefix(node, prefix)); err == nil && strings.HasPrefix(node, prefix) {
			return (base+n)%240 + 1
		}
	}
	return int(digest("node/"+node, 1)[0])%240 + 1
}

// nodeIP is a node's InternalIP on the machine network 10.0.0.0/24.
func nodeIP(node string) string { return fmt.Sprintf("10.0.0.%d", 10+nodeNumber(node)) }

// podCIDR is the node's pod range, as the node IPAM controller allocates
// /24s out of the cluster CIDR 10.244.0.0/16.
func podCIDR(node string) string { return fmt.Sprintf("10.244.%d.0/24", nodeNumber(node)) }

func podIP(node string, i int) string {
	return fmt.Sprintf("10.244.%d.%d", nodeNumber(node), 2+i%250)
}

func ptrTo[T any](v T) *T { return &v }

// apiserverID is the identity kube-apiserver derives from its host name
// (k8s.io/apiserver pkg/server/config.go NewConfig): SHA-256 of the
// length-prefixed host name and "kube-apiserver", base32 of its first 16
// bytes.
func apiserverID(host string) string {
	var data []byte
	for _, s := range []string{host, "kube-apiserver"} {
		data = binary.BigEndian.AppendUint16(data, uint16(len(s)))
		data = append(data, s...)
	}
	hash := sha256.Sum256(data)
	return "apiserver-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(hash[:16]))
}
