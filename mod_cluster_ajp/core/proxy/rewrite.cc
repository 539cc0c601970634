// Response header rewriting; see include/mca/proxy/rewrite.h for the rules.
//
// A header value is split once into its parts (scheme, authority, path and the rest, or cookie
// attributes); each rule is then a prefix comparison against one part, so the work is the size
// of the value times the number of rules, with no rescans of the value per rule.
//
// Must not depend on: httpd, APR, exceptions other than std::bad_alloc.
#include "mca/proxy/rewrite.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mca/text.h"

namespace mca::proxy {
namespace {

using text::EqualsIgnoreAsciiCase;
using text::HasControl;
using text::IsControl;

constexpr size_t kNpos = std::string_view::npos;

bool IsAlpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }

// RFC 3986 authority without userinfo: reg-name / IP-literal characters, ':' and the port.
bool IsAuthority(std::string_view s) noexcept {
  if (s.empty()) return false;
  constexpr std::string_view kOther = "-._~!$&'()*+,;=:[]%";
  for (char c : s) {
    if (!IsAlpha(c) && !IsDigit(c) && kOther.find(c) == kNpos) return false;
  }
  return true;
}

bool IsOws(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) noexcept {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view StripTrailingSlashes(std::string_view s) noexcept {
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

// "scheme://authority<tail>": tail is "" or starts with '/', '?' or '#'.
struct Url {
  std::string_view scheme;
  std::string_view authority;
  std::string_view tail;
};

bool SplitUrl(std::string_view s, Url* out) noexcept {
  const size_t colon = s.find("://");
  if (colon == kNpos || colon == 0 || !IsAlpha(s[0])) return false;
  for (size_t i = 1; i < colon; ++i) {
    const char c = s[i];
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  const std::string_view rest = s.substr(colon + 3);
  const size_t end = std::min(rest.find_first_of("/?#"), rest.size());
  out->scheme = s.substr(0, colon);
  out->authority = rest.substr(0, end);
  out->tail = rest.substr(end);
  return true;
}

bool IsHttpScheme(std::string_view scheme) noexcept {
  return EqualsIgnoreAsciiCase(scheme, "http") || EqualsIgnoreAsciiCase(scheme, "https");
}

// The authority without a default or empty port for `scheme`.
std::string_view WithoutDefaultPort(std::string_view authority, std::string_view scheme) noexcept {
  const size_t colon = authority.rfind(':');
  if (colon == kNpos || authority.find(']', colon) != kNpos) return authority;  // IPv6, no port
  const std::string_view port = authority.substr(colon + 1);
  const std::string_view dflt = EqualsIgnoreAsciiCase(scheme, "https") ? "443" : "80";
  if (port.empty() || port == dflt) return authority.substr(0, colon);
  return authority;
}

bool SameAuthority(std::string_view a, std::string_view b, std::string_view scheme) noexcept {
  return EqualsIgnoreAsciiCase(WithoutDefaultPort(a, scheme), WithoutDefaultPort(b, scheme));
}

// The rest of `tail` after `base` (trailing '/' stripped) when `tail` is under it: it continues
// with nothing or one of `boundaries`. An empty base is the root: `tail` must be empty or start
// with one of the boundaries.
std::optional<std::string_view> RestUnder(std::string_view tail, std::string_view base,
                                          std::string_view boundaries) noexcept {
  if (tail.size() < base.size() || tail.substr(0, base.size()) != base) return std::nullopt;
  std::string_view rest = tail.substr(base.size());
  if (!rest.empty() && boundaries.find(rest.front()) == kNpos) return std::nullopt;
  return rest;
}

// public (trailing '/' stripped) + rest, starting with exactly one '/': with the root as public
// path, rest "//evil.example/x" must not become the network-path reference "//evil.example/x".
std::string JoinPublic(std::string_view pub, std::string_view rest) {
  std::string out;
  out.reserve(pub.size() + rest.size() + 1);
  out.append(pub);
  if (out.empty()) {
    while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    out.push_back('/');
  }
  out.append(rest);
  return out;
}

// A configured rule, taken apart.
struct ParsedRule {
  std::string_view pub;     // public path, trailing '/' stripped ("" is the root)
  std::string_view path;    // backend path, trailing '/' stripped ("" is the root)
  bool http = false;        // backend is an http(s) URL: (iii) applies
  std::string_view scheme;  // of an http(s) backend
  std::string_view authority;
};

bool ParseRule(const ReverseRule& rule, ParsedRule* out) noexcept {
  const std::string_view pub = rule.public_path;
  // "//app" would make every rewritten Location a network-path reference to host "app".
  if (pub.empty() || pub.front() != '/' || (pub.size() > 1 && pub[1] == '/') || HasControl(pub) ||
      pub.find(' ') != kNpos) {
    return false;
  }
  const std::string_view backend = rule.backend;
  std::string_view tail;
  if (!backend.empty() && backend.front() == '/') {
    tail = backend;
  } else {
    Url url;
    if (!SplitUrl(backend, &url)) return false;
    tail = url.tail;
    if (IsHttpScheme(url.scheme)) {
      out->http = true;
      out->scheme = url.scheme;
      out->authority = url.authority;
    }
  }
  out->pub = StripTrailingSlashes(pub);
  out->path = StripTrailingSlashes(tail.substr(0, text::PathLength(tail)));
  return true;
}

// Cookie Path= value under `internal` → public + rest (see the header for the root case).
std::optional<std::string> RewriteCookiePath(
    std::string_view value, const std::vector<std::pair<std::string, std::string>>& rules) {
  const std::pair<std::string, std::string>* best = nullptr;
  size_t best_len = 0;
  std::string_view best_rest;
  for (const auto& rule : rules) {
    if (rule.first.empty() || rule.first.front() != '/') continue;
    if (rule.second.empty() || rule.second.front() != '/') continue;
    const std::string_view internal = StripTrailingSlashes(rule.first);
    if (best != nullptr && internal.size() <= best_len) continue;
    if (internal.empty() && (value.empty() || value.front() != '/')) continue;
    const std::optional<std::string_view> rest = RestUnder(value, internal, "/");
    if (!rest) continue;
    best = &rule;
    best_len = internal.size();
    best_rest = *rest;
  }
  if (best == nullptr) return std::nullopt;
  // Path=/ under the rule "/" is the root itself, not a trailing slash: it maps to the public
  // path as such (Path=/app covers /app and /app/…; /app/ would not cover /app).
  if (best_len == 0 && best_rest == "/") best_rest = {};
  return JoinPublic(StripTrailingSlashes(best->second), best_rest);
}

std::string_view StripLeadingDot(std::string_view s) noexcept {
  if (!s.empty() && s.front() == '.') s.remove_prefix(1);
  return s;
}

std::optional<std::string> RewriteCookieDomain(
    std::string_view value, const std::vector<std::pair<std::string, std::string>>& rules) {
  const std::string_view bare = StripLeadingDot(value);
  if (bare.empty()) return std::nullopt;
  for (const auto& rule : rules) {
    const std::string_view pub = StripLeadingDot(rule.second);
    if (pub.empty() || !EqualsIgnoreAsciiCase(StripLeadingDot(rule.first), bare)) continue;
    std::string out;
    if (value.front() == '.') out.push_back('.');
    out.append(pub);
    return out;
  }
  return std::nullopt;
}

// Non-empty, no CTL, ';' or ',' anywhere and no space at either end (where it would be taken for
// the whitespace around the value).
bool IsCookieAttributeValue(std::string_view s) noexcept {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  for (char c : s) {
    if (IsControl(c) || c == ';' || c == ',') return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> RewriteLocation(std::string_view value,
                                           const std::vector<ReverseRule>& rules,
                                           std::string_view request_host, bool is_ssl) {
  // What kind of value: a path (i), or an absolute http(s) URL (ii, iii). Anything else, e.g.
  // "//host/x" or "other.jsp", is left alone.
  const bool is_path =
      !value.empty() && value.front() == '/' && (value.size() == 1 || value[1] != '/');
  Url url;
  if (!is_path && !(SplitUrl(value, &url) && IsHttpScheme(url.scheme))) return std::nullopt;
  const std::string_view tail = is_path ? value : url.tail;
  const bool host_ok = IsAuthority(request_host);
  // (ii): the value names the public host the client used.
  const bool names_request_host =
      !is_path && host_ok && SameAuthority(url.authority, request_host, url.scheme);

  bool found = false;
  bool best_public_url = false;  // (iii): rebuild scheme and host from the request
  size_t best_len = 0;
  std::string_view best_pub;
  std::string_view best_rest;
  for (const ReverseRule& rule : rules) {
    ParsedRule pr;
    if (!ParseRule(rule, &pr)) continue;
    if (found && pr.path.size() <= best_len) continue;
    const bool names_backend = !is_path && pr.http &&
                               EqualsIgnoreAsciiCase(url.scheme, pr.scheme) &&
                               SameAuthority(url.authority, pr.authority, url.scheme);
    if (!is_path && !names_backend && !names_request_host) continue;
    const std::optional<std::string_view> rest = RestUnder(tail, pr.path, "/?#;");
    if (!rest) continue;
    found = true;
    best_public_url = names_backend;
    best_len = pr.path.size();
    best_pub = pr.pub;
    best_rest = *rest;
  }
  if (!found) return std::nullopt;

  std::string out;
  if (!is_path) {
    if (best_public_url) {
      if (host_ok) {
        out.append(is_ssl ? "https://" : "http://");
        out.append(request_host);
      }
    } else {
      out.append(url.scheme);
      out.append("://");
      out.append(url.authority);
    }
  }
  out.append(JoinPublic(best_pub, best_rest));
  if (out == value) return std::nullopt;
  return out;
}

std::optional<std::string> RewriteSetCookie(
    std::string_view set_cookie, const std::vector<std::pair<std::string, std::string>>& path_rules,
    const std::vector<std::pair<std::string, std::string>>& domain_rules) {
  // name=value; attr; attr=value; … — the first ';'-part is the cookie itself, never touched.
  std::string out;
  size_t copied = 0;  // bytes of set_cookie already in `out`
  size_t pos = set_cookie.find(';');
  while (pos != kNpos && pos < set_cookie.size()) {
    const size_t start = pos + 1;
    const size_t end = std::min(set_cookie.find(';', start), set_cookie.size());
    pos = end;
    const std::string_view attr = set_cookie.substr(start, end - start);
    const size_t eq = attr.find('=');
    if (eq == kNpos) continue;
    const std::string_view name = TrimOws(attr.substr(0, eq));
    const bool is_path = EqualsIgnoreAsciiCase(name, "path");
    if (!is_path && !EqualsIgnoreAsciiCase(name, "domain")) continue;
    // The value without the whitespace around it; offsets are into set_cookie.
    size_t vb = start + eq + 1;
    size_t ve = end;
    while (vb < ve && IsOws(set_cookie[vb])) ++vb;
    while (ve > vb && IsOws(set_cookie[ve - 1])) --ve;
    const std::string_view value = set_cookie.substr(vb, ve - vb);
    const std::optional<std::string> repl =
        is_path ? RewriteCookiePath(value, path_rules) : RewriteCookieDomain(value, domain_rules);
    if (!repl || *repl == value || !IsCookieAttributeValue(*repl)) continue;
    out.append(set_cookie.substr(copied, vb - copied));
    out.append(*repl);
    copied = ve;
  }
  if (copied == 0) return std::nullopt;
  out.append(set_cookie.substr(copied));
  return out;
}

}  // namespace mca::proxy
