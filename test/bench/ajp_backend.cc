// A fast AJP 1.3 backend for benchmarks: every FORWARD_REQUEST gets the same canned answer (200,
// text/plain, a body of --size bytes in SEND_BODY_CHUNKs of at most 8184 bytes, END_RESPONSE
// with reuse), every CPING a CPONG. It makes the proxy's own cost visible: it never parses more
// than the frame header and the prefix byte, and writes a precomputed answer with one send().
// Request bodies are read and dropped (the benchmark sends GETs). Connections are persistent.
//
//   ajp_backend --port P [--size N] [--threads T] [--host 127.0.0.1]
//
// One epoll loop per thread, each with its own SO_REUSEPORT listening socket, so the kernel
// spreads connections over the threads. Runs until SIGINT/SIGTERM.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

void PutU16(std::string* out, size_t v) {
  out->push_back(static_cast<char>((v >> 8) & 0xFF));
  out->push_back(static_cast<char>(v & 0xFF));
}

void PutString(std::string* out, const std::string& s) {
  PutU16(out, s.size());
  out->append(s);
  out->push_back('\0');
}

// One frame from the container: "AB", length, payload.
void PutFrame(std::string* out, const std::string& payload) {
  out->append("AB");
  PutU16(out, payload.size());
  out->append(payload);
}

std::string CannedAnswer(size_t size) {
  std::string out;
  std::string headers;
  headers.push_back(4);  // SEND_HEADERS
  PutU16(&headers, 200);
  PutString(&headers, "OK");
  PutU16(&headers, 2);
  PutU16(&headers, 0xA001);  // Content-Type
  PutString(&headers, "text/plain");
  PutU16(&headers, 0xA003);  // Content-Length
  PutString(&headers, std::to_string(size));
  PutFrame(&out, headers);
  constexpr size_t kMaxChunk = 8184;  // 8192 - 4 (frame) - 1 (prefix) - 2 (length) - 1 (NUL)
  for (size_t sent = 0; sent < size;) {
    const size_t n = size - sent < kMaxChunk ? size - sent : kMaxChunk;
    std::string chunk;
    chunk.push_back(3);  // SEND_BODY_CHUNK
    PutU16(&chunk, n);
    for (size_t i = 0; i < n; ++i) chunk.push_back(static_cast<char>('a' + (sent + i) % 26));
    chunk.push_back('\0');
    PutFrame(&out, chunk);
    sent += n;
  }
  PutFrame(&out, std::string("\x05\x01", 2));  // END_RESPONSE, reuse
  return out;
}

const std::string kCPong("AB\x00\x01\x09", 5);

struct Conn {
  std::string in;
  std::string out;  // what did not fit into the socket yet
  size_t out_pos = 0;
};

bool Flush(int fd, Conn* c) {
  while (c->out_pos < c->out.size()) {
    const ssize_t n =
        send(fd, c->out.data() + c->out_pos, c->out.size() - c->out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      c->out_pos += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  c->out.clear();
  c->out_pos = 0;
  return true;
}

// Consumes the complete frames in c->in, queueing the answers. False on bytes that are not AJP.
bool Process(Conn* c, const std::string& answer) {
  size_t pos = 0;
  while (c->in.size() - pos >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(c->in.data() + pos);
    if (p[0] != 0x12 || p[1] != 0x34) return false;
    const size_t len = (static_cast<size_t>(p[2]) << 8) | p[3];
    if (c->in.size() - pos < 4 + len) break;
    const int prefix = len > 0 ? p[4] : -1;
    if (prefix == 2) {
      c->out.append(answer);  // FORWARD_REQUEST
    } else if (prefix == 10) {
      c->out.append(kCPong);  // CPING
    }
    // Anything else (request body packets) is dropped.
    pos += 4 + len;
  }
  c->in.erase(0, pos);
  return true;
}

int Listen(const char* host, int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 1024) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void Serve(int listener, const std::string& answer) {
  const int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener;
  epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
  std::unordered_map<int, Conn> conns;
  std::vector<epoll_event> events(256);
  char buf[65536];
  while (g_stop == 0) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 200);
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<size_t>(i)].data.fd;
      if (fd == listener) {
        for (;;) {
          const int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          const int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          conns[c];
        }
        continue;
      }
      Conn& c = conns[fd];
      bool ok = true;
      for (;;) {
        const ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r > 0) {
          c.in.append(buf, static_cast<size_t>(r));
          continue;
        }
        if (r == 0) ok = false;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ok = false;
        break;
      }
      ok = ok && Process(&c, answer) && Flush(fd, &c);
      if (!ok) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        conns.erase(fd);
      }
    }
  }
  for (auto& [fd, c] : conns) close(fd);
  close(ep);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  size_t size = 17;
  int threads = 1;
  const char* host = "127.0.0.1";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--port") {
      port = std::atoi(argv[i + 1]);
    } else if (k == "--size") {
      size = static_cast<size_t>(std::strtoull(argv[i + 1], nullptr, 10));
    } else if (k == "--threads") {
      threads = std::atoi(argv[i + 1]);
    } else if (k == "--host") {
      host = argv[i + 1];
    } else {
      std::fprintf(stderr, "ajp_backend: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (port <= 0 || port > 65535 || threads < 1 || threads > 64) {
    std::fprintf(stderr,
                 "usage: ajp_backend --port P [--size N] [--threads T] [--host 127.0.0.1]\n");
    return 2;
  }
  signal(SIGINT, OnSignal);
  signal(SIGTERM, OnSignal);
  signal(SIGPIPE, SIG_IGN);
  const std::string answer = CannedAnswer(size);
  std::vector<int> listeners;
  for (int t = 0; t < threads; ++t) {
    const int fd = Listen(host, port);
    if (fd < 0) {
      std::fprintf(stderr, "ajp_backend: cannot listen on %s:%d: %s\n", host, port,
                   std::strerror(errno));
      return 1;
    }
    listeners.push_back(fd);
  }
  std::printf("ajp_backend: %s:%d, %zu-byte answers, %d thread(s)\n", host, port, size, threads);
  std::fflush(stdout);
  std::vector<std::thread> workers;
  for (int fd : listeners) workers.emplace_back(Serve, fd, std::cref(answer));
  for (std::thread& w : workers) w.join();
  for (int fd : listeners) close(fd);
  return 0;
}
