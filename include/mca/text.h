// ASCII character classes and comparisons shared by every part of the core (AJP codec, config
// parsing, sticky routes, path mapping). Locale-free on purpose: HTTP and AJP names are ASCII.
//
// Must not depend on: httpd, APR, <cctype> (locale), anything outside the C++17 standard library.
#ifndef MCA_TEXT_H_
#define MCA_TEXT_H_

#include <cstdint>
#include <string_view>

namespace mca::text {

namespace detail {
// 256-entry byte classes, built at compile time (the checks below run on every request byte).
struct ByteClass {
  bool in[256];
};
constexpr ByteClass MakeTokenClass() {
  ByteClass t{};
  for (int c = 0; c < 256; ++c) {
    t.in[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  for (const char c : std::string_view("!#$%&'*+-.^_`|~"))
    t.in[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr ByteClass MakeControlClass() {
  ByteClass t{};
  for (int c = 0; c < 256; ++c) t.in[c] = c < 0x20 || c == 0x7F;
  return t;
}
inline constexpr ByteClass kToken = MakeTokenClass();
inline constexpr ByteClass kControl = MakeControlClass();
}  // namespace detail

inline char AsciiLower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Control characters: 0x00-0x1F and DEL.
inline bool IsControl(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c < 0x20 || c == 0x7F;
}

inline bool HasControl(std::string_view s) noexcept {
  for (char c : s) {
    if (IsControl(c)) return true;
  }
  return false;
}

// RFC 9110 tchar.
inline bool IsTokenChar(unsigned char c) noexcept { return detail::kToken.in[c]; }

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
    if (!detail::kControl.in[static_cast<unsigned char>(ch)] || ch == '\t') continue;
    if (allow_newlines && (ch == '\r' || ch == '\n')) continue;
    return false;
  }
  return true;
}

// The length of a URL's path: up to its first '?' or '#' (std::string_view::find_first_of calls
// memchr once per byte).
inline size_t PathLength(std::string_view s) noexcept {
  size_t i = 0;
  while (i < s.size() && s[i] != '?' && s[i] != '#') ++i;
  return i;
}

// One or more decimal digits and nothing else, at most INT64_MAX: a Content-Length as httpd's
// ap_parse_strict_length accepts it, and the whole numbers of the configuration
// (config::ParseWholeNumber). False, *out unchanged, for anything else.
inline bool ParseLength(std::string_view s, int64_t* out) noexcept {
  if (s.empty()) return false;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    const int digit = ch - '0';
    if (v > (INT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

}  // namespace mca::text

#endif  // MCA_TEXT_H_
