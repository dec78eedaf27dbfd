#include "tactful/result.hpp"

namespace tactful {

Error make_error(const std::string& path, const char* message) { return Error{path, message}; }

Error make_error(const char* path, const char* message) { return Error{path, message}; }

}  // namespace tactful
