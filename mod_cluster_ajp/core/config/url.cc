// Member and balancer URLs (ParseMemberUrl, ParseBalancerUrl).
//
// Why not a general URI parser: we accept exactly two shapes, `ajp://authority[/path]` and
// `balancer://name[/path]`, and want a precise message for everything else (apr_uri_parse
// accepts `ajp://user@host:99999?x` and leaves the complaints to later code, or to nobody).
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#include <string>
#include <string_view>

#include "mca/config/params.h"
#include "values.h"

namespace mca::config {
namespace {

constexpr std::string_view kAjpScheme = "ajp";
constexpr std::string_view kBalancerPrefix = "balancer://";

bool IsHexDigit(char c) noexcept {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Offset of the first space, control or non-ASCII byte, or npos.
size_t FirstBadByte(std::string_view s) noexcept {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c <= 0x20 || c >= 0x7F) return i;
  }
  return std::string_view::npos;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// Dotted quad, each part 1-3 digits and at most 255.
bool IsIpv4(std::string_view s) noexcept {
  int parts = 0;
  size_t i = 0;
  while (true) {
    const size_t dot = s.find('.', i);
    const std::string_view part = s.substr(i, dot == std::string_view::npos ? dot : dot - i);
    int64_t v = 0;
    if (part.size() > 3 || !ParseWholeNumber(part, 255, &v)) return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    i = dot + 1;
  }
  return parts == 4;
}

// RFC 4291 text form: 8 groups of 1-4 hex digits, one "::" standing for one or more zero
// groups, an optional dotted IPv4 tail counting as two groups. No zone id.
bool IsIpv6(std::string_view s) noexcept {
  if (s.empty()) return false;
  int groups = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    size_t j = s.find(':', i);
    if (j == std::string_view::npos) j = s.size();
    const std::string_view group = s.substr(i, j - i);
    if (group.empty()) return false;
    if (j == s.size() && group.find('.') != std::string_view::npos) {
      if (!IsIpv4(group)) return false;
      groups += 2;
      break;
    }
    if (group.size() > 4) return false;
    for (char c : group) {
      if (!IsHexDigit(c)) return false;
    }
    ++groups;
    if (groups > 8) return false;
    i = j;
    if (i == s.size()) break;
    if (i + 1 < s.size() && s[i + 1] == ':') {
      if (compressed) return false;
      compressed = true;
      i += 2;
    } else {
      i += 1;
      if (i == s.size()) return false;  // a single trailing ':'
    }
  }
  return compressed ? groups <= 7 : groups == 8;
}

// Letters, digits, '-', '_' in dot-separated labels of 1..63 characters; all-numeric dotted
// names must be IPv4 addresses. Returns nullptr or what is wrong.
const char* CheckHostName(std::string_view host) noexcept {
  if (host.size() > kMaxHostLength) return "the host name is longer than 255 characters";
  bool numeric = true;
  size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return "the host name has an empty label (a leading or double '.')";
      label = 0;
      continue;
    }
    if (!IsAsciiAlnum(c) && c != '-' && c != '_') {
      return "the host may contain only letters, digits, '-', '.' and '_' (an IPv6 address "
             "goes in brackets: ajp://[::1]:8009)";
    }
    if (!IsAsciiDigit(c)) numeric = false;
    if (++label > 63) return "a label of the host name is longer than 63 characters";
  }
  if (label == 0) return "the host name ends with '.'";
  if (numeric && !IsIpv4(host)) return "the host is not a valid IPv4 address";
  return nullptr;
}

// "" or "/..." with well-formed %-escapes; no '?' or '#'. Bad bytes were refused before.
const char* CheckPath(std::string_view path) noexcept {
  if (path.empty()) return nullptr;
  if (path[0] != '/') return "the path must start with '/'";
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '?') return "a query ('?') is not allowed";
    if (path[i] == '#') return "a fragment ('#') is not allowed";
    if (path[i] == '%') {
      if (i + 2 >= path.size() || !IsHexDigit(path[i + 1]) || !IsHexDigit(path[i + 2])) {
        return "the path has a '%' that is not followed by two hex digits";
      }
    }
  }
  return nullptr;
}

Error UrlError(const char* what, std::string_view url, std::string_view problem) {
  std::string out = what;
  out += " URL '";
  out += EscapeForLog(url);
  out += "': ";
  out += problem;
  return out;
}

Error BadByteError(const char* what, std::string_view url, size_t at) {
  return UrlError(what, url,
                  "byte " + std::to_string(at) + " is a space, a control character or not ASCII");
}

}  // namespace

