#include "listen_queue.hpp"

#include <httplib.h>
#include <sys/socket.h>

namespace tactful {

ListenQueue::ListenQueue(httplib::Server& server) {
  server.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    setsockopt(sock, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes);
    fd_ = sock;  // the last socket tried is the one bound
  });
}

bool ListenQueue::deepen(int backlog) { return fd_ >= 0 && ::listen(fd_, backlog) == 0; }

}  // namespace tactful
