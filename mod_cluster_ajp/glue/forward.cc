#include "glue/forward.h"

#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "mca/ajp/constants.h"
#include "mca/ajp/exchange.h"
#include "mca/ajp/response.h"
#include "mca/balance/atomic.h"
#include "mca/proxy/rewrite.h"
#include "mca/text.h"

namespace mca::glue {
namespace {

// Hop-by-hop headers (RFC 9110 7.6.1) never go to the container; Tomcat frames the body by AJP.
bool IsHopByHop(const char* name) {
  // Each starts with c, k, p, t or u: most headers are ruled out by their first letter.
  switch (name[0] | 0x20) {
    case 'c':
    case 'k':
    case 'p':
    case 't':
    case 'u':
      break;
    default:
      return false;
  }
  static const char* const kNames[] = {"Connection",        "Keep-Alive", "Proxy-Connection", "TE",
                                       "Transfer-Encoding", "Upgrade",    "Trailer"};
  for (const char* n : kNames) {
    if (strcasecmp(name, n) == 0) return true;
  }
  return false;
}

bool HasControlChars(const char* s) {
  for (; *s != '\0'; ++s) {
    const auto c = static_cast<unsigned char>(*s);
    if ((c < 0x20 && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

// A copy in the request pool, which outlives every attempt.
std::string_view Keep(request_rec* r, std::string_view value) {
  return std::string_view(apr_pstrmemdup(r->pool, value.data(), value.size()), value.size());
}

void AddSslAttributes(request_rec* r, ClientRequest* req) {
  conn_rec* c = r->connection;
  auto var = [&](const char* name) -> const char* {
    const char* v = ap_ssl_var_lookup(r->pool, r->server, c, r, name);
    return (v != nullptr && *v != '\0') ? v : nullptr;
  };
  if (const char* v = var("SSL_CLIENT_CERT")) req->forward.ssl_cert = v;
  if (const char* v = var("SSL_CIPHER")) req->forward.ssl_cipher = v;
  if (const char* v = var("SSL_SESSION_ID")) req->forward.ssl_session = v;
  if (const char* v = var("SSL_CIPHER_USEKEYSIZE")) {
    const long bits = strtol(v, nullptr, 10);
    if (bits > 0 && bits < 65536) req->forward.ssl_key_size = static_cast<uint16_t>(bits);
  }
  if (const char* v = var("SSL_PROTOCOL"))
    req->forward.attributes.push_back({"AJP_SSL_PROTOCOL", v});
}

// Reads up to `max` bytes of request body into `out`, returning as soon as some arrived;
// *got is how many. *eos is set once the body is over.
apr_status_t ReadClientBody(request_rec* r, apr_bucket_brigade* bb, char* out, size_t max,
                            size_t* got, bool* eos) {
  *got = 0;
  while (*got < max && !*eos) {
    apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES, APR_BLOCK_READ,
                                     static_cast<apr_off_t>(max - *got));
    if (rv != APR_SUCCESS) return rv;
    for (apr_bucket* b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
      if (APR_BUCKET_IS_EOS(b)) {
        *eos = true;
        break;
      }
      const char* data = nullptr;
      apr_size_t len = 0;
      rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
      if (rv != APR_SUCCESS) return rv;
      if (len > max - *got) return APR_EGENERAL;  // more than asked for: a broken filter
      memcpy(out + *got, data, len);
      *got += len;
    }
    apr_brigade_cleanup(bb);
    if (*got > 0) break;  // send what arrived; the container asks for the rest
  }
  return APR_SUCCESS;
}

}  // namespace

int PrepareClientRequest(request_rec* r, std::string_view backend_path, ClientRequest* req) {
  ajp::ForwardRequest& f = req->forward;
  f.method = r->method;
  f.protocol = r->protocol;
  f.uri = Keep(r, backend_path);
  f.remote_addr = r->useragent_ip;
  f.server_name = ap_get_server_name(r);
  f.server_port = static_cast<uint16_t>(ap_get_server_port(r));
  f.is_ssl = ap_ssl_conn_is_ssl(r->connection) != 0;

  const apr_array_header_t* arr = apr_table_elts(r->headers_in);
  const auto* elts = reinterpret_cast<const apr_table_entry_t*>(arr->elts);
  f.headers.reserve(static_cast<size_t>(arr->nelts));
  for (int i = 0; i < arr->nelts; ++i) {
    if (elts[i].key == nullptr || IsHopByHop(elts[i].key)) continue;
    if (HasControlChars(elts[i].val)) {
      ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                    "MCA0101: request header %s has control characters; refused", elts[i].key);
      return HTTP_BAD_REQUEST;
    }
    f.headers.push_back({elts[i].key, elts[i].val});
  }
  if (r->user != nullptr) f.remote_user = r->user;
  if (r->ap_auth_type != nullptr) f.auth_type = r->ap_auth_type;
  if (r->args != nullptr) {
    if (HasControlChars(r->args) || strchr(r->args, ' ') != nullptr) return HTTP_BAD_REQUEST;
    f.query_string = r->args;
  }
  f.attributes.reserve(f.is_ssl ? 3 : 2);
  if (f.is_ssl) AddSslAttributes(r, req);
  if (r->useragent_addr != nullptr) {
    f.attributes.push_back({"AJP_REMOTE_PORT", apr_itoa(r->pool, r->useragent_addr->port)});
  }
  if (r->connection->local_ip != nullptr) {
    f.attributes.push_back({"AJP_LOCAL_ADDR", r->connection->local_ip});
  }

  // Transfer-Encoding wins over Content-Length (httpd's input filter already refused anything
  // but chunked); the container then reads the body through GET_BODY_CHUNK.
  if (apr_table_get(r->headers_in, "Transfer-Encoding") != nullptr) {
    req->content_length = ajp::kUnknownLength;
  } else if (const char* cl = apr_table_get(r->headers_in, "Content-Length")) {
    apr_off_t len = 0;
    if (!ap_parse_strict_length(&len, cl)) return HTTP_BAD_REQUEST;
    req->content_length = len;
  }
  return kHttpdOk;
}

}  // namespace mca::glue

namespace mca::glue {

int ReadInitialBody(request_rec* r, ClientRequest* req, size_t packet_size) {
  if (req->content_length <= 0) return kHttpdOk;
  const size_t want = static_cast<size_t>(std::min<int64_t>(
      req->content_length, static_cast<int64_t>(ajp::MaxRequestBodyData(packet_size))));
  apr_bucket_brigade* bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
  std::pmr::string& body = req->initial_body;
  body.resize(want);
  size_t have = 0;
  while (have < want && !req->client_body_done) {
    size_t got = 0;
    if (ReadClientBody(r, bb, body.data() + have, want - have, &got, &req->client_body_done) !=
        APR_SUCCESS) {
      return HTTP_BAD_REQUEST;
    }
    have += got;
  }
  if (have < want) return HTTP_BAD_REQUEST;  // body shorter than declared
  return kHttpdOk;
}

namespace {

constexpr size_t kMaxHeldBody = size_t{64} * 1024;

// An answer up to this size is written to the client before the handler returns, not left to
// the MPM's write completion: the worker still holds the connection when httpd looks for the
// client's next request, and often finds it there instead of handing the connection to the
// listener and back (each time: two epoll_ctl, about four futex calls and a context switch
// fewer). httpd itself blocks a handler on as much unsent output (FlushMaxThreshold's default),
// so a slow client holds a worker no longer than it already could.
constexpr int64_t kWriteAtOnceMax = int64_t{64} * 1024;

// Room for a held answer that took more than one read from the backend. A few buffers are kept
// for every thread of the child to reuse; the others go back to the system when the answer is
// out. (In malloc's memory, they stayed in its per-thread arenas for the life of the child:
// megabytes per child with 64 KiB answers; in the request pool, every client connection kept
// one.)
class HoldBuffer {
 public:
  HoldBuffer() = default;
  HoldBuffer(const HoldBuffer&) = delete;
  HoldBuffer& operator=(const HoldBuffer&) = delete;
  ~HoldBuffer() {
    if (data_ == nullptr) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (kept_count_ < kKept) {
        kept_[kept_count_++] = data_;
        return;
      }
    }
    munmap(data_, kMaxHeldBody);
  }
  bool Take() {
    if (data_ != nullptr) return true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (kept_count_ > 0) data_ = kept_[--kept_count_];
    }
    if (data_ == nullptr) {
      void* p =
          mmap(nullptr, kMaxHeldBody, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED) data_ = static_cast<char*>(p);
    }
    return data_ != nullptr;
  }
  bool Append(std::string_view piece) {
    if (piece.size() > kMaxHeldBody - size_) return false;
    std::memcpy(data_ + size_, piece.data(), piece.size());
    size_ += piece.size();
    return true;
  }
  std::string_view view() const { return {data_, size_}; }

