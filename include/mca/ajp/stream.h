// A buffer that turns an AJP byte stream, arriving in pieces of any size, into whole frames.
// The connection code reads from the socket straight into WriteSpace(), calls Commit(n), then
// takes frames with NextFrame() until it answers kNeedMore. Frames are handed out in place (no
// copy); a frame's bytes stay valid until the next call to any non-const method.
//
// The buffer holds at least one packet. A frame never exceeds the packet size, so once the
// previous frame is released the tail of a partial frame always fits after it is moved to the
// front.
//
// Errors are sticky (the stream is unusable after bad bytes) and carry the offset counted from
// the first byte ever committed to this stream, for log lines naming where the backend broke.
//
// Must not depend on: httpd, APR, sockets.
#ifndef MCA_AJP_STREAM_H_
#define MCA_AJP_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "mca/ajp/constants.h"
#include "mca/ajp/frame.h"
#include "mca/ajp/response.h"
#include "mca/status.h"

namespace mca::ajp {

class FrameStream {
 public:
  // `packet_size` must satisfy IsValidPacketSize(). The first form owns its buffer. The second
  // works in `storage` (StorageSize(packet_size) bytes, or null to attach later), which the
  // caller lends it until Detach: a connection pool lends a buffer to a connection only while
  // an exchange runs on it.
  FrameStream(Direction direction, size_t packet_size);
  FrameStream(Direction direction, size_t packet_size, uint8_t* storage) noexcept;
  // The bytes of `storage` a stream of `packet_size` uses.
  static size_t StorageSize(size_t packet_size) noexcept {
    return IsValidPacketSize(packet_size) ? packet_size : kDefaultPacketSize;
  }
  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  // Where the caller may put the next bytes, and how many fit. Moves a partial frame to the
  // front of the buffer first if needed. The space is never 0 while no error occurred and the
  // stream has storage (a detached stream has none: null and 0). `within_packet` counts only
  // the room up to one packet from the buffer's start: reading a packet at a time leaves the
  // rest of a larger lent buffer untouched.
  uint8_t* WriteSpace() noexcept;
  size_t WriteCapacity(bool within_packet = false) noexcept;
  void Commit(size_t n) noexcept;

  // Copies up to `size` bytes in; returns how many were taken (less than `size` only when the
  // buffer holds a complete frame not yet taken).
  size_t Feed(const uint8_t* data, size_t size) noexcept;

  // kOk with `*frame` set, kNeedMore, or the (sticky) error.
  Status NextFrame(Frame* frame) noexcept;

  // NextFrame + DecodeContainerMessage (Direction::kFromContainer streams only).
  Status NextMessage(ContainerMessage* message);

  // Bytes committed but not yet handed out as frames.
  size_t buffered() const noexcept { return end_ - start_; }
  // Stream offset of the first byte of the last frame handed out.
  uint64_t frame_offset() const noexcept { return frame_offset_; }
  const Status& status() const noexcept { return status_; }
  size_t packet_size() const noexcept { return packet_size_; }

  // Forget everything (for a connection that is reused after END_RESPONSE).
  void Reset() noexcept;

  // Lent storage: Attach starts afresh in `storage` of `capacity` bytes (at least a packet: a
  // larger buffer lets one read take several packets); Detach forgets everything and returns
  // the storage (null for a stream that owns its buffer or has none).
  void Attach(uint8_t* storage, size_t capacity = 0) noexcept;
  uint8_t* Detach() noexcept;
  bool attached() const noexcept { return buf_ != nullptr; }
  size_t capacity() const noexcept { return capacity_; }
  // How far into the buffer bytes were ever written since it was attached (or made).
  size_t high_water() const noexcept { return high_water_; }

 private:
  void Release() noexcept;
  void Compact() noexcept;

  Direction direction_;
  size_t packet_size_;
  size_t capacity_;  // bytes of buf_ in use: at least one packet
  size_t high_water_ = 0;
  std::unique_ptr<uint8_t[]> owned_;
  uint8_t* buf_;
  size_t start_ = 0;       // first byte not yet handed out
  size_t end_ = 0;         // one past the last committed byte
  size_t handed_out_ = 0;  // bytes of the frame handed out last, released on the next call
  uint64_t consumed_ = 0;  // stream offset of buf_[start_]
  uint64_t frame_offset_ = 0;
  Status status_;
};

}  // namespace mca::ajp

#endif  // MCA_AJP_STREAM_H_
