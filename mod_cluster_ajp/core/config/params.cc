// key=value parameters of members and balancers (ApplyMemberParam, ApplyBalancerParam).
//
// One table per kind maps the lower-case key to a small function that checks the value and, only
// when it is valid, stores it: a failed parameter leaves the configuration as it was. The tables
// also give the "allowed:" list of the unknown-parameter message, in the order of mod_proxy's
// documentation.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#include "mca/config/params.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mca/sticky/route.h"
#include "values.h"

namespace mca::config {
namespace {

// ---- messages -------------------------------------------------------------------------------

Error Bad(std::string_view key, std::string_view value, std::string_view allowed) {
  std::string out(key);
  out += '=';
  out += EscapeForLog(value);
  out += ": ";
  out += allowed;
  return out;
}

std::string WholeNumberRange(int64_t lo, int64_t hi) {
  return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
}

// ---- value setters (write only on success) ---------------------------------------------------

Error SetInt(std::string_view key, std::string_view value, int64_t lo, int64_t hi, int* out) {
  int64_t v = 0;
  if (!ParseWholeNumber(value, hi, &v) || v < lo) return Bad(key, value, WholeNumberRange(lo, hi));
  *out = static_cast<int>(v);
  return {};
}

Error SetSeconds(std::string_view key, std::string_view value, int64_t lo, Duration* out,
                 bool* set) {
  int64_t v = 0;
  if (!ParseWholeNumber(value, kMaxInt, &v) || v < lo) {
    return Bad(key, value,
               "must be a whole number of seconds from " + std::to_string(lo) + " to " +
                   std::to_string(kMaxInt));
  }
  *out = std::chrono::seconds(v);
  if (set != nullptr) *set = true;
  return {};
}

Error SetTime(std::string_view key, std::string_view value, TimeUnit unit, Duration min,
              const char* min_text, Duration* out, bool* set) {
  Duration v{0};
  if (!ParseTime(value, unit, &v) || v < min) {
    std::string allowed = "must be a time from ";
    allowed += min_text;
    allowed += " to 2147483647s: a whole number, then ms, s, mi (minutes) or h; no unit means ";
    allowed += unit == TimeUnit::kMilliseconds ? "ms" : "s";
    return Bad(key, value, allowed);
  }
  *out = v;
  if (set != nullptr) *set = true;
  return {};
}

Error SetOnOff(std::string_view key, std::string_view value, bool invert, bool* out, bool* set) {
  bool v = false;
  if (!ParseOnOff(value, &v)) return Bad(key, value, "must be On or Off");
  *out = invert ? !v : v;
  if (set != nullptr) *set = true;
  return {};
}

bool IsVisible(char c) noexcept { return c > 0x20 && c < 0x7F; }
bool IsPrintable(char c) noexcept { return c >= 0x20 && c < 0x7F; }

// route, redirect: what a jvmRoute can be, kept one word so logs and the manager stay readable.
Error SetRoute(std::string_view key, std::string_view value, std::string* out) {
  bool ok = value.size() <= kMaxRouteLength;
  for (char c : value) ok = ok && IsVisible(c);
  if (!ok) return Bad(key, value, "must be at most 63 printable ASCII characters, no spaces");
  out->assign(value);
  return {};
}

// ---- member parameters ----------------------------------------------------------------------

Error SetLoadFactor(std::string_view key, std::string_view value, MemberConfig* m) {
  int64_t v = 0;
  if (!ParseHundredths(value, &v) || v < 100 || v > 10000) {
    return Bad(key, value, "must be a number from 1 to 100");
  }
  m->load_factor = static_cast<int>(v);
  return {};
}

uint32_t StatusBit(char letter) noexcept {
  switch (AsciiLower(letter)) {
    case 'd':
      return kStatusDisabled;
    case 's':
      return kStatusStopped;
    case 'i':
      return kStatusIgnoreErrors;
    case 'h':
      return kStatusHotStandby;
    case 'r':
      return kStatusHotSpare;
    case 'n':
      return kStatusDraining;
    case 'e':
      return kStatusInError;
    case 'c':
      return kStatusHealthFailed;
    default:
      return 0;
  }
}

// As mod_proxy: letters set flags; '+' or '-' switches between setting and clearing for the
// letters after it ("-DS" clears both). Unlike mod_proxy, the value must not be empty and a sign
// must be followed by a letter.
Error SetStatus(std::string_view key, std::string_view value, MemberConfig* m) {
  uint32_t status = m->status;
  bool set = true;
  bool ok = !value.empty();
  for (size_t i = 0; ok && i < value.size(); ++i) {
    if (value[i] == '+' || value[i] == '-') {
      set = value[i] == '+';
      if (++i == value.size()) ok = false;
    }
    const uint32_t bit = ok ? StatusBit(value[i]) : 0;
    if (bit == 0) {
      ok = false;
    } else if (set) {
      status |= bit;
    } else {
      status &= ~bit;
    }
  }
  if (!ok) {
    return Bad(key, value,
               "must be status letters D, S, I, H, R, N, E or C, each set as is or after '+' "
               "and cleared after '-' (e.g. +H-D)");
  }
  m->status = status;
  return {};
}

Error SetFlushPackets(std::string_view key, std::string_view value, MemberConfig* m) {
  if (EqualsNoCase(value, "on")) {
    m->flush_packets = FlushPackets::kOn;
  } else if (EqualsNoCase(value, "off")) {
    m->flush_packets = FlushPackets::kOff;
  } else if (EqualsNoCase(value, "auto")) {
    m->flush_packets = FlushPackets::kAuto;
  } else {
    return Bad(key, value, "must be one of on, off, auto");
  }
  return {};
}

Error SetFlushWait(std::string_view key, std::string_view value, MemberConfig* m) {
  int64_t v = 0;
  if (!ParseWholeNumber(value, 1000, &v)) {
    return Bad(key, value, "must be a whole number of milliseconds from 0 to 1000 (0: 10)");
  }
  m->flush_wait = v == 0 ? kDefaultFlushWait : Duration(std::chrono::milliseconds(v));
  return {};
}

Error SetIoBufferSize(std::string_view key, std::string_view value, MemberConfig* m) {
  int64_t v = 0;
  if (!ParseWholeNumber(value, kMaxIoBufferSize, &v) || (v != 0 && v < kMinBufferSize)) {
    return Bad(key, value,
               "must be 0 (the default, 8192) or a number of bytes from 512 to 65536 (the AJP "
               "packet size)");
  }
  m->io_buffer_size = v == 0 ? kDefaultIoBufferSize : static_cast<uint32_t>(v);
  m->io_buffer_size_set = true;
  return {};
}

Error SetReceiveBufferSize(std::string_view key, std::string_view value, MemberConfig* m) {
  int64_t v = 0;
  if (!ParseWholeNumber(value, kMaxInt, &v) || (v != 0 && v < kMinBufferSize)) {
    return Bad(key, value,
               "must be 0 (the system's default) or a number of bytes from 512 to 2147483647");
  }
  m->receive_buffer_size = static_cast<uint32_t>(v);
  m->receive_buffer_size_set = true;
  return {};
}

Error SetSecret(std::string_view key, std::string_view value, MemberConfig* m) {
  bool ok = value.size() <= kMaxSecretLength;
  for (char c : value) ok = ok && IsPrintable(c);
  // The value is not repeated: error messages end up in logs and terminals.
  if (!ok) {
    return std::string(key) + "=(" + std::to_string(value.size()) +
           " characters, not shown): must be at most 63 printable ASCII characters";
  }
  m->secret.assign(value);
  m->secret_set = true;
  return {};
}

constexpr HcMethod kHcMethods[] = {HcMethod::kCping,   HcMethod::kGet, HcMethod::kHead,
                                   HcMethod::kOptions, HcMethod::kTcp, HcMethod::kNone};

Error SetHcMethod(std::string_view key, std::string_view value, MemberConfig* m) {
  for (HcMethod method : kHcMethods) {
    if (EqualsNoCase(value, HcMethodName(method))) {
      m->hc_method = method;
      return {};
    }
  }
  return Bad(key, value, "must be one of CPING, GET, HEAD, OPTIONS, TCP, NONE");
}

Error SetHcUri(std::string_view key, std::string_view value, MemberConfig* m) {
  bool ok = value.size() <= kMaxRouteLength && (value.empty() || value[0] == '/');
  for (char c : value) ok = ok && IsVisible(c);
  if (!ok) {
    return Bad(key, value,
               "must be a path starting with '/', at most 63 printable ASCII characters, no "
               "spaces");
  }
  m->hc_uri.assign(value);
  return {};
}

using MemberSetter = Error (*)(std::string_view key, std::string_view value, MemberConfig* m);

struct MemberParam {
  const char* name;
  MemberSetter set;
};

using std::chrono::milliseconds;
using K = std::string_view;
using V = std::string_view;

constexpr MemberParam kMemberParams[] = {
    {"min", [](K k, V v, MemberConfig* m) { return SetInt(k, v, 0, kMaxInt, &m->min); }},
    {"max", [](K k, V v, MemberConfig* m) { return SetInt(k, v, 0, kMaxInt, &m->max); }},
    {"smax", [](K k, V v, MemberConfig* m) { return SetInt(k, v, 0, kMaxInt, &m->smax); }},
    {"hardmax", [](K k, V v, MemberConfig* m) { return SetInt(k, v, 0, kMaxInt, &m->hardmax); }},
    {"ttl", [](K k, V v, MemberConfig* m) { return SetSeconds(k, v, 1, &m->ttl, nullptr); }},
    {"acquire",
     [](K k, V v, MemberConfig* m) {
       return SetTime(k, v, TimeUnit::kMilliseconds, milliseconds(1), "1ms", &m->acquire,
                      &m->acquire_set);
     }},
    {"timeout",
     [](K k, V v, MemberConfig* m) { return SetSeconds(k, v, 1, &m->timeout, &m->timeout_set); }},
    {"connectiontimeout",
     [](K k, V v, MemberConfig* m) {
       return SetTime(k, v, TimeUnit::kSeconds, milliseconds(1), "1ms", &m->connection_timeout,
                      &m->connection_timeout_set);
     }},
    {"ping",
     [](K k, V v, MemberConfig* m) {
       return SetTime(k, v, TimeUnit::kSeconds, milliseconds(1), "1ms", &m->ping, &m->ping_set);
     }},
    {"retry",
     [](K k, V v, MemberConfig* m) { return SetSeconds(k, v, 0, &m->retry, &m->retry_set); }},
    {"loadfactor", SetLoadFactor},
    {"lbset", [](K k, V v, MemberConfig* m) { return SetInt(k, v, 0, 99, &m->lbset); }},
    {"route", [](K k, V v, MemberConfig* m) { return SetRoute(k, v, &m->route); }},
    {"redirect", [](K k, V v, MemberConfig* m) { return SetRoute(k, v, &m->redirect); }},
    {"status", SetStatus},
    {"keepalive",
     [](K k, V v, MemberConfig* m) {
       return SetOnOff(k, v, false, &m->keepalive, &m->keepalive_set);
     }},
    {"disablereuse",
     [](K k, V v, MemberConfig* m) {
       return SetOnOff(k, v, false, &m->disable_reuse, &m->disable_reuse_set);
     }},
    {"enablereuse",
     [](K k, V v, MemberConfig* m) {
       return SetOnOff(k, v, true, &m->disable_reuse, &m->disable_reuse_set);
     }},
    {"flushpackets", SetFlushPackets},
    {"flushwait", SetFlushWait},
    {"iobuffersize", SetIoBufferSize},
    {"receivebuffersize", SetReceiveBufferSize},
    {"secret", SetSecret},
    {"hcmethod", SetHcMethod},
    {"hcinterval",
     [](K k, V v, MemberConfig* m) {
       return SetTime(k, v, TimeUnit::kSeconds, kMinHcInterval, "100ms", &m->hc_interval, nullptr);
     }},
    {"hcpasses", [](K k, V v, MemberConfig* m) { return SetInt(k, v, 0, kMaxInt, &m->hc_passes); }},
    {"hcfails", [](K k, V v, MemberConfig* m) { return SetInt(k, v, 0, kMaxInt, &m->hc_fails); }},
    {"hcuri", SetHcUri},
    {"hctimeout",
     [](K k, V v, MemberConfig* m) {
       return SetTime(k, v, TimeUnit::kSeconds, milliseconds(1), "1ms", &m->hc_timeout,
                      &m->hc_timeout_set);
     }},
    {"slowstart",
     [](K k, V v, MemberConfig* m) {
       return SetTime(k, v, TimeUnit::kSeconds, Duration(0), "0", &m->slow_start,
                      &m->slow_start_set);
     }},
};

// ---- balancer parameters --------------------------------------------------------------------

// Length first (mod_proxy's char[64]); then the names as the route extraction needs them.
Error SetStickySession(std::string_view key, std::string_view value, BalancerConfig* b) {
  sticky::Settings parsed;
  if (value.size() > kMaxStickyLength || !sticky::ParseSettings(value, ".", false, &parsed).ok()) {
    return Bad(key, value,
               "must be a cookie name, or COOKIE|urlparam, of token characters (no spaces, "
               "'=', ';' or ','), at most 63 characters in all");
  }
  parsed.has_separator = b->sticky.has_separator;
  parsed.separator = b->sticky.separator;
  parsed.scolon_path_delim = b->sticky.scolon_path_delim;
  b->sticky = std::move(parsed);
  b->sticky_session.assign(value);
  b->sticky_session_set = true;
  return {};
}

Error SetStickySeparator(std::string_view key, std::string_view value, BalancerConfig* b) {
  if (EqualsNoCase(value, "off")) {
    b->sticky.has_separator = false;
    b->sticky.separator = '\0';
  } else if (value.size() == 1 && IsVisible(value[0])) {
    b->sticky.has_separator = true;
    b->sticky.separator = value[0];
  } else {
    return Bad(key, value, "must be a single printable character (not a space) or Off");
  }
  b->sticky_separator_set = true;
  return {};
}

constexpr LbMethod kLbMethods[] = {LbMethod::kByRequests, LbMethod::kByBusyness,
                                   LbMethod::kByTraffic};

Error SetLbMethod(std::string_view key, std::string_view value, BalancerConfig* b) {
  for (LbMethod method : kLbMethods) {
    if (EqualsNoCase(value, LbMethodName(method))) {
      b->lb_method = method;
      b->lb_method_set = true;
      return {};
    }
  }
  return Bad(key, value, "must be one of byrequests, bybusyness, bytraffic");
}

// One or more codes separated by any mix of ',' and ' ' (as apr_strtok(val, ", ")).
Error SetFailOnStatus(std::string_view key, std::string_view value, BalancerConfig* b) {
  std::vector<uint16_t> codes;
  size_t i = 0;
  bool ok = true;
  while (ok) {
    i = value.find_first_not_of(", ", i);
    if (i == std::string_view::npos) break;
    size_t end = value.find_first_of(", ", i);
    if (end == std::string_view::npos) end = value.size();
    int64_t code = 0;
    ok = ParseWholeNumber(value.substr(i, end - i), 599, &code) && code >= 100;
    if (ok) codes.push_back(static_cast<uint16_t>(code));
    i = end;
  }
  if (!ok || codes.empty()) {
    return Bad(key, value,
               "must be one or more HTTP status codes from 100 to 599, separated by commas or "
               "spaces");
  }
  b->fail_on_status = std::move(codes);
  return {};
}

Error SetNonce(std::string_view key, std::string_view value, BalancerConfig* b) {
  if (EqualsNoCase(value, "none")) {
    b->nonce.clear();
    b->nonce_set = true;
    return {};
  }
  bool ok = !value.empty() && value.size() <= kMaxNonceLength;
  for (char c : value) {
    ok = ok && (IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~');
  }
  if (!ok) {
    return Bad(key, value,
               "must be None or 1 to 36 letters, digits, '-', '.', '_' or '~' (e.g. a UUID)");
  }
  b->nonce.assign(value);
  b->nonce_set = true;
  return {};
}

using BalancerSetter = Error (*)(std::string_view key, std::string_view value, BalancerConfig* b);

struct BalancerParam {
  const char* name;
  BalancerSetter set;
};

constexpr BalancerParam kBalancerParams[] = {
    {"stickysession", SetStickySession},
    {"stickysessionsep", SetStickySeparator},
    {"scolonpathdelim",
     [](K k, V v, BalancerConfig* b) {
       return SetOnOff(k, v, false, &b->sticky.scolon_path_delim, &b->scolon_path_delim_set);
     }},
    {"lbmethod", SetLbMethod},
    {"maxattempts",
     [](K k, V v, BalancerConfig* b) {
       Error err = SetInt(k, v, 0, kMaxInt, &b->max_attempts);
       if (err.empty()) b->max_attempts_set = true;
       return err;
     }},
    {"nofailover",
     [](K k, V v, BalancerConfig* b) {
       return SetOnOff(k, v, false, &b->nofailover, &b->nofailover_set);
     }},
    {"timeout",
     [](K k, V v, BalancerConfig* b) { return SetSeconds(k, v, 1, &b->timeout, &b->timeout_set); }},
    {"failonstatus", SetFailOnStatus},
    {"failontimeout",
     [](K k, V v, BalancerConfig* b) {
       return SetOnOff(k, v, false, &b->fail_on_timeout, &b->fail_on_timeout_set);
     }},
    {"forcerecovery",
     [](K k, V v, BalancerConfig* b) {
       return SetOnOff(k, v, false, &b->force_recovery, &b->force_recovery_set);
     }},
    {"growth",
     [](K k, V v, BalancerConfig* b) {
       Error err = SetInt(k, v, 1, 100, &b->growth);
       if (err.empty()) b->growth_set = true;
       return err;
     }},
    {"nonce", SetNonce},
    {"replaybuffer",
     [](K k, V v, BalancerConfig* b) {
       int bytes = 0;
       Error err = SetInt(k, v, 0, kMaxReplayBuffer, &bytes);
       if (err.empty()) {
         b->replay_buffer = static_cast<uint32_t>(bytes);
         b->replay_buffer_set = true;
       }
       return err;
     }},
};

// mod_proxy parameters that have no meaning here; named so the message can say so.
constexpr const char* kUnsupportedParams[] = {
    "addressttl", "flusher", "upgrade", "responsefieldsize", "mapping", "hctemplate", "hcexpr",
};

// ---- lookup ---------------------------------------------------------------------------------

template <typename Param, size_t N>
const Param* Find(const Param (&table)[N], std::string_view key) noexcept {
  for (const Param& p : table) {
    if (EqualsNoCase(key, p.name)) return &p;
  }
  return nullptr;
}

template <typename Param, size_t N>
std::string Names(const Param (&table)[N]) {
  std::string out;
  for (const Param& p : table) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

// The message for a key the table does not have, pointing at the other kind when it is one.
Error UnknownParam(std::string_view key, bool for_member) {
  const char* why = nullptr;  // nullptr: simply unknown
  for (const char* name : kUnsupportedParams) {
    if (EqualsNoCase(key, name)) why = " of mod_proxy is not supported by mod_cluster_ajp";
  }
  if (for_member && IsBalancerParam(key)) why = " applies to balancers, not to members";
  if (!for_member && IsMemberParam(key)) why = " applies to members, not to balancers";
  std::string out = why == nullptr ? "unknown parameter '" : "parameter '";
  out += EscapeForLog(key);
  out += '\'';
  if (why != nullptr) out += why;
  out += " (allowed: ";
  out += for_member ? Names(kMemberParams) : Names(kBalancerParams);
  out += ')';
  return out;
}

}  // namespace

const char* HcMethodName(HcMethod method) noexcept {
  switch (method) {
    case HcMethod::kNone:
      return "NONE";
    case HcMethod::kTcp:
      return "TCP";
    case HcMethod::kOptions:
      return "OPTIONS";
    case HcMethod::kHead:
      return "HEAD";
    case HcMethod::kGet:
      return "GET";
    case HcMethod::kCping:
      return "CPING";
  }
  return "NONE";
}

const char* LbMethodName(LbMethod method) noexcept {
  switch (method) {
    case LbMethod::kByRequests:
      return "byrequests";
    case LbMethod::kByBusyness:
      return "bybusyness";
    case LbMethod::kByTraffic:
      return "bytraffic";
  }
  return "byrequests";
}

std::string StatusLetters(uint32_t status) {
  static constexpr char kLetters[] = "DSIHRNEC";
  std::string out;
  for (size_t i = 0; i < sizeof kLetters - 1; ++i) {
    if ((status & (1u << i)) != 0) out += kLetters[i];
  }
  return out;
}

bool IsMemberParam(std::string_view key) noexcept { return Find(kMemberParams, key) != nullptr; }

bool IsBalancerParam(std::string_view key) noexcept {
  return Find(kBalancerParams, key) != nullptr;
}

Error SplitParam(std::string_view token, std::string_view* key, std::string_view* value) {
  const size_t eq = token.find('=');
  if (eq == std::string_view::npos) {
    return "'" + EscapeForLog(token) + "': parameters must be key=value";
  }
  if (eq == 0) return "'" + EscapeForLog(token) + "': the key before '=' is missing";
  *key = token.substr(0, eq);
  *value = token.substr(eq + 1);
  return {};
}

Error ApplyMemberParam(std::string_view token, MemberConfig* out) {
  std::string_view key;
  std::string_view value;
  Error err = SplitParam(token, &key, &value);
  if (!err.empty()) return err;
  return ApplyMemberParam(key, value, out);
}

Error ApplyMemberParam(std::string_view key, std::string_view value, MemberConfig* out) {
  const MemberParam* p = Find(kMemberParams, key);
  if (p == nullptr) return UnknownParam(key, true);
  return p->set(p->name, value, out);
}

Error ApplyBalancerParam(std::string_view token, BalancerConfig* out) {
  std::string_view key;
  std::string_view value;
  Error err = SplitParam(token, &key, &value);
  if (!err.empty()) return err;
  return ApplyBalancerParam(key, value, out);
}

Error ApplyBalancerParam(std::string_view key, std::string_view value, BalancerConfig* out) {
  const BalancerParam* p = Find(kBalancerParams, key);
  if (p == nullptr) return UnknownParam(key, false);
  return p->set(p->name, value, out);
}

std::string EscapeForLog(std::string_view value) {
  constexpr size_t kMaxShown = 64;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  const size_t shown = value.size() < kMaxShown ? value.size() : kMaxShown;
  out.reserve(shown + 3);
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  if (value.size() > kMaxShown) out += "...";
  return out;
}

}  // namespace mca::config
