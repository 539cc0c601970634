// libFuzzer target for configuration parsing (core/config: url.cc, params.cc, values.cc).
//
// Input: text, as a directive's arguments. It is split on whitespace into words; the first word
// goes through ParseMemberUrl and ParseBalancerUrl, every later word through ApplyMemberParam on
// one MemberConfig and ApplyBalancerParam on one BalancerConfig (in order, so later words see
// the effect of earlier ones). Each line of the input is also applied whole, so values with
// spaces and tabs (quoted in httpd.conf) are reached too.
//
// Checks, besides ASan/UBSan:
//   - success and error are exclusive: on error the message is non-empty, printable ASCII, one
//     line, bounded, and the output is exactly as before the call;
//   - every successful parse leaves every field inside its documented range, and URL names
//     parse back to the same member / balancer;
//   - whole numbers agree with a reference: min=V succeeds iff V is 1..N digits whose value is
//     at most INT_MAX, and then min is that value.
//
// Must not depend on: httpd, APR.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/config/config_dump.h"
#include "mca/config/params.h"

namespace {

using mca::config::BalancerConfig;
using mca::config::BalancerUrl;
using mca::config::Duration;
using mca::config::Error;
using mca::config::MemberConfig;
using mca::config::MemberUrl;
using mca::config::test::Dump;
namespace cfg = mca::config;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr Duration kMs = std::chrono::milliseconds(1);
constexpr Duration kSec = std::chrono::seconds(1);

bool InRange(Duration d, Duration lo, Duration hi) { return d >= lo && d <= hi; }
bool WholeSeconds(Duration d) { return d.count() % kSec.count() == 0; }

bool AllBytes(std::string_view s, unsigned char lo, unsigned char hi) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < lo || c > hi) return false;
  }
  return true;
}

