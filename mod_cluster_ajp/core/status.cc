#include "mca/status.h"

namespace mca {

const char* ErrcName(Errc code) noexcept {
  switch (code) {
    case Errc::kOk:
      return "ok";
    case Errc::kNeedMore:
      return "incomplete input";
    case Errc::kBadMagic:
      return "bad magic";
    case Errc::kFrameTooLarge:
      return "frame larger than the packet size";
    case Errc::kTruncated:
      return "length past the end of the packet";
    case Errc::kMissingNul:
      return "string without its NUL terminator";
    case Errc::kUnknownType:
      return "unknown message type";
    case Errc::kBadHeaderCode:
      return "unknown header code";
    case Errc::kBadAttribute:
      return "unknown attribute code";
    case Errc::kTrailingBytes:
      return "trailing bytes after the message";
    case Errc::kDoesNotFit:
      return "does not fit in the packet size";
    case Errc::kBadValue:
      return "invalid value";
    case Errc::kProtocol:
      return "unexpected message";
  }
  return "unknown error";
}

std::string Describe(const Status& status) {
  std::string out = ErrcName(status.code);
  out += " at byte ";
  out += std::to_string(status.offset);
  if (status.field != nullptr && *status.field != '\0') {
    out += " (";
    out += status.field;
    out += ")";
  }
  return out;
}

}  // namespace mca
