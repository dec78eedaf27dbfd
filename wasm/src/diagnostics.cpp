#include "tactful/diagnostics.hpp"

#include "tactful/json.hpp"

namespace tactful {

void Diagnostics::error(std::string path, std::string message) {
  errors.push_back({std::move(path), std::move(message)});
}

void Diagnostics::warn(std::string path, std::string message) {
  warnings.push_back({std::move(path), std::move(message)});
}

void Diagnostics::error(const std::string& path, const char* message) { errors.push_back({path, message}); }

void Diagnostics::warn(const std::string& path, const char* message) { warnings.push_back({path, message}); }

void Diagnostics::error(const char* path, const char* message) { errors.push_back({path, message}); }

void Diagnostics::warn(const char* path, const char* message) { warnings.push_back({path, message}); }

void Diagnostics::error_at(const std::string& base, const char* key, const char* message) {
  error(join_path(base, key), message);
}

void Diagnostics::warn_at(const std::string& base, const char* key, const char* message) {
  warn(join_path(base, key), message);
}

}  // namespace tactful
