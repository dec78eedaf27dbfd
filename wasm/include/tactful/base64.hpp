// Base64 (the standard alphabet, with padding) for keys, sealed records and
// reports: the one place the core and the tools encode and decode it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tactful {

std::string base64_encode(const uint8_t* data, size_t len);
inline std::string base64_encode(std::string_view bytes) {
  return base64_encode(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// The decoded bytes, or nullopt when `text` is not base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace tactful
