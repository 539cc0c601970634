// Response header rewriting for a backend mounted under another path: the counterparts of
// httpd's ProxyPassReverse (Location, Content-Location, URI), ProxyPassReverseCookiePath and
// ProxyPassReverseCookieDomain.
//
// Why: Tomcat answers in its own namespace. A context at /examples mounted publicly at /app
// redirects to `/examples/login` (relative Location, Tomcat 10.1's default) or to
// `http://www.example.com/examples/login` (absolute, built from the forwarded Host header), and
// sets `JSESSIONID=…; Path=/examples`, which the browser would never send back under /app.
//
// Path matching is on segment boundaries: "/examples" matches "/examples", "/examples/x",
// "/examples?q", "/examples#f" and "/examples;jsessionid=…", never "/examplesX". Trailing '/' of
// configured paths are ignored for matching, so "/examples/" and "/examples" are one rule.
//
// Must not depend on: httpd, APR, exceptions (functions that allocate may only throw
// std::bad_alloc), anything outside the C++17 standard library.
#ifndef MCA_PROXY_REWRITE_H_
#define MCA_PROXY_REWRITE_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mca::proxy {

struct ReverseRule {
  std::string public_path;  // e.g. "/app"; must start with exactly one '/' (else skipped)
  // As configured: "balancer://c/examples", "ajp://127.0.0.1:8009/examples",
  // "http://backend.example/examples", or a bare path "/examples". The backend path is the
  // URL's path ("" and no path mean "/").
  std::string backend;
};

// Rewrites a Location / Content-Location / URI header value; nullopt when the value stays as is
// (no rule applies, or the rewrite gives the same bytes). A value is rewritten when
//   (i)   it is a path ("/examples/login?x=1") under a rule's backend path
//         → public_path + rest ("/app/login?x=1");
//   (ii)  it is an absolute http(s) URL whose authority equals `request_host` (Tomcat builds
//         absolute URLs from the forwarded Host header; compared ignoring ASCII case and a
//         default port, :80 for http, :443 for https) and whose path is under a rule's backend
//         path → the value's own scheme and authority + public_path + rest;
//   (iii) the rule's backend is an http(s) URL and the value is that URL (same scheme, host and
//         port ignoring case and default ports; path under its path) → the public URL,
//         "https://" when `is_ssl` else "http://", + request_host + public_path + rest; without a
//         usable request_host the result is the path alone (a valid relative Location).
// (i) and (ii) use the backend path of every kind of rule, including http(s) ones. Query and
// fragment are kept. When several rules match, the longest backend path wins (the first of equal
// ones). The join never doubles the '/': public "/app/" or "/app" + "/login" → "/app/login";
// public "/" + rest "" → "/". `request_host` is the client's Host header, e.g.
// "www.example.com:8080"; one with bytes outside an RFC 3986 authority (no userinfo) is treated
// as absent, so a hostile Host never reaches a header. Rules whose public_path has a control
// character or a space are skipped. Allocates.
std::optional<std::string> RewriteLocation(std::string_view value,
                                           const std::vector<ReverseRule>& rules,
                                           std::string_view request_host, bool is_ssl);

// Rewrites the Path= and Domain= attributes of one Set-Cookie value; nullopt when nothing
// changes. Everything else is kept byte for byte, including the cookie's name=value (never
// parsed as an attribute) and the whitespace around attribute values.
//   path_rules   (internal, public) pairs, e.g. ("/examples", "/app"): an attribute named "Path"
//                (any case) whose value is under `internal` (segment boundary) gets public + rest:
//                Path=/examples → /app, Path=/examples/servlets → /app/servlets,
//                Path=/examplesX unchanged. Longest internal wins. The internal "/" maps the
//                root to the public path itself (Path=/ → /app, not /app/).
//   domain_rules (internal, public) pairs: an attribute named "Domain" (any case) whose value
//                equals `internal` ignoring ASCII case and a leading '.' on either gets `public`
//                (without its leading '.'), keeping the value's own leading '.' if it had one.
// A replacement that is empty, contains a control character, ';' or ',', or starts or ends with
// a space is not applied. Allocates.
std::optional<std::string> RewriteSetCookie(
    std::string_view set_cookie, const std::vector<std::pair<std::string, std::string>>& path_rules,
    const std::vector<std::pair<std::string, std::string>>& domain_rules);

}  // namespace mca::proxy

#endif  // MCA_PROXY_REWRITE_H_
