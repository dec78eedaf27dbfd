// Errors are values across the core: the wasm build has no exceptions.
#pragma once
#include <optional>
#include <string>
#include <utility>

namespace tactful {

// A specific problem and where it is: `path` is a JSON path into the input
// (`slots[2].variants[0].condition`), empty when the input as a whole is wrong.
struct Error {
  std::string path;
  std::string message;
  // A stable name for a refusal the visitor can cause ("gesture-required"),
  // so a UI says it in the visitor's language; empty for a developer's mistake.
  const char* code = "";

  // "path: message", or just the message when there is no path.
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
};

inline Error make_error(std::string path, std::string message) {
  return Error{std::move(path), std::move(message)};
}
// Most messages are literals: taken as they are (out of line, result.cpp), a
// call site builds and destroys no std::string for them.
Error make_error(const std::string& path, const char* message);
Error make_error(const char* path, const char* message);

// The error, named by a stable code (Error::code).
inline Error coded(Error e, const char* code) {
  e.code = code;
  return e;
}

// A value or an error. Both members exist (T is default-constructed beside
// an error): std::variant's visitation code, instantiated per T, cost more
// wasm than the idle member costs memory.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)), ok_(true) {}
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok(); }

  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  const Error& error() const { return error_; }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  T value_{};
  Error error_;
  bool ok_ = false;
};

// For operations that produce nothing but may fail.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Status(Ok{}); }

}  // namespace tactful
