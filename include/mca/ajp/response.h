// Messages from the container to the web server: SEND_HEADERS, SEND_BODY_CHUNK, GET_BODY_CHUNK,
// END_RESPONSE, CPONG. The decoder is strict: anything Tomcat would not send is an error with the
// byte offset, so a broken or hostile backend gives a 502 and a closed connection, never a
// guess. The encoders serve tests, fuzzing and our own fast test backend.
//
// Payload layouts (after the 4-byte "AB" frame header):
//   SEND_HEADERS    u8 4 | u16 status | str reason | u16 n | n x (name: u16 0xA0xx | str) str value
//   SEND_BODY_CHUNK u8 3 | u16 len | len bytes | u8 0x00 (Tomcat always adds the NUL; accepted
//                   without it too)
//   GET_BODY_CHUNK  u8 6 | u16 requested length
//   END_RESPONSE    u8 5 | u8 reuse (0 or 1)
//   CPONG           u8 9
//
// Must not depend on: httpd, APR.
#ifndef MCA_AJP_RESPONSE_H_
#define MCA_AJP_RESPONSE_H_

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "mca/ajp/frame.h"
#include "mca/ajp/request.h"
#include "mca/status.h"

namespace mca::ajp {

// The header list takes its memory from `memory` (default: the heap).
struct ContainerMessage {
  ContainerMessage() = default;
  explicit ContainerMessage(std::pmr::memory_resource* memory) : headers(memory) {}

  uint8_t type = 0;  // JK_AJP13_SEND_HEADERS, ...

  // SEND_HEADERS
  uint16_t status = 0;
  std::string_view reason;
  std::pmr::vector<Header> headers;  // coded names given as their canonical spelling

  // SEND_BODY_CHUNK (empty = flush)
  std::string_view chunk;

  // GET_BODY_CHUNK
  uint16_t requested = 0;

  // END_RESPONSE
  bool reuse = false;
};

// Decodes one frame from the container (ParseFrame with Direction::kFromContainer). Views point
// into the frame. Error offsets count from the frame's first byte plus `base_offset`.
Status DecodeContainerMessage(const Frame& frame, ContainerMessage* out, size_t base_offset = 0);

// 0xA001..0xA00B for the coded response header names (case-insensitive); 0 if none.
uint16_t ResponseHeaderCode(std::string_view name) noexcept;

// Encoders: one whole frame into `buf` (room for `packet_size` bytes).
Status EncodeSendHeaders(uint16_t status, std::string_view reason,
                         const std::vector<Header>& headers, uint8_t* buf, size_t packet_size,
                         size_t* written) noexcept;
// At most MaxResponseChunkData(packet_size) bytes of data.
Status EncodeSendBodyChunk(std::string_view data, uint8_t* buf, size_t packet_size,
                           size_t* written) noexcept;
Status EncodeGetBodyChunk(uint16_t requested, uint8_t* buf, size_t packet_size,
                          size_t* written) noexcept;
Status EncodeEndResponse(bool reuse, uint8_t* buf, size_t packet_size, size_t* written) noexcept;

inline constexpr uint8_t kCPongFrame[5] = {0x41, 0x42, 0x00, 0x01, 0x09};

}  // namespace mca::ajp

#endif  // MCA_AJP_RESPONSE_H_
