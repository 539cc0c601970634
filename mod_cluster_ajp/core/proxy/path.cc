// Request path mapping; see include/mca/proxy/path.h for the rules.
//
// Every function walks its inputs left to right a constant number of times: segments are cut out
// with find('/') from the current position, ".." pops a recorded segment start, so the work is
// linear whatever the client sends (no rescans from the start, no recursion).
//
// Must not depend on: httpd, APR, exceptions other than std::bad_alloc.
#include "mca/proxy/path.h"

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mca::proxy {
namespace {

constexpr size_t kNpos = std::string_view::npos;

bool IsHex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

unsigned HexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  return static_cast<unsigned>(c - 'A' + 10);
}

// The byte of a well-formed escape "%XY" starting at `s[i]` (the caller checked IsHex).
char EscapedByte(std::string_view s, size_t i) noexcept {
  return static_cast<char>((HexValue(s[i + 1]) << 4) | HexValue(s[i + 2]));
}

// True when `s[i]` is '%' followed by two hex digits.
bool IsEscape(std::string_view s, size_t i) noexcept {
  return s[i] == '%' && s.size() - i >= 3 && IsHex(s[i + 1]) && IsHex(s[i + 2]);
}

bool IsControl(char ch) noexcept {
  const auto c = static_cast<unsigned char>(ch);
  return c < 0x20 || c == 0x7F;
}

// Byte tables: RFC 3986 pchar without pct-encoded (unreserved / sub-delims / ":" / "@"), and
// the pchars IsPlain passes without a closer look (all but ';' and '.').
struct PathBytes {
  bool pchar[256];
  bool plain[256];
};
constexpr PathBytes MakePathBytes() {
  PathBytes t{};
  constexpr std::string_view kOther = "-._~!$&'()*+,;=:@";
  for (int c = 0; c < 256; ++c) {
    bool p = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    for (char o : kOther) p = p || c == static_cast<unsigned char>(o);
    t.pchar[c] = p;
    t.plain[c] = p && c != ';' && c != '.';
  }
  return t;
}
constexpr PathBytes kPathBytes = MakePathBytes();

bool IsPchar(char c) noexcept { return kPathBytes.pchar[static_cast<unsigned char>(c)]; }

void AppendEscaped(char ch, std::pmr::string* out) {
  constexpr char kHex[] = "0123456789ABCDEF";
  const auto c = static_cast<unsigned char>(ch);
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// Every byte outside pchar and '/' as %XX; with `keep_percent`, '%' stays (the input is already
// encoded and only stray bytes are fixed up), without it '%' becomes %25.
void PercentEncodeInto(std::string_view s, bool keep_percent, std::pmr::string* out) {
  out->reserve(out->size() + s.size());
  for (char c : s) {
    if (IsPchar(c) || c == '/' || (keep_percent && c == '%')) {
      out->push_back(c);
    } else {
      AppendEscaped(c, out);
    }
  }
}

bool HasMalformedEscape(std::string_view s) noexcept {
  for (size_t i = s.find('%'); i != kNpos; i = s.find('%', i + 1)) {
    if (!IsEscape(s, i)) return true;
  }
  return false;
}

// httpd's %-decoding of a raw path: %2F/%2f either decoded or kept verbatim (the three bytes as
// written, like AllowEncodedSlashes NoDecode). nullopt on a malformed escape.
std::optional<std::pmr::string> DecodeLikeHttpd(std::string_view raw, bool keep_2f,
                                                std::pmr::memory_resource* memory) {
  std::pmr::string out(memory);
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    if (raw[i] != '%') {
      out.push_back(raw[i++]);
      continue;
    }
    if (!IsEscape(raw, i)) return std::nullopt;
    const char c = EscapedByte(raw, i);
    if (c == '/' && keep_2f) {
      out.append(raw.substr(i, 3));
    } else {
      out.push_back(c);
    }
    i += 3;
  }
  return out;
}

std::pmr::string CollapseSlashes(std::string_view s, std::pmr::memory_resource* memory) {
  std::pmr::string out(memory);
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(s[i]);
  }
  return out;
}

// Where the raw path's part corresponding to `alias` ends, or npos when that cannot be shown:
// alias segments and raw segments pair up (runs of '/' against runs of '/'), each raw segment
// has no ';' and %-decodes to exactly the alias segment, and no alias segment is a dot segment.
size_t RawAliasEnd(std::string_view raw, std::string_view alias,
                   std::pmr::memory_resource* memory) {
  size_t a = 0;
  size_t p = 0;
  while (a < alias.size()) {
    if (alias[a] == '/') {
      if (p >= raw.size() || raw[p] != '/') return kNpos;
      while (a < alias.size() && alias[a] == '/') ++a;
      while (p < raw.size() && raw[p] == '/') ++p;
      continue;
    }
    size_t ae = alias.find('/', a);
    if (ae == kNpos) ae = alias.size();
    size_t pe = raw.find('/', p);
    if (pe == kNpos) pe = raw.size();
    const std::string_view aseg = alias.substr(a, ae - a);
    const std::string_view rseg = raw.substr(p, pe - p);
    if (aseg == "." || aseg == ".." || rseg.find(';') != kNpos) return kNpos;
    const std::optional<std::pmr::string> decoded =
        DecodeLikeHttpd(rseg, /*keep_2f=*/false, memory);
    if (!decoded || *decoded != aseg) return kNpos;
    a = ae;
    p = pe;
  }
  return p;
}

