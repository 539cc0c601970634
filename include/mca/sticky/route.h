// Sticky-session route extraction: which member a request belongs to, from the session id the
// client sends in a `;jsessionid=` path parameter, a `jsessionid=` query parameter or a
// `JSESSIONID` cookie (names configurable, as httpd's `stickysession=COOKIE|urlparam`).
//
// Why our own and not httpd's: mod_proxy_balancer finds the name with strstr, so `xjsessionid=`
// or `myJSESSIONID=` stick too, and it returns only the first cookie. Tomcat sets one JSESSIONID
// cookie per context path, so a request can carry several; like mod_jk we return every candidate
// in order and the balancer tries each route against its members.
//
// Order of candidates: every `;name=` path parameter (any segment, left to right), then every
// `name=` query parameter, then every cookie with the cookie name, in header order and within a
// header left to right. At most kMaxCandidates are returned; scanning stops there, so work is
// linear in the input and the output is bounded whatever the client sends.
//
// Values are returned as views into the caller's strings (no copy, no %-decoding: Tomcat does not
// decode session ids either). A value containing a control character (< 0x20 or 0x7F) is ignored.
//
// Must not depend on: httpd, APR, exceptions (extraction is noexcept), anything outside the C++17
// standard library.
#ifndef MCA_STICKY_ROUTE_H_
#define MCA_STICKY_ROUTE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "mca/status.h"

namespace mca::sticky {

// Bound on candidates per request. A browser sends one per matching cookie path plus at most one
// in the URL; 16 leaves room for deep context paths and caps what a hostile client can make us do.
inline constexpr size_t kMaxCandidates = 16;

// The balancer's sticky settings after validation (see ParseSettings).
struct Settings {
  std::string cookie_name = "JSESSIONID";   // matched exactly (cookie names are case-sensitive)
  std::string url_name = "JSESSIONID";      // path / query parameter name, matched exactly
  std::string url_name_alt = "jsessionid";  // also accepted for the URL; empty when none
  bool has_separator = true;       // false: stickysessionsep=off, the whole value is the route
  char separator = '.';            // the route is what follows the FIRST separator
  bool scolon_path_delim = false;  // ';' also separates query parameters
};

// Validates the configured text and fills `*out`.
//   sticky_session: "NAME" (cookie NAME; URL parameter NAME or its all-lowercase form, so
//                   "JSESSIONID" honours Tomcat's cookie JSESSIONID and ;jsessionid=) or
//                   "COOKIE|urlparam" (each matched exactly). Names must be RFC 9110 tokens
//                   without '|'.
//   separator:      one printable non-space character, or "off" (any case) for no separator.
// On error `*out` is unchanged and the status is kBadValue with the offset into the offending
// argument and a field of "stickysession" or "stickysessionsep". Allocates (config time only).
Status ParseSettings(std::string_view sticky_session, std::string_view separator,
                     bool scolon_path_delim, Settings* out);

// What the extraction needs from a request. All views must outlive the returned Candidates.
struct RouteInput {
  std::string_view path;   // raw path as sent (still %-encoded, ;params kept); ends at '?'/'#'
  std::string_view query;  // raw query string without the '?', may be empty
  std::pmr::vector<std::string_view> cookie_headers;  // every Cookie header value, in order
};

enum class Source : uint8_t { kPathParameter, kQueryParameter, kCookie };

// "path parameter", "query parameter", "cookie" (never null). For log lines.
const char* SourceName(Source source) noexcept;

struct Candidate {
  Source source = Source::kCookie;
  std::string_view value;  // session id as sent, quotes stripped; never empty
  std::string_view route;  // suffix of value after the first separator; empty means no route
                           // (and then points at the end of value)
};

// Fixed-capacity, allocation-free list of candidates in order of preference.
class Candidates {
 public:
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  const Candidate& operator[](size_t i) const noexcept { return items_[i]; }
  const Candidate* begin() const noexcept { return items_.data(); }
  const Candidate* end() const noexcept { return items_.data() + size_; }
  // True when a further candidate turned up after kMaxCandidates were taken; extraction stopped
  // there and did not look at the rest of the input.
  bool truncated() const noexcept { return truncated_; }

  // Appends; false (and sets truncated) when already full.
  bool Add(const Candidate& candidate) noexcept {
    if (size_ == kMaxCandidates) {
      truncated_ = true;
      return false;
    }
    items_[size_++] = candidate;
    return true;
  }
  bool full() const noexcept { return size_ == kMaxCandidates; }

 private:
  std::array<Candidate, kMaxCandidates> items_{};
  size_t size_ = 0;
  bool truncated_ = false;
};

// All session candidates of a request, in order of preference. Linear time, never throws.
Candidates ExtractCandidates(const RouteInput& input, const Settings& settings) noexcept;
// The same into *out, which must be empty (no copy of the list).
void ExtractCandidates(const RouteInput& input, const Settings& settings, Candidates* out) noexcept;

// The route of the first candidate that has one; empty when none has.
std::string_view FirstRoute(const Candidates& candidates) noexcept;

// ExtractCandidates + FirstRoute.
std::string_view FindRoute(const RouteInput& input, const Settings& settings) noexcept;

}  // namespace mca::sticky

#endif  // MCA_STICKY_ROUTE_H_
