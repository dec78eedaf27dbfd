// The second wasm module, for Node and test tooling only (never on a page):
// the collector's side of the core, so that a site owner's CI can open the
// reports its pages send with the same code as the collector, without our
// native build. Same ABI shape as bindings.cpp: op + JSON in, JSON out.
#include <emscripten/emscripten.h>
#include <sodium.h>

#include <cstdint>
#include <string>

#include "tactful/config.hpp"
#include "tactful/report_open.hpp"

namespace {
std::string reply;
}

extern "C" {

// Starts libsodium; call once, while `self.crypto` is reachable (its start-up looks for it).
EMSCRIPTEN_KEEPALIVE int tactful_tools_start() { return sodium_init() < 0 ? -1 : 0; }

// op "report.open", input {config: the site config, report: base64, secretKey: base64}.
EMSCRIPTEN_KEEPALIVE const uint8_t* tactful_tools_call(const char* op, size_t op_len, const char* input,
                                                       size_t input_len) {
  using tactful::json;
  json out;
  if (sodium_init() < 0) {
    out = {{"error", "libsodium did not start"}};
  } else if (std::string_view(op, op_len) != "report.open") {
    out = {{"error", "unknown operation '" + std::string(op, op_len) + "' (report.open)"}};
  } else {
    auto in = tactful::parse_json(std::string_view(input, input_len));
    if (!in.ok() || !in->is_object() || !in->contains("config")) {
      out = {{"error", "report.open expects {config, report, secretKey}"}};
    } else {
      tactful::Diagnostics diag;
      auto config = tactful::load_config((*in)["config"].is_string() ? (*in)["config"].get<std::string>()
                                                                       : (*in)["config"].dump(),
                                         diag);
      out = config.ok() ? tactful::open_report_json(config->reporting, *in)
                        : json{{"error", "invalid config: " + config.error().to_string()}};
    }
  }
  std::string text = out.dump();
  uint32_t n = static_cast<uint32_t>(text.size());
  reply.assign(reinterpret_cast<const char*>(&n), 4);
  reply += text;
  return reinterpret_cast<const uint8_t*>(reply.data());
}

}  // extern "C"
