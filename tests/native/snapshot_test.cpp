// The stored snapshot: what it accepts, and the specific error for each kind of damage.
#include <doctest/doctest.h>
#include <sodium.h>

#include <cstring>

#include "tactful/snapshot.hpp"

using namespace tactful;

namespace {
struct Key {
  uint8_t bytes[32];
  explicit Key(uint8_t fill) { std::memset(bytes, fill, sizeof bytes); }
};

json sample_state() {
  return json::parse(R"({"profile":{"v":1,"interests":[{"id":"outdoor","w":2.5}]},"note":"ñ"})");
}

std::string message(std::string_view bytes, const Key& key) {
  auto r = open_snapshot(bytes, key.bytes);
  return r.ok() ? "(opened)" : r.error().message;
}

// The previous format (v1), built here from its documented layout.
std::string seal_v1(const std::string& json_text, const Key& key) {
  std::string header = "TFSN";
  header += char(1);
  for (int i = 0; i < 4; ++i) header += char(uint8_t(json_text.size() >> (8 * i)));
  uint8_t mac[32];
  crypto_generichash_state st;
  crypto_generichash_init(&st, key.bytes, 32, 32);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(header.data()), header.size());
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(json_text.data()), json_text.size());
  crypto_generichash_final(&st, mac, 32);
  return header + std::string(reinterpret_cast<char*>(mac), 32) + json_text;
}
}  // namespace

TEST_CASE("a sealed snapshot opens to the same state with the same key") {
  Key key(7);
  std::string bytes = seal_snapshot(sample_state().dump(), key.bytes);
  CHECK(bytes.compare(0, 4, "TFSN") == 0);
  CHECK(snapshot_version(bytes) == 2);
  CHECK(bytes.find("outdoor") == std::string::npos);  // sealed, not in clear
  auto opened = open_snapshot(bytes, key.bytes);
  REQUIRE(opened.ok());
  CHECK(*opened == sample_state());
  // A fresh nonce every time: the same state never seals to the same bytes.
  CHECK(seal_snapshot(sample_state().dump(), key.bytes) != bytes);
}

TEST_CASE("another origin's key does not open it") {
  std::string bytes = seal_snapshot(sample_state().dump(), Key(7).bytes);
  CHECK(message(bytes, Key(8)) == "snapshot failed its integrity check (tampered or corrupted)");
}

TEST_CASE("every truncation is reported as truncated") {
  Key key(7);
  std::string bytes = seal_snapshot(sample_state().dump(), key.bytes);
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK(message(std::string_view(bytes).substr(0, n), key) == "snapshot truncated");
  }
}

TEST_CASE("every flipped bit is detected") {
  Key key(7);
  std::string bytes = seal_snapshot(sample_state().dump(), key.bytes);
  for (size_t i = 9; i < bytes.size(); ++i) {  // past the header: nonce, ciphertext, tag
    for (int bit = 0; bit < 8; bit += 3) {
      std::string bad = bytes;
      bad[i] = char(bad[i] ^ (1 << bit));
      CAPTURE(i);
      CHECK(message(bad, key) == "snapshot failed its integrity check (tampered or corrupted)");
    }
  }
  // A flipped bit in the length is caught as well, as a length that does not fit.
  std::string bad = bytes;
  bad[5] = char(bad[5] ^ 1);
  CHECK(message(bad, key) != "(opened)");
  bad = bytes + "x";
  CHECK(message(bad, key) == "snapshot failed its integrity check (tampered or corrupted): 1 unexpected trailing bytes");
}

TEST_CASE("foreign bytes, newer versions and absurd sizes each get their own error") {
  Key key(7);
  std::string bytes = seal_snapshot(sample_state().dump(), key.bytes);
  CHECK(message(R"({"profile":{}})", key) == "not a tactful snapshot");
  CHECK(message("TFSX", key) == "not a tactful snapshot");
  std::string newer = bytes;
  newer[4] = 9;
  CHECK(message(newer, key) == "snapshot version 9 is newer than this build");
  std::string zero = bytes;
  zero[4] = 0;
  CHECK(message(zero, key) == "snapshot version 0 is unknown");
  std::string huge = bytes;
  huge[8] = char(0x7f);  // declares ~2 GB of state
  CHECK(message(huge, key).rfind("absurd size: snapshot declares 2130706", 0) == 0);
  std::string padded = bytes + std::string(2 << 20, '\0');
  CHECK(message(padded, key).rfind("absurd size", 0) == 0);
}

TEST_CASE("a state too large to open again is never sealed") {
  json big = {{"blob", std::string(kSnapshotMaxPlaintext, 'a')}};
  CHECK(seal_snapshot(big.dump(), Key(7).bytes).empty());
}

TEST_CASE("a previous-format (v1) snapshot migrates when its check holds") {
  Key key(7);
  std::string v1 = seal_v1(sample_state().dump(), key);
  CHECK(snapshot_version(v1) == 1);
  auto opened = open_snapshot(v1, key.bytes);
  REQUIRE(opened.ok());
  CHECK(*opened == sample_state());
  // Re-sealing is the migration: the result is the current version.
  CHECK(snapshot_version(seal_snapshot(opened->dump(), key.bytes)) == kSnapshotVersion);

  std::string tampered = v1;
  tampered[tampered.size() - 3] = 'X';
  CHECK(message(tampered, key) == "snapshot failed its integrity check (tampered or corrupted)");
  CHECK(message(v1, Key(8)) == "snapshot failed its integrity check (tampered or corrupted)");
  CHECK(message(std::string_view(v1).substr(0, v1.size() - 1), key) == "snapshot truncated");
}

TEST_CASE("authentic bytes that are not a state object are refused") {
  Key key(7);
  CHECK(message(seal_v1("[1,2]", key), key) == "snapshot state is not a JSON object");
  CHECK(message(seal_v1("{nope", key), key).rfind("snapshot state is not valid JSON", 0) == 0);
}