// Does the raw remainder %-decode to httpd's decoded remainder (up to runs of '/'), with %2F
// either kept or decoded?
bool RawMeansDecoded(std::string_view raw_rem, std::string_view decoded_rem,
                     std::pmr::memory_resource* memory) {
  const std::pmr::string want = CollapseSlashes(decoded_rem, memory);
  for (const bool keep_2f : {true, false}) {
    const std::optional<std::pmr::string> got = DecodeLikeHttpd(raw_rem, keep_2f, memory);
    if (got && CollapseSlashes(*got, memory) == want) return true;
  }
  return false;
}

// base + remainder with exactly one '/' at the join; never empty, starts with exactly one '/'
// (a req_uri "//x" could be read as an authority; Tomcat collapses the slashes anyway).
std::pmr::string JoinPath(std::string_view base, std::string_view rem,
                          std::pmr::memory_resource* memory) {
  std::pmr::string out(memory);
  out.reserve(base.size() + rem.size() + 2);
  out.append(base);
  const bool base_slash = !out.empty() && out.back() == '/';
  const bool rem_slash = !rem.empty() && rem.front() == '/';
  if (base_slash && rem_slash) {
    rem.remove_prefix(1);
  } else if (!base_slash && !rem_slash && (!rem.empty() || out.empty())) {
    out.push_back('/');
  }
  out.append(rem);
  size_t extra = 0;
  while (extra + 1 < out.size() && out[extra + 1] == '/') ++extra;
  out.erase(0, extra);
  return out;
}

PathView Refuse(const char* why) {
  PathView v;
  v.why = why;
  return v;
}

BackendPath Fail(int status, const char* why) {
  BackendPath b;
  b.status = status;
  b.why = why;
  return b;
}

}  // namespace

size_t AliasMatch(std::string_view uri, std::string_view alias) noexcept {
  if (alias.empty()) return 0;
  size_t a = 0;
  size_t u = 0;
  while (a < alias.size() && u < uri.size()) {
    if (alias[a] == '/') {
      // Any run of '/' in the alias matches any run of at least one '/' in the uri.
      if (uri[u] != '/') return 0;
      while (a < alias.size() && alias[a] == '/') ++a;
      while (u < uri.size() && uri[u] == '/') ++u;
    } else {
      if (uri[u] != alias[a]) return 0;
      ++a;
      ++u;
    }
  }
  if (a != alias.size()) return 0;  // the uri ended inside the alias
  if (alias.back() != '/' && u < uri.size() && uri[u] != '/') return 0;
  return u;
}

PathView TomcatPathView(std::string_view raw, EncodedSlash slashes,
                        std::pmr::memory_resource* memory) {
  if (raw.empty()) return Refuse("empty path");
  // Tomcat looks for parameters from the second byte on and checks the first decoded byte for
  // '/', so "%2Fa" is "/a" when %2F is decoded, and ";x" is refused.
  if (raw.front() == ';') return Refuse("path does not start with '/'");

  // 1. Strip ";params" from every segment and %-decode, in one pass (params are cut from the
  //    raw bytes, so an escape inside a parameter is never looked at, as in Tomcat).
  std::pmr::string dec(memory);
  dec.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    char c = raw[i];
    if (c == ';') {
      while (i < raw.size() && raw[i] != '/') ++i;
      continue;
    }
    if (c == '%') {
      if (!IsEscape(raw, i)) return Refuse("malformed %-escape");
      c = EscapedByte(raw, i);
      if (c == '/') {
        switch (slashes) {
          case EncodedSlash::kReject:
            return Refuse("encoded slash (%2F)");
          case EncodedSlash::kDecode:
            dec.push_back('/');
            break;
          case EncodedSlash::kPassThrough:
            dec.append(raw.substr(i, 3));
            break;
        }
        i += 3;
        continue;
      }
      i += 3;
    } else {
      ++i;
    }
    if (c == '\\') return Refuse("backslash or %5C");
    if (IsControl(c)) return Refuse("NUL or control character");
    dec.push_back(c);
  }

  if (dec.empty() || dec.front() != '/') return Refuse("path does not start with '/'");

  // 2. Collapse '//', drop ".", resolve "..". `starts` holds where each kept segment's '/' is in
  //    `out`, so ".." truncates in O(1) amortised.
  std::pmr::string out(memory);
  out.reserve(dec.size() + 1);
  std::pmr::vector<size_t> starts(memory);
  bool trailing_slash = false;
  for (size_t j = 0; j < dec.size();) {
    if (dec[j] == '/') {
      trailing_slash = true;
      ++j;
      continue;
    }
    size_t e = dec.find('/', j);
    if (e == kNpos) e = dec.size();
    const std::string_view seg = std::string_view(dec).substr(j, e - j);
    if (seg == ".") {
      trailing_slash = true;
    } else if (seg == "..") {
      if (starts.empty()) return Refuse("'..' climbs above the root");
      out.resize(starts.back());
      starts.pop_back();
      trailing_slash = true;
    } else {
      starts.push_back(out.size());
      out.push_back('/');
      out.append(seg);
      trailing_slash = false;
    }
    j = e;
  }
  if (out.empty() || trailing_slash) out.push_back('/');

  // Moved, not assigned, so the path keeps `memory`.
  return PathView{true, std::move(out)};
}

