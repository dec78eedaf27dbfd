// Runs the CLI in-process for the command tests (the same run_cli as main),
// with scratch files in a temporary directory removed afterwards.
#pragma once
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "command.hpp"
#include "tactful/json.hpp"

namespace clitest {

struct Run {
  int code;
  std::string out, err;
};

inline Run cli(const tactful::cli::Args& args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  int code = tactful::cli::run_cli(args, in, out, err);
  return {code, out.str(), err.str()};
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/tactful-cli-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `contents` to NAME in the directory; returns its path.
  std::string file(const std::string& name, const std::string& contents) const {
    std::ofstream(path + "/" + name, std::ios::binary) << contents;
    return path + "/" + name;
  }
};

inline std::string demo_config_text() {
  std::ifstream in(std::string(TACTFUL_SOURCE_DIR) + "/demo-site/tactful.config.json", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The demo config with a fresh collector key: `key` is the secret key file,
// `config` the config file carrying its public key.
struct ReportingSite {
  TempDir dir;
  std::string key, config, template_config;
  tactful::json config_json;

  ReportingSite() {
    key = dir.path + "/collector.key";
    Run made = cli({"keygen", "--out", key});
    config_json = tactful::json::parse(demo_config_text());
    template_config = dir.file("template.json", config_json.dump());
    config_json["reporting"]["publicKey"] = tactful::json::parse(made.out)["publicKey"];
    config = dir.file("config.json", config_json.dump());
  }
};

}  // namespace clitest
