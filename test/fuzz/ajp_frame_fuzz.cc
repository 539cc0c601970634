// Fuzz target: the frame layer and message decoders in both directions, fed through FrameStream
// in pieces of fuzzer-chosen sizes. Must never crash, read out of bounds, or hand out a frame
// larger than the packet size; must give the same messages whatever the split.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mca/ajp/constants.h"
#include "mca/ajp/request.h"
#include "mca/ajp/response.h"
#include "mca/ajp/stream.h"

namespace {

using namespace mca::ajp;

std::string Run(const uint8_t* data, size_t size, size_t packet_size, size_t piece,
                Direction direction) {
  FrameStream stream(direction, packet_size);
  std::string log;
  size_t pos = 0;
  for (;;) {
    Frame frame;
    mca::Status s = stream.NextFrame(&frame);
    if (s.code == mca::Errc::kNeedMore) {
      if (pos == size) break;
      size_t n = piece < size - pos ? piece : size - pos;
      pos += stream.Feed(data + pos, n);
      continue;
    }
    if (!s.ok()) {
      log += "E" + std::to_string(static_cast<int>(s.code)) + "@" + std::to_string(s.offset);
      break;
    }
    if (frame.size() > packet_size) __builtin_trap();
    if (direction == Direction::kFromContainer) {
      ContainerMessage m;
      s = DecodeContainerMessage(frame, &m, static_cast<size_t>(stream.frame_offset()));
      log += "m" + std::to_string(m.type) + ":" + std::to_string(static_cast<int>(s.code));
      if (s.ok() && m.type == JK_AJP13_SEND_BODY_CHUNK &&
          m.chunk.size() > MaxResponseChunkData(packet_size)) {
        __builtin_trap();
      }
    } else {
      ForwardRequest r;
      s = DecodeForwardRequest(frame, &r);
      std::string_view body;
      mca::Status b = DecodeBodyPacket(frame, &body);
      log += "r" + std::to_string(static_cast<int>(s.code)) + "b" +
             std::to_string(static_cast<int>(b.code));
    }
    log += ";";
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t piece = 1 + data[0] % 64;
  const size_t packet_size = (data[1] & 1) ? kMaxPacketSize : kDefaultPacketSize;
  const Direction direction = (data[1] & 2) ? Direction::kToContainer : Direction::kFromContainer;
  data += 2;
  size -= 2;
  const std::string whole = Run(data, size, packet_size, size + 1, direction);
  const std::string split = Run(data, size, packet_size, piece, direction);
  if (whole != split) __builtin_trap();
  return 0;
}
