#include "mca/ajp/exchange.h"

#include "mca/ajp/constants.h"

namespace mca::ajp {
namespace {

size_t Min(size_t a, size_t b) { return a < b ? a : b; }

}  // namespace

Exchange::Exchange(const ExchangeSettings& settings) noexcept : settings_(settings) {
  if (!IsValidPacketSize(settings_.packet_size)) settings_.packet_size = kDefaultPacketSize;
  if (settings_.content_length > 0) {
    owed_ = true;
    allowed_ = InitialBodyBytes();
  } else if (settings_.content_length == 0) {
    body_finished_ = true;  // Tomcat marks the end of a Content-Length: 0 body by itself
  }
}

size_t Exchange::InitialBodyBytes() const noexcept {
  if (settings_.content_length <= 0) return 0;
  return Min(static_cast<size_t>(settings_.content_length),
             MaxRequestBodyData(settings_.packet_size));
}

bool Exchange::BodySent(size_t bytes) noexcept {
  if (failed_ || !owed_ || bytes > allowed_) {
    Fail("request body packet not asked for or too large");
    return false;
  }
  owed_ = false;
  allowed_ = 0;
  body_sent_ += bytes;
  if (bytes == 0) {
    empty_sent_ = true;
    body_finished_ = true;
  } else if (settings_.content_length > 0 &&
             body_sent_ == static_cast<uint64_t>(settings_.content_length)) {
    body_finished_ = true;
  }
  return true;
}

Action Exchange::Fail(const char* why) noexcept {
  failed_ = true;
  Action a;
  a.kind = ActionKind::kError;
  a.why = why;
  return a;
}

Action Exchange::OnMessage(const ContainerMessage& m) noexcept {
  if (failed_ || done_) return Fail("message after the end of the exchange");
  Action a;
  switch (m.type) {
    case JK_AJP13_GET_BODY_CHUNK: {
      if (owed_) return Fail("GET_BODY_CHUNK while a body packet is still owed");
      if (empty_sent_) return Fail("GET_BODY_CHUNK after the end of the request body");
      if (m.requested == 0) return Fail("GET_BODY_CHUNK for 0 bytes");
      size_t allowed = Min(m.requested, MaxRequestBodyData(settings_.packet_size));
      if (settings_.content_length >= 0) {
        const uint64_t left = static_cast<uint64_t>(settings_.content_length) - body_sent_;
        if (left < allowed) allowed = static_cast<size_t>(left);
      }
      owed_ = true;
      allowed_ = allowed;
      a.kind = ActionKind::kSendBody;
      a.size = allowed;
      return a;
    }
    case JK_AJP13_SEND_HEADERS: {
      if (headers_seen_) return Fail("second SEND_HEADERS");
      headers_seen_ = true;
      status_ = m.status;
      no_body_ = settings_.head || m.status < 200 || m.status == 204 || m.status == 304;
      a.kind = ActionKind::kHeaders;
      return a;
    }
    case JK_AJP13_SEND_BODY_CHUNK: {
      if (!headers_seen_) {
        // A flush before the headers means nothing; data there is left over from something
        // else and must not reach this client.
        if (m.chunk.empty()) return a;
        return Fail("SEND_BODY_CHUNK before SEND_HEADERS");
      }
      if (m.chunk.empty()) {
        a.kind = ActionKind::kFlush;
      } else if (!no_body_) {
        a.kind = ActionKind::kBody;
        a.data = m.chunk;
      }
      return a;
    }
    case JK_AJP13_END_RESPONSE: {
      if (!headers_seen_) return Fail("END_RESPONSE without SEND_HEADERS");
      done_ = true;
      a.kind = ActionKind::kDone;
      // A body packet we still owe would be read as the next request: never reuse then.
      a.reuse = m.reuse && !owed_;
      return a;
    }
    default:
      return Fail("unexpected message type during a request");
  }
}

}  // namespace mca::ajp
