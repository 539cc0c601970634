#include "mca/proxy/path.h"

#include <cppunit/extensions/HelperMacros.h>

#include <array>
#include <memory_resource>
#include <string>
#include <string_view>

#include "test_util.h"

namespace mca::proxy {
namespace {

// "ok /a/b" or "no <why>": the whole result in one comparable string.
std::string View(std::string_view raw, EncodedSlash slashes = EncodedSlash::kReject) {
  const PathView v = TomcatPathView(raw, slashes);
  if (v.ok) return "ok " + std::string(v.path);
  CPPUNIT_ASSERT_MESSAGE("path must be empty on failure", v.path.empty());
  return std::string("no ") + v.why;
}

// "raw /examples/x" (remainder as sent), "enc /examples/x" (re-encoded) or "403 <why>".
std::string Build(std::string_view raw, std::string_view decoded, std::string_view alias,
                  std::string_view base) {
  const BackendPath b = BuildBackendPath(raw, decoded, alias, base);
  if (b.ok) {
    CPPUNIT_ASSERT_EQUAL(0, b.status);
    return (b.from_raw ? "raw " : "enc ") + std::string(b.path);
  }
  CPPUNIT_ASSERT_MESSAGE("path must be empty on failure", b.path.empty());
  return std::to_string(b.status) + " " + b.why;
}

// The usual mount: ProxyPass /app balancer://c/examples.
std::string App(std::string_view raw, std::string_view decoded) {
  return Build(raw, decoded, "/app", "/examples");
}

const std::string kOutside = "403 request path resolves outside the backend base path";
const std::string kNotUnder = "400 request path is not under the ProxyPass path";
const std::string kMalformed = "400 malformed %-escape in the request path";
const std::string kBadBase = "500 backend base path is not a valid path";

class PathAliasMatchTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PathAliasMatchTest);
  CPPUNIT_TEST(PlainPrefixNeedsSegmentBoundary);
  CPPUNIT_TEST(TrailingSlashAliasNeedsNoBoundary);
  CPPUNIT_TEST(SlashRunsMatchSlashRuns);
  CPPUNIT_TEST(RootAlias);
  CPPUNIT_TEST(EmptyInputsNeverMatch);
  CPPUNIT_TEST(BytesCompareExactly);
  CPPUNIT_TEST(LongSlashRun);
  CPPUNIT_TEST_SUITE_END();

