// A deeper accept queue for an httplib server. httplib as Debian builds it
// (0.11) listens with a backlog of 5: a burst of new connections (many
// browsers at once, or the collector bench) overflows it, and the kernel
// drops handshakes that those clients retry only a second or more later.
#pragma once

namespace httplib {
class Server;
}

namespace tactful {

class ListenQueue {
 public:
  // Installs httplib's usual socket options on `server` (SO_REUSEADDR,
  // SO_REUSEPORT) and notes the listening socket it binds. Must outlive the bind.
  explicit ListenQueue(httplib::Server& server);
  // After bind_to_port / bind_to_any_port: listens again with room for
  // `backlog` connections (listen() on a listening socket only resizes its
  // queue; the kernel caps it at net.core.somaxconn). False if not bound.
  bool deepen(int backlog);
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace tactful
