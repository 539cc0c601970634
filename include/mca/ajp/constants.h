// AJP 1.3 protocol constants: magic bytes, message types, method / header / attribute codes and
// packet size limits, with the names the AJP13 specification uses.
//
// Must not depend on: httpd, APR, anything beyond <cstdint>/<cstddef>.
#ifndef MCA_AJP_CONSTANTS_H_
#define MCA_AJP_CONSTANTS_H_

#include <cstddef>
#include <cstdint>

namespace mca::ajp {

// Frame layout: magic(2) | payload length(2, big-endian) | payload. The packet size counts the
// whole frame including the 4 header bytes (Tomcat's packetSize, httpd's ProxyIOBufferSize).
inline constexpr uint8_t kMagicToContainer[2] = {0x12, 0x34};
inline constexpr uint8_t kMagicFromContainer[2] = {0x41, 0x42};  // "AB"
inline constexpr size_t kFrameHeaderSize = 4;

inline constexpr size_t kDefaultPacketSize = 8192;
inline constexpr size_t kMinPacketSize = 8192;   // Tomcat ignores anything smaller
inline constexpr size_t kMaxPacketSize = 65536;  // Tomcat's documented maximum

// Request body data per packet: packet - header(4) - data length(2).
inline constexpr size_t kBodyPacketOverhead = 6;
// Response body data per SEND_BODY_CHUNK: header(4) + type(1) + length(2) + trailing NUL(1).
inline constexpr size_t kBodyChunkOverhead = 8;

constexpr bool IsValidPacketSize(size_t size) {
  return size >= kMinPacketSize && size <= kMaxPacketSize;
}
constexpr size_t MaxPayload(size_t packet_size) { return packet_size - kFrameHeaderSize; }
constexpr size_t MaxRequestBodyData(size_t packet_size) {
  return packet_size - kBodyPacketOverhead;
}
constexpr size_t MaxResponseChunkData(size_t packet_size) {
  return packet_size - kBodyChunkOverhead;
}

// Message types (first payload byte).
enum : uint8_t {
  JK_AJP13_FORWARD_REQUEST = 2,
  JK_AJP13_SEND_BODY_CHUNK = 3,
  JK_AJP13_SEND_HEADERS = 4,
  JK_AJP13_END_RESPONSE = 5,
  JK_AJP13_GET_BODY_CHUNK = 6,
  JK_AJP13_SHUTDOWN = 7,  // never sent: Tomcat closes the connection
  JK_AJP13_PING = 8,      // never sent: Tomcat closes the connection
  JK_AJP13_CPONG_REPLY = 9,
  JK_AJP13_CPING_REQUEST = 10,
};

// Method codes 1..27; anything else travels as SC_M_JK_STORED plus the stored_method attribute.
inline constexpr uint8_t SC_M_JK_STORED = 0xFF;
inline constexpr const char* kMethodNames[] = {"OPTIONS",
                                               "GET",
                                               "HEAD",
                                               "POST",
                                               "PUT",
                                               "DELETE",
                                               "TRACE",
                                               "PROPFIND",
                                               "PROPPATCH",
                                               "MKCOL",
                                               "COPY",
                                               "MOVE",
                                               "LOCK",
                                               "UNLOCK",
                                               "ACL",
                                               "REPORT",
                                               "VERSION-CONTROL",
                                               "CHECKIN",
                                               "CHECKOUT",
                                               "UNCHECKOUT",
                                               "SEARCH",
                                               "MKWORKSPACE",
                                               "UPDATE",
                                               "LABEL",
                                               "MERGE",
                                               "BASELINE-CONTROL",
                                               "MKACTIVITY"};
inline constexpr uint8_t kMethodCount = 27;

// Coded header names: the u16 is 0xA000 | index. A string header name is a u16 length, so any
// length with 0xA0 in the high byte would be read as a code; names that long are refused.
inline constexpr uint16_t kHeaderCodeMask = 0xFF00;
inline constexpr uint16_t kHeaderCodePrefix = 0xA000;

// Request header codes 0xA001..0xA00E (case-insensitive names).
inline constexpr const char* kRequestHeaderNames[] = {
    "accept",     "accept-charset", "accept-encoding", "accept-language", "authorization",
    "connection", "content-type",   "content-length",  "cookie",          "cookie2",
    "host",       "pragma",         "referer",         "user-agent"};
inline constexpr uint8_t kRequestHeaderCount = 14;

// Response header codes 0xA001..0xA00B.
inline constexpr const char* kResponseHeaderNames[] = {
    "Content-Type", "Content-Language", "Content-Length", "Date",   "Last-Modified",   "Location",
    "Set-Cookie",   "Set-Cookie2",      "Servlet-Engine", "Status", "WWW-Authenticate"};
inline constexpr uint8_t kResponseHeaderCount = 11;

// Attribute codes of FORWARD_REQUEST.
enum : uint8_t {
  SC_A_CONTEXT = 0x01,       // ignored by Tomcat; never sent
  SC_A_SERVLET_PATH = 0x02,  // ignored by Tomcat; never sent
  SC_A_REMOTE_USER = 0x03,
  SC_A_AUTH_TYPE = 0x04,
  SC_A_QUERY_STRING = 0x05,
  SC_A_JVM_ROUTE = 0x06,
  SC_A_SSL_CERT = 0x07,
  SC_A_SSL_CIPHER = 0x08,
  SC_A_SSL_SESSION = 0x09,
  SC_A_REQ_ATTRIBUTE = 0x0A,  // name + value
  SC_A_SSL_KEY_SIZE = 0x0B,   // u16, not a string
  SC_A_SECRET = 0x0C,
  SC_A_STORED_METHOD = 0x0D,
  SC_A_ARE_DONE = 0xFF,
};

}  // namespace mca::ajp

#endif  // MCA_AJP_CONSTANTS_H_
