// `tactful serve`: serves a site's static files (with a strict CSP) and,
// given a collector key, the collector's endpoints on the same origin.
#include <httplib.h>

#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <utility>
#include <vector>

#include "checked_config.hpp"
#include "collector.hpp"
#include "collector_key.hpp"
#include "command.hpp"
#include "front_server.hpp"
#include "input_file.hpp"
#include "options.hpp"
#include "site_csp.hpp"
#include "tactful/base64.hpp"
#include "tactful/json.hpp"
#include "tactful/report.hpp"
#include "tactful/seal.hpp"

namespace tactful::cli {
namespace {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string site;
  std::vector<std::pair<std::string, std::string>> mounts;  // url prefix -> directory
  std::string config_path, key_path, db_path, token, chart_js;
  bool token_given = false;  // --token itself, not TACTFUL_OWNER_TOKEN
};

const char* const kUsage =
    "tactful serve --site DIR [--mount /PREFIX/=DIR]... [--host H] [--port N|0 (or PORT)]\n"
    "                     [--config SITE_CONFIG]  served at /tactful.config.json; must pass lint\n"
    "                     [--key FILE (or TACTFUL_COLLECTOR_KEY) --db FILE --token TOKEN (or TACTFUL_OWNER_TOKEN)\n"
    "                      --chart-js PATH]  the collector: POST /collect, /api/insights, /insights\n"
    "  --port 0 takes any free port; with --key the served config carries its public key\n"
    "  (a different reporting.publicKey already in SITE_CONFIG is refused)";

// Reads the arguments and the environment they stand in for. Returns 0, or
// the exit code of a usage error after printing it.
int read_serve_options(const Args& args, ServeOptions& o, std::ostream& err) {
  Options opts(args, {{"--site", "--host", "--port", "--config", "--key", "--db", "--token", "--chart-js"},
                      {"--mount"}});
  if (opts.ok() && !opts.has("--port")) {
    // PORT (how ./run demo and hosting platforms pass it) is read as strictly
    // as --port, which wins: a typo must not listen on some random port.
    if (const char* env = std::getenv("PORT")) {
      auto port = parse_whole_number("PORT", env, 0, 65535);
      if (!port.ok()) return usage_error("serve", port.error().to_string(), kUsage, err);
      o.port = static_cast<int>(*port);
    }
  }
  o.port = static_cast<int>(opts.whole("--port", static_cast<uint64_t>(o.port), 0, 65535));
  if (!opts.ok()) return usage_error("serve", opts.error(), kUsage, err);
  for (const std::string& spec : opts.all("--mount")) {
    auto eq = spec.find('=');
    if (eq == std::string::npos) {
      return usage_error("serve", "--mount takes PREFIX=DIR, got '" + spec + "'", kUsage, err);
    }
    // A URL path: without its "/" no request could reach it (and httplib refuses it).
    if (spec[0] != '/') {
      return usage_error("serve", "--mount: PREFIX is a URL path starting with '/', got '" + spec.substr(0, eq) + "'",
                         kUsage, err);
    }
    o.mounts.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
  }
  o.site = opts.text("--site");
  o.host = opts.text("--host", o.host);
  o.config_path = opts.text("--config");
  o.db_path = opts.text("--db");
  o.chart_js = opts.text("--chart-js");
  const char* key_env = std::getenv("TACTFUL_COLLECTOR_KEY");
  const char* token_env = std::getenv("TACTFUL_OWNER_TOKEN");
  o.key_path = opts.text("--key", key_env ? key_env : "");
  o.token = opts.text("--token", token_env ? token_env : "");
  o.token_given = opts.has("--token");
  return 0;
}

// Without a key there is no collector: a collector's flag given anyway
// means the key was forgotten, and serving on without it would look fine
// while every report is lost (the config a template, /collect a 404).
int check_collector_flags(const ServeOptions& o, std::ostream& err) {
  if (!o.key_path.empty()) return 0;
  const char* flag = !o.db_path.empty() ? "--db"
                     : o.token_given      ? "--token"
                     : !o.chart_js.empty() ? "--chart-js"
                                           : nullptr;
  if (!flag) return 0;
  return usage_error(
      "serve", std::string(flag) + " is for the collector, which needs --key FILE (or TACTFUL_COLLECTOR_KEY) too",
      kUsage, err);
}

// A directory to serve, checked before anything listens: a missing one is a
// usage error (exit 2) like any file that cannot be read, not a server that
// answers 404 to everything.
bool readable_directory(const std::string& flag, const std::string& dir, std::ostream& err) {
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) {
    err << "tactful serve: " << flag << ": cannot read '" << dir << "': " << std::strerror(errno) << "\n";
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    err << "tactful serve: " << flag << ": cannot read '" << dir << "': it is not a directory\n";
    return false;
  }
  return true;
}