 private:
  // Measured with 16 KiB answers at 128 connections: with 4 kept, most answers took a fresh
  // mapping, and mapping, faulting in and unmapping it stalled the child's other threads: p99
  // doubled. With 16 it is mod_proxy_ajp's. A kept buffer is resident only as far as written.
  static constexpr size_t kKept = 16;
  static inline std::mutex mu_;
  static inline char* kept_[kKept] = {};
  static inline size_t kept_count_ = 0;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// One attempt: the state shared by the steps of the exchange.
class Attempt {
 public:
  Attempt(request_rec* r, const ServerConfig& conf, Balancer* balancer, Member* member,
          ClientRequest* req, const AttemptOptions& options)
      : r_(r),
        conf_(conf),
        balancer_(balancer),
        member_(member),
        req_(req),
        options_(options),
        packet_(member->pool_settings.packet_size),
        bb_(apr_brigade_create(r->pool, r->connection->bucket_alloc)),
        exchange_(Settings(r, req, member)) {}

  AttemptResult Run(bool fresh_connection);

 private:
  static ajp::ExchangeSettings Settings(request_rec* r, ClientRequest* req, Member* m) {
    ajp::ExchangeSettings s;
    s.packet_size = m->pool_settings.packet_size;
    s.content_length = req->content_length;
    s.head = r->header_only != 0;
    return s;
  }

