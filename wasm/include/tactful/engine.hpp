// The core as the page sees it: one object holding the loaded config and the
// visitor's state, driven by named operations with JSON in and JSON out. The
// wasm bindings and the native tests call the same `call`, so the browser and
// the tests exercise one code path.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tactful {

struct EngineState;  // private to engine.cpp

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Runs one operation. `input` is JSON text (may be empty for operations
  // that take none), `now_ms` the page's clock, `user_gesture` whether the
  // call came from within a visitor's gesture (transient activation).
  // Returns JSON text: the operation's result, or {"error": "...", "path": "..."}.
  std::string call(std::string_view op, std::string_view input, int64_t now_ms, bool user_gesture);

  // The hot path: decides the page set by the "page" operation, with no JSON.
  // Returns 4 int16 per slot (variant position or -1, reason, {{interest}} and
  // {{like}} taxonomy positions or -1), valid until the next call; null
  // before init.
  const std::vector<int16_t>* decide_binary(int64_t now_ms);

 private:
  std::unique_ptr<EngineState> state_;
};

}  // namespace tactful
