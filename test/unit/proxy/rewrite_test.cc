#include "mca/proxy/rewrite.h"

#include <cppunit/extensions/HelperMacros.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mca::proxy {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// The rewritten value, or "(unchanged)".
std::string Show(const std::optional<std::string>& v) { return v ? *v : "(unchanged)"; }

const std::string kSame = "(unchanged)";

std::string Loc(std::string_view value, const std::vector<ReverseRule>& rules,
                std::string_view host = "www.example.com", bool is_ssl = false) {
  return Show(RewriteLocation(value, rules, host, is_ssl));
}

// ProxyPassReverse /app balancer://c/examples
const std::vector<ReverseRule> kBalancer = {{"/app", "balancer://c/examples"}};

std::string App(std::string_view value) { return Loc(value, kBalancer); }

std::string Cookie(std::string_view set_cookie, const Pairs& paths, const Pairs& domains = {}) {
  return Show(RewriteSetCookie(set_cookie, paths, domains));
}

const Pairs kExamples = {{"/examples", "/app"}};

class RewriteLocationTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RewriteLocationTest);
  CPPUNIT_TEST(PathUnderBackendPath);
  CPPUNIT_TEST(PathBoundary);
  CPPUNIT_TEST(OtherValuesAreLeftAlone);
  CPPUNIT_TEST(AbsoluteUrlOnRequestHost);
  CPPUNIT_TEST(AbsoluteUrlOnOtherHostIsLeftAlone);
  CPPUNIT_TEST(HttpBackendUrlBecomesPublicUrl);
  CPPUNIT_TEST(HttpBackendWithoutUsableHost);
  CPPUNIT_TEST(BackendKinds);
  CPPUNIT_TEST(LongestBackendPathWins);
  CPPUNIT_TEST(RootBackendAndRootPublic);
  CPPUNIT_TEST(TrailingSlashesNeverDoubleAtTheJoin);
  CPPUNIT_TEST(InvalidRulesAreSkipped);
  CPPUNIT_TEST(IdentityIsUnchanged);
  CPPUNIT_TEST(LongValue);
  CPPUNIT_TEST_SUITE_END();

 public:
  void PathUnderBackendPath() {
    CPPUNIT_ASSERT_EQUAL(std::string("/app/login?x=1"), App("/examples/login?x=1"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app"), App("/examples"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app/"), App("/examples/"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app?x"), App("/examples?x"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app#top"), App("/examples#top"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app/a?b=/examples/c#/examples"),
                         App("/examples/a?b=/examples/c#/examples"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app;jsessionid=A.node1"),
                         App("/examples;jsessionid=A.node1"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app/echo.jsp;jsessionid=A.node1?x"),
                         App("/examples/echo.jsp;jsessionid=A.node1?x"));
  }

  void PathBoundary() {
    CPPUNIT_ASSERT_EQUAL(kSame, App("/examplesX"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("/examples.jsp"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("/Examples/x"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("/other/examples/x"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("/"));
  }

  void OtherValuesAreLeftAlone() {
    CPPUNIT_ASSERT_EQUAL(kSame, App(""));
    CPPUNIT_ASSERT_EQUAL(kSame, App("login.jsp"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("examples/x"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("//www.example.com/examples/x"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("ftp://www.example.com/examples/x"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("ajp://www.example.com/examples/x"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("?/examples"));
    CPPUNIT_ASSERT_EQUAL(kSame, App("http:/examples"));
  }

  void AbsoluteUrlOnRequestHost() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("http://www.example.com:8080/app/login?x=1#f"),
        Loc("http://www.example.com:8080/examples/login?x=1#f", kBalancer, "www.example.com:8080"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://www.example.com/app"),
                         Loc("https://www.example.com/examples", kBalancer));
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com/?q"),
                         Loc("http://www.example.com?q", {{"/", "balancer://c/"}}));
    // Host compared ignoring case and a default port; the value's own spelling is kept.
    CPPUNIT_ASSERT_EQUAL(std::string("HTTP://WWW.Example.COM:80/app/x"),
                         Loc("HTTP://WWW.Example.COM:80/examples/x", kBalancer));
    CPPUNIT_ASSERT_EQUAL(
        std::string("https://www.example.com:443/app/x"),
        Loc("https://www.example.com:443/examples/x", kBalancer, "www.example.com:443"));
    CPPUNIT_ASSERT_EQUAL(std::string("https://www.example.com:443/app/x"),
                         Loc("https://www.example.com:443/examples/x", kBalancer));
    CPPUNIT_ASSERT_EQUAL(std::string("http://[::1]:8080/app/x"),
                         Loc("http://[::1]:8080/examples/x", kBalancer, "[::1]:8080"));
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com/app"),
                         Loc("http://www.example.com/examples", kBalancer, "www.example.com:"));
  }

  void AbsoluteUrlOnOtherHostIsLeftAlone() {
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://other.example/examples/x", kBalancer));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://www.example.com:8080/examples/x", kBalancer));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://www.example.com:443/examples/x", kBalancer));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://user@www.example.com/examples/x", kBalancer));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://www.example.com/examples/x", kBalancer, ""));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://www.example.com/examplesX", kBalancer));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://[::1]/examples/x", kBalancer, "[::1]:80x"));
  }

  void HttpBackendUrlBecomesPublicUrl() {
    const std::vector<ReverseRule> rules = {{"/app", "http://backend.example/examples"}};
    CPPUNIT_ASSERT_EQUAL(
        std::string("https://www.example.com/app/x?y#z"),
        Loc("http://backend.example/examples/x?y#z", rules, "www.example.com", true));
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com:8080/app/x"),
                         Loc("http://backend.example/examples/x", rules, "www.example.com:8080"));
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com/app"),
                         Loc("HTTP://BACKEND.example:80/examples", rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://backend.example/examplesX", rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("https://backend.example/examples/x", rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://backend.example:8080/examples/x", rules));
    // (i) applies to the http backend's path too.
    CPPUNIT_ASSERT_EQUAL(std::string("/app/x"), Loc("/examples/x", rules));
    const std::vector<ReverseRule> tls = {{"/app", "https://backend.example:8443/"}};
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com/app/x"),
                         Loc("https://backend.example:8443/x", tls));
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com/app"),
                         Loc("https://backend.example:8443", tls));
  }

  void HttpBackendWithoutUsableHost() {
    const std::vector<ReverseRule> rules = {{"/app", "http://backend.example/examples"}};
    CPPUNIT_ASSERT_EQUAL(std::string("/app/x?y"),
                         Loc("http://backend.example/examples/x?y", rules, ""));
    CPPUNIT_ASSERT_EQUAL(std::string("/app/x"), Loc("http://backend.example/examples/x", rules,
                                                    "evil\r\nSet-Cookie: a=b"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app/x"),
                         Loc("http://backend.example/examples/x", rules, "a/b"));
    CPPUNIT_ASSERT_EQUAL(std::string("/app/x"),
                         Loc("http://backend.example/examples/x", rules, "u@h"));
  }

  void BackendKinds() {
    for (const char* backend : {"balancer://c/examples", "ajp://127.0.0.1:8009/examples",
                                "ajp://[::1]:8009/examples/", "/examples", "/examples/",
                                "http://backend.example/examples", "balancer://c/examples?x"}) {
      const std::vector<ReverseRule> rules = {{"/app", backend}};
      CPPUNIT_ASSERT_EQUAL_MESSAGE(backend, std::string("/app/x"), Loc("/examples/x", rules));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(backend, std::string("http://www.example.com/app/x"),
                                   Loc("http://www.example.com/examples/x", rules));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(backend, kSame, Loc("/examplesX", rules));
    }
  }

  void LongestBackendPathWins() {
    const std::vector<ReverseRule> rules = {{"/a", "balancer://c/examples"},
                                            {"/b", "balancer://c/examples/servlets"},
                                            {"/c", "balancer://c/examples"}};
    CPPUNIT_ASSERT_EQUAL(std::string("/b/x"), Loc("/examples/servlets/x", rules));
    CPPUNIT_ASSERT_EQUAL(std::string("/a/jsp"), Loc("/examples/jsp", rules));
    CPPUNIT_ASSERT_EQUAL(std::string("/a/servletsX"), Loc("/examples/servletsX", rules));
    const std::vector<ReverseRule> reversed = {{"/b", "balancer://c/examples/servlets"},
                                               {"/a", "balancer://c/examples"}};
    CPPUNIT_ASSERT_EQUAL(std::string("/b/x"), Loc("/examples/servlets/x", reversed));
    CPPUNIT_ASSERT_EQUAL(std::string("/a"), Loc("/examples", reversed));
    const std::vector<ReverseRule> root_first = {{"/r", "balancer://c"},
                                                 {"/a", "balancer://c/examples"}};
    CPPUNIT_ASSERT_EQUAL(std::string("/a/x"), Loc("/examples/x", root_first));
    CPPUNIT_ASSERT_EQUAL(std::string("/r/other"), Loc("/other", root_first));
  }

  void RootBackendAndRootPublic() {
    for (const char* backend : {"balancer://c", "balancer://c/", "ajp://h:8009", "/"}) {
      const std::vector<ReverseRule> rules = {{"/app", backend}};
      CPPUNIT_ASSERT_EQUAL_MESSAGE(backend, std::string("/app/x"), Loc("/x", rules));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(backend, std::string("/app/"), Loc("/", rules));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(backend, std::string("/app/?q"), Loc("/?q", rules));
    }
    const std::vector<ReverseRule> pub_root = {{"/", "balancer://c/examples"}};
    CPPUNIT_ASSERT_EQUAL(std::string("/"), Loc("/examples", pub_root));
    CPPUNIT_ASSERT_EQUAL(std::string("/x"), Loc("/examples/x", pub_root));
    CPPUNIT_ASSERT_EQUAL(std::string("/?q"), Loc("/examples?q", pub_root));
    CPPUNIT_ASSERT_EQUAL(std::string("/#f"), Loc("/examples#f", pub_root));
    // Never a network-path reference ("//host/…" would leave the site).
    CPPUNIT_ASSERT_EQUAL(std::string("/evil.example/x"),
                         Loc("/examples//evil.example/x", pub_root));
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com/evil.example"),
                         Loc("http://www.example.com/examples///evil.example", pub_root));
    CPPUNIT_ASSERT_EQUAL(std::string("/;jsessionid=1"), Loc("/examples;jsessionid=1", pub_root));
    CPPUNIT_ASSERT_EQUAL(std::string("http://www.example.com/"),
                         Loc("http://www.example.com/examples", pub_root));
  }

  void TrailingSlashesNeverDoubleAtTheJoin() {
    for (const char* pub : {"/app", "/app/", "/app//"}) {
      for (const char* backend : {"balancer://c/examples", "balancer://c/examples/"}) {
        const std::vector<ReverseRule> rules = {{pub, backend}};
        CPPUNIT_ASSERT_EQUAL(std::string("/app/login"), Loc("/examples/login", rules));
        CPPUNIT_ASSERT_EQUAL(std::string("/app/"), Loc("/examples/", rules));
        CPPUNIT_ASSERT_EQUAL(std::string("/app"), Loc("/examples", rules));
      }
    }
    // The backend's own doubled slash is kept: it is part of what the backend sent.
    CPPUNIT_ASSERT_EQUAL(std::string("/app//x"), App("/examples//x"));
  }

  void InvalidRulesAreSkipped() {
    const std::vector<ReverseRule> rules = {{"app", "balancer://c/examples"},
                                            {"", "balancer://c/examples"},
                                            {"/bad\r\n", "balancer://c/examples"},
                                            {"//evil.example", "balancer://c/examples"},
                                            {"/a b", "balancer://c/examples"},
                                            {"/app", ""},
                                            {"/app", "examples"},
                                            {"/app", "://x/examples"},
                                            {"/ok", "balancer://c/examples"}};
    CPPUNIT_ASSERT_EQUAL(std::string("/ok/x"), Loc("/examples/x", rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("/examples/x", {}));
  }

  void IdentityIsUnchanged() {
    const std::vector<ReverseRule> rules = {{"/examples", "balancer://c/examples"}};
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("/examples/x", rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Loc("http://www.example.com/examples/x", rules));
  }

  void LongValue() {
    const std::string tail(100000, 'x');
    CPPUNIT_ASSERT_EQUAL("/app/" + tail, App("/examples/" + tail));
    const std::string slashes(100000, '/');
    CPPUNIT_ASSERT_EQUAL(kSame, App(slashes));
    std::vector<ReverseRule> many(1000, ReverseRule{"/app", "balancer://c/examples"});
    CPPUNIT_ASSERT_EQUAL("/app/" + tail, Loc("/examples/" + tail, many));
  }
};

class RewriteSetCookieTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(RewriteSetCookieTest);
  CPPUNIT_TEST(TomcatSessionCookie);
  CPPUNIT_TEST(PathBoundary);
  CPPUNIT_TEST(AttributeNamesIgnoreCase);
  CPPUNIT_TEST(WhitespaceIsKept);
  CPPUNIT_TEST(CookieItselfIsNeverAnAttribute);
  CPPUNIT_TEST(NoAttributes);
  CPPUNIT_TEST(LongestPathRuleWins);
  CPPUNIT_TEST(RootRules);
  CPPUNIT_TEST(DomainExactMatch);
  CPPUNIT_TEST(DomainLeadingDot);
  CPPUNIT_TEST(PathAndDomainTogether);
  CPPUNIT_TEST(UnsafeReplacementsAreNotApplied);
  CPPUNIT_TEST(OddAttributes);
  CPPUNIT_TEST(LongValue);
  CPPUNIT_TEST_SUITE_END();

 public:
  void TomcatSessionCookie() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("JSESSIONID=A61DECF92B4F1597CDD4B1D5D3564078.node1; Path=/app; HttpOnly"),
        Cookie("JSESSIONID=A61DECF92B4F1597CDD4B1D5D3564078.node1; Path=/examples; HttpOnly",
               kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID=X.node1; Path=/app; Secure; HttpOnly"),
                         Cookie("JSESSIONID=X.node1; Path=/examples; Secure; HttpOnly", kExamples));
  }

  void PathBoundary() {
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/app/servlets"),
                         Cookie("a=b; Path=/examples/servlets", kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/app/"), Cookie("a=b; Path=/examples/", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examplesX", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/Examples", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=examples", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=\"/examples\"", kExamples));
  }

  void AttributeNamesIgnoreCase() {
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; path=/app"), Cookie("a=b; path=/examples", kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; PATH=/app"), Cookie("a=b; PATH=/examples", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Paths=/examples", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; XPath=/examples", kExamples));
  }

  void WhitespaceIsKept() {
    CPPUNIT_ASSERT_EQUAL(std::string("a=b;  Path = /app ;\tSecure"),
                         Cookie("a=b;  Path = /examples ;\tSecure", kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b;Path=/app;HttpOnly"),
                         Cookie("a=b;Path=/examples;HttpOnly", kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/app;"), Cookie("a=b; Path=/examples;", kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=\t/app\t"),
                         Cookie("a=b; Path=\t/examples\t", kExamples));
  }

  void CookieItselfIsNeverAnAttribute() {
    CPPUNIT_ASSERT_EQUAL(std::string("Path=/examples; Path=/app"),
                         Cookie("Path=/examples; Path=/examples", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("Path=/examples", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("Domain=backend.local", {}, {{"backend.local", "x.com"}}));
    // A value holding "Path=" is part of the cookie.
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=Path=/examples", kExamples));
  }

  void NoAttributes() {
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie(";", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples", {}));
  }

  void LongestPathRuleWins() {
    const Pairs rules = {{"/examples", "/a"}, {"/examples/servlets", "/b"}};
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/b/x"),
                         Cookie("a=b; Path=/examples/servlets/x", rules));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/a/jsp"), Cookie("a=b; Path=/examples/jsp", rules));
    const Pairs reversed = {{"/examples/servlets", "/b"}, {"/examples", "/a"}};
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/b"),
                         Cookie("a=b; Path=/examples/servlets", reversed));
  }

  void RootRules() {
    const Pairs root_internal = {{"/", "/app"}};
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/app"), Cookie("a=b; Path=/", root_internal));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/app/x"), Cookie("a=b; Path=/x", root_internal));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=", root_internal));
    const Pairs root_public = {{"/examples", "/"}};
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/"), Cookie("a=b; Path=/examples", root_public));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/x"), Cookie("a=b; Path=/examples/x", root_public));
    const Pairs trailing = {{"/examples/", "/app/"}};
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/app"), Cookie("a=b; Path=/examples", trailing));
  }

  void DomainExactMatch() {
    const Pairs rules = {{"backend.local", "www.example.com"}};
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Domain=www.example.com"),
                         Cookie("a=b; Domain=backend.local", {}, rules));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; domain=www.example.com; Path=/x"),
                         Cookie("a=b; domain=BACKEND.Local; Path=/x", {}, rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Domain=x.backend.local", {}, rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Domain=backend.localx", {}, rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Domain=", {}, rules));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Domain=.", {}, rules));
  }

  void DomainLeadingDot() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("a=b; Domain=.www.example.com"),
        Cookie("a=b; Domain=.backend.local", {}, {{"backend.local", "www.example.com"}}));
    CPPUNIT_ASSERT_EQUAL(
        std::string("a=b; Domain=www.example.com"),
        Cookie("a=b; Domain=backend.local", {}, {{".backend.local", ".www.example.com"}}));
    CPPUNIT_ASSERT_EQUAL(
        std::string("a=b; Domain=.example.com"),
        Cookie("a=b; Domain=.backend.local", {}, {{".backend.local", ".example.com"}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Domain=.backend.local", {}, {{"backend.local", "."}}));
  }

  void PathAndDomainTogether() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("s=1; Domain=.example.com; Path=/app/x; Secure; Path=/app"),
        Cookie("s=1; Domain=.backend.local; Path=/examples/x; Secure; Path=/examples", kExamples,
               {{"other.local", "nope"}, {"backend.local", "example.com"}}));
  }

  void UnsafeReplacementsAreNotApplied() {
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples", {{"/examples", "/a;Domain=x"}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples", {{"/examples", "/a\r\nX: y"}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples", {{"/examples", "/a,b"}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples", {{"/examples", "/a "}}));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b; Path=/a b"),
                         Cookie("a=b; Path=/examples", {{"/examples", "/a b"}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Domain=x.local", {}, {{"x.local", "y.local "}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples", {{"/examples", "app"}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples", {{"examples", "/app"}}));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Domain=x.local", {}, {{"x.local", "a;b"}}));
  }

  void OddAttributes() {
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path; Secure", kExamples));
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b; Path=/examples=x", kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("a=b;;; Path=/app;;"),
                         Cookie("a=b;;; Path=/examples;;", kExamples));
    CPPUNIT_ASSERT_EQUAL(std::string("=; Path=/app"), Cookie("=; Path=/examples", kExamples));
  }

  void LongValue() {
    std::string in = "a=b";
    std::string want = "a=b";
    for (int i = 0; i < 10000; ++i) {
      in += "; Path=/examples/x";
      want += "; Path=/app/x";
    }
    CPPUNIT_ASSERT_EQUAL(want, Cookie(in, kExamples));
    const std::string semis(100000, ';');
    CPPUNIT_ASSERT_EQUAL(kSame, Cookie("a=b" + semis, kExamples));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RewriteLocationTest);
CPPUNIT_TEST_SUITE_REGISTRATION(RewriteSetCookieTest);

}  // namespace
}  // namespace mca::proxy
