// AJP frame boundaries. A pure function over bytes: given what has arrived so far it answers
// "frame of N bytes", "need more" or "error at offset". It never does I/O and never keeps state,
// so the caller may call it again with more bytes after any split of the stream.
//
// Wire layout of a frame:
//   +--------+--------+--------+--------+-------------------------+
//   | magic0 | magic1 | len hi | len lo | payload (len bytes)     |
//   +--------+--------+--------+--------+-------------------------+
//   magic = 12 34 (web server -> container) or 41 42 "AB" (container -> web server)
//   4 + len <= packet size (Tomcat's packetSize; 8192 by default)
//
// Must not depend on: httpd, APR, heap allocation.
#ifndef MCA_AJP_FRAME_H_
#define MCA_AJP_FRAME_H_

#include <cstddef>
#include <cstdint>

#include "mca/status.h"

namespace mca::ajp {

enum class Direction : uint8_t {
  kToContainer,    // magic 12 34
  kFromContainer,  // magic 41 42
};

struct Frame {
  const uint8_t* payload = nullptr;
  size_t length = 0;  // payload bytes, excluding the 4-byte header
  size_t size() const noexcept { return length + 4; }
};

// Looks for one complete frame at the start of `data`.
//   kOk: `*frame` is set; the frame occupies frame->size() bytes of `data`.
//   kNeedMore: `data` is a valid prefix of a frame; call again with more bytes.
//   kBadMagic (offset 0 or 1) / kFrameTooLarge (offset 2): the stream is unusable.
// `packet_size` must satisfy IsValidPacketSize().
Status ParseFrame(const uint8_t* data, size_t size, Direction direction, size_t packet_size,
                  Frame* frame) noexcept;

}  // namespace mca::ajp

#endif  // MCA_AJP_FRAME_H_
