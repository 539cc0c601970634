// libFuzzer target for request path mapping (core/proxy/path.cc).
//
// Input layout: split on '\n' into raw path, decoded path, alias, backend base (missing parts
// are empty).
//
// Checks, besides ASan/UBSan:
//   TomcatPathView  equals a reference written the way Tomcat's CoyoteAdapter does it (strip
//                   params, decode, then Tomcat's own normalize() loops over the byte array),
//                   for every EncodedSlash setting; an accepted view starts with '/' and holds
//                   no "//", "/./", "/../", trailing "/." or "/..", control character,
//                   backslash, nor more ';' than the input had "%3B"; re-encoding a view and
//                   viewing it again gives the same view.
//   PathWithin      equals the one-line definition.
//   AliasMatch      a match covers the alias up to runs of '/' and ends on a boundary.
//   BuildBackendPath  an accepted path starts with exactly one '/', holds only pchar, '/' and
//                   well-formed escapes, is accepted by at least one Tomcat setting and, under
//                   every setting that accepts it, lies within the view of the base; failures
//                   carry 400, 403 or 500 and an empty path.
//
// Must not depend on: httpd, APR.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mca/proxy/path.h"

namespace {

using mca::proxy::EncodedSlash;
using mca::proxy::PathView;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

bool IsControl(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c < 0x20 || c == 0x7F;
}

// Tomcat 10.1 CoyoteAdapter: parsePathParameters, UDecoder.convert, normalize — as literally as
// reasonable (quadratic loops included). "" means refused.
std::string Reference(std::string_view raw, EncodedSlash slashes, bool* ok) {
  *ok = false;
  // parsePathParameters: from each ';' (searching from index 1) up to the next '/' or ';' ...
  // repeatedly, which removes everything up to the next '/'.
  std::string b(raw);
  size_t semi = b.size() > 1 ? b.find(';', 1) : std::string::npos;
  while (semi != std::string::npos) {
    size_t end = b.find_first_of(";/", semi + 1);
    if (end == std::string::npos) end = b.size();
    b.erase(semi, end - semi);
    semi = b.find(';', semi);
  }
  // UDecoder.convert
  std::string d;
  for (size_t j = 0; j < b.size(); ++j) {
    if (b[j] != '%') {
      d.push_back(b[j]);
      continue;
    }
    if (j + 2 >= b.size() || !IsHex(b[j + 1]) || !IsHex(b[j + 2])) return "";
    const char c = static_cast<char>(Hex(b[j + 1]) * 16 + Hex(b[j + 2]));
    if (c == '/') {
      if (slashes == EncodedSlash::kReject) return "";
      if (slashes == EncodedSlash::kDecode) d.push_back('/');
      if (slashes == EncodedSlash::kPassThrough) d.append(b, j, 3);
    } else {
      d.push_back(c);
    }
    j += 2;
  }
  // normalize(), plus the control characters our version also refuses.
  if (d.empty() || (d[0] != '/' && d[0] != '\\')) return "";
  for (char c : d) {
    if (c == '\\' || IsControl(c)) return "";
  }
  for (size_t pos = 0; pos + 1 < d.size(); ++pos) {
    if (d[pos] == '/') {
      while (pos + 1 < d.size() && d[pos + 1] == '/') d.erase(pos + 1, 1);
    }
  }
  const size_t n = d.size();
  if (n >= 2 && d[n - 1] == '.' &&
      (d[n - 2] == '/' || (n >= 3 && d[n - 2] == '.' && d[n - 3] == '/'))) {
    d.push_back('/');
  }
  for (size_t i = d.find("/./"); i != std::string::npos; i = d.find("/./", i)) d.erase(i, 2);
  for (size_t i = d.find("/../"); i != std::string::npos; i = d.find("/../", i)) {
    if (i == 0) return "";
    const size_t prev = d.rfind('/', i - 1);
    d.erase(prev, i + 3 - prev);
    i = prev;
  }
  *ok = true;
  return d;
}

size_t CountEncodedSemicolons(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] == '%' && s[i + 1] == '3' && (s[i + 2] == 'B' || s[i + 2] == 'b')) ++n;
  }
  return n;
}

bool IsPcharOrSlash(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
}

std::string Encode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch != ';' && IsPcharOrSlash(ch)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