 public:
  void PlainPrefixNeedsSegmentBoundary() {
    CPPUNIT_ASSERT_EQUAL(size_t{9}, AliasMatch("/examples", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{9}, AliasMatch("/examples/", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{9}, AliasMatch("/examples/x", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/examplesX", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/examples;x", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/examples?x", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/example", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/", "/examples"));
  }

  void TrailingSlashAliasNeedsNoBoundary() {
    CPPUNIT_ASSERT_EQUAL(size_t{10}, AliasMatch("/examples/", "/examples/"));
    CPPUNIT_ASSERT_EQUAL(size_t{10}, AliasMatch("/examples/x", "/examples/"));
    CPPUNIT_ASSERT_EQUAL(size_t{11}, AliasMatch("/examples//x", "/examples/"));
    // httpd: "/examples/" does not match the bare "/examples".
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/examples", "/examples/"));
  }

  void SlashRunsMatchSlashRuns() {
    CPPUNIT_ASSERT_EQUAL(size_t{7}, AliasMatch("//a///b/c", "/a/b"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, AliasMatch("/a", "//a"));
    CPPUNIT_ASSERT_EQUAL(size_t{4}, AliasMatch("/a/b", "/a//b"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/ab", "/a/b"));
  }

  void RootAlias() {
    CPPUNIT_ASSERT_EQUAL(size_t{1}, AliasMatch("/", "/"));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, AliasMatch("/x", "/"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, AliasMatch("//x", "/"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("x", "/"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("", "/"));
  }

  void EmptyInputsNeverMatch() {
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/x", ""));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("", ""));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("", "/app"));
  }

  void BytesCompareExactly() {
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/Examples", "/examples"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, AliasMatch("/%61pp", "/app"));  // the uri is decoded already
    CPPUNIT_ASSERT_EQUAL(size_t{4},
                         AliasMatch(std::string_view("/a\0b/x", 6), std::string_view("/a\0b", 4)));
  }

  void LongSlashRun() {
    const std::string uri = "/a" + std::string(100000, '/') + "x";
    CPPUNIT_ASSERT_EQUAL(size_t{100002}, AliasMatch(uri, "/a/"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, AliasMatch(uri, "/a"));
  }
};

class PathTomcatViewTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PathTomcatViewTest);
  CPPUNIT_TEST(LiveTomcatTraversals);
  CPPUNIT_TEST(EncodedSemicolonIsNotAParameter);
  CPPUNIT_TEST(ParametersAreStrippedBeforeDecoding);
  CPPUNIT_TEST(DotSegmentsAndSlashRuns);
  CPPUNIT_TEST(ClimbingAboveRootIsRefused);
  CPPUNIT_TEST(MustStartWithSlash);
  CPPUNIT_TEST(MalformedEscapes);
  CPPUNIT_TEST(EncodedSlashSettings);
  CPPUNIT_TEST(BackslashAndControlCharacters);
  CPPUNIT_TEST(OtherBytesDecodeOnce);
  CPPUNIT_TEST(LongInputsAreLinear);
  CPPUNIT_TEST_SUITE_END();

 public:
  void LiveTomcatTraversals() {
    CPPUNIT_ASSERT_EQUAL(std::string("ok /echo.jsp"), View("/examples/..;/echo.jsp"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /echo.jsp"), View("/examples;x=y/../echo.jsp"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /echo.jsp"), View("/examples/%2e%2e;/echo.jsp"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /echo.jsp"), View("/examples/%2E%2E;/echo.jsp"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /echo.jsp"), View("/examples/.%2E/echo.jsp"));
  }

  void EncodedSemicolonIsNotAParameter() {
    CPPUNIT_ASSERT_EQUAL(std::string("ok /examples/..;/x"), View("/examples/..%3B/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /examples/..;/x"), View("/examples/..%3b/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a;jsessionid=1"), View("/a%3Bjsessionid=1"));
  }

  void ParametersAreStrippedBeforeDecoding() {
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("/a;jsessionid=X.node1/b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("/a;x;y/b;z"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a"), View("/;x/a"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/"), View("/a/;x"));
    // An escape inside a parameter is never decoded, so never refused.
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("/a;%zz/b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("/a;x%2F%00/b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("/a;/b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /"), View("/;"));
  }

  void DotSegmentsAndSlashRuns() {
    CPPUNIT_ASSERT_EQUAL(std::string("ok /"), View("/"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /"), View("//"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("//a///b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b/"), View("/a/b/"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b/"), View("/a/b//"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/"), View("/a/."));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /"), View("/a/.."));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/"), View("/a/b/.."));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("/a/./b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /b"), View("/a/./../b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /"), View("/."));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /..."), View("/..."));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /.a/..b"), View("/.a/..b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /b"), View("/a/%2e%2E/b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/"), View("/a/%2e"));
  }

  void ClimbingAboveRootIsRefused() {
    const std::string refused = "no '..' climbs above the root";
    CPPUNIT_ASSERT_EQUAL(refused, View("/.."));
    CPPUNIT_ASSERT_EQUAL(refused, View("/../a"));
    CPPUNIT_ASSERT_EQUAL(refused, View("/a/../.."));
    CPPUNIT_ASSERT_EQUAL(refused, View("/a/..;/..;/b"));
    CPPUNIT_ASSERT_EQUAL(refused, View("/%2e%2e/"));
    CPPUNIT_ASSERT_EQUAL(refused, View("//..//a"));
  }

  void MustStartWithSlash() {
    CPPUNIT_ASSERT_EQUAL(std::string("no empty path"), View(""));
    CPPUNIT_ASSERT_EQUAL(std::string("no path does not start with '/'"), View("x"));
    CPPUNIT_ASSERT_EQUAL(std::string("no path does not start with '/'"), View(";x/a"));
    CPPUNIT_ASSERT_EQUAL(std::string("no path does not start with '/'"), View("%41/a"));
    // Tomcat checks the first byte after decoding.
    CPPUNIT_ASSERT_EQUAL(std::string("no encoded slash (%2F)"), View("%2Fa"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a"), View("%2Fa", EncodedSlash::kDecode));
    CPPUNIT_ASSERT_EQUAL(std::string("no path does not start with '/'"),
                         View("%2Fa", EncodedSlash::kPassThrough));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a"), View("%2F;x/a", EncodedSlash::kDecode));
    CPPUNIT_ASSERT_EQUAL(std::string("no backslash or %5C"), View("\\a"));
    CPPUNIT_ASSERT_EQUAL(std::string("no path does not start with '/'"), View("*"));
  }

  void MalformedEscapes() {
    const std::string bad = "no malformed %-escape";
    CPPUNIT_ASSERT_EQUAL(bad, View("/a%"));
    CPPUNIT_ASSERT_EQUAL(bad, View("/a%4"));
    CPPUNIT_ASSERT_EQUAL(bad, View("/a%zz"));
    CPPUNIT_ASSERT_EQUAL(bad, View("/a%g1"));
    CPPUNIT_ASSERT_EQUAL(bad, View("/a%%41"));
    CPPUNIT_ASSERT_EQUAL(bad, View("/%"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /aA"), View("/a%41"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /%"), View("/%25"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /%41"), View("/%2541"));  // decoded once only
  }

  void EncodedSlashSettings() {
    CPPUNIT_ASSERT_EQUAL(std::string("no encoded slash (%2F)"), View("/a%2Fb"));
    CPPUNIT_ASSERT_EQUAL(std::string("no encoded slash (%2F)"), View("/a%2fb"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View("/a%2Fb", EncodedSlash::kDecode));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a%2fb"), View("/a%2fb", EncodedSlash::kPassThrough));
    // Decoded, %2F separates segments for ".."; passed through, it does not.
    CPPUNIT_ASSERT_EQUAL(std::string("ok /b"), View("/x/a%2F..%2F..%2Fb", EncodedSlash::kDecode));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /x/a%2F..%2F..%2Fb"),
                         View("/x/a%2F..%2F..%2Fb", EncodedSlash::kPassThrough));
    CPPUNIT_ASSERT_EQUAL(std::string("no '..' climbs above the root"),
                         View("/..%2Fb", EncodedSlash::kDecode));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/"), View("/a%2F%2F", EncodedSlash::kDecode));
  }

  void BackslashAndControlCharacters() {
    CPPUNIT_ASSERT_EQUAL(std::string("no backslash or %5C"), View("/a%5Cb"));
    CPPUNIT_ASSERT_EQUAL(std::string("no backslash or %5C"), View("/a%5cb"));
    CPPUNIT_ASSERT_EQUAL(std::string("no backslash or %5C"), View("/a\\b"));
    const std::string ctl = "no NUL or control character";
    CPPUNIT_ASSERT_EQUAL(ctl, View("/a%00"));
    CPPUNIT_ASSERT_EQUAL(ctl, View(std::string_view("/a\0b", 4)));
    CPPUNIT_ASSERT_EQUAL(ctl, View("/a%0d%0aSet-Cookie:x"));
    CPPUNIT_ASSERT_EQUAL(ctl, View("/a\x01"));
    CPPUNIT_ASSERT_EQUAL(ctl, View("/a%7F"));
    CPPUNIT_ASSERT_EQUAL(ctl, View("/a%1F"));
    CPPUNIT_ASSERT_EQUAL(ctl, View("/a\tb"));
  }

  void OtherBytesDecodeOnce() {
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a b"), View("/a%20b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /caf\xC3\xA9"), View("/caf%C3%A9"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /caf\xC3\xA9"), View("/caf\xC3\xA9"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /echo.jsp"), View("/ech%6f.jsp"));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /~u/a?b"), View("/%7Eu/a%3Fb"));
  }

  void LongInputsAreLinear() {
    std::string deep;
    std::string up;
    for (int i = 0; i < 50000; ++i) {
      deep += "/a";
      up += "/..";
    }
    CPPUNIT_ASSERT_EQUAL(std::string("ok /"), View(deep + up));
    CPPUNIT_ASSERT_EQUAL(std::string("no '..' climbs above the root"), View(deep + up + "/.."));
    CPPUNIT_ASSERT_EQUAL(std::string("ok /x"), View(std::string(200000, '/') + "x"));
    const std::string params = "/a" + std::string(200000, ';') + "/b";
    CPPUNIT_ASSERT_EQUAL(std::string("ok /a/b"), View(params));
    std::string escaped = "/";
    for (int i = 0; i < 50000; ++i) escaped += "%41";
    CPPUNIT_ASSERT_EQUAL("ok /" + std::string(50000, 'A'), View(escaped));
  }
};

class PathWithinTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PathWithinTest);
  CPPUNIT_TEST(SegmentBoundary);
  CPPUNIT_TEST(TrailingSlashOfPrefixIsIgnored);
  CPPUNIT_TEST(RootContainsEverything);
  CPPUNIT_TEST_SUITE_END();

 public:
  void SegmentBoundary() {
    CPPUNIT_ASSERT(PathWithin("/examples", "/examples"));
    CPPUNIT_ASSERT(PathWithin("/examples/", "/examples"));
    CPPUNIT_ASSERT(PathWithin("/examples/a", "/examples"));
    CPPUNIT_ASSERT(PathWithin("/examples/a/b", "/examples/a"));
    CPPUNIT_ASSERT(!PathWithin("/examplesX", "/examples"));
    CPPUNIT_ASSERT(!PathWithin("/", "/examples"));
    CPPUNIT_ASSERT(!PathWithin("/exam", "/examples"));
    CPPUNIT_ASSERT(!PathWithin("", "/examples"));
    CPPUNIT_ASSERT(!PathWithin("/Examples", "/examples"));
    CPPUNIT_ASSERT(!PathWithin("/other/examples", "/examples"));
  }

  void TrailingSlashOfPrefixIsIgnored() {
    CPPUNIT_ASSERT(PathWithin("/examples", "/examples/"));
    CPPUNIT_ASSERT(PathWithin("/examples/a", "/examples/"));
    CPPUNIT_ASSERT(PathWithin("/examples/a", "/examples//"));
    CPPUNIT_ASSERT(!PathWithin("/examplesX", "/examples/"));
  }

  void RootContainsEverything() {
    CPPUNIT_ASSERT(PathWithin("/", "/"));
    CPPUNIT_ASSERT(PathWithin("/anything/at/all", "/"));
    CPPUNIT_ASSERT(PathWithin("/x", ""));
    CPPUNIT_ASSERT(PathWithin("/x", "//"));
  }
};

class PathBackendTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(PathBackendTest);
  CPPUNIT_TEST(SamePrefixOnBothSides);
  CPPUNIT_TEST(EscapesAreForwardedAsSent);
  CPPUNIT_TEST(EncodedSlashStaysEncoded);
  CPPUNIT_TEST(SemicolonTraversalIsRefused);
  CPPUNIT_TEST(HttpdResolvedTraversalIsNotUnderTheAlias);
  CPPUNIT_TEST(EncodedSlashTraversalIsRefused);
  CPPUNIT_TEST(DoubleSlashesAreKeptAsSent);
  CPPUNIT_TEST(DotSegmentsResolvedByHttpdAreReencoded);
  CPPUNIT_TEST(RewrittenUriIsReencoded);
  CPPUNIT_TEST(ReencodingEscapesEverythingOutsidePchar);
  CPPUNIT_TEST(StrayBytesInRawRemainderAreEncoded);
  CPPUNIT_TEST(AliasMayBeEncodedInRawPath);
  CPPUNIT_TEST(RootMount);
  CPPUNIT_TEST(TrailingSlashes);
  CPPUNIT_TEST(EmptyBackendBase);
  CPPUNIT_TEST(SessionParameterReachesTomcat);
  CPPUNIT_TEST(TraversalInsideTheBaseIsAllowed);
  CPPUNIT_TEST(MalformedAndControlCharacters);
  CPPUNIT_TEST(BadBackendBase);
  CPPUNIT_TEST(EmptyInputs);
  CPPUNIT_TEST(LongInputs);
  CPPUNIT_TEST(AllocatesOnlyFromTheGivenMemory);
  CPPUNIT_TEST_SUITE_END();

 public:
  void SamePrefixOnBothSides() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("raw /examples/servlets/x"),
        Build("/examples/servlets/x", "/examples/servlets/x", "/examples", "/examples"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples"),
                         Build("/examples", "/examples", "/examples", "/examples"));
  }

  void EscapesAreForwardedAsSent() {
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a%20b"), App("/app/a%20b", "/app/a b"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/%7Eu"), App("/app/%7Eu", "/app/~u"));
    // %25 stays one level of encoding: Tomcat decodes it to '%' once.
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/100%25"), App("/app/100%25", "/app/100%"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a%252Fb"), App("/app/a%252Fb", "/app/a%2Fb"));
  }

  void EncodedSlashStaysEncoded() {
    // AllowEncodedSlashes NoDecode: r->uri keeps "%2F".
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a%2Fb"), App("/app/a%2Fb", "/app/a%2Fb"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a%2fb"), App("/app/a%2fb", "/app/a%2fb"));
    // AllowEncodedSlashes On: r->uri has '/'.
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a%2Fb"), App("/app/a%2Fb", "/app/a/b"));
  }

  void SemicolonTraversalIsRefused() {
    // httpd does not see "..;" as a dot segment, so r->uri still starts with /app.
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/..;/manager/html", "/app/..;/manager/html"));
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/%2e%2e;/x", "/app/..;/x"));
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/%2E%2E;/x", "/app/..;/x"));
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/..;jsessionid=1/x", "/app/..;jsessionid=1/x"));
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/a/..;/..;/x", "/app/a/..;/..;/x"));
    // Root base: the same trick climbs above Tomcat's root, which Tomcat refuses with 400.
    CPPUNIT_ASSERT_EQUAL(std::string("400 '..' climbs above the root"),
                         Build("/..;/x", "/..;/x", "/", "/"));
  }

  void HttpdResolvedTraversalIsNotUnderTheAlias() {
    // httpd resolved "/app;x=y/.." itself: r->uri is /manager, which /app does not mount.
    CPPUNIT_ASSERT_EQUAL(kNotUnder, App("/app;x=y/../manager", "/manager"));
    CPPUNIT_ASSERT_EQUAL(kNotUnder, App("/app;x=y/../manager", "/app;x=y/../manager"));
    // Mounted at the root, httpd's reading wins: Tomcat gets /examples/manager.
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/manager"),
                         Build("/app;x=y/../manager", "/manager", "/", "/examples"));
  }

  void EncodedSlashTraversalIsRefused() {
    // Harmless under Tomcat's default (400) and pass-through, an escape when it decodes %2F.
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/x%2F..%2F..%2Fmanager", "/app/x%2F..%2F..%2Fmanager"));
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/..%2Fmanager", "/app/..%2Fmanager"));
    // Stays inside the base under every setting.
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x%2F..%2Fy"),
                         App("/app/x%2F..%2Fy", "/app/x%2F..%2Fy"));
  }

  void DoubleSlashesAreKeptAsSent() {
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples//x"), App("/app//x", "/app/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples//x"), App("/app//x", "/app//x"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x"), App("//app/x", "/app/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x//"), App("/app/x//", "/app/x/"));
    // Never at the start of the result: "//x" could be read as an authority.
    CPPUNIT_ASSERT_EQUAL(std::string("raw /x"), Build("/app//x", "/app/x", "/app", "/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /x"), Build("/app///x", "/app/x", "/app", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /x"), Build("/app//x", "/app/x", "/app", "//"));
  }

  void DotSegmentsResolvedByHttpdAreReencoded() {
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/b"), App("/app/a/../b", "/app/b"));
    // Forwarding the raw remainder "/../app/x" would leave the base: httpd's reading is used.
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/x"), App("/app/../app/x", "/app/x"));
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/x"), App("/app/%2e/x", "/app/x"));
  }

  void RewrittenUriIsReencoded() {
    // mod_rewrite changed r->uri: what httpd decided is forwarded, not what the client sent.
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/bar"), App("/app/foo", "/app/bar"));
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/x"), App("/old/x", "/app/x"));
  }

  void ReencodingEscapesEverythingOutsidePchar() {
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/a%20b%25c/%5B%C3%A9%5D%22%3F%23"),
                         App("/old", "/app/a b%c/[\xC3\xA9]\"?#"));
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/-._~!$&'()*+,;=:@"),
                         App("/old", "/app/-._~!$&'()*+,;=:@"));
    // A literal "%2F" in r->uri was already decoded once: it is data, sent as %252F.
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/a%252Fb"), App("/old", "/app/a%2Fb"));
  }

  void StrayBytesInRawRemainderAreEncoded() {
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a%20b%22%5B"),
                         App("/app/a b\"[", "/app/a b\"["));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/caf%C3%A9"),
                         App("/app/caf\xC3\xA9", "/app/caf\xC3\xA9"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a%3Fb"), App("/app/a?b", "/app/a?b"));
  }

  void AliasMayBeEncodedInRawPath() {
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x%41"), App("/%61pp/x%41", "/app/xA"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x"), App("/ap%70/x", "/app/x"));
    // A raw ';' in the alias part: Tomcat would cut it, so the raw bytes prove nothing.
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/x"),
                         Build("/a;b/x", "/a;b/x", "/a;b", "/examples"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x"),
                         Build("/a%3Bb/x", "/a;b/x", "/a;b", "/examples"));
  }

  void RootMount() {
    CPPUNIT_ASSERT_EQUAL(std::string("raw /x/y"), Build("/x/y", "/x/y", "/", "/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /"), Build("/", "/", "/", "/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x/y"), Build("/x/y", "/x/y", "/", "/examples"));
    // The alias consumes the '/', as in httpd: ProxyPass / balancer://c/examples sends "/" to
    // "/examples" (Tomcat then redirects to "/examples/"); a base of "/examples/" sends it there.
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples"), Build("/", "/", "/", "/examples"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/"), Build("/", "/", "/", "/examples/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /x"), Build("/x", "/x", "/", ""));
  }

  void TrailingSlashes() {
    // ProxyPass /app/ balancer://c/examples/
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x"),
                         Build("/app/x", "/app/x", "/app/", "/examples/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/"),
                         Build("/app/", "/app/", "/app/", "/examples/"));
    CPPUNIT_ASSERT_EQUAL(kNotUnder, Build("/app", "/app", "/app/", "/examples/"));
    // Mismatched slashes: exactly one '/' at the join either way.
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x"),
                         Build("/app/x", "/app/x", "/app/", "/examples"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x"),
                         Build("/app/x", "/app/x", "/app", "/examples/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/"),
                         Build("/app", "/app", "/app", "/examples/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/"), App("/app/", "/app/"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples"), App("/app", "/app"));
  }

  void EmptyBackendBase() {
    // ProxyPass /app ajp://host:8009
    CPPUNIT_ASSERT_EQUAL(std::string("raw /x"), Build("/app/x", "/app/x", "/app", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /"), Build("/app", "/app", "/app", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /x"), Build("/app/x", "/app/x", "/app/", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("enc /a%20b"), Build("/old", "/app/a b", "/app", ""));
    CPPUNIT_ASSERT_EQUAL(std::string("400 '..' climbs above the root"),
                         Build("/app/..;/x", "/app/..;/x", "/app", ""));
  }

  void SessionParameterReachesTomcat() {
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/x;jsessionid=ABC.node1"),
                         App("/app/x;jsessionid=ABC.node1", "/app/x;jsessionid=ABC.node1"));
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/y;jsessionid=ABC.node1"),
                         App("/app/x/../y;jsessionid=ABC.node1", "/app/y;jsessionid=ABC.node1"));
  }

  void TraversalInsideTheBaseIsAllowed() {
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a/..;/b"), App("/app/a/..;/b", "/app/a/..;/b"));
    CPPUNIT_ASSERT_EQUAL(std::string("raw /examples/a/..;"), App("/app/a/..;", "/app/a/..;"));
    // Tomcat reads "/examples/..;" as "/examples/.." = "/", the base's parent.
    CPPUNIT_ASSERT_EQUAL(kOutside, App("/app/..;", "/app/..;"));
  }

  void MalformedAndControlCharacters() {
    CPPUNIT_ASSERT_EQUAL(kMalformed, App("/app/a%", "/app/a%"));
    CPPUNIT_ASSERT_EQUAL(kMalformed, App("/app/%zz", "/app/%zz"));
    CPPUNIT_ASSERT_EQUAL(kMalformed, App("/app/%4", "/app/%4"));
    CPPUNIT_ASSERT_EQUAL(std::string("400 NUL or control character"),
                         App("/app/a%0Ab", "/app/a\nb"));
    CPPUNIT_ASSERT_EQUAL(std::string("400 NUL or control character"),
                         App("/app/%00", std::string_view("/app/\0", 6)));
    CPPUNIT_ASSERT_EQUAL(std::string("400 NUL or control character"), App("/old", "/app/\x7f"));
    CPPUNIT_ASSERT_EQUAL(std::string("400 backslash or %5C"), App("/app/a%5Cb", "/app/a\\b"));
    CPPUNIT_ASSERT_EQUAL(std::string("400 backslash or %5C"), App("/app/a\\b", "/app/a\\b"));
  }

  void BadBackendBase() {
    CPPUNIT_ASSERT_EQUAL(kBadBase, Build("/app/x", "/app/x", "/app", "examples"));
    CPPUNIT_ASSERT_EQUAL(kBadBase, Build("/app/x", "/app/x", "/app", "/ex%2Famples"));
    CPPUNIT_ASSERT_EQUAL(kBadBase, Build("/app/x", "/app/x", "/app", "/.."));
    CPPUNIT_ASSERT_EQUAL(kBadBase, Build("/app/x", "/app/x", "/app", "/a%"));
    CPPUNIT_ASSERT_EQUAL(kBadBase, Build("/app/x", "/app/x", "/app", "/a;%zz"));
    // Stray bytes of a valid base are encoded like those of the remainder.
    CPPUNIT_ASSERT_EQUAL(std::string("raw /my%20app/x"),
                         Build("/app/x", "/app/x", "/app", "/my app"));
  }

  void EmptyInputs() {
    CPPUNIT_ASSERT_EQUAL(kNotUnder, App("", ""));
    CPPUNIT_ASSERT_EQUAL(kNotUnder, Build("", "", "", ""));
    CPPUNIT_ASSERT_EQUAL(kNotUnder, Build("/x", "/x", "", "/examples"));
    // The raw path may be missing (e.g. not known): httpd's path is re-encoded.
    CPPUNIT_ASSERT_EQUAL(std::string("enc /examples/x"), App("", "/app/x"));
  }

  // The glue passes the request pool: nothing may come from the heap behind its back. With the
  // default resource refusing every allocation, the short cut and the general path (escapes,
  // ;jsessionid=, dot segments, a refusal) must still work from `memory` alone.
  void AllocatesOnlyFromTheGivenMemory() {
    std::array<char, 16384> arena{};
    std::pmr::monotonic_buffer_resource memory(arena.data(), arena.size(),
                                               std::pmr::null_memory_resource());
    std::string got[4];
    const bool ok = test::RunsWithoutDefaultMemory([&] {
      const std::string_view plain = "/app/servlets/servlet/HelloWorldExample/with/a/long/path";
      got[0] = BuildBackendPath(plain, plain, "/app", "/examples", &memory).path;
      got[1] = BuildBackendPath("/app/a%20b;jsessionid=ABCDEF0123456789.node1/../c",
                                "/app/a b;jsessionid=ABCDEF0123456789.node1/../c", "/app",
                                "/examples", &memory)
                   .path;
      got[2] = BuildBackendPath("/app/..;/manager/html", "/app/..;/manager/html", "/app",
                                "/examples", &memory)
                   .why;
      got[3] = TomcatPathView("/a/./b/../c%20d;x=1/", EncodedSlash::kReject, &memory).path;
    });
    CPPUNIT_ASSERT_MESSAGE("allocated from the default resource", ok);
    CPPUNIT_ASSERT_EQUAL(
        std::string("/examples/servlets/servlet/HelloWorldExample/with/a/long/path"), got[0]);
    CPPUNIT_ASSERT_EQUAL(std::string("/examples/a%20b;jsessionid=ABCDEF0123456789.node1/../c"),
                         got[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("request path resolves outside the backend base path"),
                         got[2]);
    CPPUNIT_ASSERT_EQUAL(std::string("/a/c d/"), got[3]);
  }

  void LongInputs() {
    std::string raw = "/app";
    for (int i = 0; i < 50000; ++i) raw += "/a%20";
    const BackendPath ok = BuildBackendPath(raw, "/app" + std::string(), "/app", "/examples");
    // r->uri does not match the raw path here: re-encoded from r->uri.
    CPPUNIT_ASSERT(ok.ok && !ok.from_raw);
    std::string decoded = "/app";
    for (int i = 0; i < 50000; ++i) decoded += "/a ";
    const BackendPath same = BuildBackendPath(raw, decoded, "/app", "/examples");
    CPPUNIT_ASSERT(same.ok && same.from_raw);
    CPPUNIT_ASSERT_EQUAL("/examples" + raw.substr(4), std::string(same.path));
    std::string up = "/app";
    for (int i = 0; i < 50000; ++i) up += "/..;";
    CPPUNIT_ASSERT_EQUAL(std::string("400 '..' climbs above the root"), App(up, up));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PathAliasMatchTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PathTomcatViewTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PathWithinTest);
CPPUNIT_TEST_SUITE_REGISTRATION(PathBackendTest);

}  // namespace
}  // namespace mca::proxy
