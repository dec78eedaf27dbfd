// The only Emscripten-aware file: the C ABI the browser calls.
//
// JS writes the operation name and its JSON input into memory it allocated
// with malloc, calls tactful_call, and reads the JSON reply from the buffer
// whose address is returned: 4 bytes little-endian length, then UTF-8 bytes.
// The reply stays valid until the next call. One engine per page.
#include <emscripten/emscripten.h>
#include <sodium.h>

#include <cstdint>
#include <algorithm>
#include <string>
#include <cstring>
#include <vector>

#include "tactful/engine.hpp"

// Random bytes for libsodium come from crypto.getRandomValues, one call per
// request rather than libsodium's default of one JS call per 4 bytes.
EM_JS(void, tactful_js_random, (uint8_t * ptr, size_t len), {
  for (let off = 0; off < len; off += 65536) {
    crypto.getRandomValues(HEAPU8.subarray(ptr + off, ptr + Math.min(len, off + 65536)));
  }
});

namespace {

tactful::Engine* engine = nullptr;
std::string reply;

const char* random_name() { return "tactful-webcrypto"; }
uint32_t random_u32() {
  uint32_t v;
  tactful_js_random(reinterpret_cast<uint8_t*>(&v), sizeof v);
  return v;
}
void random_buf(void* buf, size_t size) { tactful_js_random(static_cast<uint8_t*>(buf), size); }

randombytes_implementation web_random = {random_name, random_u32, nullptr, nullptr, random_buf, nullptr};

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE int tactful_start() {
  if (engine) return 0;
  randombytes_set_implementation(&web_random);
  if (sodium_init() < 0) return -1;
  engine = new tactful::Engine();
  return 0;
}

EMSCRIPTEN_KEEPALIVE const uint8_t* tactful_call(const char* op, size_t op_len, const char* input, size_t input_len,
                                                 double now_ms, int user_gesture) {
  std::string out = engine ? engine->call(std::string_view(op, op_len), std::string_view(input, input_len),
                                          static_cast<int64_t>(now_ms), user_gesture != 0)
                           : std::string("{\"error\":\"engine not started\"}");
  uint32_t n = static_cast<uint32_t>(out.size());
  reply.assign(reinterpret_cast<const char*>(&n), 4);
  reply += out;
  return reinterpret_cast<const uint8_t*>(reply.data());
}

// The hot path (see Engine::decide_binary): returns the address of an int32
// slot count followed by 4 int16 per slot; null before init.
EMSCRIPTEN_KEEPALIVE const int32_t* tactful_decide(double now_ms) {
  static std::vector<int32_t> out;
  const std::vector<int16_t>* d = engine ? engine->decide_binary(static_cast<int64_t>(now_ms)) : nullptr;
  if (!d) return nullptr;
  out.assign(1 + (d->size() + 1) / 2, 0);
  out[0] = static_cast<int32_t>(d->size() / 4);
  std::memcpy(out.data() + 1, d->data(), d->size() * sizeof(int16_t));
  return out.data();
}

}  // extern "C"