void CheckView(std::string_view raw, EncodedSlash slashes) {
  const PathView v = mca::proxy::TomcatPathView(raw, slashes);
  bool ref_ok = false;
  const std::string ref = Reference(raw, slashes, &ref_ok);
  Check(v.ok == ref_ok);
  Check(v.why != nullptr);
  if (!v.ok) {
    Check(v.path.empty() && v.why[0] != '\0');
    return;
  }
  const std::string p(v.path);
  Check(p == ref);
  Check(!p.empty() && p[0] == '/');
  Check(p.find("//") == std::string::npos);
  Check(p.find("/./") == std::string::npos && p.find("/../") == std::string::npos);
  Check(p.size() < 2 || p.compare(p.size() - 2, 2, "/.") != 0);
  Check(p.size() < 3 || p.compare(p.size() - 3, 3, "/..") != 0);
  size_t semis = 0;
  for (char c : p) {
    Check(!IsControl(c) && c != '\\');
    if (c == ';') ++semis;
  }
  Check(semis <= CountEncodedSemicolons(raw));
  // A view is a fixed point: encoded again, Tomcat reads the same path.
  const PathView again = mca::proxy::TomcatPathView(Encode(p), slashes);
  Check(again.ok && std::string_view(again.path) == p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= all.size() && parts.size() < 4; ++i) {
    if (i == all.size() || all[i] == '\n') {
      parts.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.resize(4);
  const std::string_view raw = parts[0];
  const std::string_view decoded = parts[1];
  const std::string_view alias = parts[2];
  const std::string_view base = parts[3];

  for (const EncodedSlash mode :
       {EncodedSlash::kReject, EncodedSlash::kDecode, EncodedSlash::kPassThrough}) {
    CheckView(raw, mode);
    CheckView(decoded, mode);
  }

  // PathWithin against its definition.
  for (const std::string_view prefix : {alias, base, raw}) {
    std::string_view p = prefix;
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    const bool want =
        p.empty() || decoded == p ||
        (decoded.size() > p.size() && decoded.substr(0, p.size()) == p && decoded[p.size()] == '/');
    Check(mca::proxy::PathWithin(decoded, prefix) == want);
  }

  // AliasMatch: the matched part equals the alias up to runs of '/', on a boundary.
  const size_t m = mca::proxy::AliasMatch(decoded, alias);
  Check(m <= decoded.size());
  if (m > 0) {
    auto collapse = [](std::string_view s) {
      std::string out;
      for (char c : s) {
        if (!(c == '/' && !out.empty() && out.back() == '/')) out.push_back(c);
      }
      return out;
    };
    Check(!alias.empty());
    Check(collapse(decoded.substr(0, m)) == collapse(alias));
    Check(alias.back() == '/' || m == decoded.size() || decoded[m] == '/');
    // Every '/' right after the match was consumed when the alias ends with '/'.
    if (alias.back() == '/') Check(m == decoded.size() || decoded[m] != '/');
  }

  const mca::proxy::BackendPath b = mca::proxy::BuildBackendPath(raw, decoded, alias, base);
  Check(b.why != nullptr);
  // The short cut for plain paths gives exactly what the general rules give.
  const mca::proxy::BackendPath g = mca::proxy::BuildBackendPathGeneral(raw, decoded, alias, base);
  Check(b.ok == g.ok && b.path == g.path && b.status == g.status && b.from_raw == g.from_raw);
  if (!b.ok) {
    Check(b.path.empty());
    Check(b.status == 400 || b.status == 403 || b.status == 500);
    return 0;
  }
  Check(b.status == 0);
  const PathView base_view = mca::proxy::TomcatPathView(base.empty() ? "/" : base);
  Check(base_view.ok);
  const std::string p(b.path);
  Check(!p.empty() && p[0] == '/' && (p.size() == 1 || p[1] != '/'));
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%') {
      Check(i + 2 < p.size() && IsHex(p[i + 1]) && IsHex(p[i + 2]));
    } else {
      Check(IsPcharOrSlash(p[i]));
    }
  }
  bool accepted = false;
  for (const EncodedSlash mode :
       {EncodedSlash::kReject, EncodedSlash::kDecode, EncodedSlash::kPassThrough}) {
    const PathView v = mca::proxy::TomcatPathView(p, mode);
    if (!v.ok) continue;
    accepted = true;
    Check(mca::proxy::PathWithin(v.path, base_view.path));
  }
  Check(accepted);
  return 0;
}
