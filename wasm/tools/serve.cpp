// `tactful serve`: serves a site's static files (with a strict CSP) and,
// given a collector key, the collector's endpoints on the same origin.
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <utility>
#include <vector>

#include "collector.hpp"
#include "command.hpp"

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
  CollectorOptions collector;
  bool with_collector = false;
};

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
    } else if (parse_collector_flag(args, i, o.collector, err)) {
      o.with_collector = true;
    } else {
      err << "tactful serve: unknown argument '" << a << "'\n";
      return 2;
    }
  }
  if (o.collector.has_error) return 2;

  httplib::Server server;
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
  server.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", kCsp);
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("X-Content-Type-Options", "nosniff");
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-cache");
  });

  std::unique_ptr<Collector> collector;
  if (o.with_collector) {
    auto made = Collector::open(o.collector);
    if (!made.ok()) {
      err << "tactful serve: collector: " << made.error().to_string() << "\n";
      return 1;
    }
    collector = std::move(made.value());
    mount_collector(server, *collector);
  }

  int port = o.port;
  if (port == 0) {
    port = server.bind_to_any_port(o.host);
  } else if (!server.bind_to_port(o.host.c_str(), port)) {
    port = -1;
  }
  if (port <= 0) {
    err << "tactful serve: cannot listen on " << o.host << ":" << o.port << "\n";
    return 1;
  }
  out << "listening on http://" << o.host << ":" << port << "/" << std::endl;
  server.listen_after_bind();
  return 0;
}

TACTFUL_COMMAND({"serve", "serve a site's static files and the collector",
                 "tactful serve --site DIR [--mount /PREFIX/=DIR]... [--host H] [--port N|0] "
                 "[collector flags: --config FILE --key FILE --db FILE --token TOKEN]",
                 serve});

}  // namespace
}  // namespace tactful::cli
