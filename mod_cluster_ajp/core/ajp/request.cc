#include "mca/ajp/request.h"

#include <array>

#include "mca/ajp/constants.h"
#include "mca/byte_io.h"
#include "mca/text.h"

namespace mca::ajp {

using text::IsCleanText;
using text::IsToken;
namespace {

// kRequestHeaderNames with their lengths.
constexpr std::array<std::string_view, kRequestHeaderCount> kCodedNames = [] {
  std::array<std::string_view, kRequestHeaderCount> names{};
  for (size_t i = 0; i < names.size(); ++i) names[i] = kRequestHeaderNames[i];
  return names;
}();

// For each name length, the indexes of the coded names of that length (at most 3; 0xFF: none).
constexpr size_t kMaxCodedLength = 15;
using LengthBucket = std::array<uint8_t, 3>;
constexpr std::array<LengthBucket, kMaxCodedLength + 1> kCodedByLength = [] {
  std::array<LengthBucket, kMaxCodedLength + 1> t{};
  for (auto& bucket : t) bucket = {0xFF, 0xFF, 0xFF};
  for (size_t i = 0; i < kCodedNames.size(); ++i) {
    LengthBucket& bucket = t[kCodedNames[i].size()];
    size_t k = 0;
    while (bucket[k] != 0xFF) ++k;  // a fourth name of one length fails to compile
    bucket[k] = static_cast<uint8_t>(i);
  }
  return t;
}();

// `name` (of the same length) equals the coded name, ignoring ASCII case. A coded name has only
// lower-case letters, '-' and '2'; setting bit 0x20 lower-cases a letter and leaves '-' and '2'
// alone, and besides those only a control byte (CR for '-', DC2 for '2') would become one of
// them: control bytes are refused.
bool EqualsCodedName(std::string_view name, std::string_view coded) noexcept {
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if ((c | 0x20) != static_cast<unsigned char>(coded[i]) || c < 0x20) return false;
  }
  return true;
}

// Writes an optional attribute `code` + string when present.
void WriteStringAttribute(ByteWriter* w, uint8_t code, const std::optional<std::string_view>& v,
                          const char* field) {
  if (!v) return;
  w->WriteU8(code, field);
  w->WriteString(*v, field);
}

Status CheckText(std::string_view s, const char* field, bool allow_newlines = false) {
  if (IsCleanText(s, allow_newlines)) return Status::Ok();
  return Status::Error(Errc::kBadValue, 0, field);
}

// Everything the encoder refuses before writing a byte. Offsets are 0: the fault is in the
// request, not at a place in the frame.
Status ValidateForwardRequest(const ForwardRequest& r) {
  if (!IsToken(r.method)) return Status::Error(Errc::kBadValue, 0, "method");
  const std::pair<std::string_view, const char*> fields[] = {{r.protocol, "protocol"},
                                                             {r.uri, "req_uri"},
                                                             {r.remote_addr, "remote_addr"},
                                                             {r.server_name, "server_name"}};
  for (const auto& [value, field] : fields) {
    Status s = CheckText(value, field);
    if (!s.ok()) return s;
  }
  const std::pair<const std::optional<std::string_view>*, const char*> optional_fields[] = {
      {&r.remote_host, "remote_host"},   {&r.secret, "secret"},
      {&r.remote_user, "remote_user"},   {&r.auth_type, "auth_type"},
      {&r.query_string, "query_string"}, {&r.route, "route"},
      {&r.ssl_cipher, "ssl_cipher"},     {&r.ssl_session, "ssl_session"}};
  for (const auto& [value, field] : optional_fields) {
    if (!*value) continue;
    Status s = CheckText(**value, field);
    if (!s.ok()) return s;
  }
  if (r.ssl_cert) {
    Status s = CheckText(*r.ssl_cert, "ssl_cert", /*allow_newlines=*/true);
    if (!s.ok()) return s;
  }
  for (const Header& h : r.headers) {
    // A string name of 0xA000 bytes or more would be read as a header code.
    if (!IsToken(h.name) || h.name.size() >= kHeaderCodePrefix) {
      return Status::Error(Errc::kBadValue, 0, "header name");
    }
    Status s = CheckText(h.value, "header value");
    if (!s.ok()) return s;
  }
  for (const RequestAttribute& a : r.attributes) {
    if (!IsToken(a.name)) return Status::Error(Errc::kBadValue, 0, "req_attribute name");
    Status s = CheckText(a.value, "req_attribute value");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

uint8_t MethodCode(std::string_view method) noexcept {
  for (uint8_t i = 0; i < kMethodCount; ++i) {
    if (method == kMethodNames[i]) return static_cast<uint8_t>(i + 1);
  }
  return SC_M_JK_STORED;
}

std::string_view MethodName(uint8_t code) noexcept {
  if (code < 1 || code > kMethodCount) return {};
  return kMethodNames[code - 1];
}

uint16_t RequestHeaderCode(std::string_view name) noexcept {
  // Only the names of the same length are compared.
  if (name.size() > kMaxCodedLength) return 0;
  for (const uint8_t i : kCodedByLength[name.size()]) {
    if (i == 0xFF) break;
    if (EqualsCodedName(name, kCodedNames[i])) {
      return static_cast<uint16_t>(kHeaderCodePrefix | (i + 1));
    }
  }
  return 0;
}

Status EncodeForwardRequest(const ForwardRequest& r, uint8_t* buf, size_t packet_size,
                            size_t* written) noexcept {
  *written = 0;
  if (!IsValidPacketSize(packet_size)) return Status::Error(Errc::kBadValue, 0, "packet size");
  Status valid = ValidateForwardRequest(r);
  if (!valid.ok()) return valid;
  if (r.headers.size() > 0xFFFF) return Status::Error(Errc::kDoesNotFit, 0, "num_headers");

  ByteWriter w(buf, packet_size);
  w.WriteBytes(std::string_view(reinterpret_cast<const char*>(kMagicToContainer), 2), "magic");
  w.WriteU16(0, "frame length");  // patched below
  w.WriteU8(JK_AJP13_FORWARD_REQUEST, "prefix");
  const uint8_t method = MethodCode(r.method);
  w.WriteU8(method, "method");
  w.WriteString(r.protocol, "protocol");
  w.WriteString(r.uri, "req_uri");
  w.WriteString(r.remote_addr, "remote_addr");
  if (r.remote_host) {
    w.WriteString(*r.remote_host, "remote_host");
  } else {
    w.WriteNullString("remote_host");
  }
  w.WriteString(r.server_name, "server_name");
  w.WriteU16(r.server_port, "server_port");
  w.WriteU8(r.is_ssl ? 1 : 0, "is_ssl");
  w.WriteU16(static_cast<uint16_t>(r.headers.size()), "num_headers");
  for (const Header& h : r.headers) {
    const uint16_t code = RequestHeaderCode(h.name);
    if (code != 0) {
      w.WriteU16(code, "header name");
    } else {
      w.WriteString(h.name, "header name");
    }
    w.WriteString(h.value, "header value");
  }
  WriteStringAttribute(&w, SC_A_SECRET, r.secret, "secret");
  WriteStringAttribute(&w, SC_A_REMOTE_USER, r.remote_user, "remote_user");
  WriteStringAttribute(&w, SC_A_AUTH_TYPE, r.auth_type, "auth_type");
  WriteStringAttribute(&w, SC_A_QUERY_STRING, r.query_string, "query_string");
  WriteStringAttribute(&w, SC_A_JVM_ROUTE, r.route, "route");
  WriteStringAttribute(&w, SC_A_SSL_CERT, r.ssl_cert, "ssl_cert");
  WriteStringAttribute(&w, SC_A_SSL_CIPHER, r.ssl_cipher, "ssl_cipher");
  WriteStringAttribute(&w, SC_A_SSL_SESSION, r.ssl_session, "ssl_session");
  if (r.ssl_key_size) {
    w.WriteU8(SC_A_SSL_KEY_SIZE, "ssl_key_size");
    w.WriteU16(*r.ssl_key_size, "ssl_key_size");
  }
  if (method == SC_M_JK_STORED) {
    w.WriteU8(SC_A_STORED_METHOD, "stored_method");
    w.WriteString(r.method, "stored_method");
  }
  for (const RequestAttribute& a : r.attributes) {
    w.WriteU8(SC_A_REQ_ATTRIBUTE, "req_attribute");
    w.WriteString(a.name, "req_attribute name");
    w.WriteString(a.value, "req_attribute value");
  }
  w.WriteU8(SC_A_ARE_DONE, "are_done");
  if (!w.ok()) return w.status();
  w.PatchU16(2, static_cast<uint16_t>(w.size() - kFrameHeaderSize), "frame length");
  *written = w.size();
  return Status::Ok();
}

Status EncodeBodyHeader(size_t data_length, size_t packet_size, uint8_t* header,
                        size_t* header_size) noexcept {
  *header_size = 0;
  if (!IsValidPacketSize(packet_size)) return Status::Error(Errc::kBadValue, 0, "packet size");
  if (data_length > MaxRequestBodyData(packet_size)) {
    return Status::Error(Errc::kDoesNotFit, 0, "body data length");
  }
  ByteWriter w(header, 6);
  w.WriteBytes(std::string_view(reinterpret_cast<const char*>(kMagicToContainer), 2), "magic");
  if (data_length == 0) {
    w.WriteU16(0, "frame length");
  } else {
    w.WriteU16(static_cast<uint16_t>(data_length + 2), "frame length");
    w.WriteU16(static_cast<uint16_t>(data_length), "body data length");
  }
  *header_size = w.size();
  return w.status();
}

Status DecodeForwardRequest(const Frame& frame, ForwardRequest* out) {
  ByteReader r(frame.payload, frame.length, kFrameHeaderSize);
  *out = ForwardRequest{};
  uint8_t prefix = 0;
  if (!r.ReadU8(&prefix, "prefix")) return r.status();
  if (prefix != JK_AJP13_FORWARD_REQUEST) {
    return Status::Error(Errc::kUnknownType, kFrameHeaderSize, "prefix");
  }
  uint8_t method = 0;
  const size_t method_offset = r.offset();
  r.ReadU8(&method, "method");
  bool is_null = false;
  r.ReadString(&out->protocol, &is_null, "protocol");
  r.ReadString(&out->uri, &is_null, "req_uri");
  r.ReadString(&out->remote_addr, &is_null, "remote_addr");
  std::string_view remote_host;
  if (r.ReadString(&remote_host, &is_null, "remote_host") && !is_null) {
    out->remote_host = remote_host;
  }
  r.ReadString(&out->server_name, &is_null, "server_name");
  r.ReadU16(&out->server_port, "server_port");
  uint8_t is_ssl = 0;
  r.ReadU8(&is_ssl, "is_ssl");
  out->is_ssl = is_ssl != 0;
  uint16_t num_headers = 0;
  r.ReadU16(&num_headers, "num_headers");
  if (!r.ok()) return r.status();
  // Each header needs at least 2 (name) + 3 (value) bytes: refuse counts the data cannot hold
  // before reserving memory for them.
  if (size_t{num_headers} * 5 > r.remaining()) {
    return Status::Error(Errc::kTruncated, r.offset() - 2, "num_headers");
  }
  out->headers.reserve(num_headers);
  for (uint16_t i = 0; i < num_headers && r.ok(); ++i) {
    Header h;
    uint16_t peek = 0;
    if (!r.PeekU16(&peek, "header name")) break;
    if ((peek & kHeaderCodeMask) == kHeaderCodePrefix) {
      const uint16_t index = peek & 0xFF;
      if (index < 1 || index > kRequestHeaderCount) {
        r.Fail(Errc::kBadHeaderCode, "header name");
        break;
      }
      r.Skip(2, "header name");
      h.name = kRequestHeaderNames[index - 1];
    } else {
      r.ReadString(&h.name, &is_null, "header name");
    }
    r.ReadString(&h.value, &is_null, "header value");
    out->headers.push_back(h);
  }
  std::optional<std::string_view> stored_method;
  while (r.ok()) {
    uint8_t code = 0;
    if (!r.ReadU8(&code, "attribute code")) break;
    if (code == SC_A_ARE_DONE) break;
    std::string_view value;
    switch (code) {
      case SC_A_REQ_ATTRIBUTE: {
        RequestAttribute a;
        r.ReadString(&a.name, &is_null, "req_attribute name");
        r.ReadString(&a.value, &is_null, "req_attribute value");
        out->attributes.push_back(a);
        break;
      }
      case SC_A_SSL_KEY_SIZE: {
        uint16_t size = 0;
        if (r.ReadU16(&size, "ssl_key_size")) out->ssl_key_size = size;
        break;
      }
      case SC_A_CONTEXT:
      case SC_A_SERVLET_PATH:
        r.ReadString(&value, &is_null, "attribute");
        break;
      default: {
        std::optional<std::string_view>* target = nullptr;
        switch (code) {
          case SC_A_REMOTE_USER:
            target = &out->remote_user;
            break;
          case SC_A_AUTH_TYPE:
            target = &out->auth_type;
            break;
          case SC_A_QUERY_STRING:
            target = &out->query_string;
            break;
          case SC_A_JVM_ROUTE:
            target = &out->route;
            break;
          case SC_A_SSL_CERT:
            target = &out->ssl_cert;
            break;
          case SC_A_SSL_CIPHER:
            target = &out->ssl_cipher;
            break;
          case SC_A_SSL_SESSION:
            target = &out->ssl_session;
            break;
          case SC_A_SECRET:
            target = &out->secret;
            break;
          case SC_A_STORED_METHOD:
            target = &stored_method;
            break;
          default:
            return Status::Error(Errc::kBadAttribute, r.offset() - 1, "attribute code");
        }
        if (r.ReadString(&value, &is_null, "attribute value")) *target = value;
        break;
      }
    }
  }
  if (!r.ok()) return r.status();
  if (r.remaining() != 0) return Status::Error(Errc::kTrailingBytes, r.offset(), "are_done");
  if (method == SC_M_JK_STORED) {
    if (!stored_method) return Status::Error(Errc::kBadValue, method_offset, "stored_method");
    out->method = *stored_method;
  } else {
    out->method = MethodName(method);
    if (out->method.empty()) return Status::Error(Errc::kBadValue, method_offset, "method");
  }
  return Status::Ok();
}

Status DecodeBodyPacket(const Frame& frame, std::string_view* data) noexcept {
  *data = std::string_view();
  if (frame.length == 0) return Status::Ok();
  ByteReader r(frame.payload, frame.length, kFrameHeaderSize);
  uint16_t length = 0;
  if (!r.ReadU16(&length, "body data length")) return r.status();
  // Tomcat ignores bytes after the data; we produce none, so accept none.
  if (length != r.remaining()) {
    return Status::Error(length > r.remaining() ? Errc::kTruncated : Errc::kTrailingBytes,
                         kFrameHeaderSize, "body data length");
  }
  r.ReadBytes(length, data, "body data");
  return r.status();
}

}  // namespace mca::ajp
