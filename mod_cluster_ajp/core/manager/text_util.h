// Text helpers shared by the manager's renderers (render.cc: JSON, XML, Prometheus; html.cc:
// the HTML page): one UTF-8 decoder, so every format replaces the same bad bytes with U+FFFD.
//
// Rules: a byte that does not start a valid, shortest-form UTF-8 sequence of a scalar value (no
// surrogates, at most U+10FFFF) is invalid on its own; the caller writes U+FFFD for it and goes
// on at the next byte. Internal to core/manager: not part of the public include/ tree.
//
// Must not depend on: httpd, APR, <locale>, anything outside the C++17 standard library.
#ifndef MCA_CORE_MANAGER_TEXT_UTIL_H_
#define MCA_CORE_MANAGER_TEXT_UTIL_H_

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <type_traits>

namespace mca::manager::internal {

// What the renderers write into. The glue passes a string on the request pool, and nothing on
// the way to it allocates anywhere else (numbers are written from the stack, pieces longer than
// a short string's buffer are built in `Out`s of the same memory).
using Out = std::pmr::string;

// The decimal digits of an integer, in a buffer on the stack.
class NumberText {
 public:
  template <typename T, typename = std::enable_if_t<std::is_integral_v<T>>>
  explicit NumberText(T value) noexcept {
    size_ = static_cast<size_t>(std::to_chars(buf_, buf_ + sizeof buf_, value).ptr - buf_);
  }
  operator std::string_view() const noexcept { return {buf_, size_}; }  // NOLINT: implicit

 private:
  char buf_[24];
  size_t size_ = 0;
};

// value / 10^decimals with exactly `decimals` (0..18) digits after the point, or with trailing
// zeros (and then the point) dropped when `trim`; appended (render.cc).
void AppendDecimal(Out* out, int64_t value, int decimals, bool trim);

// "2026-11-24T10:00:00.123Z" (UTC, milliseconds, truncated) into buf, which has room for
// kIsoTimeSize bytes; returns its length, or 0 when the time lies outside the years 0000..9999
// (render.cc).
inline constexpr size_t kIsoTimeSize = 24;
size_t IsoTime(int64_t unix_us, char* buf) noexcept;

inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// Length (1..4) of the valid UTF-8 sequence at s[i] and its code point, or 0 when invalid.
// Requires i < s.size().
inline size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* cp) noexcept {
  const auto c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  size_t need = 0;
  uint32_t value = 0;
  uint32_t min = 0;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    need = 1;
    value = c0 & 0x1Fu;
    min = 0x80;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    need = 2;
    value = c0 & 0x0Fu;
    min = 0x800;
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    need = 3;
    value = c0 & 0x07u;
    min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i <= need) return 0;
  for (size_t k = 1; k <= need; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0u) != 0x80u) return 0;
    value = (value << 6) | (c & 0x3Fu);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  *cp = value;
  return need + 1;
}

// Walks `s` by code point: write(cp, text) for each valid one (text: its UTF-8 bytes); for each
// invalid byte, appends `invalid` to *out instead.
template <typename Write>
void ForEachCodePoint(std::string_view s, Out* out, std::string_view invalid, Write&& write) {
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = 0;
    const size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) {
      out->append(invalid);
      i += 1;
      continue;
    }
    write(cp, s.substr(i, n));
    i += n;
  }
}

// The markup characters of HTML and XML: appends the entity for & < > " ' and returns true;
// false (nothing appended) for any other code point.
inline bool AppendMarkupEntity(uint32_t cp, Out* out) {
  switch (cp) {
    case '&':
      out->append("&amp;");
      return true;
    case '<':
      out->append("&lt;");
      return true;
    case '>':
      out->append("&gt;");
      return true;
    case '"':
      out->append("&quot;");
      return true;
    case '\'':
      out->append("&#39;");
      return true;
    default:
      return false;
  }
}

}  // namespace mca::manager::internal

#endif  // MCA_CORE_MANAGER_TEXT_UTIL_H_
