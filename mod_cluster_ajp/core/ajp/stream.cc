#include "mca/ajp/stream.h"

#include <cstring>

#include "mca/ajp/constants.h"

namespace mca::ajp {

FrameStream::FrameStream(Direction direction, size_t packet_size)
    : direction_(direction),
      packet_size_(StorageSize(packet_size)),
      capacity_(packet_size_),
      owned_(new uint8_t[packet_size_]),
      buf_(owned_.get()) {}

FrameStream::FrameStream(Direction direction, size_t packet_size, uint8_t* storage) noexcept
    : direction_(direction),
      packet_size_(StorageSize(packet_size)),
      capacity_(packet_size_),
      buf_(storage) {}

void FrameStream::Reset() noexcept {
  start_ = end_ = handed_out_ = 0;
  consumed_ = frame_offset_ = 0;
  status_ = Status::Ok();
}

void FrameStream::Attach(uint8_t* storage, size_t capacity) noexcept {
  if (owned_ == nullptr) {
    buf_ = storage;
    capacity_ = capacity > packet_size_ ? capacity : packet_size_;
  }
  high_water_ = 0;
  Reset();
}

uint8_t* FrameStream::Detach() noexcept {
  Reset();
  if (owned_ != nullptr) return nullptr;
  uint8_t* storage = buf_;
  buf_ = nullptr;
  capacity_ = packet_size_;
  return storage;
}

void FrameStream::Release() noexcept {
  start_ += handed_out_;
  consumed_ += handed_out_;
  handed_out_ = 0;
  if (start_ == end_) start_ = end_ = 0;
}

void FrameStream::Compact() noexcept {
  if (start_ == 0) return;
  std::memmove(buf_, buf_ + start_, end_ - start_);
  end_ -= start_;
  start_ = 0;
}

uint8_t* FrameStream::WriteSpace() noexcept {
  if (buf_ == nullptr) return nullptr;
  Release();
  // A partial frame is moved to the front so the whole packet size is available after it.
  if (start_ > 0) Compact();
  return buf_ + end_;
}

size_t FrameStream::WriteCapacity(bool within_packet) noexcept {
  if (WriteSpace() == nullptr) return 0;
  const size_t limit = within_packet ? packet_size_ : capacity_;
  return limit > end_ ? limit - end_ : 0;
}

void FrameStream::Commit(size_t n) noexcept {
  if (buf_ == nullptr) return;
  const size_t room = capacity_ - end_;
  end_ += n < room ? n : room;
  if (end_ > high_water_) high_water_ = end_;
}

size_t FrameStream::Feed(const uint8_t* data, size_t size) noexcept {
  uint8_t* space = WriteSpace();
  if (space == nullptr) return 0;
  const size_t room = capacity_ - end_;
  const size_t n = size < room ? size : room;
  if (n > 0) std::memcpy(space, data, n);
  Commit(n);
  return n;
}

Status FrameStream::NextFrame(Frame* frame) noexcept {
  if (!status_.ok()) return status_;
  Release();
  Status s = ParseFrame(buf_ + start_, end_ - start_, direction_, packet_size_, frame);
  if (s.code == Errc::kNeedMore) return Status::Error(Errc::kNeedMore, 0, s.field);
  if (!s.ok()) {
    status_ = Status::Error(s.code, static_cast<size_t>(consumed_) + s.offset, s.field);
    return status_;
  }
  handed_out_ = frame->size();
  frame_offset_ = consumed_;
  return s;
}

Status FrameStream::NextMessage(ContainerMessage* message) {
  Frame frame;
  Status s = NextFrame(&frame);
  if (!s.ok()) return s;
  s = DecodeContainerMessage(frame, message, static_cast<size_t>(frame_offset_));
  if (!s.ok()) status_ = s;
  return s;
}

}  // namespace mca::ajp