  AttemptResult Open(bool fresh_connection);
  bool CPing();
  AttemptResult SendRequest();
  AttemptResult Loop();
  AttemptResult OnAction(const ajp::ContainerMessage& m, const ajp::Action& a, bool* finished);
  AttemptResult SendBody(size_t max);
  // Turns SEND_HEADERS into what httpd will send (in the request pool), without touching the
  // request yet: the answer may still be dropped for another member's.
  void PrepareHeaders(const ajp::ContainerMessage& m);
  void ApplyHeaders();                     // the prepared status and headers become the response's
  bool AppendBody(std::string_view data);  // into bb_, checked against Content-Length
  bool PassBody(std::string_view data, bool flush);
  bool PassBrigade();
  void WriteToClientNow();
  // Holds a piece of the answer's body. Pieces stay where they are in the connection's buffer
  // until the next read from the backend needs the room (SpillHeld copies them then), so an
  // answer that arrives in one read is never copied.
  // False: not kept (no room to copy the earlier pieces to); the answer must go out.
  bool Hold(std::string_view data) {
    if (data.empty()) return true;
    if (held_view_count_ == kMaxHeldViews && !SpillHeld()) return false;
    held_bytes_ += data.size();
    held_views_[held_view_count_++] = data;
    return true;
  }
  bool SpillHeld();             // false: no room
  bool ReleaseHeld(bool pass);  // sets the held headers, appends the held body; passes it
  const char* CutReason() const {
    return client_gone_ ? "client went away" : "more body than its Content-Length";
  }
  // Reads what the backend has sent straight into the frame buffer; *len bytes were added.
  // A packet at a time until the answer streams to the client; from then on as much as the
  // buffer takes (a 1 MiB answer in about 16 reads instead of 128, each passed on as one
  // brigade). The buffer's pages past the first packet are written only by such answers, and
  // the pool returns them to the system when the connection is released.
  apr_status_t ReadMore(apr_size_t* len) {
    ajp::FrameStream& stream = conn_->stream;
    *len = stream.WriteCapacity(/*within_packet=*/!headers_sent_ || holding_);
    apr_status_t rv = Receive(conn_->socket, reinterpret_cast<char*>(stream.WriteSpace()), len);
    stream.Commit(*len);
    Count(&balance::MemberSlot::bytes_received, *len);
    return rv;
  }
  // Adds to a byte counter of the member's shared slot, and to its traffic (bytraffic).
  void Count(uint64_t balance::MemberSlot::*counter, size_t bytes) {
    balance::MemberSlot* slot = member_->slot;
    if (slot == nullptr || bytes == 0) return;
    balance::AtomicAdd(slot->*counter, static_cast<uint64_t>(bytes));
    balance::AtomicAdd(slot->state.traffic, static_cast<uint64_t>(bytes));
  }
  bool FailOnStatus(int status) const {
    for (uint16_t s : balancer_->cfg.fail_on_status) {
      if (s == status) {
        const balance::MemberSlot* slot = member_->slot;
        return slot == nullptr ||
               (balance::AtomicLoad(slot->state.status) & config::kStatusIgnoreErrors) == 0;
      }
    }
    return false;
  }
  bool FlushNow() const {
    const config::FlushPackets f = member_->cfg.flush_packets;
    return f == config::FlushPackets::kOn ||
           (f == config::FlushPackets::kAuto && conn_->stream.buffered() == 0);
  }
  AttemptResult Finish(bool reuse);
  AttemptResult Broken(Outcome before_headers, const std::string& why);
  AttemptResult Result(Outcome o, std::string why, int status = 0) {
    AttemptResult res;
    res.outcome = o;
    res.why = std::move(why);
    res.http_status = status;
    return res;
  }
  void Close() {
    held_view_count_ = 0;  // they point into the connection's buffer
    if (conn_ != nullptr || slot_) member_->pool->Release(conn_, false);
    conn_ = nullptr;
    slot_ = false;
  }

