// The rules of one AJP request/response exchange on a connection, without the I/O: the
// connection code sends FORWARD_REQUEST, then feeds every container message to OnMessage() and
// does what the returned Action says. Keeping the rules here makes every protocol surprise a
// tested, named error instead of a branch buried in socket code.
//
// Request body rules (Tomcat 10.1, see the AJP reference 1.9):
//   - Content-Length > 0: the first body packet goes unsolicited right after FORWARD_REQUEST.
//   - Chunked (length unknown): nothing unsolicited; answer each GET_BODY_CHUNK.
//   - Every GET_BODY_CHUNK gets exactly one body packet; an empty one once the body is over.
//   - A GET_BODY_CHUNK after the empty packet, or bytes beyond Content-Length, never happen.
// Response rules: one SEND_HEADERS; body chunks only after it (empty "flush" chunks before it
// are ignored); END_RESPONSE ends the exchange and says whether the connection may be reused.
//
// Must not depend on: httpd, APR, sockets.
#ifndef MCA_AJP_EXCHANGE_H_
#define MCA_AJP_EXCHANGE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mca/ajp/response.h"

namespace mca::ajp {

inline constexpr int64_t kUnknownLength = -1;

struct ExchangeSettings {
  size_t packet_size = 8192;
  // Request body length: 0 for none, kUnknownLength for a chunked request body.
  int64_t content_length = 0;
  // HEAD request: the response has no body whatever the container sends.
  bool head = false;
};

enum class ActionKind : uint8_t {
  kNothing,   // message absorbed (e.g. an early flush); read the next one
  kSendBody,  // send one body packet with up to `size` bytes of request body (0 allowed)
  kHeaders,   // pass status/reason/headers of the message to the client
  kBody,      // pass `data` to the client
  kFlush,     // flush what was passed so far to the client
  kDone,      // exchange over; `reuse` says whether the connection may go back to the pool
  kError,     // protocol error: answer 502 if nothing was sent, close the connection
};

struct Action {
  ActionKind kind = ActionKind::kNothing;
  size_t size = 0;        // kSendBody: most bytes the packet may carry
  std::string_view data;  // kBody
  bool reuse = false;     // kDone
  const char* why = "";   // kError: what was wrong (static text)
};

class Exchange {
 public:
  explicit Exchange(const ExchangeSettings& settings) noexcept;

  // Bytes of request body to send unsolicited right after FORWARD_REQUEST (0: none).
  size_t InitialBodyBytes() const noexcept;

  // The connection code reports each body packet it is about to send: `bytes` of data (0 = the
  // empty end-of-body packet). Returns false (and the exchange is in error, nothing may be sent)
  // if that packet would break the rules: not asked for, more bytes than allowed, or beyond
  // Content-Length. A client body that ends early is the caller's to handle (close).
  bool BodySent(size_t bytes) noexcept;

  Action OnMessage(const ContainerMessage& message) noexcept;

  bool headers_seen() const noexcept { return headers_seen_; }
  bool done() const noexcept { return done_; }
  bool failed() const noexcept { return failed_; }
  // True once the request body was entirely handed to the container (empty packet sent, or all
  // of Content-Length sent): only then is the request replayable from nothing.
  bool body_finished() const noexcept { return body_finished_; }
  uint64_t body_bytes_sent() const noexcept { return body_sent_; }
  uint16_t status() const noexcept { return status_; }

 private:
  Action Fail(const char* why) noexcept;

  ExchangeSettings settings_;
  uint64_t body_sent_ = 0;
  size_t allowed_ = 0;       // bytes the owed body packet may carry
  bool owed_ = false;        // a body packet is expected from us
  bool empty_sent_ = false;  // the empty end-of-body packet went out
  bool body_finished_ = false;
  bool headers_seen_ = false;
  bool no_body_ = false;  // HEAD, 1xx, 204, 304: drop body chunks
  bool done_ = false;
  bool failed_ = false;
  uint16_t status_ = 0;
};

}  // namespace mca::ajp

#endif  // MCA_AJP_EXCHANGE_H_
