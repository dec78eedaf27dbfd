// `tactful inspect`: opens a stored browser record (the base64 values kept
// under tactful:v1:profile / tactful:v1:consent in the origin's IndexedDB
// database "tactful") with the origin's key (tactful:v1:key), so that what a
// browser keeps can be checked from outside the page.
#include <sodium.h>

#include <ostream>
#include <string>

#include "command.hpp"
#include "options.hpp"
#include "tactful/base64.hpp"
#include "tactful/snapshot.hpp"

namespace tactful::cli {
namespace {

const char* const kUsage = "tactful inspect --key KEY_BASE64 RECORD_BASE64";

int inspect(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  Options o(args, {{"--key"}, {}, {}, 1});
  o.require({"--key"});
  o.require_positional("RECORD_BASE64");
  if (!o.ok()) return usage_error("inspect", o.error(), kUsage, err);
  auto key = sodium_init() < 0 ? std::nullopt : base64_decode(o.text("--key"));
  if (!key || key->size() != 32) {
    err << "tactful inspect: the key must be 32 bytes of base64\n";
    return 2;
  }
  auto record = base64_decode(o.positionals()[0]);
  if (!record) {
    err << "tactful inspect: the record is not base64\n";
    return 1;
  }
  auto opened = open_snapshot(*record, reinterpret_cast<const uint8_t*>(key->data()));
  if (!opened.ok()) {
    err << "tactful inspect: " << opened.error().to_string() << "\n";
    return 1;
  }
  out << opened->dump(2) << "\n";
  return 0;
}

TACTFUL_COMMAND({"inspect", "open a stored browser record with its origin's key (to audit storage)", kUsage, inspect});

}  // namespace
}  // namespace tactful::cli
