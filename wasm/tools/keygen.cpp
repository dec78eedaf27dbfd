// `tactful keygen`: the collector's X25519 key pair. The secret key goes to a
// file only its owner can read; the public key and key id go into the site config.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

#include "collector_key.hpp"
#include "command.hpp"
#include "options.hpp"
#include "tactful/base64.hpp"

namespace tactful::cli {
namespace {

void print_public(const SecretKey& sk, std::ostream& out) {
  PublicKey pk = x25519_public_key(sk);
  json j = {{"publicKey", base64_encode(pk.data(), pk.size())}, {"keyId", key_id_hex(key_id_of(pk))}};
  out << j.dump() << "\n";
}

const char* const kUsage =
    "tactful keygen --out FILE [--force]   writes the secret key (mode 0600), prints {publicKey, keyId}\n"
    "       tactful keygen --show FILE           prints {publicKey, keyId} of an existing key";

int keygen(const Args& args, std::istream&, std::ostream& out, std::ostream& err) {
  Options o(args, {{"--out", "--show"}, {}, {"--force"}});
  if (!o.ok()) return usage_error("keygen", o.error(), kUsage, err);
  if (o.has("--out") == o.has("--show")) return usage_error("keygen", "give either --out or --show", kUsage, err);
  if (o.has("--show") && o.has("--force")) {
    return usage_error("keygen", "--force replaces a key file with --out; --show only reads one", kUsage, err);
  }
  if (sodium_init() < 0) return 1;
  if (o.has("--show")) {
    int code = 0;
    auto key = read_key_file(o.text("--show"), "keygen", "--show", err, code);
    if (!key) return code;
    print_public(*key, out);
    sodium_memzero(key->data(), key->size());
    return 0;
  }
  const std::string path = o.text("--out");
  const bool force = o.has("--force");
  PublicKey pk;
  SecretKey sk;
  crypto_box_keypair(pk.data(), sk.data());
  std::string line = base64_encode(sk.data(), sk.size()) + "\n";
  int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | (force ? O_TRUNC : O_EXCL);
  int fd = open(path.c_str(), flags, 0600);
  bool ok = fd >= 0 && fchmod(fd, 0600) == 0 && write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            fsync(fd) == 0;
  const int error = errno;
  if (fd >= 0) close(fd);
  sodium_memzero(&line[0], line.size());
  if (!ok) {
    // Like a file that cannot be read: a usage error, with the reason. A
    // link is refused (O_NOFOLLOW, and O_EXCL without --force) and said to
    // be one, not "already exists" or the kernel's ELOOP wording.
    struct stat st{};
    const bool link = (error == EEXIST || error == ELOOP) && lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
    err << "tactful keygen: --out: cannot write '" << path << "': "
        << (link ? "it is a symbolic link, and the secret key is never written through one (give the real path)"
            : error == EEXIST ? "it already exists (--force replaces it)"
                              : std::strerror(error))
        << "\n";
    return 2;
  }
  print_public(sk, out);
  sodium_memzero(sk.data(), sk.size());
  return 0;
}

}  // namespace

TACTFUL_COMMAND({"keygen", "make the collector's key pair (secret key file, public key to the config)", kUsage,
                 keygen});

}  // namespace tactful::cli