// What the server will answer from: something must be given, and each
// directory must be one. Returns 0 or the usage error's exit code.
int check_served_directories(const ServeOptions& o, std::ostream& err) {
  if (o.site.empty() && o.mounts.empty() && o.config_path.empty()) {
    return usage_error("serve", "nothing to serve: give --site DIR (or --mount, or --config)", kUsage, err);
  }
  if (!o.site.empty() && !readable_directory("--site", o.site, err)) return 2;
  for (const auto& mount : o.mounts) {
    if (!readable_directory("--mount " + mount.first, mount.second, err)) return 2;
  }
  return 0;
}

// The config file as a JSON object (nothing without --config). Returns 0 or an exit code.
int read_config_object(const ServeOptions& o, json& config, std::ostream& err) {
  if (o.config_path.empty()) return 0;
  auto text = read_input_file(o.config_path);
  if (!text.ok()) {
    err << "tactful serve: --config: " << text.error().message << "\n";
    return 2;
  }
  auto parsed = parse_json(*text);
  if (!parsed.ok() || !parsed->is_object()) {
    err << "tactful serve: --config " << o.config_path << ": "
        << (parsed.ok() ? "not a JSON object" : "not valid JSON: " + parsed.error().message) << "\n";
    return 1;
  }
  config = std::move(parsed.value());
  return 0;
}

// Puts the collector's public key into the served config. A different key
// already there is refused rather than replaced: the file would then say one
// key while browsers seal to another, and usually the wrong key file was given.
int fill_public_key(const ServeOptions& o, const PublicKey& pk, json& config, std::ostream& err) {
  json& reporting = config["reporting"];
  if (!reporting.is_object()) reporting = json::object();
  const std::string ours = base64_encode(pk.data(), pk.size());
  const json* present = reporting.find_ptr("publicKey");
  if (present && !(present->is_string() && present->get<std::string>() == ours)) {
    auto theirs = present->is_string() ? base64_decode(present->get<std::string>()) : std::nullopt;
    PublicKey other{};
    bool decodes = theirs && theirs->size() == other.size();
    if (decodes) std::copy(theirs->begin(), theirs->end(), other.begin());
    err << "tactful serve: --config " << o.config_path << " has reporting.publicKey "
        << (decodes ? "of key id " + key_id_hex(key_id_of(other)) : std::string("that is not a key")) << ", but --key "
        << o.key_path << " is key id " << key_id_hex(key_id_of(pk))
        << ": give the matching key, or leave publicKey (and keyId) out of the config: serve fills the key in\n";
    return 1;
  }
  reporting["publicKey"] = ours;
  return 0;
}

