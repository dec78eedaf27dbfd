#include "tactful/seal.hpp"

#include <sodium.h>

namespace tactful {

namespace {
const uint8_t kBasePoint[32] = {9};

void seal_nonce(uint8_t nonce[crypto_box_NONCEBYTES], const uint8_t* epk, const uint8_t* pk) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, crypto_box_NONCEBYTES);
  crypto_generichash_update(&st, epk, 32);
  crypto_generichash_update(&st, pk, 32);
  crypto_generichash_final(&st, nonce, crypto_box_NONCEBYTES);
}
}  // namespace

PublicKey x25519_public_key(const SecretKey& sk) {
  PublicKey pk{};
  // Fails only for an all-zero result, impossible with the base point.
  if (crypto_scalarmult(pk.data(), sk.data(), kBasePoint) != 0) pk.fill(0);
  return pk;
}

std::vector<uint8_t> seal(const uint8_t* msg, size_t len, const PublicKey& pk, RandomSource& rng) {
  if (sodium_init() < 0) return {};
  SecretKey esk;
  rng.fill(esk.data(), esk.size());
  PublicKey epk = x25519_public_key(esk);
  uint8_t nonce[crypto_box_NONCEBYTES];
  seal_nonce(nonce, epk.data(), pk.data());

  std::vector<uint8_t> out(kSealOverhead + len);
  std::copy(epk.begin(), epk.end(), out.begin());
  int rc = crypto_box_easy(out.data() + 32, msg, len, nonce, pk.data(), esk.data());
  sodium_memzero(esk.data(), esk.size());
  if (rc != 0) return {};  // only for a low-order (malicious) public key
  return out;
}

Result<std::vector<uint8_t>> seal_open(const uint8_t* sealed, size_t len, const PublicKey& pk,
                                       const SecretKey& sk) {
  if (sodium_init() < 0) return make_error("", "libsodium failed to initialise");
  if (len < kSealOverhead) return make_error("", "sealed box shorter than its overhead");
  uint8_t nonce[crypto_box_NONCEBYTES];
  seal_nonce(nonce, sealed, pk.data());
  std::vector<uint8_t> out(len - kSealOverhead);
  if (crypto_box_open_easy(out.data(), sealed + 32, len - 32, nonce, sealed, sk.data()) != 0) {
    return make_error("", "sealed box does not open with this key");
  }
  return out;
}

}  // namespace tactful
