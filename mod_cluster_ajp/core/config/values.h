// Scanners for the values of configuration parameters: whole numbers, times with units, On/Off.
// Each reads the whole text or fails (no atoi-style prefix reading, no sign, no overflow) and
// writes its output only on success. Private to core/config.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library.
#ifndef MCA_CORE_CONFIG_VALUES_H_
#define MCA_CORE_CONFIG_VALUES_H_

#include <cstdint>
#include <string_view>

#include "mca/config/params.h"
#include "mca/text.h"

namespace mca::config {

using text::AsciiLower;

inline bool IsAsciiDigit(char c) noexcept { return c >= '0' && c <= '9'; }

inline bool IsAsciiAlnum(char c) noexcept {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline bool EqualsNoCase(std::string_view a, std::string_view b) noexcept {
  return text::EqualsIgnoreAsciiCase(a, b);
}

// "0".."max": digits only (leading zeros allowed), nothing else.
bool ParseWholeNumber(std::string_view text, int64_t max, int64_t* out) noexcept;

// The unit a time without a suffix is in.
enum class TimeUnit : uint8_t { kMilliseconds, kSeconds };

// httpd's ap_timeout_parameter_parse, strictly: digits, then nothing (default unit) or exactly
// one of "ms", "s", "mi" (minutes), "h". The result is at most kMaxDuration.
bool ParseTime(std::string_view text, TimeUnit default_unit, Duration* out) noexcept;

// mod_proxy's loadfactor: "D+" or "D+.D+", in hundredths; digits past the second decimal are
// dropped as mod_proxy drops them (it truncates value * 100). No range check beyond what fits.
bool ParseHundredths(std::string_view text, int64_t* out) noexcept;

// "On" / "Off" in any case.
bool ParseOnOff(std::string_view text, bool* out) noexcept;

}  // namespace mca::config

#endif  // MCA_CORE_CONFIG_VALUES_H_
