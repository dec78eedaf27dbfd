#include "tactful/snapshot.hpp"

#include <sodium.h>

#include <cstring>

namespace tactful {

namespace {

constexpr char kMagic[4] = {'T', 'F', 'S', 'N'};
constexpr size_t kHeader = 9;  // magic, version, u32 length
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kMac = 32;

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

Error integrity(std::string detail = "") {
  return make_error("", "snapshot failed its integrity check (tampered or corrupted)" + detail);
}

}  // namespace

int snapshot_version(std::string_view bytes) {
  if (bytes.size() < 5 || std::memcmp(bytes.data(), kMagic, 4) != 0) return 0;
  return uint8_t(bytes[4]);
}

std::string seal_snapshot(std::string_view plain, const uint8_t key[32]) {
  if (sodium_init() < 0) return {};
  if (plain.size() > kSnapshotMaxPlaintext) return {};  // never write what open_snapshot would refuse
  std::string out(kHeader + kNonce + plain.size() + kTag, '\0');
  uint8_t* o = reinterpret_cast<uint8_t*>(&out[0]);
  std::memcpy(o, kMagic, 4);
  o[4] = kSnapshotVersion;
  uint32_t n = uint32_t(plain.size());
  for (int i = 0; i < 4; ++i) o[5 + i] = uint8_t(n >> (8 * i));
  // A random 24-byte nonce per seal: XChaCha's nonce is long enough that random never repeats in practice.
  randombytes_buf(o + kHeader, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(o + kHeader + kNonce, &written, u8(plain), plain.size(), o, kHeader,
                                             nullptr, o + kHeader, key);
  return out;
}

Result<json> open_snapshot(std::string_view bytes, const uint8_t key[32]) {
  if (sodium_init() < 0) return make_error("", "libsodium failed to initialize");
  if (bytes.empty()) return make_error("", "snapshot truncated");
  size_t prefix = bytes.size() < 4 ? bytes.size() : 4;
  if (std::memcmp(bytes.data(), kMagic, prefix) != 0) return make_error("", "not a tactful snapshot");
  if (bytes.size() < kHeader) return make_error("", "snapshot truncated");
  int version = uint8_t(bytes[4]);
  if (version > kSnapshotVersion)
    return make_error("", "snapshot version " + std::to_string(version) + " is newer than this build");
  if (version == 0) return make_error("", "snapshot version 0 is unknown");
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= uint32_t(uint8_t(bytes[5 + i])) << (8 * i);
  if (n > kSnapshotMaxPlaintext || bytes.size() > kHeader + kNonce + kMac + kTag + kSnapshotMaxPlaintext)
    return make_error("", "absurd size: snapshot declares " + std::to_string(n) + " bytes of state in " +
                              std::to_string(bytes.size()) + " bytes (limit " +
                              std::to_string(kSnapshotMaxPlaintext) + ")");
  size_t expected = kHeader + n + (version == 1 ? kMac : kNonce + kTag);
  if (bytes.size() < expected) return make_error("", "snapshot truncated");
  if (bytes.size() > expected)
    return integrity(": " + std::to_string(bytes.size() - expected) + " unexpected trailing bytes");

  std::string plain;
  if (version == 1) {
    // The previous format: authenticated, not encrypted. Verified, then migrated by the caller re-sealing it.
    uint8_t mac[kMac];
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, 32, kMac);
    crypto_generichash_update(&st, u8(bytes), kHeader);
    crypto_generichash_update(&st, u8(bytes) + kHeader + kMac, n);
    crypto_generichash_final(&st, mac, kMac);
    if (crypto_verify_32(mac, u8(bytes) + kHeader) != 0) return integrity();
    plain.assign(bytes.substr(kHeader + kMac));
  } else {
    plain.assign(n, '\0');
    unsigned long long got = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<uint8_t*>(&plain[0]), &got, nullptr,
                                                   u8(bytes) + kHeader + kNonce, n + kTag, u8(bytes), kHeader,
                                                   u8(bytes) + kHeader, key) != 0)
      return integrity();
  }
  auto state = parse_json(plain);
  if (!state.ok()) return make_error("", "snapshot state is not valid JSON: " + state.error().message);
  if (!state->is_object()) return make_error("", "snapshot state is not a JSON object");
  return std::move(state).value();
}

}  // namespace tactful