int serve(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  ServeOptions o;
  if (int code = read_serve_options(args, o, err)) return code;
  if (!o.chart_js.empty()) {
    if (auto file = read_input_file(o.chart_js); !file.ok()) {
      err << "tactful serve: --chart-js: " << file.error().message << "\n";
      return 2;
    }
  }
  if (int code = check_collector_flags(o, err)) return code;
  if (int code = check_served_directories(o, err)) return code;

  // The site config: served to browsers at /tactful.config.json, read by the
  // collector. With a collector key, the served copy carries its public key.
  json config;
  if (int code = read_config_object(o, config, err)) return code;
  std::optional<SecretKey> sk;
  if (!o.key_path.empty()) {
    if (config.is_null() || o.db_path.empty() || o.token.empty()) {
      return usage_error("serve", "a collector needs --config, --key, --db and --token", kUsage, err);
    }
    if (o.chart_js.empty()) {  // the owner's dashboard draws its charts with it
      err << "tactful serve: a collector needs --chart-js PATH, Chart.js's UMD build "
             "(npm ci installs node_modules/chart.js/dist/chart.umd.js)\n";
      return 2;
    }
    int code = 0;
    sk = read_key_file(o.key_path, "serve", "--key", err, code);
    if (!sk) return code;
    PublicKey pk = x25519_public_key(*sk);
    sodium_memzero(sk->data(), sk->size());  // the collector reads its own copy
    code = fill_public_key(o, pk, config, err);
    if (code) return code;
  }
  // Browsers would reject a config lint rejects and show their defaults:
  // refuse to serve it, with lint's lines, rather than run a broken site.
  if (!config.is_null() && !checked_config(config.dump(), "serve", "--config " + o.config_path, err)) return 1;

  std::unique_ptr<Collector> collector;
  if (sk) {
    try {
      CollectorOptions co;
      co.config = config;
      co.secret_key_path = o.key_path;
      co.db_path = o.db_path;
      co.token = o.token;
      co.chart_js_path = o.chart_js;
      collector = std::make_unique<Collector>(co);
    } catch (const std::exception& e) {
      err << "tactful serve: collector: " << e.what() << "\n";
      return 1;
    }
  }
  const std::string served_config = config.is_null() ? std::string() : config.dump(1);

  // Epoll workers take the connections (front_server.hpp): POST /collect
  // without a thread per connection, everything else through httplib's
  // routes below. Idle kept-alive connections are let go quickly. A
  // connection may carry 100 requests rather than httplib's 5: fewer reconnects.
  FrontServer server;
  server.set_keep_alive_timeout(1);
  server.set_keep_alive_max_count(100);
  server.set_file_extension_and_mimetype_mapping("wasm", "application/wasm");
  server.set_file_extension_and_mimetype_mapping("mjs", "text/javascript");
  server.set_file_extension_and_mimetype_mapping("svg", "image/svg+xml");
  server.set_file_extension_and_mimetype_mapping("json", "application/json");
  for (const auto& [prefix, dir] : o.mounts) {
    if (!server.set_mount_point(prefix, dir)) {
      err << "tactful serve: cannot serve " << prefix << " from '" << dir << "' (not a directory)\n";
      return 1;
    }
  }
  if (!o.site.empty() && !server.set_mount_point("/", o.site)) {
    err << "tactful serve: site directory '" << o.site << "' does not exist\n";
    return 1;
  }
  const std::string csp = site_csp(config);
  server.set_response_headers([&csp](const httplib::Request& req, httplib::Response& res) {
    // Once each: httplib's set_header adds a second copy, and the collector's
    // routes set their own (the dashboard a stricter CSP).
    for (auto [name, value] : {std::pair{"Content-Security-Policy", csp.c_str()}, {"Referrer-Policy", "no-referrer"},
                               {"X-Content-Type-Options", "nosniff"}}) {
      if (!res.has_header(name)) res.set_header(name, value);
    }
    if (res.has_header("Cache-Control")) return;
    // The module's files change only with a release: let browsers keep them
    // (and Chromium its compiled wasm) briefly; pages and config revalidate.
    bool asset = req.path.rfind("/tactful/", 0) == 0 || req.path.rfind("/img/", 0) == 0 ||
                 req.path.rfind("/css/", 0) == 0;
    res.set_header("Cache-Control", asset ? "public, max-age=600" : "no-cache");
  });

  if (!served_config.empty()) {
    server.Get("/tactful.config.json", [&served_config](const httplib::Request&, httplib::Response& res) {
      // Fresh for a minute: a warm page load decides without waiting on the network.
      res.set_header("Cache-Control", "public, max-age=60");
      res.set_content(served_config, "application/json");
    });
  }
  if (collector) mount_collector(server, *collector);

  int port = server.open(o.host, o.port);
  if (port <= 0) {
    err << "tactful serve: cannot listen on " << o.host << ":" << o.port << ": "
        << (server.open_error() == EADDRINUSE ? "port " + std::to_string(o.port) + " is in use"
                                              : std::string(std::strerror(server.open_error())))
        << "\n";
    return 1;
  }
  out << "listening on http://" << o.host << ":" << port << "/" << std::endl;
  server.run();
  return 0;
}

TACTFUL_COMMAND({"serve", "serve a site's static files and the collector", kUsage, serve});

}  // namespace
}  // namespace tactful::cli
