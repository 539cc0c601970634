// Character classes shared by the AJP encoders and decoders.
// Must not depend on: httpd, APR.
#ifndef MCA_CORE_AJP_TEXT_H_
#define MCA_CORE_AJP_TEXT_H_

#include <string_view>

namespace mca::ajp {

// RFC 9110 tchar.
inline bool IsTokenChar(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

inline bool IsToken(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// True when `s` has no control character other than TAB (and, if `allow_newlines`, CR and LF).
inline bool IsCleanText(std::string_view s, bool allow_newlines = false) noexcept {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7F) continue;
    if (c == '\t') continue;
    if (allow_newlines && (c == '\r' || c == '\n')) continue;
    return false;
  }
  return true;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace mca::ajp

#endif  // MCA_CORE_AJP_TEXT_H_
