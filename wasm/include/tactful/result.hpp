// Errors are values across the core: the wasm build has no exceptions.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace tactful {

// A specific problem and where it is: `path` is a JSON path into the input
// (`slots[2].variants[0].condition`), empty when the input as a whole is wrong.
struct Error {
  std::string path;
  std::string message;

  // "path: message", or just the message when there is no path.
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
};

inline Error make_error(std::string path, std::string message) {
  return Error{std::move(path), std::move(message)};
}

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

// For operations that produce nothing but may fail.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Status(Ok{}); }

}  // namespace tactful
