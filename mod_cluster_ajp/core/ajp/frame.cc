#include "mca/ajp/frame.h"

#include "mca/ajp/constants.h"
#include "mca/byte_io.h"

namespace mca::ajp {

Status ParseFrame(const uint8_t* data, size_t size, Direction direction, size_t packet_size,
                  Frame* frame) noexcept {
  const uint8_t* magic =
      direction == Direction::kToContainer ? kMagicToContainer : kMagicFromContainer;
  // Judge the magic byte by byte so garbage is reported as soon as it arrives.
  for (size_t i = 0; i < 2 && i < size; ++i) {
    if (data[i] != magic[i]) return Status::Error(Errc::kBadMagic, i, "frame magic");
  }
  ByteReader reader(data, size);
  uint16_t length = 0;
  if (!reader.Skip(2, "frame magic") || !reader.ReadU16(&length, "frame length")) {
    return Status::Error(Errc::kNeedMore, size, "frame header");
  }
  if (length > MaxPayload(packet_size)) {
    return Status::Error(Errc::kFrameTooLarge, 2, "frame length");
  }
  std::string_view payload;
  if (!reader.ReadBytes(length, &payload, "frame payload")) {
    return Status::Error(Errc::kNeedMore, size, "frame payload");
  }
  frame->payload = reinterpret_cast<const uint8_t*>(payload.data());
  frame->length = length;
  return Status::Ok();
}

}  // namespace mca::ajp
