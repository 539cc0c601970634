// Fuzz target: SEND_HEADERS decoding. The input is the message body after the type byte. Whatever
// decodes must re-encode and decode to the same status, reason and headers.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mca/ajp/constants.h"
#include "mca/ajp/response.h"
#include "mca/text.h"

namespace {}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mca::ajp;
  if (size > MaxPayload(kMaxPacketSize) - 1) return 0;
  // Exact-size frame so any over-read is caught by ASan.
  std::vector<uint8_t> frame_bytes(size + 5);
  frame_bytes[0] = 0x41;
  frame_bytes[1] = 0x42;
  frame_bytes[2] = static_cast<uint8_t>((size + 1) >> 8);
  frame_bytes[3] = static_cast<uint8_t>((size + 1) & 0xFF);
  frame_bytes[4] = JK_AJP13_SEND_HEADERS;
  for (size_t i = 0; i < size; ++i) frame_bytes[5 + i] = data[i];
  Frame frame;
  if (!ParseFrame(frame_bytes.data(), frame_bytes.size(), Direction::kFromContainer, kMaxPacketSize,
                  &frame)
           .ok()) {
    __builtin_trap();  // the frame header above is always valid
  }
  ContainerMessage m;
  mca::Status s = DecodeContainerMessage(frame, &m);
  if (!s.ok()) {
    if (s.offset > frame_bytes.size()) __builtin_trap();
    return 0;
  }
  std::vector<uint8_t> again(kMaxPacketSize);
  size_t n = 0;
  const std::vector<Header> headers(m.headers.begin(), m.headers.end());
  s = EncodeSendHeaders(m.status, m.reason, headers, again.data(), kMaxPacketSize, &n);
  if (!s.ok()) __builtin_trap();  // whatever decoded is encodable
  Frame frame2;
  ContainerMessage m2;
  if (!ParseFrame(again.data(), n, Direction::kFromContainer, kMaxPacketSize, &frame2).ok() ||
      !DecodeContainerMessage(frame2, &m2).ok()) {
    __builtin_trap();
  }
  if (m2.status != m.status || m2.reason != m.reason || m2.headers.size() != m.headers.size()) {
    __builtin_trap();
  }
  for (size_t i = 0; i < m.headers.size(); ++i) {
    if (!mca::text::EqualsIgnoreAsciiCase(m.headers[i].name, m2.headers[i].name) ||
        m.headers[i].value != m2.headers[i].value) {
      __builtin_trap();
    }
  }
  return 0;
}
