#include "collector_key.hpp"

#include <sodium.h>

#include <ostream>
#include <stdexcept>

#include "checked_config.hpp"
#include "collector.hpp"
#include "input_file.hpp"

namespace tactful::cli {

std::optional<SecretKey> read_key_file(const std::string& path, const std::string& command, const std::string& flag,
                                       std::ostream& err, int& exit_code) {
  // Read once here for the reason it cannot be (a directory, a missing file);
  // read_secret_key then parses it as the collector does.
  if (auto file = read_input_file(path); !file.ok()) {
    err << "tactful " << command << ": " << flag << ": " << file.error().message << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  try {
    return read_secret_key(path);
  } catch (const std::exception& e) {
    err << "tactful " << command << ": " << flag << ": " << e.what() << "\n";
    exit_code = 1;
    return std::nullopt;
  }
}

std::optional<SecretKey> read_collector_key(const std::string& path, const ReportRules& rules,
                                            const std::string& command, std::ostream& err, int& exit_code) {
  auto key = read_key_file(path, command, "--key", err, exit_code);
  if (!key) return key;
  SecretKey& sk = *key;
  PublicKey pk = x25519_public_key(sk);
  if (pk != rules.public_key) {
    auto id = key_id_of(pk);
    sodium_memzero(sk.data(), sk.size());
    err << "tactful " << command << ": --key " << path << " is key id " << key_id_hex(id)
        << ", but the config's reporting.publicKey is key id " << key_id_hex(rules.key_id)
        << ": is it the collector's key for this config?\n";
    exit_code = 1;
    return std::nullopt;
  }
  return key;
}

std::optional<ReportingKeys> read_config_and_key(const std::string& config_path, const std::string& key_path,
                                                 const std::string& command, std::ostream& err, int& exit_code) {
  if (sodium_init() < 0) {
    err << "tactful " << command << ": libsodium failed to initialise\n";
    exit_code = 1;
    return std::nullopt;
  }
  auto config = read_reporting_config(config_path, command, err, exit_code);
  if (!config) return std::nullopt;
  auto key = read_collector_key(key_path, config->reporting, command, err, exit_code);
  if (!key) return std::nullopt;
  std::optional<ReportingKeys> both(ReportingKeys{std::move(*config), *key});
  sodium_memzero(key->data(), key->size());  // one copy of the secret, which the caller wipes
  return both;
}

}  // namespace tactful::cli
