// Member and balancer URLs (core/config/url.cc).
#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "mca/config/params.h"

namespace mca::config {
namespace {

MemberUrl Member(std::string_view url) {
  MemberUrl out;
  const Error err = ParseMemberUrl(url, &out);
  CPPUNIT_ASSERT_EQUAL(std::string(), err);
  return out;
}

std::string MemberError(std::string_view url) {
  MemberUrl out;
  out.host = "untouched";
  const Error err = ParseMemberUrl(url, &out);
  CPPUNIT_ASSERT_EQUAL(std::string("untouched"), out.host);  // unchanged on error
  return err;
}

BalancerUrl Balancer(std::string_view url) {
  BalancerUrl out;
  const Error err = ParseBalancerUrl(url, &out);
  CPPUNIT_ASSERT_EQUAL(std::string(), err);
  return out;
}

std::string BalancerError(std::string_view url) {
  BalancerUrl out;
  out.name = "untouched";
  const Error err = ParseBalancerUrl(url, &out);
  CPPUNIT_ASSERT_EQUAL(std::string("untouched"), out.name);
  return err;
}

class ConfigUrlTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ConfigUrlTest);
  CPPUNIT_TEST(SeedMemberFromTheGuide);
  CPPUNIT_TEST(DefaultPortIs8009);
  CPPUNIT_TEST(HostNameIsLowerCasedPathKept);
  CPPUNIT_TEST(SchemeAnyCase);
  CPPUNIT_TEST(Ipv6InBrackets);
  CPPUNIT_TEST(Ipv6Forms);
  CPPUNIT_TEST(PortBoundaries);
  CPPUNIT_TEST(OnlyAjpSchemes);
  CPPUNIT_TEST(UserInfoQueryFragment);
  CPPUNIT_TEST(EmptyHost);
  CPPUNIT_TEST(Brackets);
  CPPUNIT_TEST(HostCharacters);
  CPPUNIT_TEST(Ipv4Validation);
  CPPUNIT_TEST(SpacesAndControlBytes);
  CPPUNIT_TEST(PathEscapes);
  CPPUNIT_TEST(LongUrlIsCutInMessage);
  CPPUNIT_TEST(BalancerUrls);
  CPPUNIT_TEST(BalancerUrlErrors);
  CPPUNIT_TEST_SUITE_END();

