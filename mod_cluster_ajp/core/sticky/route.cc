// Sticky-route extraction; see include/mca/sticky/route.h for the rules.
//
// Every scanner below walks its input once, left to right: a parameter or cookie is cut out by
// its delimiters first and only then compared with the configured names, so no byte is looked at
// more than a constant number of times whatever the input (no strstr-style rescans).
//
// Must not depend on: httpd, APR, exceptions, heap allocation on the extraction path.
#include "mca/sticky/route.h"

#include <string>
#include <string_view>
#include <utility>

#include "mca/text.h"

namespace mca::sticky {
namespace {

using text::AsciiLower;
using text::EqualsIgnoreAsciiCase;
using text::HasControl;

constexpr std::string_view kOff = "off";

// RFC 9110 tchar, minus '|' which separates the cookie name from the URL parameter name.
bool IsNameChar(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view kPunct = "!#$%&'*+-.^_`~";
  return c != 0 && kPunct.find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsOws(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) noexcept {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && IsOws(s[b])) ++b;
  while (e > b && IsOws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Offset of the first character of `name` that is not a name character, or npos when `name` is a
// valid non-empty name. An empty name is reported at offset 0.
size_t FirstBadNameChar(std::string_view name) noexcept {
  if (name.empty()) return 0;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(static_cast<unsigned char>(name[i]))) return i;
  }
  return std::string_view::npos;
}

// Collects candidates for one request; stops accepting once the list is full.
class Collector {
 public:
  Collector(const Settings& settings, Candidates* out) noexcept : settings_(settings), out_(*out) {}

  bool UrlNameMatches(std::string_view name) const noexcept {
    return name == settings_.url_name ||
           (!settings_.url_name_alt.empty() && name == settings_.url_name_alt);
  }
  bool CookieNameMatches(std::string_view name) const noexcept {
    return name == settings_.cookie_name;
  }

  // Records `value` unless it is empty or has a control character. False when the list was
  // already full (the list then says truncated): the caller stops scanning.
  bool Offer(Source source, std::string_view value) noexcept {
    if (value.empty() || HasControl(value)) return true;
    Candidate c;
    c.source = source;
    c.value = value;
    if (!settings_.has_separator) {
      c.route = value;
    } else {
      // No separator: the empty route still points into the value (at its end), so every view
      // we hand out lies inside the caller's input.
      const size_t sep = value.find(settings_.separator);
      c.route = value.substr(sep == std::string_view::npos ? value.size() : sep + 1);
    }
    return out_.Add(c);
  }

  const Settings& settings() const noexcept { return settings_; }

