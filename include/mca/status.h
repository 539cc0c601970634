// Result values shared by the whole core. The core never throws across its API and never
// asserts on input: every failure is a Status naming what went wrong and where.
//
// Must not depend on: httpd, APR, or anything outside the C++17 standard library.
#ifndef MCA_STATUS_H_
#define MCA_STATUS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace mca {

enum class Errc : uint8_t {
  kOk = 0,
  kNeedMore,       // not an error: the input ends inside a frame
  kBadMagic,       // frame does not start with the expected two magic bytes
  kFrameTooLarge,  // frame length field exceeds what the packet size allows
  kTruncated,      // a field runs past the end of the packet payload
  kMissingNul,     // a string is not followed by its NUL terminator
  kUnknownType,    // message type byte not valid in this direction
  kBadHeaderCode,  // 0xA0xx header code outside the table
  kBadAttribute,   // attribute code not valid
  kTrailingBytes,  // bytes left over after a complete message
  kDoesNotFit,     // encoding would exceed the packet size
  kBadValue,       // a value is not acceptable (control characters, range, syntax)
  kProtocol,       // a message that is valid alone but not at this point of the exchange
};

// Short, stable English name of an error code (never null).
const char* ErrcName(Errc code) noexcept;

struct Status {
  Errc code = Errc::kOk;
  // Byte offset of the problem, counted from the first byte of the frame (the magic) for the
  // codec, or from the start of the text for parsers.
  size_t offset = 0;
  // Static description of the field involved, e.g. "SEND_HEADERS header value" (never null).
  const char* field = "";

  bool ok() const noexcept { return code == Errc::kOk; }
  static Status Ok() noexcept { return Status{}; }
  static Status Error(Errc code, size_t offset, const char* field) noexcept {
    return Status{code, offset, field};
  }
};

// "bad magic at byte 0 (frame header)". For log lines; allocates.
std::string Describe(const Status& status);

}  // namespace mca

#endif  // MCA_STATUS_H_
