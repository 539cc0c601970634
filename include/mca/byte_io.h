// The one place in the project that does length arithmetic on wire bytes.
//
// ByteReader walks a read-only span; every read is bounds-checked against the span and, on
// failure, the reader stops, remembers the first error with its offset, and every later read
// fails too. ByteWriter fills a caller-owned buffer of fixed capacity the same way: a write that
// does not fit fails (never truncates) and poisons the writer.
//
// Offsets are reported relative to `base_offset`, so a reader over a frame's payload can report
// offsets counted from the frame's first byte.
//
// Must not depend on: httpd, APR, exceptions, heap allocation.
#ifndef MCA_BYTE_IO_H_
#define MCA_BYTE_IO_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "mca/status.h"

namespace mca {

// AJP strings: u16 length, bytes, NUL. Length 0xFFFF means "null string" with nothing after it.
inline constexpr uint16_t kNullStringLength = 0xFFFF;

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size, size_t base_offset = 0) noexcept
      : data_(data), size_(size), base_(base_offset) {}

  size_t position() const noexcept { return pos_; }
  size_t remaining() const noexcept { return size_ - pos_; }
  // Offset of the next byte, counted as the caller asked (base + position).
  size_t offset() const noexcept { return base_ + pos_; }
  bool ok() const noexcept { return status_.ok(); }
  const Status& status() const noexcept { return status_; }

  bool ReadU8(uint8_t* out, const char* field) noexcept {
    if (!Need(1, Errc::kTruncated, field)) return false;
    *out = data_[pos_++];
    return true;
  }

  bool ReadU16(uint16_t* out, const char* field) noexcept {
    if (!Need(2, Errc::kTruncated, field)) return false;
    *out = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }

  // Looks at the next u16 without consuming it.
  bool PeekU16(uint16_t* out, const char* field) noexcept {
    if (!Need(2, Errc::kTruncated, field)) return false;
    *out = static_cast<uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
    return true;
  }

  bool ReadBytes(size_t n, std::string_view* out, const char* field) noexcept {
    if (!Need(n, Errc::kTruncated, field)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return true;
  }

  // Reads an AJP string. `*is_null` is set for the 0xFFFF null string (then `*out` is empty).
  bool ReadString(std::string_view* out, bool* is_null, const char* field) noexcept {
    uint16_t len = 0;
    if (!ReadU16(&len, field)) return false;
    *is_null = (len == kNullStringLength);
    if (*is_null) {
      *out = std::string_view();
      return true;
    }
    if (!ReadBytes(len, out, field)) return false;
    if (!Need(1, Errc::kMissingNul, field)) return false;
    if (data_[pos_] != 0) return Fail(Errc::kMissingNul, field);
    ++pos_;
    return true;
  }

  bool Skip(size_t n, const char* field) noexcept {
    if (!Need(n, Errc::kTruncated, field)) return false;
    pos_ += n;
    return true;
  }

  // Marks the reader failed at the current offset (for semantic errors found by the caller).
  bool Fail(Errc code, const char* field) noexcept { return FailAt(code, offset(), field); }

  // Same, naming an earlier offset (e.g. where the faulty field started).
  bool FailAt(Errc code, size_t at, const char* field) noexcept {
    if (status_.ok()) status_ = Status::Error(code, at, field);
    pos_ = size_;
    return false;
  }

 private:
  bool Need(size_t n, Errc code, const char* field) noexcept {
    if (!status_.ok()) return false;
    if (n > size_ - pos_) return Fail(code, field);
    return true;
  }

  const uint8_t* data_;
  size_t size_;
  size_t base_;
  size_t pos_ = 0;
  Status status_;
};

class ByteWriter {
 public:
  ByteWriter(uint8_t* buf, size_t capacity) noexcept : buf_(buf), cap_(capacity) {}

  size_t size() const noexcept { return pos_; }
  size_t capacity() const noexcept { return cap_; }
  bool ok() const noexcept { return status_.ok(); }
  const Status& status() const noexcept { return status_; }

  bool WriteU8(uint8_t v, const char* field) noexcept {
    if (!Need(1, field)) return false;
    buf_[pos_++] = v;
    return true;
  }

  bool WriteU16(uint16_t v, const char* field) noexcept {
    if (!Need(2, field)) return false;
    buf_[pos_] = static_cast<uint8_t>(v >> 8);
    buf_[pos_ + 1] = static_cast<uint8_t>(v & 0xFF);
    pos_ += 2;
    return true;
  }

  bool WriteBytes(std::string_view bytes, const char* field) noexcept {
    if (!Need(bytes.size(), field)) return false;
    if (!bytes.empty()) std::memcpy(buf_ + pos_, bytes.data(), bytes.size());
    pos_ += bytes.size();
    return true;
  }

  // AJP string: u16 length + bytes + NUL. Strings of 0xFFFF bytes or more cannot be encoded.
  bool WriteString(std::string_view s, const char* field) noexcept {
    if (s.size() >= kNullStringLength) return Fail(Errc::kDoesNotFit, field);
    if (!Need(s.size() + 3, field)) return false;
    uint8_t* p = buf_ + pos_;
    p[0] = static_cast<uint8_t>(s.size() >> 8);
    p[1] = static_cast<uint8_t>(s.size() & 0xFF);
    if (!s.empty()) std::memcpy(p + 2, s.data(), s.size());
    p[2 + s.size()] = 0;
    pos_ += s.size() + 3;
    return true;
  }

  bool WriteNullString(const char* field) noexcept { return WriteU16(kNullStringLength, field); }

  // Overwrites a u16 at an earlier position (used for length fields written last).
  bool PatchU16(size_t at, uint16_t v, const char* field) noexcept {
    if (!status_.ok()) return false;
    if (at > pos_ || pos_ - at < 2) return Fail(Errc::kDoesNotFit, field);
    buf_[at] = static_cast<uint8_t>(v >> 8);
    buf_[at + 1] = static_cast<uint8_t>(v & 0xFF);
    return true;
  }

  bool Fail(Errc code, const char* field) noexcept {
    if (status_.ok()) status_ = Status::Error(code, pos_, field);
    return false;
  }

 private:
  bool Need(size_t n, const char* field) noexcept {
    if (!status_.ok()) return false;
    if (n > cap_ - pos_) return Fail(Errc::kDoesNotFit, field);
    return true;
  }

  uint8_t* buf_;
  size_t cap_;
  size_t pos_ = 0;
  Status status_;
};

}  // namespace mca

#endif  // MCA_BYTE_IO_H_