 private:
  const Settings& settings_;
  Candidates& out_;
};

// Splits "name=value" at the first '='; false when there is no '='.
bool SplitPair(std::string_view pair, std::string_view* name, std::string_view* value) noexcept {
  const size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return false;
  *name = pair.substr(0, eq);
  *value = pair.substr(eq + 1);
  return true;
}

// `/a;jsessionid=X.n1;x=y/b;jsessionid=Y.n2/c` — every `;name=` in every segment. A path
// parameter ends at ';' or '/'; the path itself ends at '?' or '#' (defensive: the caller should
// pass the path without them).
bool ScanPath(std::string_view path, Collector* col) noexcept {
  path = path.substr(0, text::PathLength(path));
  const size_t n = path.size();
  size_t i = 0;
  while (i < n) {
    if (path[i] != ';') {
      ++i;
      continue;
    }
    const size_t start = i + 1;
    size_t end = start;
    while (end < n && path[end] != ';' && path[end] != '/') ++end;
    std::string_view name;
    std::string_view value;
    if (SplitPair(path.substr(start, end - start), &name, &value) && col->UrlNameMatches(name)) {
      if (!col->Offer(Source::kPathParameter, value)) return false;
    }
    i = end;  // at ';' (next parameter), '/' (next segment) or the end
  }
  return true;
}

// `a=1&jsessionid=X.n1` — parameters separated by '&' (and ';' with scolonpathdelim); the query
// ends at '#'.
bool ScanQuery(std::string_view query, Collector* col) noexcept {
  query = query.substr(0, query.find('#'));
  const bool scolon = col->settings().scolon_path_delim;
  const size_t n = query.size();
  size_t start = 0;
  while (start <= n) {
    size_t end = start;
    while (end < n && query[end] != '&' && !(scolon && query[end] == ';')) ++end;
    std::string_view name;
    std::string_view value;
    if (SplitPair(query.substr(start, end - start), &name, &value) && col->UrlNameMatches(name)) {
      if (!col->Offer(Source::kQueryParameter, value)) return false;
    }
    start = end + 1;
  }
  return true;
}

// `a=1; JSESSIONID="X.n1", b=2` — cookies separated by ';' or ',' (old clients), optional
// SP/HTAB around name, '=' and value, value optionally in double quotes. Cookies without '=' and
// values with an unbalanced quote are skipped.
bool ScanCookieHeader(std::string_view header, Collector* col) noexcept {
  const size_t n = header.size();
  size_t start = 0;
  while (start <= n) {
    size_t end = start;
    while (end < n && header[end] != ';' && header[end] != ',') ++end;
    std::string_view name;
    std::string_view value;
    if (SplitPair(header.substr(start, end - start), &name, &value) &&
        col->CookieNameMatches(TrimOws(name))) {
      value = TrimOws(value);
      bool ok = true;
      if (!value.empty() && value.front() == '"') {
        ok = value.size() >= 2 && value.back() == '"';
        if (ok) value = value.substr(1, value.size() - 2);
      }
      if (ok && !col->Offer(Source::kCookie, value)) return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace

Status ParseSettings(std::string_view sticky_session, std::string_view separator,
                     bool scolon_path_delim, Settings* out) {
  constexpr const char* kStickyField = "stickysession";
  constexpr const char* kSepField = "stickysessionsep";

  const size_t bar = sticky_session.find('|');
  const std::string_view cookie = sticky_session.substr(0, bar);
  const std::string_view url =
      bar == std::string_view::npos ? cookie : sticky_session.substr(bar + 1);
  const size_t url_offset = bar == std::string_view::npos ? 0 : bar + 1;
  if (const size_t bad = FirstBadNameChar(cookie); bad != std::string_view::npos) {
    return Status::Error(Errc::kBadValue, bad, kStickyField);
  }
  if (const size_t bad = FirstBadNameChar(url); bad != std::string_view::npos) {
    return Status::Error(Errc::kBadValue, url_offset + bad, kStickyField);
  }

  bool has_separator = true;
  char sep = '.';
  if (EqualsIgnoreAsciiCase(separator, kOff)) {
    has_separator = false;
    sep = '\0';
  } else if (separator.size() == 1 && separator[0] > ' ' && separator[0] < 0x7F) {
    sep = separator[0];
  } else {
    return Status::Error(Errc::kBadValue, 0, kSepField);
  }

  Settings s;
  s.cookie_name.assign(cookie);
  s.url_name.assign(url);
  s.url_name_alt.clear();
  if (bar == std::string_view::npos) {
    std::string lower(url);
    for (char& c : lower) c = AsciiLower(c);
    if (lower != s.url_name) s.url_name_alt = std::move(lower);
  }
  s.has_separator = has_separator;
  s.separator = sep;
  s.scolon_path_delim = scolon_path_delim;
  *out = std::move(s);
  return Status::Ok();
}

const char* SourceName(Source source) noexcept {
  switch (source) {
    case Source::kPathParameter:
      return "path parameter";
    case Source::kQueryParameter:
      return "query parameter";
    case Source::kCookie:
      return "cookie";
  }
  return "unknown";
}

void ExtractCandidates(const RouteInput& input, const Settings& settings,
                       Candidates* out) noexcept {
  Collector col(settings, out);
  if (ScanPath(input.path, &col) && ScanQuery(input.query, &col)) {
    for (std::string_view header : input.cookie_headers) {
      if (!ScanCookieHeader(header, &col)) break;
    }
  }
}

Candidates ExtractCandidates(const RouteInput& input, const Settings& settings) noexcept {
  Candidates out;
  ExtractCandidates(input, settings, &out);
  return out;
}

std::string_view FirstRoute(const Candidates& candidates) noexcept {
  for (const Candidate& c : candidates) {
    if (!c.route.empty()) return c.route;
  }
  return {};
}

std::string_view FindRoute(const RouteInput& input, const Settings& settings) noexcept {
  return FirstRoute(ExtractCandidates(input, settings));
}

}  // namespace mca::sticky
