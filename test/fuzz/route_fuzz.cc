// libFuzzer target for sticky-route extraction (core/sticky/route.cc).
//
// Input layout:
//   byte 0   flags: bit 0 scolonpathdelim, bit 1 stickysessionsep=off,
//            bits 2-3 stickysession: JSESSIONID, JSESSIONID|jsessionid, ROUTEID|routeid, a
//   byte 1   separator character (ignored with bit 1; '.' when ParseSettings rejects it)
//   rest     split on '\n': path, query, then one Cookie header value per line
//
// Checks, besides ASan/UBSan: the result equals a naive split-based reference implementation of
// the same rules (up to the cap); every value and route is a view into its own part of the input;
// routes follow the first separator; sources are in preference order; the cap holds.
//
// Must not depend on: httpd, APR.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "mca/sticky/route.h"

namespace {

using mca::sticky::Candidate;
using mca::sticky::Candidates;
using mca::sticky::Settings;
using mca::sticky::Source;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool Within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

template <typename IsDelim>
std::vector<std::string_view> Split(std::string_view s, IsDelim is_delim) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || is_delim(s[i])) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool Acceptable(std::string_view v) {
  if (v.empty()) return false;
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return true;
}

bool UrlName(std::string_view n, const Settings& s) {
  return n == s.url_name || (!s.url_name_alt.empty() && n == s.url_name_alt);
}

// The rules of route.h written the obvious (allocating, multi-pass) way.
std::vector<std::pair<Source, std::string_view>> Reference(const mca::sticky::RouteInput& in,
                                                           const Settings& s) {
  std::vector<std::pair<Source, std::string_view>> out;
  const std::string_view path = in.path.substr(0, in.path.find_first_of("?#"));
  for (std::string_view seg : Split(path, [](char c) { return c == '/'; })) {
    const auto params = Split(seg, [](char c) { return c == ';'; });
    for (size_t k = 1; k < params.size(); ++k) {
      const size_t eq = params[k].find('=');
      if (eq == std::string_view::npos || !UrlName(params[k].substr(0, eq), s)) continue;
      if (Acceptable(params[k].substr(eq + 1))) {
        out.emplace_back(Source::kPathParameter, params[k].substr(eq + 1));
      }
    }
  }
  const std::string_view query = in.query.substr(0, in.query.find('#'));
  const bool sc = s.scolon_path_delim;
  for (std::string_view p : Split(query, [sc](char c) { return c == '&' || (sc && c == ';'); })) {
    const size_t eq = p.find('=');
    if (eq == std::string_view::npos || !UrlName(p.substr(0, eq), s)) continue;
    if (Acceptable(p.substr(eq + 1))) out.emplace_back(Source::kQueryParameter, p.substr(eq + 1));
  }
  for (std::string_view h : in.cookie_headers) {
    for (std::string_view c : Split(h, [](char ch) { return ch == ';' || ch == ','; })) {
      const size_t eq = c.find('=');
      if (eq == std::string_view::npos || Trim(c.substr(0, eq)) != s.cookie_name) continue;
      std::string_view v = Trim(c.substr(eq + 1));
      if (!v.empty() && v[0] == '"') {
        if (v.size() < 2 || v[v.size() - 1] != '"') continue;
        v = v.substr(1, v.size() - 2);
      }
      if (Acceptable(v)) out.emplace_back(Source::kCookie, v);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static const char* const kNames[] = {"JSESSIONID", "JSESSIONID|jsessionid", "ROUTEID|routeid",
                                       "a"};
  const uint8_t flags = data[0];
  const char sep_char = static_cast<char>(data[1]);
  Settings settings;
  const std::string_view sep =
      (flags & 2) ? std::string_view("off") : std::string_view(&sep_char, 1);
  if (!mca::sticky::ParseSettings(kNames[(flags >> 2) & 3], sep, flags & 1, &settings).ok()) {
    Check(mca::sticky::ParseSettings(kNames[(flags >> 2) & 3], ".", flags & 1, &settings).ok());
  }

  const std::string_view all(reinterpret_cast<const char*>(data) + 2, size - 2);
  const auto lines = Split(all, [](char c) { return c == '\n'; });
  mca::sticky::RouteInput in;
  in.path = lines[0];
  if (lines.size() > 1) in.query = lines[1];
  for (size_t i = 2; i < lines.size(); ++i) in.cookie_headers.push_back(lines[i]);

  const Candidates cs = mca::sticky::ExtractCandidates(in, settings);
  Check(cs.size() <= mca::sticky::kMaxCandidates);
  Check(!cs.truncated() || cs.size() == mca::sticky::kMaxCandidates);

  const auto ref = Reference(in, settings);
  if (ref.size() <= mca::sticky::kMaxCandidates) {
    Check(cs.size() == ref.size() && !cs.truncated());
  } else {
    Check(cs.size() == mca::sticky::kMaxCandidates && cs.truncated());
  }

  std::string_view first_route;
  Source previous = Source::kPathParameter;
  for (size_t i = 0; i < cs.size(); ++i) {
    const Candidate& c = cs[i];
    Check(c.source == ref[i].first);
    Check(c.value.data() == ref[i].second.data() && c.value.size() == ref[i].second.size());
    Check(Acceptable(c.value));
    Check(Within(c.value, all));
    Check(static_cast<int>(c.source) >= static_cast<int>(previous));
    previous = c.source;
    switch (c.source) {
      case Source::kPathParameter:
        Check(Within(c.value, in.path));
        break;
      case Source::kQueryParameter:
        Check(Within(c.value, in.query));
        break;
      case Source::kCookie: {
        bool found = false;
        for (std::string_view h : in.cookie_headers) found = found || Within(c.value, h);
        Check(found);
        break;
      }
    }
    // The value is what follows '=' (for a cookie also OWS and an opening quote).
    Check(c.value.data() > all.data());
    const char before = c.value.data()[-1];
    Check(before == '=' ||
          (c.source == Source::kCookie && (before == '"' || before == ' ' || before == '\t')));
    // The route is the value's suffix after its first separator.
    Check(Within(c.route, c.value));
    Check(c.route.data() + c.route.size() == c.value.data() + c.value.size());
    if (!settings.has_separator) {
      Check(c.route.data() == c.value.data() && c.route.size() == c.value.size());
    } else {
      const size_t first = c.value.find(settings.separator);
      if (first == std::string_view::npos) {
        Check(c.route.empty());
      } else {
        Check(c.route.size() == c.value.size() - first - 1);
      }
    }
    if (first_route.empty() && !c.route.empty()) first_route = c.route;
  }
  Check(mca::sticky::FirstRoute(cs).data() == first_route.data() ||
        (first_route.empty() && mca::sticky::FirstRoute(cs).empty()));
  Check(mca::sticky::FindRoute(in, settings) == first_route);
  return 0;
}
