// A strict RFC 8259 JSON checker, written apart from the renderer it checks (render.cc), for
// unit tests and the manager fuzz target: the whole text must be one value, strings must hold
// valid UTF-8 and no raw control character, escapes must be the eight of the RFC or \uXXXX,
// numbers must follow the grammar. Also a UTF-8 checker for the XML and Prometheus outputs.
#ifndef MCA_TEST_UNIT_MANAGER_JSON_CHECK_H_
#define MCA_TEST_UNIT_MANAGER_JSON_CHECK_H_

#include <cstddef>
#include <string_view>

namespace mca::manager::test {

// Whether `s` is valid UTF-8 (shortest forms, no surrogates, at most U+10FFFF).
inline bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    unsigned lo = 0x80;
    unsigned hi = 0xBF;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c == 0xE0) {
      n = 2;
      lo = 0xA0;
    } else if (c == 0xED) {
      n = 2;
      hi = 0x9F;
    } else if (c >= 0xE1 && c <= 0xEF) {
      n = 2;
    } else if (c == 0xF0) {
      n = 3;
      lo = 0x90;
    } else if (c == 0xF4) {
      n = 3;
      hi = 0x8F;
    } else if (c >= 0xF1 && c <= 0xF3) {
      n = 3;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return false;
    for (size_t k = 2; k <= n; ++k) {
      const auto ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xBF) return false;
    }
    i += n + 1;
  }
  return true;
}

class JsonChecker {
 public:
  explicit JsonChecker(std::string_view text) : s_(text) {}

  bool Valid() {
    if (!IsValidUtf8(s_)) return false;
    SkipSpace();
    if (!Value(0)) return false;
    SkipSpace();
    return i_ == s_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;

  bool At(char c) const { return i_ < s_.size() && s_[i_] == c; }
  bool Eat(char c) {
    if (!At(c)) return false;
    ++i_;
    return true;
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  static bool IsHex(char c) {
    return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  bool Digits() {
    const size_t start = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) ++i_;
    return i_ > start;
  }

  bool Number() {
    Eat('-');
    if (Eat('0')) {
      if (i_ < s_.size() && IsDigit(s_[i_])) return false;
    } else if (!Digits()) {
      return false;
    }
    if (Eat('.') && !Digits()) return false;
    if (Eat('e') || Eat('E')) {
      if (!Eat('+')) Eat('-');
      if (!Digits()) return false;
    }
    return true;
  }

  bool String() {
    if (!Eat('"')) return false;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      if (e == 'u') {
        for (int k = 0; k < 4; ++k) {
          if (i_ >= s_.size() || !IsHex(s_[i_++])) return false;
        }
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  bool Value(int depth) {
    if (depth > kMaxDepth) return false;
    SkipSpace();
    if (At('"')) return String();
    if (At('{')) {
      ++i_;
      SkipSpace();
      if (Eat('}')) return true;
      do {
        SkipSpace();
        if (!String()) return false;
        SkipSpace();
        if (!Eat(':') || !Value(depth + 1)) return false;
        SkipSpace();
      } while (Eat(','));
      return Eat('}');
    }
    if (At('[')) {
      ++i_;
      SkipSpace();
      if (Eat(']')) return true;
      do {
        if (!Value(depth + 1)) return false;
        SkipSpace();
      } while (Eat(','));
      return Eat(']');
    }
    if (At('t')) return Literal("true");
    if (At('f')) return Literal("false");
    if (At('n')) return Literal("null");
    return Number();
  }

  std::string_view s_;
  size_t i_ = 0;
};

inline bool IsValidJson(std::string_view text) { return JsonChecker(text).Valid(); }

}  // namespace mca::manager::test

#endif  // MCA_TEST_UNIT_MANAGER_JSON_CHECK_H_
