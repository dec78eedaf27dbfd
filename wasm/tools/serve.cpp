// `tactful serve`: serves a site's static files (with a strict CSP) and,
// given a collector key, the collector's endpoints on the same origin.
#include <httplib.h>

#include <sodium.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include "collector.hpp"
#include "command.hpp"
#include "front_server.hpp"
#include "tactful/base64.hpp"
#include "tactful/json.hpp"
#include "tactful/report.hpp"
#include "tactful/seal.hpp"

namespace tactful::cli {
namespace {

const char* const kCsp =
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string site;
  std::vector<std::pair<std::string, std::string>> mounts;  // url prefix -> directory
  std::string config_path, key_path, db_path, token, chart_js;
};

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream f(path, std::ios::binary);
  ok = static_cast<bool>(f);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}


std::string value_after(const Args& args, size_t& i) { return i + 1 < args.size() ? args[++i] : std::string(); }

int serve(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  ServeOptions o;
  if (const char* p = std::getenv("PORT")) o.port = std::atoi(p);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--site") {
      o.site = value_after(args, i);
    } else if (a == "--mount") {
      std::string spec = value_after(args, i);
      auto eq = spec.find('=');
      if (eq == std::string::npos) {
        err << "tactful serve: --mount takes PREFIX=DIR, got '" << spec << "'\n";
        return 2;
      }
      o.mounts.emplace_back(spec.substr(0, eq), spec.substr(eq + 1));
    } else if (a == "--port") {
      o.port = std::atoi(value_after(args, i).c_str());
    } else if (a == "--host") {
      o.host = value_after(args, i);
    } else if (a == "--config") {
      o.config_path = value_after(args, i);
    } else if (a == "--key") {
      o.key_path = value_after(args, i);
    } else if (a == "--db") {
      o.db_path = value_after(args, i);
    } else if (a == "--token") {
      o.token = value_after(args, i);
    } else if (a == "--chart-js") {
      o.chart_js = value_after(args, i);
    } else {
      err << "tactful serve: unknown argument '" << a << "'\n";
      return 2;
    }
  }
  if (o.key_path.empty()) {
    if (const char* k = std::getenv("TACTFUL_COLLECTOR_KEY")) o.key_path = k;
  }
  if (o.token.empty()) {
    if (const char* t = std::getenv("TACTFUL_OWNER_TOKEN")) o.token = t;
  }

  // The site config: served to browsers at /tactful.config.json, read by the
  // collector. With a collector key, the served copy carries its public key.
  json config;
  if (!o.config_path.empty()) {
    bool ok = false;
    std::string text = read_file(o.config_path, ok);
    auto parsed = ok ? parse_json(text) : Result<json>(make_error("", "cannot read " + o.config_path));
    if (!parsed.ok() || !parsed->is_object()) {
      err << "tactful serve: --config " << o.config_path << ": "
          << (parsed.ok() ? "not a JSON object" : parsed.error().message) << "\n";
      return 1;
    }
    config = std::move(parsed.value());
  }
  std::unique_ptr<Collector> collector;
  if (!o.key_path.empty()) {
    if (config.is_null() || o.db_path.empty() || o.token.empty()) {
      err << "tactful serve: a collector needs --config, --key, --db and --token\n";
      return 2;
    }
    if (o.chart_js.empty()) {  // the owner's dashboard draws its charts with it
      err << "tactful serve: a collector needs --chart-js PATH, Chart.js's UMD build "
             "(npm ci installs node_modules/chart.js/dist/chart.umd.js)\n";
      return 2;
    }
    try {
      SecretKey sk = read_secret_key(o.key_path);
      PublicKey pk = x25519_public_key(sk);
      sodium_memzero(sk.data(), sk.size());
      json& reporting = config["reporting"];
      if (!reporting.is_object()) reporting = json::object();
      reporting["publicKey"] = base64_encode(pk.data(), pk.size());
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
  server.set_response_headers([](const httplib::Request& req, httplib::Response& res) {
    // Once each: httplib's set_header adds a second copy, and the collector's
    // routes set their own (the dashboard a stricter CSP).
    for (auto [name, value] : {std::pair{"Content-Security-Policy", kCsp}, {"Referrer-Policy", "no-referrer"},
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

TACTFUL_COMMAND({"serve", "serve a site's static files and the collector",
                 "tactful serve --site DIR [--mount /PREFIX/=DIR]... [--host H] [--port N|0 (or PORT)]\n"
                 "                     [--config SITE_CONFIG]  served at /tactful.config.json\n"
                 "                     [--key FILE (or TACTFUL_COLLECTOR_KEY) --db FILE --token TOKEN (or TACTFUL_OWNER_TOKEN)\n"
                 "                      --chart-js PATH]  the collector: POST /collect, /api/insights, /insights",
                 serve});

}  // namespace
}  // namespace tactful::cli