bool IsLower(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

void CheckError(const Error& err) {
  Check(!err.empty());
  Check(err.size() <= 1024);
  Check(AllBytes(err, 0x20, 0x7E));
}

void CheckMember(const MemberConfig& m) {
  Check(m.min >= 0 && m.max >= 0 && m.smax >= -1 && m.hardmax >= 0);
  Check(m.ttl == Duration(0) || (InRange(m.ttl, kSec, cfg::kMaxDuration) && WholeSeconds(m.ttl)));
  Check(m.acquire_set ? InRange(m.acquire, kMs, cfg::kMaxDuration) : m.acquire == Duration(0));
  Check(m.timeout_set ? InRange(m.timeout, kSec, cfg::kMaxDuration) && WholeSeconds(m.timeout)
                      : m.timeout == Duration(0));
  Check(m.connection_timeout_set ? InRange(m.connection_timeout, kMs, cfg::kMaxDuration)
                                 : m.connection_timeout == Duration(0));
  Check(m.ping_set ? InRange(m.ping, kMs, cfg::kMaxDuration) : m.ping == Duration(0));
  Check(InRange(m.retry, Duration(0), cfg::kMaxDuration) && WholeSeconds(m.retry));
  Check(m.retry_set || m.retry == cfg::kDefaultRetry);
  Check(m.load_factor >= 100 && m.load_factor <= 10000);
  Check(m.lbset >= 0 && m.lbset <= 99);
  Check(m.route.size() <= cfg::kMaxRouteLength && AllBytes(m.route, 0x21, 0x7E));
  Check(m.redirect.size() <= cfg::kMaxRouteLength && AllBytes(m.redirect, 0x21, 0x7E));
  Check((m.status & ~cfg::kAllStatusFlags) == 0);
  Check(cfg::StatusLetters(m.status).size() <= 8);
  Check(m.keepalive_set || !m.keepalive);
  Check(m.disable_reuse_set || !m.disable_reuse);
  Check(InRange(m.flush_wait, kMs, 1000 * kMs));
  Check(m.io_buffer_size >= cfg::kMinBufferSize && m.io_buffer_size <= cfg::kMaxIoBufferSize);
  Check(m.io_buffer_size_set || m.io_buffer_size == cfg::kDefaultIoBufferSize);
  Check(m.receive_buffer_size == 0 ||
        (m.receive_buffer_size >= cfg::kMinBufferSize && m.receive_buffer_size <= cfg::kMaxInt));
  Check(m.secret.size() <= cfg::kMaxSecretLength && AllBytes(m.secret, 0x20, 0x7E));
  Check(m.secret_set || m.secret.empty());
  Check(InRange(m.hc_interval, cfg::kMinHcInterval, cfg::kMaxDuration));
  Check(m.hc_passes >= 0 && m.hc_fails >= 0);
  Check(m.hc_uri.empty() || (m.hc_uri[0] == '/' && m.hc_uri.size() <= cfg::kMaxRouteLength &&
                             AllBytes(m.hc_uri, 0x21, 0x7E)));
  Check(m.hc_timeout_set ? InRange(m.hc_timeout, kMs, cfg::kMaxDuration)
                         : m.hc_timeout == Duration(0));
}

void CheckBalancer(const BalancerConfig& b) {
  Check(b.sticky_session.size() <= cfg::kMaxStickyLength);
  Check(b.sticky_session_set || b.sticky_session.empty());
  if (b.sticky_session_set) {
    Check(!b.sticky.cookie_name.empty() && !b.sticky.url_name.empty());
    Check(b.sticky.cookie_name.size() <= cfg::kMaxStickyLength &&
          b.sticky.url_name.size() <= cfg::kMaxStickyLength);
  }
  if (b.sticky.has_separator) {
    Check(b.sticky.separator > 0x20 && b.sticky.separator < 0x7F);
  } else {
    Check(b.sticky_separator_set);
  }
  Check(b.max_attempts >= 0 && (b.max_attempts_set || b.max_attempts == 0));
  Check(b.timeout_set ? InRange(b.timeout, kSec, cfg::kMaxDuration) && WholeSeconds(b.timeout)
                      : b.timeout == Duration(0));
  for (uint16_t code : b.fail_on_status) Check(code >= 100 && code <= 599);
  Check(b.growth_set ? b.growth >= 1 && b.growth <= 100 : b.growth == 0);
  Check(b.nonce.size() <= cfg::kMaxNonceLength && AllBytes(b.nonce, 0x21, 0x7E));
  Check(b.nonce_set || b.nonce.empty());
}

void FuzzUrl(std::string_view url) {
  MemberUrl m;
  m.host = "sentinel";
  const Error merr = cfg::ParseMemberUrl(url, &m);
  if (merr.empty()) {
    Check(!m.host.empty() && m.host.size() <= cfg::kMaxHostLength && IsLower(m.host));
    Check(AllBytes(m.host, 0x21, 0x7E) && AllBytes(m.path, 0x21, 0x7E));
    Check(m.port >= 1 && (m.port_set || m.port == cfg::kDefaultAjpPort));
    Check(m.path.empty() || m.path[0] == '/');
    Check(m.path.find_first_of("?#") == std::string::npos);
    MemberUrl again;
    Check(cfg::ParseMemberUrl(m.Name(), &again).empty());
    Check(again.host == m.host && again.port == m.port && again.ipv6 == m.ipv6 &&
          again.path.empty() && again.Name() == m.Name());
  } else {
    CheckError(merr);
    Check(m.host == "sentinel" && m.port == cfg::kDefaultAjpPort && m.path.empty());
  }

  BalancerUrl b;
  b.name = "sentinel";
  const Error berr = cfg::ParseBalancerUrl(url, &b);
  if (berr.empty()) {
    Check(cfg::IsBalancerUrl(url));
    Check(!b.name.empty() && b.name.size() <= cfg::kMaxBalancerNameLength && IsLower(b.name));
    Check(b.path.empty() || b.path[0] == '/');
    BalancerUrl again;
    Check(cfg::ParseBalancerUrl(b.Name(), &again).empty() && again.name == b.name);
    Check(!merr.empty());  // no text is both a member and a balancer
  } else {
    CheckError(berr);
    Check(b.name == "sentinel" && b.path.empty());
  }
}

// Reference for min=V: digits only, value <= INT_MAX.
void CheckMinReference(std::string_view token, const Error& err, const MemberConfig& m) {
  const size_t eq = token.find('=');
  if (eq == std::string_view::npos || eq != 3) return;
  const std::string_view key = token.substr(0, 3);
  if (!((key[0] | 0x20) == 'm' && (key[1] | 0x20) == 'i' && (key[2] | 0x20) == 'n')) return;
  const std::string_view value = token.substr(4);
  bool digits = !value.empty();
  for (char c : value) digits = digits && c >= '0' && c <= '9';
  size_t first = 0;
  while (first + 1 < value.size() && value[first] == '0') ++first;
  const std::string_view significant = value.substr(first);
  const bool fits = digits && (significant.size() < 10 ||
                               (significant.size() == 10 && significant <= "2147483647"));
  Check(err.empty() == fits);
  if (fits) Check(std::to_string(m.min) == significant);
}

void FuzzParam(std::string_view token, MemberConfig* m, BalancerConfig* b) {
  const std::string before_m = Dump(*m);
  const Error merr = cfg::ApplyMemberParam(token, m);
  if (merr.empty()) {
    CheckMember(*m);
    Check(token.find('=') != std::string_view::npos);
    Check(cfg::IsMemberParam(token.substr(0, token.find('='))));
  } else {
    CheckError(merr);
    Check(Dump(*m) == before_m);
  }
  CheckMinReference(token, merr, *m);

  const std::string before_b = Dump(*b);
  const Error berr = cfg::ApplyBalancerParam(token, b);
  if (berr.empty()) {
    CheckBalancer(*b);
    Check(cfg::IsBalancerParam(token.substr(0, token.find('='))));
  } else {
    CheckError(berr);
    Check(Dump(*b) == before_b);
  }
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  std::vector<std::string_view> words;
  for (size_t i = 0; i < in.size();) {
    while (i < in.size() && IsSpace(in[i])) ++i;
    size_t end = i;
    while (end < in.size() && !IsSpace(in[end])) ++end;
    if (end > i) words.push_back(in.substr(i, end - i));
    i = end;
  }

  MemberConfig member;
  BalancerConfig balancer;
  CheckMember(member);
  CheckBalancer(balancer);
  if (!words.empty()) FuzzUrl(words[0]);
  for (size_t i = 1; i < words.size(); ++i) FuzzParam(words[i], &member, &balancer);

  if (in.find('\n') != std::string_view::npos) {
    MemberConfig m2;
    BalancerConfig b2;
    size_t start = 0;
    while (start <= in.size()) {
      size_t nl = in.find('\n', start);
      if (nl == std::string_view::npos) nl = in.size();
      const std::string_view line = in.substr(start, nl - start);
      FuzzUrl(line);
      FuzzParam(line, &m2, &b2);
      start = nl + 1;
    }
  }
  return 0;
}
