// Persistence: the state JSON sealed into versioned, integrity-checked bytes.
// The JS side stores them (base64) in IndexedDB beside a random per-origin
// 32-byte key. What this does and does not protect against: docs/threat-model.md.
//
// Format v2 (current): "TFSN" | version 0x02 | u32 LE plaintext length |
//   24-byte nonce | XChaCha20-Poly1305 ciphertext + 16-byte tag.
//   The first 9 bytes (magic, version, length) are the AEAD's associated data.
// Format v1 (previous, read only): "TFSN" | 0x01 | u32 LE length |
//   32-byte keyed BLAKE2b (crypto_generichash, key = the same key) over the
//   first 9 bytes and the JSON | the JSON in clear. Opening one migrates it:
//   the caller gets the state and re-seals it as v2.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tactful/json.hpp"
#include "tactful/result.hpp"

namespace tactful {

constexpr uint8_t kSnapshotVersion = 2;
constexpr size_t kSnapshotMaxPlaintext = 1 << 20;  // far above any bounded profile

// Seals the state, given as its JSON text (the state writers write it directly).
std::string seal_snapshot(std::string_view state_json, const uint8_t key[32]);
// The state object, or a specific error: "snapshot truncated", "not a tactful
// snapshot", "snapshot version N is newer than this build", "snapshot failed
// its integrity check (tampered or corrupted)", "absurd size: ...".
Result<json> open_snapshot(std::string_view bytes, const uint8_t key[32]);
// The format version of `bytes` (0 when not a snapshot), so the caller knows to re-seal after a migration.
int snapshot_version(std::string_view bytes);

}  // namespace tactful
