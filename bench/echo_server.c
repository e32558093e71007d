/* The ceiling for the line protocol: a bare single-threaded epoll server on 127.0.0.1 that
 * answers every received line with a fixed decision, "OK 100 99 60000 0\n", all the replies
 * of one read in one write. No parsing, no state: what limitsd costs above this is the price
 * of deciding. Usage: limitsd_echo_server PORT (0 = any free port; the port is printed). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char kReply[] = "OK 100 99 60000 0\n";
enum { kReplyLen = sizeof(kReply) - 1, kReadBytes = 65536 };

/* Writes all of buf, waiting for room when the socket is full; -1 when the peer is gone. */
static int WriteAll(int fd, const char* buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      struct pollfd p = {fd, POLLOUT, 0};
      if (poll(&p, 1, 1000) <= 0) return -1;
      continue;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  socklen_t len = sizeof(addr);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr*)&addr, sizeof(addr)) != 0 || listen(fd, 1024) != 0) return -1;
  getsockname(fd, (struct sockaddr*)&addr, &len);
  printf("echo_server: listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  return fd;
}

int main(int argc, char** argv) {
  static char in[kReadBytes], out[kReadBytes * kReplyLen];
  int listener = Listen(argc > 1 ? atoi(argv[1]) : 0), ep = epoll_create1(0), one = 1;
  if (listener < 0) return perror("echo_server: listen"), 1;
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener}, events[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  for (;;) {
    int ready = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < ready; ++i) {
      int fd = events[i].data.fd;
      if (fd == listener) {
        int client = accept(listener, NULL, NULL);
        if (client < 0) continue;
        setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        ev.events = EPOLLIN;
        ev.data.fd = client;
        epoll_ctl(ep, EPOLL_CTL_ADD, client, &ev);
        continue;
      }
      ssize_t n = read(fd, in, sizeof(in));
      size_t lines = 0;
      for (ssize_t j = 0; j < n; ++j) lines += in[j] == '\n';
      for (size_t j = 0; j < lines; ++j) memcpy(out + j * kReplyLen, kReply, kReplyLen);
      if (n <= 0 || WriteAll(fd, out, lines * kReplyLen) != 0) close(fd);
    }
  }
}
