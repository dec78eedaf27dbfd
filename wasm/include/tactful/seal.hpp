// Sealed boxes byte-compatible with libsodium's crypto_box_seal, composed from
// X25519 + XSalsa20-Poly1305 + BLAKE2b so the browser build does not link the
// Ed25519 base-point table that crypto_box_seal's keypair path pulls in.
//   sealed = epk || crypto_box_easy(msg, nonce = BLAKE2b-192(epk || pk), pk, esk)
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tactful/random.hpp"
#include "tactful/result.hpp"

namespace tactful {

using PublicKey = std::array<uint8_t, 32>;
using SecretKey = std::array<uint8_t, 32>;

constexpr size_t kSealOverhead = 48;  // ephemeral public key 32 + MAC 16

// X25519 public key of a secret scalar, by the Montgomery ladder on u = 9.
PublicKey x25519_public_key(const SecretKey& sk);

// The ephemeral secret comes from `rng` (secure_random() outside tests).
std::vector<uint8_t> seal(const uint8_t* msg, size_t len, const PublicKey& pk,
                          RandomSource& rng = secure_random());

// Opens what seal() or crypto_box_seal produced; an error if it was not sealed
// to this key pair or was altered.
Result<std::vector<uint8_t>> seal_open(const uint8_t* sealed, size_t len, const PublicKey& pk,
                                       const SecretKey& sk);

}  // namespace tactful
