// A fast AJP 1.3 backend ("container") for benchmarks: it answers every FORWARD_REQUEST with a
// canned response at a cost far below the proxy's, so that a benchmark measures the proxy.
//
//   ajp_backend --port P [--host 127.0.0.1] [--size N] [--route R] [--threads T]
//               [--packet-size 8192]
//
// The answer: SEND_HEADERS 200 (reason "200", as Tomcat 10.1 sends it) with Content-Type
// text/plain and Content-Length, the body in SEND_BODY_CHUNKs of at most packet_size - 8 bytes
// (8184 by default, Tomcat's limit), END_RESPONSE with reuse=1. The body is N bytes of 'a'..'z'
// repeating, N being the last segment of the request path when it is a decimal number
// (/bench/16384), else --size. A HEAD gets the headers only. Every CPING gets a CPONG.
//
// Sessions (--route R): a request whose query string has a parameter named "session" and that
// carries no JSESSIONID cookie gets Set-Cookie: JSESSIONID=<32 hex digits>.R; Path=/; HttpOnly,
// what Tomcat with jvmRoute="R" sends when the application creates a session.
//
// Request bodies as Tomcat reads them (reference ajp13.md 1.9): with Content-Length > 0 the first
// body packet arrives unsolicited; with Transfer-Encoding: chunked nothing does; then
// GET_BODY_CHUNK(packet_size - 6) is sent until the empty packet comes, the body is dropped, and
// only then is the answer sent. Connections are persistent; a packet it does not expect (bad
// magic, too long, an unknown type, a FORWARD_REQUEST it cannot parse) closes the connection.
//
// Speed: per answer one hash lookup and one writev() of a precomputed buffer shared by every
// connection of the thread (nothing is copied, also for 1 MiB bodies); the request is parsed
// only as far as the fields above need. One epoll loop per thread, each thread with its own
// SO_REUSEPORT listening socket, so the kernel spreads connections over the threads.
//
// Signals: SIGUSR1 prints one line of counters to stdout ("stats requests=... cpings=...
// connections=... body_bytes=... errors=..."); SIGINT or SIGTERM stops it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

// AJP13 codes (reference ajp13.md 1.3, 1.6, 1.7, 1.8).
constexpr uint8_t JK_AJP13_FORWARD_REQUEST = 2;
constexpr uint8_t JK_AJP13_SEND_BODY_CHUNK = 3;
constexpr uint8_t JK_AJP13_SEND_HEADERS = 4;
constexpr uint8_t JK_AJP13_END_RESPONSE = 5;
constexpr uint8_t JK_AJP13_GET_BODY_CHUNK = 6;
constexpr uint8_t JK_AJP13_CPING = 10;
constexpr uint8_t SC_M_HEAD = 3;
constexpr uint16_t SC_REQ_CONTENT_LENGTH = 0xA008;
constexpr uint16_t SC_REQ_COOKIE = 0xA009;
constexpr uint8_t SC_A_QUERY_STRING = 0x05;
constexpr uint8_t SC_A_REQ_ATTRIBUTE = 0x0A;
constexpr uint8_t SC_A_SSL_KEY_SIZE = 0x0B;
constexpr uint8_t SC_A_ARE_DONE = 0xFF;
constexpr uint16_t SC_RESP_CONTENT_TYPE = 0xA001;
constexpr uint16_t SC_RESP_CONTENT_LENGTH = 0xA003;
constexpr uint16_t SC_RESP_SET_COOKIE = 0xA007;
constexpr uint16_t kNullString = 0xFFFF;

constexpr size_t kMaxBodySize = size_t{256} << 20;  // a larger number in the path: --size
constexpr size_t kMaxCachedSizes = 64;
constexpr int kMaxThreads = 64;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  size_t size = 17;
  std::string route;
  int threads = 1;
  size_t packet_size = 8192;
};

