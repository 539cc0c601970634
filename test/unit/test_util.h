// Helpers for unit tests: golden bytes written as hex text; code run without default memory.
#ifndef MCA_TEST_UNIT_TEST_UTIL_H_
#define MCA_TEST_UNIT_TEST_UTIL_H_

#include <cstdint>
#include <memory_resource>
#include <string>
#include <vector>

namespace mca::test {

// Runs fn() with std::pmr's default resource refusing every allocation (std::bad_alloc), and
// gives it back afterwards. False when fn() threw: something took default memory instead of the
// memory it was given.
template <typename Fn>
bool RunsWithoutDefaultMemory(Fn&& fn) {
  std::pmr::memory_resource* const before =
      std::pmr::set_default_resource(std::pmr::null_memory_resource());
  bool ok = true;
  try {
    fn();
  } catch (...) {
    ok = false;
  }
  std::pmr::set_default_resource(before);
  return ok;
}

// "12 34 00 01 0a" -> bytes. Whitespace between bytes is ignored.
inline std::vector<uint8_t> Hex(const std::string& text) {
  std::vector<uint8_t> out;
  int high = -1;
  for (char c : text) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      continue;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

inline std::string ToHex(const uint8_t* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    if (i) out += ' ';
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

inline std::string ToHex(const std::vector<uint8_t>& v) { return ToHex(v.data(), v.size()); }

}  // namespace mca::test

#endif  // MCA_TEST_UNIT_TEST_UTIL_H_
