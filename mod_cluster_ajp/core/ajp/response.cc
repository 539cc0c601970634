#include "mca/ajp/response.h"

#include "mca/ajp/constants.h"
#include "mca/byte_io.h"
#include "mca/text.h"

namespace mca::ajp {

using text::EqualsIgnoreAsciiCase;
using text::IsCleanText;
using text::IsToken;
namespace {

constexpr uint16_t kMinStatus = 100;
constexpr uint16_t kMaxStatus = 599;

bool ExpectEnd(ByteReader* r, const char* field) {
  if (r->remaining() == 0) return true;
  return r->Fail(Errc::kTrailingBytes, field);
}

bool DecodeSendHeaders(ByteReader* r, ContainerMessage* out) {
  const size_t status_offset = r->offset();
  if (!r->ReadU16(&out->status, "status")) return false;
  if (out->status < kMinStatus || out->status > kMaxStatus) {
    return r->FailAt(Errc::kBadValue, status_offset, "status");
  }
  bool is_null = false;
  const size_t reason_offset = r->offset();
  if (!r->ReadString(&out->reason, &is_null, "reason")) return false;
  if (!IsCleanText(out->reason)) return r->FailAt(Errc::kBadValue, reason_offset, "reason");
  uint16_t count = 0;
  const size_t count_offset = r->offset();
  if (!r->ReadU16(&count, "num_headers")) return false;
  // Each header needs at least 2 (name) + 2 (value) bytes.
  if (size_t{count} * 4 > r->remaining()) {
    return r->FailAt(Errc::kTruncated, count_offset, "num_headers");
  }
  out->headers.reserve(count);
  for (uint16_t i = 0; i < count; ++i) {
    Header h;
    uint16_t peek = 0;
    if (!r->PeekU16(&peek, "header name")) return false;
    const size_t name_offset = r->offset();
    if ((peek & kHeaderCodeMask) == kHeaderCodePrefix) {
      const uint16_t index = peek & 0xFF;
      if (index < 1 || index > kResponseHeaderCount) {
        return r->Fail(Errc::kBadHeaderCode, "header name");
      }
      r->Skip(2, "header name");
      h.name = kResponseHeaderNames[index - 1];
    } else {
      if (!r->ReadString(&h.name, &is_null, "header name")) return false;
      if (is_null || !IsToken(h.name))
        return r->FailAt(Errc::kBadValue, name_offset, "header name");
    }
    const size_t value_offset = r->offset();
    if (!r->ReadString(&h.value, &is_null, "header value")) return false;
    if (!IsCleanText(h.value)) return r->FailAt(Errc::kBadValue, value_offset, "header value");
    out->headers.push_back(h);
  }
  return ExpectEnd(r, "SEND_HEADERS");
}

bool DecodeBodyChunk(ByteReader* r, ContainerMessage* out) {
  uint16_t length = 0;
  if (!r->ReadU16(&length, "chunk length")) return false;
  if (length > r->remaining()) return r->Fail(Errc::kTruncated, "chunk length");
  r->ReadBytes(length, &out->chunk, "chunk data");
  if (r->remaining() == 0) return true;  // no trailing NUL: accepted, as mod_jk does
  const size_t nul_offset = r->offset();
  uint8_t nul = 1;
  r->ReadU8(&nul, "chunk terminator");
  if (nul != 0) return r->FailAt(Errc::kMissingNul, nul_offset, "chunk terminator");
  return ExpectEnd(r, "SEND_BODY_CHUNK");
}

}  // namespace

uint16_t ResponseHeaderCode(std::string_view name) noexcept {
  for (uint8_t i = 0; i < kResponseHeaderCount; ++i) {
    if (EqualsIgnoreAsciiCase(name, kResponseHeaderNames[i])) {
      return static_cast<uint16_t>(kHeaderCodePrefix | (i + 1));
    }
  }
  return 0;
}

Status DecodeContainerMessage(const Frame& frame, ContainerMessage* out, size_t base_offset) {
  ByteReader r(frame.payload, frame.length, base_offset + kFrameHeaderSize);
  out->type = 0;
  out->headers.clear();
  out->chunk = {};
  if (!r.ReadU8(&out->type, "message type")) return r.status();
  switch (out->type) {
    case JK_AJP13_SEND_HEADERS:
      DecodeSendHeaders(&r, out);
      break;
    case JK_AJP13_SEND_BODY_CHUNK:
      DecodeBodyChunk(&r, out);
      break;
    case JK_AJP13_GET_BODY_CHUNK:
      if (r.ReadU16(&out->requested, "requested length")) ExpectEnd(&r, "GET_BODY_CHUNK");
      break;
    case JK_AJP13_END_RESPONSE: {
      uint8_t reuse = 0;
      if (!r.ReadU8(&reuse, "reuse")) break;
      if (reuse > 1) {
        return Status::Error(Errc::kBadValue, base_offset + kFrameHeaderSize + 1, "reuse");
      }
      out->reuse = reuse == 1;
      ExpectEnd(&r, "END_RESPONSE");
      break;
    }
    case JK_AJP13_CPONG_REPLY:
      ExpectEnd(&r, "CPONG");
      break;
    default:
      return Status::Error(Errc::kUnknownType, base_offset + kFrameHeaderSize, "message type");
  }
  return r.status();
}

namespace {

// Frame header with a length patched in by Finish().
ByteWriter StartFrame(uint8_t* buf, size_t packet_size, uint8_t type) {
  ByteWriter w(buf, packet_size);
  w.WriteBytes(std::string_view(reinterpret_cast<const char*>(kMagicFromContainer), 2), "magic");
  w.WriteU16(0, "frame length");
  w.WriteU8(type, "message type");
  return w;
}

Status Finish(ByteWriter* w, size_t* written) {
  if (!w->ok()) return w->status();
  w->PatchU16(2, static_cast<uint16_t>(w->size() - kFrameHeaderSize), "frame length");
  *written = w->size();
  return Status::Ok();
}

}  // namespace

Status EncodeSendHeaders(uint16_t status, std::string_view reason,
                         const std::vector<Header>& headers, uint8_t* buf, size_t packet_size,
                         size_t* written) noexcept {
  *written = 0;
  if (!IsValidPacketSize(packet_size)) return Status::Error(Errc::kBadValue, 0, "packet size");
  if (status < kMinStatus || status > kMaxStatus) {
    return Status::Error(Errc::kBadValue, 0, "status");
  }
  if (!IsCleanText(reason)) return Status::Error(Errc::kBadValue, 0, "reason");
  if (headers.size() > 0xFFFF) return Status::Error(Errc::kDoesNotFit, 0, "num_headers");
  for (const Header& h : headers) {
    if (!IsToken(h.name) || h.name.size() >= kHeaderCodePrefix) {
      return Status::Error(Errc::kBadValue, 0, "header name");
    }
    if (!IsCleanText(h.value)) return Status::Error(Errc::kBadValue, 0, "header value");
  }
  ByteWriter w = StartFrame(buf, packet_size, JK_AJP13_SEND_HEADERS);
  w.WriteU16(status, "status");
  w.WriteString(reason, "reason");
  w.WriteU16(static_cast<uint16_t>(headers.size()), "num_headers");
  for (const Header& h : headers) {
    const uint16_t code = ResponseHeaderCode(h.name);
    if (code != 0) {
      w.WriteU16(code, "header name");
    } else {
      w.WriteString(h.name, "header name");
    }
    w.WriteString(h.value, "header value");
  }
  return Finish(&w, written);
}

Status EncodeSendBodyChunk(std::string_view data, uint8_t* buf, size_t packet_size,
                           size_t* written) noexcept {
  *written = 0;
  if (!IsValidPacketSize(packet_size)) return Status::Error(Errc::kBadValue, 0, "packet size");
  if (data.size() > MaxResponseChunkData(packet_size)) {
    return Status::Error(Errc::kDoesNotFit, 0, "chunk length");
  }
  ByteWriter w = StartFrame(buf, packet_size, JK_AJP13_SEND_BODY_CHUNK);
  w.WriteU16(static_cast<uint16_t>(data.size()), "chunk length");
  w.WriteBytes(data, "chunk data");
  w.WriteU8(0, "chunk terminator");
  return Finish(&w, written);
}

Status EncodeGetBodyChunk(uint16_t requested, uint8_t* buf, size_t packet_size,
                          size_t* written) noexcept {
  *written = 0;
  if (!IsValidPacketSize(packet_size)) return Status::Error(Errc::kBadValue, 0, "packet size");
  ByteWriter w = StartFrame(buf, packet_size, JK_AJP13_GET_BODY_CHUNK);
  w.WriteU16(requested, "requested length");
  return Finish(&w, written);
}

Status EncodeEndResponse(bool reuse, uint8_t* buf, size_t packet_size, size_t* written) noexcept {
  *written = 0;
  if (!IsValidPacketSize(packet_size)) return Status::Error(Errc::kBadValue, 0, "packet size");
  ByteWriter w = StartFrame(buf, packet_size, JK_AJP13_END_RESPONSE);
  w.WriteU8(reuse ? 1 : 0, "reuse");
  return Finish(&w, written);
}

}  // namespace mca::ajp