// Counters of one thread, summed on SIGUSR1.
struct alignas(64) Counters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> cpings{0};
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> body_bytes{0};
  std::atomic<uint64_t> errors{0};
};

std::atomic<bool> g_stop{false};

void Bump(std::atomic<uint64_t>* c, uint64_t by = 1) {
  c->store(c->load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

// ---- writing packets ("AB", length, payload) -------------------------------------------------

void PutU16(std::string* out, size_t v) {
  out->push_back(static_cast<char>((v >> 8) & 0xFF));
  out->push_back(static_cast<char>(v & 0xFF));
}

void PutString(std::string* out, std::string_view s) {
  PutU16(out, s.size());
  out->append(s);
  out->push_back('\0');
}

void PutPacket(std::string* out, const std::string& payload) {
  out->append("AB");
  PutU16(out, payload.size());
  out->append(payload);
}

std::string HeadersPacket(size_t size, std::string_view set_cookie) {
  std::string p;
  p.push_back(static_cast<char>(JK_AJP13_SEND_HEADERS));
  PutU16(&p, 200);
  PutString(&p, "200");
  PutU16(&p, set_cookie.empty() ? 2 : 3);
  PutU16(&p, SC_RESP_CONTENT_TYPE);
  PutString(&p, "text/plain");
  PutU16(&p, SC_RESP_CONTENT_LENGTH);
  PutString(&p, std::to_string(size));
  if (!set_cookie.empty()) {
    PutU16(&p, SC_RESP_SET_COOKIE);
    PutString(&p, set_cookie);
  }
  std::string out;
  PutPacket(&out, p);
  return out;
}

const std::string& EndPacket() {
  static const std::string kEnd("AB\x00\x02\x05\x01", 6);  // END_RESPONSE, reuse=1
  return kEnd;
}

const std::string& CPongPacket() {
  static const std::string kCPong("AB\x00\x01\x09", 5);
  return kCPong;
}

// The precomputed answers for one body size.
struct Canned {
  std::string full;       // headers + body chunks + end
  std::string tail;       // body chunks + end (after a headers packet made per request)
  std::string head_only;  // headers + end (HEAD)
};

std::unique_ptr<Canned> MakeCanned(size_t size, size_t packet_size) {
  auto c = std::make_unique<Canned>();
  const size_t max_chunk = packet_size - 8;  // type, length, trailing NUL, packet header
  for (size_t sent = 0; sent < size;) {
    const size_t n = size - sent < max_chunk ? size - sent : max_chunk;
    std::string p;
    p.reserve(n + 4);
    p.push_back(static_cast<char>(JK_AJP13_SEND_BODY_CHUNK));
    PutU16(&p, n);
    for (size_t i = 0; i < n; ++i) p.push_back(static_cast<char>('a' + (sent + i) % 26));
    p.push_back('\0');
    PutPacket(&c->tail, p);
    sent += n;
  }
  c->tail += EndPacket();
  const std::string headers = HeadersPacket(size, "");
  c->full = headers + c->tail;
  c->head_only = headers + EndPacket();
  return c;
}

// ---- reading a FORWARD_REQUEST --------------------------------------------------------------

// Bounds-checked reader over one payload; any overrun sets ok() to false for good.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool ok() const { return ok_; }

  uint8_t Byte() {
    if (!Need(1)) return 0;
    return data_[pos_++];
  }
  uint16_t U16() {
    if (!Need(2)) return 0;
    const uint16_t v = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  uint16_t PeekU16() {
    if (!Need(2)) return 0;
    return static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  }
  // A string: length, bytes, NUL; length 0xFFFF is the null string (no bytes follow).
  std::string_view String() {
    const uint16_t len = U16();
    if (!ok_ || len == kNullString) return {};
    if (!Need(size_t{len} + 1)) return {};
    std::string_view s(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += size_t{len} + 1;
    return s;
  }

 private:
  bool Need(size_t n) {
    if (ok_ && size_ - pos_ >= n) return true;
    ok_ = false;
    return false;
  }

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  bool ok_ = true;
};

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// What the answer depends on.
struct RequestInfo {
  bool head = false;
  std::string_view uri;
  std::string_view query;
  int64_t content_length = -1;  // -1: no Content-Length header
  bool chunked = false;
  bool has_session_cookie = false;
};

bool ParseDecimal(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

// Whether a Cookie header value has a cookie named JSESSIONID.
bool HasSessionCookie(std::string_view v) {
  for (size_t pos = 0; pos < v.size();) {
    while (pos < v.size() && (v[pos] == ' ' || v[pos] == ';')) ++pos;
    const size_t end = v.find(';', pos);
    const std::string_view cookie =
        v.substr(pos, end == std::string_view::npos ? v.npos : end - pos);
    if (cookie.substr(0, 11) == "JSESSIONID=") return true;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return false;
}

// Whether a query string has a parameter named "session".
bool AsksForSession(std::string_view q) {
  for (size_t pos = 0; pos <= q.size();) {
    const size_t end = std::min(q.find('&', pos), q.size());
    const std::string_view name = q.substr(pos, std::min(q.find('=', pos), end) - pos);
    if (name == "session") return true;
    pos = end + 1;
  }
  return false;
}

// Layout (reference 1.4): prefix, method, protocol, req_uri, remote_addr, remote_host,
// server_name, server_port, is_ssl, num_headers, headers (code or name, value), attributes, 0xFF.
bool ParseForwardRequest(const uint8_t* payload, size_t len, RequestInfo* info) {
  Reader r(payload, len);
  r.Byte();  // JK_AJP13_FORWARD_REQUEST
  info->head = r.Byte() == SC_M_HEAD;
  r.String();  // protocol
  info->uri = r.String();
  r.String();  // remote_addr
  r.String();  // remote_host
  r.String();  // server_name
  r.U16();     // server_port
  r.Byte();    // is_ssl
  const uint16_t headers = r.U16();
  for (uint16_t i = 0; i < headers && r.ok(); ++i) {
    uint16_t code = 0;
    std::string_view name;
    if ((r.PeekU16() & 0xFF00) == 0xA000) {
      code = r.U16();
    } else {
      name = r.String();
    }
    const std::string_view value = r.String();
    if (code == SC_REQ_CONTENT_LENGTH || (code == 0 && EqualsNoCase(name, "content-length"))) {
      if (!ParseDecimal(value, &info->content_length)) return false;
    } else if (code == SC_REQ_COOKIE || (code == 0 && EqualsNoCase(name, "cookie"))) {
      info->has_session_cookie = info->has_session_cookie || HasSessionCookie(value);
    } else if (code == 0 && EqualsNoCase(name, "transfer-encoding")) {
      info->chunked = EqualsNoCase(value, "chunked");
    }
  }
  for (int i = 0; i < 256 && r.ok(); ++i) {  // attributes (at most one of each code)
    const uint8_t code = r.Byte();
    if (code == SC_A_ARE_DONE) return r.ok();
    if (code == SC_A_REQ_ATTRIBUTE) {
      r.String();
      r.String();
    } else if (code == SC_A_SSL_KEY_SIZE) {
      r.U16();
    } else if (code == SC_A_QUERY_STRING) {
      info->query = r.String();
    } else {
      r.String();
    }
  }
  return false;
}

// The body size an answer to `uri` has: its last segment when that is a decimal number.
size_t SizeFor(std::string_view uri, size_t dflt) {
  const size_t slash = uri.rfind('/');
  int64_t n = 0;
  if (slash != std::string_view::npos && ParseDecimal(uri.substr(slash + 1), &n) &&
      static_cast<uint64_t>(n) <= kMaxBodySize) {
    return static_cast<size_t>(n);
  }
  return dflt;
}

// ---- connections ----------------------------------------------------------------------------

// A piece of output: either bytes of its own or one of the buffers of a Canned answer, which
// `keep` keeps alive while it is queued.
struct Segment {
  std::string own;
  std::shared_ptr<const Canned> keep;
  const std::string* shared = nullptr;
  size_t pos = 0;

  const std::string& bytes() const { return shared != nullptr ? *shared : own; }
};

struct Conn {
  std::string in;
  size_t in_pos = 0;
  std::deque<Segment> out;
  bool in_body = false;  // reading a request body; the answer waits in `answer`
  RequestInfo answer_for;
  size_t answer_size = 0;
  bool answer_cookie = false;
};

class Worker {
 public:
  Worker(const Options& opts, int index, int listener, Counters* counters)
      : opts_(opts), index_(index), listener_(listener), counters_(counters) {}

  void Run();

 private:
  void Accept(int ep);
  bool OnReadable(int fd, Conn* c);
  bool Process(Conn* c);
  bool OnPacket(Conn* c, const uint8_t* payload, size_t len);
  void QueueAnswer(Conn* c);
  bool Flush(int fd, Conn* c);
  std::shared_ptr<const Canned> CannedFor(size_t size);

  const Options& opts_;
  const int index_;
  const int listener_;
  Counters* const counters_;
  std::unordered_map<size_t, std::shared_ptr<const Canned>> canned_;
  std::string get_body_chunk_;
  uint64_t sessions_ = 0;
};

std::shared_ptr<const Canned> Worker::CannedFor(size_t size) {
  auto it = canned_.find(size);
  if (it != canned_.end()) return it->second;
  if (canned_.size() >= kMaxCachedSizes) canned_.clear();  // bounded memory
  return canned_[size] = MakeCanned(size, opts_.packet_size);
}

void Worker::QueueAnswer(Conn* c) {
  std::shared_ptr<const Canned> canned = CannedFor(c->answer_size);
  Bump(&counters_->requests);
  if (c->answer_for.head) {
    c->out.push_back(Segment{{}, canned, &canned->head_only, 0});
  } else if (c->answer_cookie) {
    // 32 hex digits as Tomcat's ids have: port, thread and a counter make it unique.
    char id[40];
    std::snprintf(id, sizeof id, "%08X%08X%016llX", static_cast<unsigned>(opts_.port),
                  static_cast<unsigned>(index_), static_cast<unsigned long long>(++sessions_));
    const std::string cookie =
        "JSESSIONID=" + std::string(id) + "." + opts_.route + "; Path=/; HttpOnly";
    c->out.push_back(Segment{HeadersPacket(c->answer_size, cookie), nullptr, nullptr, 0});
    c->out.push_back(Segment{{}, canned, &canned->tail, 0});
  } else {
    c->out.push_back(Segment{{}, canned, &canned->full, 0});
  }
}

// One complete packet from the web server.
bool Worker::OnPacket(Conn* c, const uint8_t* payload, size_t len) {
  if (c->in_body) {
    // A body packet: (int length, bytes) or the empty packet; length 0 ends the body too.
    size_t n = 0;
    if (len >= 2) n = (size_t{payload[0]} << 8) | payload[1];
    if (len == 1 || n > len - 2) return false;
    if (n == 0) {
      c->in_body = false;
      QueueAnswer(c);
      return true;
    }
    Bump(&counters_->body_bytes, n);
    c->out.push_back(Segment{{}, nullptr, &get_body_chunk_, 0});
    return true;
  }
  if (len == 1 && payload[0] == JK_AJP13_CPING) {
    Bump(&counters_->cpings);
    c->out.push_back(Segment{{}, nullptr, &CPongPacket(), 0});
    return true;
  }
  if (len == 0 || payload[0] != JK_AJP13_FORWARD_REQUEST) return false;
  RequestInfo info;
  if (!ParseForwardRequest(payload, len, &info)) return false;
  c->answer_for = info;
  c->answer_size = SizeFor(info.uri, opts_.size);
  c->answer_cookie = !opts_.route.empty() && !info.has_session_cookie && AsksForSession(info.query);
  // The views in answer_for point into the input buffer: only `head` is used later.
  c->answer_for.uri = c->answer_for.query = {};
  if (info.content_length > 0) {
    c->in_body = true;  // the first packet comes unsolicited
  } else if (info.content_length < 0 && info.chunked) {
    c->in_body = true;
    c->out.push_back(Segment{{}, nullptr, &get_body_chunk_, 0});
  } else {
    QueueAnswer(c);
  }
  return true;
}

// Handles the complete packets in c->in. False: close the connection.
bool Worker::Process(Conn* c) {
  for (;;) {
    const size_t avail = c->in.size() - c->in_pos;
    if (avail < 4) break;
    const auto* p = reinterpret_cast<const uint8_t*>(c->in.data() + c->in_pos);
    if (p[0] != 0x12 || p[1] != 0x34) return false;
    const size_t len = (size_t{p[2]} << 8) | p[3];
    if (len > opts_.packet_size - 4) return false;
    if (avail < 4 + len) break;
    if (!OnPacket(c, p + 4, len)) return false;
    c->in_pos += 4 + len;
  }
  if (c->in_pos == c->in.size()) {
    c->in.clear();
    c->in_pos = 0;
  } else if (c->in_pos > 65536) {
    c->in.erase(0, c->in_pos);
    c->in_pos = 0;
  }
  return true;
}

// Writes what is queued, as far as the socket takes it. False: the connection is gone.
bool Worker::Flush(int fd, Conn* c) {
  while (!c->out.empty()) {
    iovec iov[16];
    int n = 0;
    for (auto it = c->out.begin(); it != c->out.end() && n < 16; ++it, ++n) {
      const std::string& b = it->bytes();
      iov[n].iov_base = const_cast<char*>(b.data() + it->pos);
      iov[n].iov_len = b.size() - it->pos;
    }
    const ssize_t w = writev(fd, iov, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
    size_t left = static_cast<size_t>(w);
    while (left > 0) {
      Segment& s = c->out.front();
      const size_t rest = s.bytes().size() - s.pos;
      if (left < rest) {
        s.pos += left;
        break;
      }
      left -= rest;
      c->out.pop_front();
    }
  }
  return true;
}

bool Worker::OnReadable(int fd, Conn* c) {
  char buf[65536];
  for (;;) {
    const ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r > 0) {
      c->in.append(buf, static_cast<size_t>(r));
      if (static_cast<size_t>(r) < sizeof buf) break;  // drained (edge-triggered: no EAGAIN wait)
      continue;
    }
    if (r == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }
  return true;
}

void Worker::Accept(int ep) {
  for (;;) {
    const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET | EPOLLRDHUP;
    ev.data.fd = fd;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
      close(fd);
      continue;
    }
    Bump(&counters_->connections);
  }
}

void Worker::Run() {
  {
    std::string p;
    p.push_back(static_cast<char>(JK_AJP13_GET_BODY_CHUNK));
    PutU16(&p, opts_.packet_size - 6);
    PutPacket(&get_body_chunk_, p);
  }
  CannedFor(opts_.size);
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return;
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = listener_;
  epoll_ctl(ep, EPOLL_CTL_ADD, listener_, &lev);
  std::unordered_map<int, Conn> conns;
  std::vector<epoll_event> events(256);
  while (!g_stop.load(std::memory_order_relaxed)) {
    const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      const epoll_event& ev = events[static_cast<size_t>(i)];
      const int fd = ev.data.fd;
      if (fd == listener_) {
        Accept(ep);
        continue;
      }
      Conn& c = conns[fd];
      bool ok = true;
      if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        const bool read_ok = OnReadable(fd, &c);
        const bool protocol_ok = Process(&c);
        if (!protocol_ok) Bump(&counters_->errors);
        ok = read_ok && protocol_ok;
      }
      if (ok) ok = Flush(fd, &c);
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

int Listen(const Options& opts) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(opts.port));
  if (inet_pton(AF_INET, opts.host.c_str(), &addr.sin_addr) != 1 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4096) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

constexpr char kUsage[] =
    "usage: ajp_backend --port P [--host 127.0.0.1] [--size N] [--route R] [--threads T]\n"
    "                   [--packet-size 8192]\n"
    "An AJP 1.3 container answering every request with N bytes (or the number ending the\n"
    "path, /bench/16384); see the comment at the top of test/bench/ajp_backend.cc.\n";

// False (message printed) on a bad command line.
bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--help" || k == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "ajp_backend: %s needs a value\n%s", k.c_str(), kUsage);
      return false;
    }
    const std::string v = argv[++i];
    int64_t n = -1;
    const bool number = ParseDecimal(v, &n);
    if (k == "--port" && number && n > 0 && n < 65536) {
      o->port = static_cast<int>(n);
    } else if (k == "--host") {
      o->host = v;
    } else if (k == "--size" && number && static_cast<uint64_t>(n) <= kMaxBodySize) {
      o->size = static_cast<size_t>(n);
    } else if (k == "--route" && !v.empty() && v.size() < 64) {
      o->route = v;
    } else if (k == "--threads" && number && n >= 1 && n <= kMaxThreads) {
      o->threads = static_cast<int>(n);
    } else if (k == "--packet-size" && number && n >= 8192 && n <= 65536) {
      o->packet_size = static_cast<size_t>(n);
    } else {
      std::fprintf(stderr, "ajp_backend: bad option %s %s\n%s", k.c_str(), v.c_str(), kUsage);
      return false;
    }
  }
  if (o->port == 0) {
    std::fprintf(stderr, "ajp_backend: --port is required\n%s", kUsage);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opts;
  if (!ParseArgs(argc, argv, &opts)) return 2;
  // Every thread inherits this mask; the main thread takes the signals with sigwait().
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<int> listeners;
  for (int t = 0; t < opts.threads; ++t) {
    const int fd = Listen(opts);
    if (fd < 0) {
      std::fprintf(stderr, "ajp_backend: cannot listen on %s:%d: %s\n", opts.host.c_str(),
                   opts.port, std::strerror(errno));
      return 1;
    }
    listeners.push_back(fd);
  }
  std::vector<Counters> counters(static_cast<size_t>(opts.threads));
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < listeners.size(); ++t) {
    workers.push_back(
        std::make_unique<Worker>(opts, static_cast<int>(t), listeners[t], &counters[t]));
    threads.emplace_back(&Worker::Run, workers.back().get());
  }
  std::printf("ajp_backend: listening on %s:%d, %zu-byte answers, route %s, %d thread(s)\n",
              opts.host.c_str(), opts.port, opts.size,
              opts.route.empty() ? "(none)" : opts.route.c_str(), opts.threads);
  std::fflush(stdout);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGUSR1) break;
    uint64_t sum[5] = {0, 0, 0, 0, 0};
    for (const Counters& c : counters) {
      sum[0] += c.requests.load(std::memory_order_relaxed);
      sum[1] += c.cpings.load(std::memory_order_relaxed);
      sum[2] += c.connections.load(std::memory_order_relaxed);
      sum[3] += c.body_bytes.load(std::memory_order_relaxed);
      sum[4] += c.errors.load(std::memory_order_relaxed);
    }
    std::printf("stats requests=%llu cpings=%llu connections=%llu body_bytes=%llu errors=%llu\n",
                static_cast<unsigned long long>(sum[0]), static_cast<unsigned long long>(sum[1]),
                static_cast<unsigned long long>(sum[2]), static_cast<unsigned long long>(sum[3]),
                static_cast<unsigned long long>(sum[4]));
    std::fflush(stdout);
  }
  g_stop.store(true);
  for (std::thread& t : threads) t.join();
  for (int fd : listeners) close(fd);
  return 0;
}