bool PathWithin(std::string_view path, std::string_view prefix) noexcept {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.empty()) return true;
  if (path.size() < prefix.size() || path.substr(0, prefix.size()) != prefix) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

namespace {

// Only pchar (without ';') and '/', no "//" and no "." or ".." segment: a path that no rule of
// BuildBackendPathGeneral changes.
bool IsPlain(std::string_view s) noexcept {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (kPathBytes.plain[static_cast<unsigned char>(c)]) continue;
    if (c == '/') {
      if (i + 1 < s.size() && s[i + 1] == '/') return false;
      continue;
    }
    if (c == ';' || !IsPchar(c)) return false;
    if (c == '.' && (i == 0 || s[i - 1] == '/')) {
      // "." or ".." as a whole segment.
      size_t end = s.find('/', i);
      if (end == kNpos) end = s.size();
      const std::string_view seg = s.substr(i, end - i);
      if (seg == "." || seg == "..") return false;
    }
  }
  return true;
}

}  // namespace

BackendPath BuildBackendPath(std::string_view raw_path, std::string_view decoded_path,
                             std::string_view alias, std::string_view backend_base,
                             std::pmr::memory_resource* memory) {
  if (raw_path == decoded_path && !raw_path.empty() && raw_path.front() == '/' &&
      (backend_base.empty() || backend_base.front() == '/') && IsPlain(raw_path) &&
      IsPlain(alias) && IsPlain(backend_base)) {
    const size_t matched = AliasMatch(decoded_path, alias);
    if (matched != 0 && matched != kNpos) {
      return BackendPath{true, JoinPath(backend_base, raw_path.substr(matched), memory),
                         /*from_raw=*/true};
    }
  }
  return BuildBackendPathGeneral(raw_path, decoded_path, alias, backend_base, memory);
}

BackendPath BuildBackendPathGeneral(std::string_view raw_path, std::string_view decoded_path,
                                    std::string_view alias, std::string_view backend_base,
                                    std::pmr::memory_resource* memory) {
  const PathView base_view =
      TomcatPathView(backend_base.empty() ? "/" : backend_base, EncodedSlash::kReject, memory);
  // Also refused: a malformed escape inside a ;parameter, which Tomcat would never decode.
  if (!base_view.ok || HasMalformedEscape(backend_base)) {
    return Fail(500, "backend base path is not a valid path");
  }
  // httpd answers 400 to these before any handler runs; never guess what they meant.
  if (HasMalformedEscape(raw_path)) return Fail(400, "malformed %-escape in the request path");
  const size_t matched = AliasMatch(decoded_path, alias);
  if (matched == 0) return Fail(400, "request path is not under the ProxyPass path");
  const std::string_view decoded_rem = decoded_path.substr(matched);

  bool from_raw = false;
  std::pmr::string rem(memory);
  const size_t raw_end = RawAliasEnd(raw_path, alias, memory);
  if (raw_end != kNpos && RawMeansDecoded(raw_path.substr(raw_end), decoded_rem, memory)) {
    PercentEncodeInto(raw_path.substr(raw_end), /*keep_percent=*/true, &rem);
    from_raw = true;
  } else {
    PercentEncodeInto(decoded_rem, /*keep_percent=*/false, &rem);
  }
  // The base as configured, with stray bytes encoded like the raw remainder's.
  std::pmr::string base(memory);
  PercentEncodeInto(backend_base, /*keep_percent=*/true, &base);
  std::pmr::string path = JoinPath(base, rem, memory);

  // Safety: judge what Tomcat will serve, under each of its %2F settings. The settings differ
  // only for %2F, so when the default accepts the path the others would resolve it the same way.
  const PathView strict = TomcatPathView(path, EncodedSlash::kReject, memory);
  if (strict.ok) {
    if (!PathWithin(strict.path, base_view.path)) {
      return Fail(403, "request path resolves outside the backend base path");
    }
  } else {
    bool accepted = false;
    for (const EncodedSlash mode : {EncodedSlash::kDecode, EncodedSlash::kPassThrough}) {
      const PathView v = TomcatPathView(path, mode, memory);
      if (!v.ok) continue;
      accepted = true;
      if (!PathWithin(v.path, base_view.path)) {
        return Fail(403, "request path resolves outside the backend base path");
      }
    }
    if (!accepted) return Fail(400, strict.why);
  }
  return BackendPath{true, std::move(path), from_raw};
}

}  // namespace mca::proxy
