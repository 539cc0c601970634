#include "values.h"

namespace mca::config {
namespace {

bool AllDigits(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsAsciiDigit(c)) return false;
  }
  return true;
}

}  // namespace

bool ParseWholeNumber(std::string_view text, int64_t max, int64_t* out) noexcept {
  int64_t value = 0;
  if (max < 0 || !text::ParseLength(text, &value) || value > max) return false;
  *out = value;
  return true;
}

bool ParseTime(std::string_view text, TimeUnit default_unit, Duration* out) noexcept {
  size_t digits = 0;
  while (digits < text.size() && IsAsciiDigit(text[digits])) ++digits;
  const std::string_view unit = text.substr(digits);
  int64_t factor = 0;  // microseconds per unit
  if (unit.empty()) {
    factor = default_unit == TimeUnit::kMilliseconds ? 1000 : 1000000;
  } else if (unit == "ms") {
    factor = 1000;
  } else if (unit == "s") {
    factor = 1000000;
  } else if (unit == "mi") {
    factor = 60 * int64_t{1000000};
  } else if (unit == "h") {
    factor = 3600 * int64_t{1000000};
  } else {
    return false;
  }
  int64_t count = 0;
  if (!ParseWholeNumber(text.substr(0, digits), kMaxDuration.count() / factor, &count)) {
    return false;
  }
  *out = Duration(count * factor);
  return true;
}

bool ParseHundredths(std::string_view text, int64_t* out) noexcept {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  // INT64_MAX / 100 keeps whole * 100 + 99 from overflowing.
  int64_t value = 0;
  if (!ParseWholeNumber(whole, INT64_MAX / 100 - 1, &value)) return false;
  value *= 100;
  if (dot != std::string_view::npos) {
    const std::string_view fraction = text.substr(dot + 1);
    if (!AllDigits(fraction)) return false;
    value += int64_t{fraction[0] - '0'} * 10;
    if (fraction.size() > 1) value += int64_t{fraction[1] - '0'};
  }
  *out = value;
  return true;
}

bool ParseOnOff(std::string_view text, bool* out) noexcept {
  if (EqualsNoCase(text, "on")) {
    *out = true;
    return true;
  }
  if (EqualsNoCase(text, "off")) {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace mca::config