  request_rec* r_;
  const ServerConfig& conf_;
  Balancer* balancer_;
  Member* member_;
  ClientRequest* req_;
  AttemptOptions options_;
  size_t replay_pos_ = 0;  // next byte of req_->replay to send
  bool mark_error_ = false;
  size_t packet_;
  apr_bucket_brigade* bb_;
  ajp::Exchange exchange_;
  Connection* conn_ = nullptr;
  bool slot_ = false;
  bool reused_ = false;
  // The container began its answer: a message other than GET_BODY_CHUNK arrived, or part of
  // one. Until then a closed connection may be retried (stale) or replayed elsewhere.
  bool received_any_ = false;
  bool headers_sent_ = false;
  bool client_gone_ = false;
  bool unpassed_ = false;  // bb_ holds body not yet passed (PassBody without a flush)
  // A 403 is held back until END_RESPONSE: with reuse=0 it is Tomcat refusing the secret.
  bool holding_ = false;
  uint16_t held_status_ = 0;
  HoldBuffer spill_;
  static constexpr size_t kMaxHeldViews = 8;
  std::string_view held_views_[kMaxHeldViews];  // held after spill_, not yet copied
  size_t held_view_count_ = 0;
  size_t held_bytes_ = 0;
  bool overlong_ = false;  // the backend sent more body than its Content-Length
  // Prepared by PrepareHeaders.
  const char* status_line_ = nullptr;
  const char* content_type_ = nullptr;
  apr_table_t* headers_out_ = nullptr;
  int64_t declared_length_ = -1;  // the backend's Content-Length
  int64_t body_passed_ = 0;
};

std::string AprError(apr_status_t rv) {
  char buf[120];
  apr_strerror(rv, buf, sizeof buf);
  return buf;
}

AttemptResult Attempt::Run(bool fresh_connection) {
  AttemptResult res = Open(fresh_connection);
  if (res.outcome != Outcome::kDone) return res;
  res = SendRequest();
  if (res.outcome != Outcome::kDone) return res;
  return Loop();
}

AttemptResult Attempt::Open(bool fresh_connection) {
  ConnectionPool* pool = member_->pool;
  if (pool == nullptr) return Result(Outcome::kMemberDown, "no connection pool in this child");
  apr_status_t rv = pool->Acquire(&conn_, &reused_);
  if (rv != APR_SUCCESS) {
    return Result(Outcome::kClientError, "no free connection to " + member_->name,
                  HTTP_SERVICE_UNAVAILABLE);
  }
  slot_ = true;
  while (conn_ != nullptr && reused_ && fresh_connection) {
    pool->Release(conn_, false);  // likely stale too: drop it
    conn_ = nullptr;
    if (pool->Acquire(&conn_, &reused_) != APR_SUCCESS) {
      slot_ = false;
      return Result(Outcome::kClientError, "no free connection", HTTP_SERVICE_UNAVAILABLE);
    }
  }
  if (conn_ == nullptr) {
    reused_ = false;
    rv = pool->Connect(&conn_);
    if (rv == APR_EBUSY) {
      Close();
      return Result(Outcome::kClientError,
                    member_->name + " has hardmax=" + std::to_string(member_->cfg.hardmax) +
                        " connections open over all children and none freed up in time",
                    HTTP_SERVICE_UNAVAILABLE);
    }
    if (rv != APR_SUCCESS) {
      Close();
      AttemptResult res =
          Result(Outcome::kMemberDown, "cannot connect to " + member_->name + ": " + AprError(rv));
      res.connection_failed = true;
      return res;
    }
  }
  if (member_->ping() > 0 && !CPing()) {
    Close();
    if (reused_) return Result(Outcome::kRetrySameMember, "no CPong on a pooled connection");
    AttemptResult res =
        Result(Outcome::kMemberDown, "no CPong from " + member_->name + " within " +
                                         std::to_string(apr_time_as_msec(member_->ping())) + " ms");
    res.connection_failed = true;
    return res;
  }
  return Result(Outcome::kDone, "");
}

bool Attempt::CPing() {
  apr_socket_t* s = conn_->socket;
  bool ok = SetBlockingTimeout(s, member_->ping()) == APR_SUCCESS &&
            SendAll(s, ajp::kCPingFrame, sizeof ajp::kCPingFrame) == APR_SUCCESS;
  ajp::ContainerMessage m;
  while (ok) {
    Status st = conn_->stream.NextMessage(&m);
    if (st.ok()) {
      ok = m.type == ajp::JK_AJP13_CPONG_REPLY;
      break;
    }
    if (st.code != Errc::kNeedMore) {
      ok = false;
      break;
    }
    apr_size_t len = 0;
    ok = ReadMore(&len) == APR_SUCCESS && len > 0;
  }
  if (SetBlockingTimeout(s, member_->pool_settings.io_timeout) != APR_SUCCESS) ok = false;
  return ok;
}

AttemptResult Attempt::SendRequest() {
  // The member's secret and route go in for this attempt only (no copy of the request).
  ajp::ForwardRequest& f = req_->forward;
  const std::optional<std::string_view> client_secret = f.secret;
  const std::optional<std::string_view> client_route = f.route;
  if (member_->cfg.secret_set && !member_->cfg.secret.empty()) f.secret = member_->cfg.secret;
  if (!member_->cfg.route.empty()) f.route = member_->cfg.route;
  // From the request pool: no zeroing, freed with the request.
  auto* buf = static_cast<uint8_t*>(apr_palloc(r_->pool, packet_));
  size_t n = 0;
  Status st = ajp::EncodeForwardRequest(f, buf, packet_, &n);
  f.secret = client_secret;
  f.route = client_route;
  if (!st.ok()) {
    Close();
    return Result(Outcome::kClientError,
                  "request cannot be sent over AJP: " + Describe(st) +
                      (st.code == Errc::kDoesNotFit ? " (raise ProxyIOBufferSize)" : ""),
                  HTTP_BAD_REQUEST);
  }
  struct iovec iov[3];
  iov[0].iov_base = buf;
  iov[0].iov_len = n;
  int count = 1;
  uint8_t body_header[6];
  const std::string_view body = req_->initial_body;
  if (req_->content_length > 0) {
    size_t hn = 0;
    if (!ajp::EncodeBodyHeader(body.size(), packet_, body_header, &hn).ok() ||
        !exchange_.BodySent(body.size())) {
      Close();
      return Result(Outcome::kClientError, "first body packet does not fit " + member_->name,
                    HTTP_INTERNAL_SERVER_ERROR);
    }
    iov[1].iov_base = body_header;
    iov[1].iov_len = hn;
    iov[2].iov_base = const_cast<char*>(body.data());
    iov[2].iov_len = body.size();
    count = 3;
  }
  const size_t total = n + (count == 3 ? iov[1].iov_len + iov[2].iov_len : 0);
  apr_status_t rv = SendAll(conn_->socket, iov, count);
  if (rv == APR_SUCCESS) Count(&balance::MemberSlot::bytes_sent, total);
  if (rv != APR_SUCCESS) {
    Close();
    if (reused_) return Result(Outcome::kRetrySameMember, "send failed on a pooled connection");
    return Result(Outcome::kMemberDown, "send to " + member_->name + " failed: " + AprError(rv));
  }
  return Result(Outcome::kDone, "");
}

AttemptResult Attempt::Loop() {
  ajp::FrameStream& stream = conn_->stream;
  std::pmr::memory_resource* memory = req_->forward.headers.get_allocator().resource();
  for (;;) {
    ajp::ContainerMessage m(memory);  // its header list in the request pool
    Status st = stream.NextMessage(&m);
    if (st.code == Errc::kNeedMore) {
      // The read may move or overwrite what the buffer holds: a held answer is copied first,
      // or, without room for it, goes out as it is.
      if (holding_ && !SpillHeld() && !ReleaseHeld(true)) {
        return Broken(Outcome::kBadGateway, CutReason());
      }
      if (unpassed_ && !PassBrigade()) return Broken(Outcome::kBadGateway, CutReason());
      apr_size_t len = 0;
      const apr_status_t rv = ReadMore(&len);
      if (len > 0) continue;
      if (stream.buffered() > 0) received_any_ = true;
      if (APR_STATUS_IS_TIMEUP(rv)) {
        return Broken(Outcome::kTimeout,
                      "no answer from " + member_->name + " within " +
                          std::to_string(apr_time_sec(member_->pool_settings.io_timeout)) + " s");
      }
      if (!received_any_) {
        Close();
        if (reused_) {
          return Result(Outcome::kRetrySameMember, "pooled connection closed by the backend");
        }
        return Result(Outcome::kNoAnswer, member_->name +
                                              " closed the connection before answering" +
                                              (rv == APR_EOF ? "" : ": " + AprError(rv)));
      }
      return Broken(holding_ ? Outcome::kCutBeforeClient : Outcome::kBadGateway,
                    member_->name + " closed the connection" +
                        (rv == APR_EOF ? "" : ": " + AprError(rv)) +
                        (received_any_ ? " in the middle of the response" : " before answering"));
    }
    if (!st.ok()) {
      return Broken(Outcome::kBadGateway,
                    "protocol error from " + member_->name + ": " + Describe(st));
    }
    if (m.type != ajp::JK_AJP13_GET_BODY_CHUNK) received_any_ = true;
    bool finished = false;
    AttemptResult res = OnAction(m, exchange_.OnMessage(m), &finished);
    if (finished) return res;
  }
}

AttemptResult Attempt::OnAction(const ajp::ContainerMessage& m, const ajp::Action& a,
                                bool* finished) {
  *finished = false;
  switch (a.kind) {
    case ajp::ActionKind::kNothing:
      break;
    case ajp::ActionKind::kSendBody: {
      AttemptResult res = SendBody(a.size);
      if (res.outcome != Outcome::kDone) *finished = true;
      return res;
    }
    case ajp::ActionKind::kHeaders:
      if (FailOnStatus(m.status)) {
        if (options_.may_fail_over) {
          *finished = true;
          Close();
          return Result(Outcome::kFailStatus, member_->name + " answered " +
                                                  std::to_string(m.status) +
                                                  ", a status in failonstatus");
        }
        mark_error_ = true;  // passed on (no other member can take it), then marked
      }
      // The answer is held (nothing reaches the client) until it ends or grows past
      // kMaxHeldBody, so that a member dying in the middle of a short answer costs nothing: the
      // request goes to another member. An answer whose Content-Length is larger than that is
      // streamed at once. A 403 is always held: with reuse=0 it is Tomcat refusing the secret.
      // flushpackets=on/auto streams at once instead.
      PrepareHeaders(m);
      held_status_ = m.status;
      if (m.status == HTTP_FORBIDDEN || (member_->cfg.flush_packets == config::FlushPackets::kOff &&
                                         declared_length_ <= static_cast<int64_t>(kMaxHeldBody))) {
        holding_ = true;
      } else {
        ApplyHeaders();
      }
      break;
    case ajp::ActionKind::kBody:
      if (holding_) {
        const bool kept = Hold(a.data);
        if (kept && held_bytes_ <= kMaxHeldBody) break;
        // Too long to hold (and for a refusal page: it is the application's 403), or no room
        // to hold it: stream.
        if (!ReleaseHeld(true) || (!kept && !PassBody(a.data, FlushNow()))) {
          *finished = true;
          return Broken(Outcome::kBadGateway, CutReason());
        }
        break;
      }
      if (!PassBody(a.data, FlushNow())) {
        *finished = true;
        return Broken(Outcome::kBadGateway, CutReason());
      }
      break;
    case ajp::ActionKind::kFlush:
      // The container wants what it sent so far to reach the client: stop holding.
      if (holding_ && held_status_ != HTTP_FORBIDDEN && !ReleaseHeld(false)) {
        *finished = true;
        return Broken(Outcome::kBadGateway, CutReason());
      }
      if (!holding_ && !PassBody({}, true)) {
        *finished = true;
        return Broken(Outcome::kBadGateway, CutReason());
      }
      break;
    case ajp::ActionKind::kDone:
      *finished = true;
      return Finish(a.reuse);
    case ajp::ActionKind::kError:
      *finished = true;
      return Broken(Outcome::kBadGateway,
                    std::string("protocol error from ") + member_->name + ": " + a.why);
  }
  return Result(Outcome::kDone, "");
}

AttemptResult Attempt::SendBody(size_t max) {
  // bb_ reads the client's body below: what waits in it goes out first.
  if (unpassed_ && !PassBrigade()) return Broken(Outcome::kBadGateway, CutReason());
  std::string_view data;
  std::pmr::string& replay = req_->replay;
  if (!req_->replay_overflow && replay_pos_ < replay.size()) {
    // A failover: what an earlier member was sent comes from the replay buffer first.
    data = std::string_view(replay).substr(replay_pos_, max);
    replay_pos_ += data.size();
  } else if (max > 0 && !req_->client_body_done) {
    if (req_->body_buffer_size < max) {
      req_->body_buffer = static_cast<char*>(req_->memory->allocate(max, 1));
      req_->body_buffer_size = max;
    }
    size_t got = 0;
    if (ReadClientBody(r_, bb_, req_->body_buffer, max, &got, &req_->client_body_done) !=
        APR_SUCCESS) {
      Close();
      return Result(Outcome::kClientError, "reading the request body failed", HTTP_BAD_REQUEST);
    }
    data = std::string_view(req_->body_buffer, got);
    if (!req_->replay_overflow) {
      if (replay.size() + data.size() <= req_->replay_limit) {
        replay += data;
        replay_pos_ = replay.size();
      } else {
        req_->replay_overflow = true;  // too big to keep: this request stays on this member
        replay.clear();
      }
    }
  }
  if (data.empty() && req_->content_length > 0 &&
      exchange_.body_bytes_sent() < static_cast<uint64_t>(req_->content_length)) {
    Close();  // the client's body ended early: the container must not wait for the rest
    return Result(Outcome::kClientError, "request body shorter than its Content-Length",
                  HTTP_BAD_REQUEST);
  }
  if (!exchange_.BodySent(data.size())) {
    return Broken(Outcome::kBadGateway, "request body packet refused by the exchange rules");
  }
  uint8_t header[6];
  size_t hn = 0;
  if (!ajp::EncodeBodyHeader(data.size(), packet_, header, &hn).ok()) {
    return Broken(Outcome::kBadGateway, "request body packet does not fit the packet size");
  }
  struct iovec iov[2] = {{header, hn}, {const_cast<char*>(data.data()), data.size()}};
  apr_status_t rv = SendAll(conn_->socket, iov, data.empty() ? 1 : 2);
  if (rv == APR_SUCCESS) Count(&balance::MemberSlot::bytes_sent, hn + data.size());
  if (rv != APR_SUCCESS) {
    return Broken(Outcome::kBadGateway,
                  "sending the request body to " + member_->name + " failed: " + AprError(rv));
  }
  return Result(Outcome::kDone, "");
}

}  // namespace
}  // namespace mca::glue

namespace mca::glue {
namespace {

bool IsNumericReason(std::string_view reason, int status) {
  return reason.empty() || reason == std::to_string(status);
}

// Response headers the module treats specially, by name (ASCII case-insensitive).
enum class HeaderKind { kOther, kContentType, kHopByHop, kContentLength, kLocation, kSetCookie };

HeaderKind KindOf(std::string_view name) {
  using text::EqualsIgnoreAsciiCase;
  switch (name.size()) {
    case 3:
      return EqualsIgnoreAsciiCase(name, "URI") ? HeaderKind::kLocation : HeaderKind::kOther;
    case 8:
      return EqualsIgnoreAsciiCase(name, "Location") ? HeaderKind::kLocation : HeaderKind::kOther;
    case 10:
      if (EqualsIgnoreAsciiCase(name, "Set-Cookie")) return HeaderKind::kSetCookie;
      return EqualsIgnoreAsciiCase(name, "Connection") || EqualsIgnoreAsciiCase(name, "Keep-Alive")
                 ? HeaderKind::kHopByHop
                 : HeaderKind::kOther;
    case 12:
      return EqualsIgnoreAsciiCase(name, "Content-Type") ? HeaderKind::kContentType
                                                         : HeaderKind::kOther;
    case 14:
      return EqualsIgnoreAsciiCase(name, "Content-Length") ? HeaderKind::kContentLength
                                                           : HeaderKind::kOther;
    case 16:
      return EqualsIgnoreAsciiCase(name, "Content-Location") ? HeaderKind::kLocation
                                                             : HeaderKind::kOther;
    case 17:
      return EqualsIgnoreAsciiCase(name, "Transfer-Encoding") ? HeaderKind::kHopByHop
                                                              : HeaderKind::kOther;
    default:
      return HeaderKind::kOther;
  }
}

char* PoolCopy(apr_pool_t* p, std::string_view s) { return apr_pstrmemdup(p, s.data(), s.size()); }

void Attempt::PrepareHeaders(const ajp::ContainerMessage& m) {
  apr_pool_t* pool = r_->pool;
  // Tomcat sends the digits as the reason ("200"); show httpd's phrase instead ("200 OK").
  status_line_ = nullptr;
  if (!IsNumericReason(m.reason, m.status)) {
    status_line_ =
        apr_psprintf(pool, "%d %.*s", m.status, static_cast<int>(m.reason.size()), m.reason.data());
  } else {
    const char* line = ap_get_status_line(m.status);
    if (line[0] - '0' != m.status / 100 || line[1] - '0' != m.status / 10 % 10 ||
        line[2] - '0' != m.status % 10) {
      status_line_ = apr_psprintf(pool, "%d Unknown Reason", m.status);
    }
  }
  content_type_ = nullptr;
  declared_length_ = -1;
  headers_out_ = apr_table_make(pool, static_cast<int>(m.headers.size()));
  const char* host = nullptr;
  for (const ajp::Header& h : m.headers) {
    const HeaderKind kind = KindOf(h.name);
    if (kind == HeaderKind::kHopByHop) continue;
    if (kind == HeaderKind::kContentType) {
      content_type_ = PoolCopy(pool, h.value);
      continue;
    }
    const char* value = nullptr;
    if (kind == HeaderKind::kContentLength) {
      int64_t len = 0;
      if (!text::ParseLength(h.value, &len)) continue;  // let httpd frame it
      value = PoolCopy(pool, h.value);
      declared_length_ = len;
    } else if (kind == HeaderKind::kLocation) {
      if (host == nullptr) host = apr_table_get(r_->headers_in, "Host");
      const bool is_ssl = ap_ssl_conn_is_ssl(r_->connection) != 0;
      if (auto rewritten =
              proxy::RewriteLocation(h.value, conf_.reverse, host ? host : "", is_ssl)) {
        value = PoolCopy(pool, *rewritten);
      }
    } else if (kind == HeaderKind::kSetCookie) {
      if (auto rewritten =
              proxy::RewriteSetCookie(h.value, conf_.cookie_paths, conf_.cookie_domains)) {
        value = PoolCopy(pool, *rewritten);
      }
    }
    if (value == nullptr) value = PoolCopy(pool, h.value);
    apr_table_addn(headers_out_, PoolCopy(pool, h.name), value);
  }
}

void Attempt::ApplyHeaders() {
  r_->status = held_status_;
  if (status_line_ != nullptr) r_->status_line = status_line_;
  if (content_type_ != nullptr) ap_set_content_type(r_, content_type_);
  if (apr_is_empty_table(r_->headers_out)) {
    r_->headers_out = headers_out_;
  } else {
    apr_table_do(
        [](void* out, const char* name, const char* value) -> int {
          apr_table_addn(static_cast<apr_table_t*>(out), name, value);
          return 1;
        },
        r_->headers_out, headers_out_, nullptr);
  }
  headers_sent_ = true;  // from here on a failure can only cut the response short
}

bool Attempt::SpillHeld() {
  if (held_view_count_ == 0) return true;
  // While holding, held_bytes_ <= kMaxHeldBody (more is released at once): it fits.
  if (!spill_.Take()) return false;
  size_t i = 0;
  while (i < held_view_count_ && spill_.Append(held_views_[i])) ++i;
  if (i < held_view_count_) {  // cannot happen; if it did, the rest stays in place
    std::copy(held_views_ + i, held_views_ + held_view_count_, held_views_);
    held_view_count_ -= i;
    return false;
  }
  held_view_count_ = 0;
  return true;
}

bool Attempt::ReleaseHeld(bool pass) {
  ApplyHeaders();
  holding_ = false;
  // Views into the connection's buffer go out before the connection is read or released
  // again: every caller passes the brigade first.
  bool ok = AppendBody(spill_.view());
  for (size_t i = 0; ok && i < held_view_count_; ++i) ok = AppendBody(held_views_[i]);
  held_view_count_ = 0;
  if (!ok) return false;
  return !pass || PassBrigade();
}

bool Attempt::PassBrigade() {
  unpassed_ = false;
  apr_status_t rv = ap_pass_brigade(r_->output_filters, bb_);
  apr_brigade_cleanup(bb_);
  if (rv != APR_SUCCESS || r_->connection->aborted) client_gone_ = true;
  return !client_gone_;
}

// After the EOS: a FLUSH for the connection's own filters (TLS, core) only, so that no request
// filter (mod_deflate) ends a block early for it.
//
// Then the thread yields the CPU: the client has its answer, and what is left of the request
// (logging, keep-alive) can wait for the threads that are ready to run, among them httpd's
// listener, which hands every other connection to a worker. On a loaded machine the listener
// otherwise waited behind workers that went on from one request to the next: with 17-byte
// answers at 128 connections on two cores, p99 was 1.3x mod_proxy_ajp's; with the yield p90 is
// 0.4-0.65x of it and p99 below it in most rounds, for more requests/s. With a CPU to spare the
// call returns at once.
void Attempt::WriteToClientNow() {
  conn_rec* c = r_->connection;
  APR_BRIGADE_INSERT_TAIL(bb_, apr_bucket_flush_create(c->bucket_alloc));
  if (ap_pass_brigade(c->output_filters, bb_) != APR_SUCCESS || c->aborted) client_gone_ = true;
  apr_brigade_cleanup(bb_);
  if (!client_gone_) sched_yield();
}

bool Attempt::AppendBody(std::string_view data) {
  if (client_gone_) return false;
  if (data.empty()) return true;
  if (declared_length_ >= 0 &&
      body_passed_ + static_cast<int64_t>(data.size()) > declared_length_) {
    overlong_ = true;
    return false;  // more than the backend's own Content-Length: stop, never desync
  }
  body_passed_ += static_cast<int64_t>(data.size());
  APR_BRIGADE_INSERT_TAIL(
      bb_, apr_bucket_transient_create(data.data(), data.size(), r_->connection->bucket_alloc));
  return true;
}

// Without a flush the body waits in bb_ for the rest of what the last read brought: Loop passes
// it all at once before the buffer it points into is read into again.
bool Attempt::PassBody(std::string_view data, bool flush) {
  if (!AppendBody(data)) return false;
  if (!flush) {
    unpassed_ = true;
    return true;
  }
  APR_BRIGADE_INSERT_TAIL(bb_, apr_bucket_flush_create(r_->connection->bucket_alloc));
  return PassBrigade();
}

AttemptResult Attempt::Finish(bool reuse) {
  if (holding_) {
    if (held_status_ == HTTP_FORBIDDEN && !reuse) {
      Close();
      return Result(Outcome::kMemberDown,
                    "AJP secret rejected by " + member_->name +
                        (member_->cfg.secret_set
                             ? " (this member's secret= differs from the secret of Tomcat's "
                               "AJP connector)"
                             : " (Tomcat's AJP connector has a secret: set secret= on the "
                               "BalancerMember)"));
    }
    // The whole answer in one pass (an application's own 403 too: as it came).
    if (!ReleaseHeld(false)) return Broken(Outcome::kBadGateway, CutReason());
  }
  // The brigade may point into the connection's buffer: it is passed before the connection
  // goes back to the pool (what httpd did not write it has copied by then). The connection is
  // back before the client can have the answer, so the client's next request finds it idle.
  const bool keep = reuse && !client_gone_;
  bool write_now = false;
  if (!client_gone_) {
    if (declared_length_ >= 0 && body_passed_ != declared_length_ && !r_->header_only &&
        r_->status != HTTP_NOT_MODIFIED && r_->status != HTTP_NO_CONTENT) {
      // Short body: make sure the client sees a broken response, not a complete one.
      APR_BRIGADE_INSERT_TAIL(bb_, ap_bucket_error_create(HTTP_BAD_GATEWAY, nullptr, r_->pool,
                                                          r_->connection->bucket_alloc));
    }
    APR_BRIGADE_INSERT_TAIL(bb_, apr_bucket_eos_create(r_->connection->bucket_alloc));
    write_now = PassBrigade() && body_passed_ <= kWriteAtOnceMax;
  } else {
    apr_brigade_cleanup(bb_);
  }
  member_->pool->Release(conn_, keep);
  conn_ = nullptr;
  slot_ = false;
  if (write_now) WriteToClientNow();
  ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r_,
                "MCA0208: %s answered %d with %" APR_INT64_T_FMT " body bytes",
                member_->name.c_str(), r_->status, body_passed_);
  AttemptResult res = Result(Outcome::kDone, "");
  if (mark_error_) {
    res.mark_error = true;
    res.why =
        member_->name + " answered " + std::to_string(r_->status) + ", a status in failonstatus";
  }
  return res;
}

AttemptResult Attempt::Broken(Outcome before_headers, const std::string& why) {
  if (!headers_sent_) {
    Close();
    return Result(before_headers, why);
  }
  // A client that goes away mid-answer is the client's business (info); a member that breaks
  // off is an error.
  ap_log_rerror(APLOG_MARK, client_gone_ ? APLOG_INFO : APLOG_ERR, 0, r_,
                "MCA0201: response from %s cut short: %s", member_->name.c_str(), why.c_str());
  if (!client_gone_) {
    // As mod_proxy does: an error bucket makes httpd end the response unfinished and close.
    apr_bucket_alloc_t* ba = r_->connection->bucket_alloc;
    APR_BRIGADE_INSERT_TAIL(bb_, ap_bucket_error_create(HTTP_BAD_GATEWAY, nullptr, r_->pool, ba));
    APR_BRIGADE_INSERT_TAIL(bb_, apr_bucket_eos_create(ba));
    PassBrigade();
  } else {
    apr_brigade_cleanup(bb_);
  }
  Close();  // after the pass: the brigade may point into the connection's buffer
  r_->connection->keepalive = AP_CONN_CLOSE;
  return Result(Outcome::kDone, why);
}

}  // namespace

AttemptResult ForwardToMember(request_rec* r, const ServerConfig& conf, Balancer* balancer,
                              Member* member, ClientRequest* request, bool fresh_connection,
                              const AttemptOptions& options) {
  InPool<Attempt> attempt(r->pool, r, conf, balancer, member, request, options);
  return attempt->Run(fresh_connection);
}

}  // namespace mca::glue
