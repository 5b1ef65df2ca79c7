package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters for new hashes (OWASP's minimum recommendation:
// 19 MiB, 2 passes, 1 lane). Stored hashes carry their own parameters, so
// these can be raised later without invalidating existing passwords.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

var b64 = base64.RawStdEncoding

// hashPassword returns a PHC-style argon2id string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key> (unpadded standard base64).
func hashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Bounds on parameters accepted from a stored hash, so a corrupted row
// cannot make a sign-in allocate gigabytes.
const (
	maxArgonMemoryKiB = 1 << 20
	maxArgonTime      = 16
)

// verifyPassword reports whether password matches the PHC string, comparing
// in constant time.
func verifyPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errors.New("password hash is not an argon2id PHC string")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	var mem, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &passes, &threads); err != nil {
		return false, fmt.Errorf("parse argon2 parameters %q: %w", parts[3], err)
	}
	if mem == 0 || mem > maxArgonMemoryKiB || passes == 0 || passes > maxArgonTime || threads == 0 {
		return false, fmt.Errorf("argon2 parameters out of range %q", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("decode argon2 salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, fmt.Errorf("decode argon2 key: %v", err)
	}
	got := argon2.IDKey([]byte(password), salt, passes, mem, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// burnPasswordCheck spends about the time of a real check, so that an
// unknown login cannot be told from a wrong password by timing.
func burnPasswordCheck(password string) {
	argon2.IDKey([]byte(password), make([]byte, argonSaltLen), argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
}

// HashToken returns the hex SHA-256 of a secret token (API tokens, chat
// resume tokens): what the store keeps instead of the token itself.
func HashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}
