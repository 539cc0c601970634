// Mapping a client's request path to the path we send to Tomcat (AJP req_uri), safely.
//
// Three views of one request path meet here:
//   raw      what the client sent, still %-encoded, `;params` kept (r->unparsed_uri minus query);
//   decoded  httpd's r->uri: %-decoded once, dot segments removed, '//' merged (MergeSlashes);
//            `;` is an ordinary character for httpd, so `..;` is NOT a dot segment there;
//   Tomcat   what Tomcat 10.1 serves for a raw path (CoyoteAdapter.postParseRequest): strip
//            `;params` per segment, %-decode, collapse '//', resolve `.` and `..`.
// The gap between the httpd and Tomcat views is the `..;` mount escape (ajp13.md §5.3): httpd sees
// `/app/..;/manager` under `/app`, Tomcat serves `/manager`. BuildBackendPath therefore decides
// with the Tomcat view of what it is about to send, never with httpd's.
//
// Must not depend on: httpd, APR, exceptions (functions that allocate may only throw
// std::bad_alloc), anything outside the C++17 standard library. Every function is linear in the
// size of its inputs.
#ifndef MCA_PROXY_PATH_H_
#define MCA_PROXY_PATH_H_

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

namespace mca::proxy {

// ProxyPass prefix match, httpd mod_proxy's alias_match(): a run of '/' in `alias` matches a run
// of one or more '/' in `uri`, every other byte matches itself. Returns how many bytes of `uri`
// the alias covers (more than alias.size() when the uri doubles slashes), 0 when it does not
// match; an empty alias never matches, so a match is never 0 bytes long.
//
// Segment boundary: unless the alias ends with '/', the uri must end or continue with '/' right
// after the alias, so "/examples" matches "/examples", "/examples/" and "/examples/x" but not
// "/examplesX". httpd 2.4 does the same ("Check last alias path component matched all the way",
// present since 1.3); the alias "/examples/" does not match "/examples" (httpd agrees).
size_t AliasMatch(std::string_view uri, std::string_view alias) noexcept;

// How Tomcat treats "%2F" in a path (its connector's encodedSolidusHandling).
enum class EncodedSlash : uint8_t {
  kReject,       // Tomcat 10.1 default: 400
  kDecode,       // becomes '/', a segment separator for `..` resolution
  kPassThrough,  // stays the three characters "%2F" (as written) inside the segment
};

struct PathView {
  bool ok = false;
  std::pmr::string path;  // decoded, normalised, starts with '/'; empty when !ok
  const char* why = "";   // static reason when !ok, e.g. "encoded slash (%2F)"; never null
};

// The path Tomcat 10.1 resolves the raw (still %-encoded, no query) `raw_path` to, or why Tomcat
// would answer 400. In Tomcat's order:
//   1. the path must start with '/' once decoded (so "%2Fa" is "/a" when %2F is decoded);
//   2. in every segment, drop everything from the first ';' to the end of the segment
//      (`/a;x=1/b;c` → `/a/b`), BEFORE decoding: `..%3B` stays a literal segment "..;";
//   3. %-decode once; refused: a malformed escape ('%' not followed by two hex digits), %2F
//      (unless `slashes` says otherwise), a backslash (literal or %5C), NUL and every other
//      control character (< 0x20, 0x7F; Tomcat rejects NUL, its HTTP parser the rest);
//   4. collapse runs of '/', drop "." segments, let ".." remove the previous segment; a ".."
//      above the root is refused. A path ending in '/', "/." or "/.." keeps a trailing '/'.
// Examples: `/examples/..;/echo.jsp`, `/examples;x=y/../echo.jsp`, `/examples/%2e%2e;/echo.jsp`
// → `/echo.jsp`; `/examples/..%3B/x` → `/examples/..;/x`. Allocates
// from `memory`.
PathView TomcatPathView(std::string_view raw_path, EncodedSlash slashes = EncodedSlash::kReject,
                        std::pmr::memory_resource* memory = std::pmr::get_default_resource());

// Segment-boundary prefix test on normalised paths. Trailing '/' of `prefix` are ignored, so
// "/examples" and "/examples/" both contain "/examples", "/examples/" and "/examples/a", but not
// "/examplesX" nor "/". A prefix of "/" (or "") contains every path.
bool PathWithin(std::string_view path, std::string_view prefix) noexcept;

struct BackendPath {
  bool ok = false;
  std::pmr::string path;  // %-encoded path for AJP req_uri, starts with '/'; empty when !ok
  // Set when ok: the part after the alias is the client's raw bytes (true) or httpd's decoded
  // path re-encoded (false). For debug logs and tests.
  bool from_raw = false;
  int status = 0;        // when !ok: 400 (bad request), 403 (escapes the backend base), 500
  const char* why = "";  // static reason when !ok; never null
};

// The backend path for a request that the ProxyPass `alias` matched.
//   raw_path      the path as the client sent it (no query);
//   decoded_path  httpd's r->uri (decoded once, dot segments removed);
//   alias         ProxyPass' first argument, e.g. "/app" or "/app/";
//   backend_base  the path of the ProxyPass target URL, e.g. "/examples" from
//                 balancer://c/examples; may be "" (ajp://host:8009) or "/".
// The remainder (what follows the alias) is the client's raw remainder when that provably means
// what httpd decided (see below); else the decoded remainder of `decoded_path` re-encoded (every
// byte outside RFC 3986 pchar and '/' as %XX, '%' as %25; what mod_proxy and mod_jk send).
// "Provably": the raw path's leading segments %-decode to the alias' segments (no ';' in them,
// no dot segments), and the raw remainder %-decoded equals the decoded remainder up to runs of
// '/' (with %2F either kept, as AllowEncodedSlashes NoDecode does, or decoded, as On does). So
// %2F and other escapes reach Tomcat exactly as sent (no double decoding), repeated slashes are
// kept ("/app//x" → "/examples//x"; Tomcat collapses them), while anything httpd rewrote (dot
// segments, mod_rewrite) is taken from httpd. Bytes of the raw remainder outside pchar, '/' and
// '%' are %-encoded (same meaning to Tomcat, clean req_uri).
// Join: exactly one '/' between base and remainder ("/examples" + "x" → "/examples/x",
// "/examples/" + "/x" → "/examples/x"); the result starts with exactly one '/' ("" + "" → "/",
// "/" + "//x" → "/x": a req_uri "//x" could be read as an authority). Bytes of the base outside
// pchar, '/' and '%' are %-encoded too.
// Safety: for each of Tomcat's EncodedSlash settings, TomcatPathView of the result must either
// refuse it or lie PathWithin TomcatPathView(backend_base), and at least one setting must accept
// it (so "/examples/a%2Fb" is sent: Tomcat's default answers 400 itself). Failures:
//   400  malformed raw path, the alias does not match `decoded_path`, or every Tomcat setting
//        refuses the result;
//   403  the result resolves outside the backend base (`/app/..;/manager`);
//   500  `backend_base` itself is not a path Tomcat accepts, or has a malformed escape even
//        inside a ;parameter (configuration error).
// Allocates from `memory` only (the glue passes the request pool). Plain paths (only pchar
// without ';', and '/', no "//", no dot segment, raw equal to decoded, plain alias and base:
// nearly every request) take a short cut to the same result.
BackendPath BuildBackendPath(std::string_view raw_path, std::string_view decoded_path,
                             std::string_view alias, std::string_view backend_base,
                             std::pmr::memory_resource* memory = std::pmr::get_default_resource());
// The same without the short cut (the fuzz target checks that both always agree).
BackendPath BuildBackendPathGeneral(
    std::string_view raw_path, std::string_view decoded_path, std::string_view alias,
    std::string_view backend_base,
    std::pmr::memory_resource* memory = std::pmr::get_default_resource());

}  // namespace mca::proxy

#endif  // MCA_PROXY_PATH_H_