 public:
  void SeedMemberFromTheGuide() {
    const MemberUrl u = Member("ajp://127.0.0.1:8009");
    CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), u.host);
    CPPUNIT_ASSERT_EQUAL(uint16_t{8009}, u.port);
    CPPUNIT_ASSERT(u.port_set);
    CPPUNIT_ASSERT(!u.ipv6);
    CPPUNIT_ASSERT_EQUAL(std::string(), u.path);
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://127.0.0.1:8009"), u.Name());
  }

  void DefaultPortIs8009() {
    const MemberUrl u = Member("ajp://tomcat1");
    CPPUNIT_ASSERT_EQUAL(uint16_t{8009}, u.port);
    CPPUNIT_ASSERT(!u.port_set);
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://tomcat1:8009"), u.Name());
    const MemberUrl v = Member("ajp://tomcat1/app");
    CPPUNIT_ASSERT_EQUAL(uint16_t{8009}, v.port);
    CPPUNIT_ASSERT_EQUAL(std::string("/app"), v.path);
  }

  void HostNameIsLowerCasedPathKept() {
    const MemberUrl u = Member("ajp://Node-1.Example_Lan:8010/Examples/%2Fx");
    CPPUNIT_ASSERT_EQUAL(std::string("node-1.example_lan"), u.host);
    CPPUNIT_ASSERT_EQUAL(uint16_t{8010}, u.port);
    CPPUNIT_ASSERT_EQUAL(std::string("/Examples/%2Fx"), u.path);
    CPPUNIT_ASSERT_EQUAL(std::string("/"), Member("ajp://h:8009/").path);
  }

  void SchemeAnyCase() {
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://h:1"), Member("AJP://h:1").Name());
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://h:1"), Member("Ajp://h:1").Name());
  }

  void Ipv6InBrackets() {
    const MemberUrl u = Member("ajp://[::1]:8009");
    CPPUNIT_ASSERT_EQUAL(std::string("::1"), u.host);
    CPPUNIT_ASSERT(u.ipv6);
    CPPUNIT_ASSERT_EQUAL(uint16_t{8009}, u.port);
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://[::1]:8009"), u.Name());
    const MemberUrl v = Member("ajp://[FE80::A:B]/ctx");
    CPPUNIT_ASSERT_EQUAL(std::string("fe80::a:b"), v.host);
    CPPUNIT_ASSERT_EQUAL(uint16_t{8009}, v.port);
    CPPUNIT_ASSERT_EQUAL(std::string("/ctx"), v.path);
  }

  void Ipv6Forms() {
    Member("ajp://[::]");
    Member("ajp://[1::]");
    Member("ajp://[1:2:3:4:5:6:7:8]");
    Member("ajp://[1:2:3:4:5:6:7::]");
    Member("ajp://[::ffff:192.0.2.1]:8009");
    Member("ajp://[1:2:3:4:5:6:1.2.3.4]");
    const std::string bad = "the address in '[' ']' is not valid IPv6";
    for (const char* url :
         {"ajp://[1:2:3:4:5:6:7:8:9]", "ajp://[1:2:3:4:5:6:7]", "ajp://[:::]", "ajp://[1:::2]",
          "ajp://[1::2::3]", "ajp://[12345::]", "ajp://[:1::]", "ajp://[1:]", "ajp://[g::1]",
          "ajp://[::1%eth0]", "ajp://[1.2.3.4]", "ajp://[::1.2.3]", "ajp://[1:2:3:4:5:6:7:1.2.3.4]",
          "ajp://[1.2.3.4::]"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(url, "member URL '" + std::string(url) + "': " + bad,
                                   MemberError(url));
    }
  }

  void PortBoundaries() {
    CPPUNIT_ASSERT_EQUAL(uint16_t{1}, Member("ajp://h:1").port);
    CPPUNIT_ASSERT_EQUAL(uint16_t{65535}, Member("ajp://h:65535").port);
    CPPUNIT_ASSERT_EQUAL(uint16_t{8009}, Member("ajp://h:08009").port);
    CPPUNIT_ASSERT_EQUAL(uint16_t{65535}, Member("ajp://[::1]:65535").port);
    const std::string bad = "': the port must be a number from 1 to 65535";
    for (const char* url : {"ajp://h:0", "ajp://h:65536", "ajp://h:", "ajp://h:-1", "ajp://h:+80",
                            "ajp://h:80x", "ajp://h:99999999999999999999999",
                            "ajp://[::1]:", "ajp://[::1]:70000", "ajp://h:0x50/"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(url, "member URL '" + std::string(url) + bad, MemberError(url));
    }
  }

  void OnlyAjpSchemes() {
    for (const char* url :
         {"http://h:8080", "https://h", "h2c://h:80", "ajps://h", "127.0.0.1:8009", "tomcat1", "",
          "://h", "ajp:h", "ajp:/h", "balancer://c"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(
          url, "member URL '" + std::string(url) + "': only ajp:// members are supported",
          MemberError(url));
    }
  }

  void UserInfoQueryFragment() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("member URL 'ajp://u:p@h:8009': user information ('user@') is not allowed"),
        MemberError("ajp://u:p@h:8009"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h?x=1': a query ('?') is not allowed"),
                         MemberError("ajp://h?x=1"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h/a?x': a query ('?') is not allowed"),
                         MemberError("ajp://h/a?x"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h#f': a fragment ('#') is not allowed"),
                         MemberError("ajp://h#f"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h/a#f': a fragment ('#') is not allowed"),
                         MemberError("ajp://h/a#f"));
  }

  void EmptyHost() {
    for (const char* url : {"ajp://", "ajp://:8009", "ajp:///path", "ajp://[]:8009"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(url, "member URL '" + std::string(url) + "': the host is empty",
                                   MemberError(url));
    }
  }

  void Brackets() {
    const std::string unbalanced = "': unbalanced '[' ']' around the IPv6 address";
    for (const char* url :
         {"ajp://[::1", "ajp://::1]", "ajp://h]", "ajp://[[::1]]", "ajp://h[1]"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(url, "member URL '" + std::string(url) + unbalanced,
                                   MemberError(url));
    }
    CPPUNIT_ASSERT_EQUAL(
        std::string("member URL 'ajp://[::1]x': only ':port' may follow the bracketed IPv6 "
                    "address"),
        MemberError("ajp://[::1]x"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("member URL 'ajp://::1:8009': more than one ':' (an IPv6 address goes in "
                    "brackets: ajp://[::1]:8009)"),
        MemberError("ajp://::1:8009"));
  }

  void HostCharacters() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("member URL 'ajp://a*b': the host may contain only letters, digits, '-', "
                    "'.' and '_' (an IPv6 address goes in brackets: ajp://[::1]:8009)"),
        MemberError("ajp://a*b"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://a..b': the host name has an empty label "
                                     "(a leading or double '.')"),
                         MemberError("ajp://a..b"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://.a': the host name has an empty label "
                                     "(a leading or double '.')"),
                         MemberError("ajp://.a"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://a.': the host name ends with '.'"),
                         MemberError("ajp://a."));
    const std::string label63(63, 'a');
    CPPUNIT_ASSERT_EQUAL(label63 + ".b", Member("ajp://" + label63 + ".b").host);
    const std::string label64(64, 'a');
    CPPUNIT_ASSERT_EQUAL("member URL '" + EscapeForLog("ajp://" + label64) +
                             "': a label of the host name is longer than 63 characters",
                         MemberError("ajp://" + label64));
    std::string host255;
    while (host255.size() < 255) host255 += host255.empty() ? "a" : ".a";
    CPPUNIT_ASSERT_EQUAL(size_t{255}, host255.size());
    CPPUNIT_ASSERT_EQUAL(host255, Member("ajp://" + host255).host);
    const std::string host256 = host255 + "b";
    CPPUNIT_ASSERT_EQUAL("member URL '" + EscapeForLog("ajp://" + host256) +
                             "': the host name is longer than 255 characters",
                         MemberError("ajp://" + host256));
  }

  void Ipv4Validation() {
    Member("ajp://0.0.0.0");
    Member("ajp://255.255.255.255:1");
    Member("ajp://1host.example");  // digits and letters: a name
    for (const char* url :
         {"ajp://256.1.1.1", "ajp://1.2.3", "ajp://1.2.3.4.5", "ajp://1234", "ajp://1.2.3.0255"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(
          url, "member URL '" + std::string(url) + "': the host is not a valid IPv4 address",
          MemberError(url));
    }
  }

  void SpacesAndControlBytes() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("member URL 'ajp://h 1': byte 7 is a space, a control character or not ASCII"),
        MemberError("ajp://h 1"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h\\x0A': byte 7 is a space, a control "
                                     "character or not ASCII"),
                         MemberError("ajp://h\n"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h/\\xC3\\xA9': byte 8 is a space, a "
                                     "control character or not ASCII"),
                         MemberError("ajp://h/\xC3\xA9"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h/\\x7F': byte 8 is a space, a control "
                                     "character or not ASCII"),
                         MemberError("ajp://h/\x7F"));
    CPPUNIT_ASSERT_EQUAL(std::string("member URL 'ajp://h\\x00': byte 7 is a space, a control "
                                     "character or not ASCII"),
                         MemberError(std::string_view("ajp://h\0", 8)));
  }

  void PathEscapes() {
    CPPUNIT_ASSERT_EQUAL(std::string("/a%20b%fF"), Member("ajp://h/a%20b%fF").path);
    const std::string bad = "': the path has a '%' that is not followed by two hex digits";
    for (const char* url : {"ajp://h/%", "ajp://h/%2", "ajp://h/%zz", "ajp://h/%2g/"}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(url, "member URL '" + std::string(url) + bad, MemberError(url));
    }
  }

  void LongUrlIsCutInMessage() {
    const std::string url = "ajp://h:0/" + std::string(100, 'x');
    CPPUNIT_ASSERT_EQUAL("member URL 'ajp://h:0/" + std::string(54, 'x') +
                             "...': the port must be a number from 1 to 65535",
                         MemberError(url));
  }

  void BalancerUrls() {
    CPPUNIT_ASSERT(IsBalancerUrl("balancer://x"));
    CPPUNIT_ASSERT(IsBalancerUrl("BALANCER://"));
    CPPUNIT_ASSERT(!IsBalancerUrl("balancer:/x"));
    CPPUNIT_ASSERT(!IsBalancerUrl("ajp://x"));
    CPPUNIT_ASSERT(!IsBalancerUrl(""));
    BalancerUrl b = Balancer("balancer://TestCluster");
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), b.name);
    CPPUNIT_ASSERT_EQUAL(std::string(), b.path);
    CPPUNIT_ASSERT_EQUAL(std::string("balancer://testcluster"), b.Name());
    b = Balancer("Balancer://my-cluster_1.a/examples/servlets");
    CPPUNIT_ASSERT_EQUAL(std::string("my-cluster_1.a"), b.name);
    CPPUNIT_ASSERT_EQUAL(std::string("/examples/servlets"), b.path);
    CPPUNIT_ASSERT_EQUAL(std::string("/"), Balancer("balancer://c/").path);
    CPPUNIT_ASSERT_EQUAL(std::string(84, 'n'), Balancer("balancer://" + std::string(84, 'n')).name);
  }

  void BalancerUrlErrors() {
    CPPUNIT_ASSERT_EQUAL(std::string("balancer URL 'ajp://h': must start with balancer://"),
                         BalancerError("ajp://h"));
    CPPUNIT_ASSERT_EQUAL(std::string("balancer URL 'balancer://': the balancer name is empty"),
                         BalancerError("balancer://"));
    CPPUNIT_ASSERT_EQUAL(std::string("balancer URL 'balancer:///x': the balancer name is empty"),
                         BalancerError("balancer:///x"));
    const std::string bad_name =
        "': the balancer name must be 1 to 84 letters, digits, '-', '.' or '_'";
    for (const std::string& url :
         {std::string("balancer://a:80"), std::string("balancer://u@a"),
          std::string("balancer://[x]"), "balancer://" + std::string(85, 'n')}) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(url, "balancer URL '" + EscapeForLog(url) + bad_name,
                                   BalancerError(url));
    }
    CPPUNIT_ASSERT_EQUAL(std::string("balancer URL 'balancer://c?x': a query ('?') is not allowed"),
                         BalancerError("balancer://c?x"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("balancer URL 'balancer://c/p#x': a fragment ('#') is not allowed"),
        BalancerError("balancer://c/p#x"));
    CPPUNIT_ASSERT_EQUAL(std::string("balancer URL 'balancer://c/%': the path has a '%' that is "
                                     "not followed by two hex digits"),
                         BalancerError("balancer://c/%"));
    CPPUNIT_ASSERT_EQUAL(std::string("balancer URL 'balancer://c\\x09': byte 12 is a space, a "
                                     "control character or not ASCII"),
                         BalancerError("balancer://c\t"));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigUrlTest);

}  // namespace
}  // namespace mca::config