std::string MemberUrl::Name() const {
  std::string out = "ajp://";
  if (ipv6) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string BalancerUrl::Name() const { return std::string(kBalancerPrefix) + name; }

Error ParseMemberUrl(std::string_view url, MemberUrl* out) {
  constexpr const char* kWhat = "member";
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos || !EqualsNoCase(url.substr(0, sep), kAjpScheme)) {
    return UrlError(kWhat, url, "only ajp:// members are supported");
  }
  if (const size_t bad = FirstBadByte(url); bad != std::string_view::npos) {
    return BadByteError(kWhat, url, bad);
  }
  const std::string_view rest = url.substr(sep + 3);
  size_t authority_end = rest.find_first_of("/?#");
  if (authority_end == std::string_view::npos) authority_end = rest.size();
  const std::string_view authority = rest.substr(0, authority_end);
  const std::string_view path = rest.substr(authority_end);

  if (authority.find('@') != std::string_view::npos) {
    return UrlError(kWhat, url, "user information ('user@') is not allowed");
  }
  if (!path.empty() && path[0] != '/') {
    return UrlError(
        kWhat, url,
        path[0] == '?' ? "a query ('?') is not allowed" : "a fragment ('#') is not allowed");
  }
  if (const char* problem = CheckPath(path)) return UrlError(kWhat, url, problem);
  if (authority.empty()) return UrlError(kWhat, url, "the host is empty");

  MemberUrl result;
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || authority.find('[', 1) != std::string_view::npos) {
      return UrlError(kWhat, url, "unbalanced '[' ']' around the IPv6 address");
    }
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        return UrlError(kWhat, url, "only ':port' may follow the bracketed IPv6 address");
      }
      has_port = true;
      port_text = after.substr(1);
    }
    if (host.empty()) return UrlError(kWhat, url, "the host is empty");
    if (!IsIpv6(host)) return UrlError(kWhat, url, "the address in '[' ']' is not valid IPv6");
    result.ipv6 = true;
  } else {
    if (authority.find_first_of("[]") != std::string_view::npos) {
      return UrlError(kWhat, url, "unbalanced '[' ']' around the IPv6 address");
    }
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos &&
        authority.find(':', colon + 1) != std::string_view::npos) {
      return UrlError(kWhat, url,
                      "more than one ':' (an IPv6 address goes in brackets: ajp://[::1]:8009)");
    }
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return UrlError(kWhat, url, "the host is empty");
    if (const char* problem = CheckHostName(host)) return UrlError(kWhat, url, problem);
  }
  if (has_port) {
    int64_t port = 0;
    if (!ParseWholeNumber(port_text, 65535, &port) || port == 0) {
      return UrlError(kWhat, url, "the port must be a number from 1 to 65535");
    }
    result.port = static_cast<uint16_t>(port);
    result.port_set = true;
  }
  result.host = Lower(host);
  result.path.assign(path);
  *out = std::move(result);
  return {};
}

bool IsBalancerUrl(std::string_view url) noexcept {
  return EqualsNoCase(url.substr(0, kBalancerPrefix.size()), kBalancerPrefix);
}

Error ParseBalancerUrl(std::string_view url, BalancerUrl* out) {
  constexpr const char* kWhat = "balancer";
  if (!IsBalancerUrl(url)) return UrlError(kWhat, url, "must start with balancer://");
  if (const size_t bad = FirstBadByte(url); bad != std::string_view::npos) {
    return BadByteError(kWhat, url, bad);
  }
  const std::string_view rest = url.substr(kBalancerPrefix.size());
  size_t name_end = rest.find_first_of("/?#");
  if (name_end == std::string_view::npos) name_end = rest.size();
  const std::string_view name = rest.substr(0, name_end);
  const std::string_view path = rest.substr(name_end);
  if (!path.empty() && path[0] != '/') {
    return UrlError(
        kWhat, url,
        path[0] == '?' ? "a query ('?') is not allowed" : "a fragment ('#') is not allowed");
  }
  if (const char* problem = CheckPath(path)) return UrlError(kWhat, url, problem);
  if (name.empty()) return UrlError(kWhat, url, "the balancer name is empty");
  bool name_ok = name.size() <= kMaxBalancerNameLength;
  for (char c : name) {
    if (!IsAsciiAlnum(c) && c != '-' && c != '.' && c != '_') name_ok = false;
  }
  if (!name_ok) {
    return UrlError(kWhat, url,
                    "the balancer name must be 1 to 84 letters, digits, '-', '.' or '_'");
  }
  BalancerUrl result;
  result.name = Lower(name);
  result.path.assign(path);
  *out = std::move(result);
  return {};
}

}  // namespace mca::config
