// Messages from the web server to the container: FORWARD_REQUEST, request body DATA packets,
// CPING. Encoders write one whole frame into a caller-owned buffer of the packet size; anything
// that would not fit is kDoesNotFit, never a truncated frame. The decoder exists for tests,
// fuzzing and our own fast test backend; it accepts exactly what the encoder can produce plus
// what Tomcat's parser accepts.
//
// FORWARD_REQUEST payload (after the 4-byte frame header):
//   u8 0x02 | u8 method | str protocol | str req_uri | str remote_addr | str remote_host
//   | str server_name | u16 server_port | u8 is_ssl | u16 num_headers
//   | num_headers x (name: u16 0xA0xx code, or str) (value: str)
//   | attributes x (u8 code [str name] value) | u8 0xFF
//   str = u16 length | bytes | 0x00, or u16 0xFFFF alone for "null"
//
// Must not depend on: httpd, APR.
#ifndef MCA_AJP_REQUEST_H_
#define MCA_AJP_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string_view>
#include <vector>

#include "mca/ajp/frame.h"
#include "mca/status.h"

namespace mca::ajp {

struct Header {
  std::string_view name;
  std::string_view value;
};

struct RequestAttribute {  // SC_A_REQ_ATTRIBUTE: AJP_REMOTE_PORT, AJP_LOCAL_ADDR, ...
  std::string_view name;
  std::string_view value;
};

// Everything a FORWARD_REQUEST carries. Views must outlive the encode call only.
// The lists take their memory from `memory` (default: the heap), so that a caller can keep
// them off the heap.
struct ForwardRequest {
  ForwardRequest() = default;
  explicit ForwardRequest(std::pmr::memory_resource* memory)
      : headers(memory), attributes(memory) {}

  std::string_view method = "GET";  // coded when known, else sent as stored_method
  std::string_view protocol = "HTTP/1.1";
  std::string_view uri = "/";  // still %-encoded, no query string
  std::string_view remote_addr;
  std::optional<std::string_view> remote_host;  // nullopt: null string (Tomcat uses remote_addr)
  std::string_view server_name;
  uint16_t server_port = 80;
  bool is_ssl = false;
  std::pmr::vector<Header> headers;  // order kept; repeated names allowed

  // Attributes, sent in this order when present (mod_proxy_ajp's order).
  std::optional<std::string_view> secret;
  std::optional<std::string_view> remote_user;
  std::optional<std::string_view> auth_type;
  std::optional<std::string_view> query_string;  // raw, without '?'
  std::optional<std::string_view> route;         // jvm_route
  std::optional<std::string_view> ssl_cert;      // PEM; may contain CR/LF
  std::optional<std::string_view> ssl_cipher;
  std::optional<std::string_view> ssl_session;
  std::optional<uint16_t> ssl_key_size;
  std::pmr::vector<RequestAttribute> attributes;
};

// Method code for a method name (case-sensitive, as HTTP methods are), or SC_M_JK_STORED.
uint8_t MethodCode(std::string_view method) noexcept;
// Name of a method code 1..27; empty for any other code.
std::string_view MethodName(uint8_t code) noexcept;
// 0xA001..0xA00E for the coded request header names (case-insensitive); 0 if none.
uint16_t RequestHeaderCode(std::string_view name) noexcept;

// Writes the whole FORWARD_REQUEST frame into `buf` (which has room for `packet_size` bytes).
// Refuses (kBadValue, naming the field) a method or header name that is not an HTTP token, and
// control characters other than TAB in any string (CR/LF allowed only in ssl_cert, which is
// PEM); kDoesNotFit when the frame would exceed `packet_size`.
Status EncodeForwardRequest(const ForwardRequest& request, uint8_t* buf, size_t packet_size,
                            size_t* written) noexcept;

// Request body DATA packet header: 12 34 | len+2 | len. The `data_length` bytes follow it on the
// wire (so the caller can send them from where they are). data_length 0 gives the 4-byte empty
// packet "12 34 00 00" that ends the body. kDoesNotFit if data_length > packet_size - 6.
// `header` must have room for 6 bytes; `*header_size` is 6, or 4 for the empty packet.
Status EncodeBodyHeader(size_t data_length, size_t packet_size, uint8_t* header,
                        size_t* header_size) noexcept;

// The 5 bytes of a CPING: 12 34 00 01 0A.
inline constexpr uint8_t kCPingFrame[5] = {0x12, 0x34, 0x00, 0x01, 0x0A};

// Decodes a FORWARD_REQUEST payload (frame from ParseFrame with Direction::kToContainer).
// Views in `*out` point into the frame. Offsets in errors count from the frame's first byte.
Status DecodeForwardRequest(const Frame& frame, ForwardRequest* out);

// Decodes a request body DATA packet (not a FORWARD_REQUEST): `*data` is the body bytes; an
// empty result means end of body (either the 4-byte empty packet or a zero data length).
Status DecodeBodyPacket(const Frame& frame, std::string_view* data) noexcept;

}  // namespace mca::ajp

#endif  // MCA_AJP_REQUEST_H_
