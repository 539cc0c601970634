// Balancer parameters (core/config/params.cc: ApplyBalancerParam).
#include <cppunit/extensions/HelperMacros.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "config/config_dump.h"
#include "mca/config/params.h"

namespace mca::config {
namespace {

using std::chrono::seconds;
using test::Dump;

constexpr const char* kBalancerKeys =
    "stickysession, stickysessionsep, scolonpathdelim, lbmethod, maxattempts, nofailover, "
    "timeout, failonstatus, failontimeout, forcerecovery, growth, nonce, replaybuffer";

BalancerConfig Apply(BalancerConfig b, std::initializer_list<std::string_view> tokens) {
  for (std::string_view t : tokens) {
    const Error err = ApplyBalancerParam(t, &b);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(t), std::string(), err);
  }
  return b;
}

BalancerConfig B(std::initializer_list<std::string_view> tokens) {
  return Apply(BalancerConfig(), tokens);
}

std::string Err(std::string_view token, const BalancerConfig& start = BalancerConfig()) {
  BalancerConfig b = start;
  const Error err = ApplyBalancerParam(token, &b);
  CPPUNIT_ASSERT_MESSAGE("no error for " + std::string(token), !err.empty());
  CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(token), Dump(start), Dump(b));
  return err;
}

std::string Codes(const BalancerConfig& b) {
  std::string out;
  for (uint16_t c : b.fail_on_status) out += (out.empty() ? "" : ",") + std::to_string(c);
  return out;
}

class ConfigBalancerParamsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ConfigBalancerParamsTest);
  CPPUNIT_TEST(SeedStickySessionFromTheGuide);
  CPPUNIT_TEST(Defaults);
  CPPUNIT_TEST(StickySessionAlternatives);
  CPPUNIT_TEST(StickySessionErrors);
  CPPUNIT_TEST(StickySeparatorAndScolon);
  CPPUNIT_TEST(LbMethods);
  CPPUNIT_TEST(MaxAttemptsGrowthTimeout);
  CPPUNIT_TEST(OnOffFlags);
  CPPUNIT_TEST(FailOnStatus);
  CPPUNIT_TEST(Nonce);
  CPPUNIT_TEST(UnknownParameters);
  CPPUNIT_TEST(ErrorLeavesConfigUnchanged);
  CPPUNIT_TEST_SUITE_END();

 public:
  void SeedStickySessionFromTheGuide() {
    const BalancerConfig b = B({"stickysession=JSESSIONID"});
    CPPUNIT_ASSERT(b.sticky_session_set);
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID"), b.sticky_session);
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID"), b.sticky.cookie_name);
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID"), b.sticky.url_name);
    CPPUNIT_ASSERT_EQUAL(std::string("jsessionid"), b.sticky.url_name_alt);
    CPPUNIT_ASSERT(b.sticky.has_separator);
    CPPUNIT_ASSERT_EQUAL('.', b.sticky.separator);
    // The extraction accepts what we built: Tomcat's cookie gives the route.
    sticky::RouteInput in;
    in.path = "/app/";
    in.cookie_headers = {"JSESSIONID=ABC123.node1"};
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), std::string(sticky::FindRoute(in, b.sticky)));
  }

  void Defaults() {
    const BalancerConfig b;
    CPPUNIT_ASSERT(!b.sticky_session_set && b.sticky_session.empty());
    CPPUNIT_ASSERT(b.sticky.has_separator);
    CPPUNIT_ASSERT_EQUAL('.', b.sticky.separator);
    CPPUNIT_ASSERT(!b.sticky.scolon_path_delim);
    CPPUNIT_ASSERT(b.lb_method == LbMethod::kByRequests && !b.lb_method_set);
    CPPUNIT_ASSERT(b.max_attempts == 0 && !b.max_attempts_set);
    CPPUNIT_ASSERT(!b.nofailover && !b.nofailover_set);
    CPPUNIT_ASSERT(b.timeout == Duration(0) && !b.timeout_set);
    CPPUNIT_ASSERT(b.fail_on_status.empty());
    CPPUNIT_ASSERT(!b.fail_on_timeout && !b.fail_on_timeout_set);
    CPPUNIT_ASSERT(b.force_recovery && !b.force_recovery_set);
    CPPUNIT_ASSERT(b.growth == 0 && !b.growth_set);
    CPPUNIT_ASSERT(b.nonce.empty() && !b.nonce_set);
  }

  void StickySessionAlternatives() {
    BalancerConfig b = B({"stickysession=JSESSIONID|jsessionid"});
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID|jsessionid"), b.sticky_session);
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID"), b.sticky.cookie_name);
    CPPUNIT_ASSERT_EQUAL(std::string("jsessionid"), b.sticky.url_name);
    CPPUNIT_ASSERT_EQUAL(std::string(), b.sticky.url_name_alt);
    b = B({"stickysession=ROUTEID"});
    CPPUNIT_ASSERT_EQUAL(std::string("ROUTEID"), b.sticky.cookie_name);
    CPPUNIT_ASSERT_EQUAL(std::string("routeid"), b.sticky.url_name_alt);
    // Separator and scolonpathdelim survive a later stickysession, in either order.
    b = B({"stickysessionsep=!", "scolonpathdelim=On", "stickysession=S|s"});
    CPPUNIT_ASSERT_EQUAL('!', b.sticky.separator);
    CPPUNIT_ASSERT(b.sticky.scolon_path_delim);
    CPPUNIT_ASSERT_EQUAL(std::string("S"), b.sticky.cookie_name);
    b = B({"stickysessionsep=off", "stickysession=X"});
    CPPUNIT_ASSERT(!b.sticky.has_separator);
    const std::string s63(63, 'S');
    CPPUNIT_ASSERT_EQUAL(s63, B({"stickysession=" + s63}).sticky.cookie_name);
    CPPUNIT_ASSERT_EQUAL(std::string("a"),
                         B({"stickysession=" + std::string(61, 'S') + "|a"}).sticky.url_name);
  }

  void StickySessionErrors() {
    const std::string rule =
        ": must be a cookie name, or COOKIE|urlparam, of token characters (no spaces, '=', ';' "
        "or ','), at most 63 characters in all";
    for (const std::string& value :
         {std::string(""), std::string("A|"), std::string("|a"), std::string("A|b|c"),
          std::string("A B"), std::string("A;B"), std::string("A,B"), std::string("A=B"),
          std::string("A\tB"), std::string(64, 'S'), std::string(62, 'S') + "|a"}) {
      CPPUNIT_ASSERT_EQUAL("stickysession=" + EscapeForLog(value) + rule,
                           Err("stickysession=" + value));
    }
  }

  void StickySeparatorAndScolon() {
    BalancerConfig b = B({"stickysessionsep=Off"});
    CPPUNIT_ASSERT(!b.sticky.has_separator && b.sticky_separator_set);
    b = B({"stickysessionsep=OFF", "stickysessionsep=_"});
    CPPUNIT_ASSERT(b.sticky.has_separator);
    CPPUNIT_ASSERT_EQUAL('_', b.sticky.separator);
    CPPUNIT_ASSERT_EQUAL('~', B({"stickysessionsep=~"}).sticky.separator);
    CPPUNIT_ASSERT_EQUAL('!', B({"stickysessionsep=!"}).sticky.separator);
    const std::string rule = ": must be a single printable character (not a space) or Off";
    for (const std::string& value : {std::string(""), std::string(".."), std::string(" "),
                                     std::string("\x7F"), std::string("on"), std::string("\xC3")}) {
      CPPUNIT_ASSERT_EQUAL("stickysessionsep=" + EscapeForLog(value) + rule,
                           Err("stickysessionsep=" + value));
    }
    b = B({"scolonpathdelim=On"});
    CPPUNIT_ASSERT(b.sticky.scolon_path_delim && b.scolon_path_delim_set);
    b = B({"scolonpathdelim=on", "scolonpathdelim=off"});
    CPPUNIT_ASSERT(!b.sticky.scolon_path_delim && b.scolon_path_delim_set);
    CPPUNIT_ASSERT_EQUAL(std::string("scolonpathdelim=1: must be On or Off"),
                         Err("scolonpathdelim=1"));
  }

  void LbMethods() {
    BalancerConfig b = B({"lbmethod=bybusyness"});
    CPPUNIT_ASSERT(b.lb_method == LbMethod::kByBusyness && b.lb_method_set);
    CPPUNIT_ASSERT(B({"lbmethod=bytraffic"}).lb_method == LbMethod::kByTraffic);
    CPPUNIT_ASSERT(B({"lbmethod=bytraffic", "lbmethod=ByRequests"}).lb_method ==
                   LbMethod::kByRequests);
    CPPUNIT_ASSERT_EQUAL(std::string("bybusyness"),
                         std::string(LbMethodName(LbMethod::kByBusyness)));
    const std::string rule = ": must be one of byrequests, bybusyness, bytraffic";
    CPPUNIT_ASSERT_EQUAL("lbmethod=foo" + rule, Err("lbmethod=foo"));
    for (const char* value : {"", "heartbeat", "byrequests ", "byrequest"}) {
      CPPUNIT_ASSERT_EQUAL("lbmethod=" + std::string(value) + rule,
                           Err(std::string("lbmethod=") + value));
    }
  }

  void MaxAttemptsGrowthTimeout() {
    BalancerConfig b = B({"maxattempts=0"});
    CPPUNIT_ASSERT(b.max_attempts == 0 && b.max_attempts_set);
    CPPUNIT_ASSERT_EQUAL(2147483647, B({"maxattempts=2147483647"}).max_attempts);
    for (const char* value : {"-1", "2147483648", "", "1x"}) {
      CPPUNIT_ASSERT_EQUAL(
          "maxattempts=" + std::string(value) + ": must be a whole number from 0 to 2147483647",
          Err(std::string("maxattempts=") + value));
    }
    b = B({"growth=1"});
    CPPUNIT_ASSERT(b.growth == 1 && b.growth_set);
    CPPUNIT_ASSERT_EQUAL(100, B({"growth=100"}).growth);
    for (const char* value : {"0", "101", "-1", ""}) {
      CPPUNIT_ASSERT_EQUAL(
          "growth=" + std::string(value) + ": must be a whole number from 1 to 100",
          Err(std::string("growth=") + value));
    }
    CPPUNIT_ASSERT(BalancerConfig().replay_buffer == 65536 && !BalancerConfig().replay_buffer_set);
    b = B({"replaybuffer=0"});
    CPPUNIT_ASSERT(b.replay_buffer == 0 && b.replay_buffer_set);
    CPPUNIT_ASSERT_EQUAL(16777216u, B({"replaybuffer=16777216"}).replay_buffer);
    for (const char* value : {"16777217", "-1", "64K", ""}) {
      CPPUNIT_ASSERT_EQUAL(
          "replaybuffer=" + std::string(value) + ": must be a whole number from 0 to 16777216",
          Err(std::string("replaybuffer=") + value));
    }
    b = B({"timeout=1"});
    CPPUNIT_ASSERT(b.timeout == seconds(1) && b.timeout_set);
    CPPUNIT_ASSERT(B({"timeout=2147483647"}).timeout == seconds(2147483647));
    for (const char* value : {"0", "2147483648", "5s", ""}) {
      CPPUNIT_ASSERT_EQUAL("timeout=" + std::string(value) +
                               ": must be a whole number of seconds from 1 to 2147483647",
                           Err(std::string("timeout=") + value));
    }
  }

  void OnOffFlags() {
    BalancerConfig b = B({"nofailover=On", "failontimeout=on", "forcerecovery=Off"});
    CPPUNIT_ASSERT(b.nofailover && b.nofailover_set);
    CPPUNIT_ASSERT(b.fail_on_timeout && b.fail_on_timeout_set);
    CPPUNIT_ASSERT(!b.force_recovery && b.force_recovery_set);
    b = Apply(b, {"nofailover=off", "failontimeout=OFF", "forcerecovery=ON"});
    CPPUNIT_ASSERT(!b.nofailover && !b.fail_on_timeout && b.force_recovery);
    for (const char* key : {"nofailover", "failontimeout", "forcerecovery", "scolonpathdelim"}) {
      for (const char* value : {"", "true", "0"}) {
        const std::string token = std::string(key) + "=" + value;
        CPPUNIT_ASSERT_EQUAL(token + ": must be On or Off", Err(token));
      }
    }
  }

  void FailOnStatus() {
    CPPUNIT_ASSERT_EQUAL(std::string("503"), Codes(B({"failonstatus=503"})));
    CPPUNIT_ASSERT_EQUAL(std::string("500,502,503"), Codes(B({"failonstatus=500,502,503"})));
    CPPUNIT_ASSERT_EQUAL(std::string("500,502,503,504"),
                         Codes(B({"failonstatus=500, 502 503,,504,"})));
    CPPUNIT_ASSERT_EQUAL(std::string("100,599"), Codes(B({"failonstatus= 100 599 "})));
    // A later failonstatus replaces the list, as in mod_proxy.
    CPPUNIT_ASSERT_EQUAL(std::string("404"), Codes(B({"failonstatus=500", "failonstatus=404"})));
    const std::string rule =
        ": must be one or more HTTP status codes from 100 to 599, separated by commas or spaces";
    BalancerConfig start = B({"failonstatus=503"});
    for (const char* value : {"", ",", " , ", "99", "600", "5xx", "500,abc", "500;502", "-500",
                              "500,600", "500\t502", "0500x"}) {
      CPPUNIT_ASSERT_EQUAL("failonstatus=" + EscapeForLog(value) + rule,
                           Err(std::string("failonstatus=") + value, start));
    }
  }

  void Nonce() {
    BalancerConfig b = B({"nonce=None"});
    CPPUNIT_ASSERT(b.nonce.empty() && b.nonce_set);
    b = B({"nonce=NONE"});
    CPPUNIT_ASSERT(b.nonce.empty() && b.nonce_set);
    const std::string uuid = "7f9c2ba4-e88f-4c4e-9c5f-3a1b2c3d4e5f";
    CPPUNIT_ASSERT_EQUAL(size_t{36}, uuid.size());
    b = B({"nonce=" + uuid});
    CPPUNIT_ASSERT_EQUAL(uuid, b.nonce);
    CPPUNIT_ASSERT(b.nonce_set);
    CPPUNIT_ASSERT_EQUAL(std::string("a._~-Z9"), B({"nonce=a._~-Z9"}).nonce);
    const std::string rule =
        ": must be None or 1 to 36 letters, digits, '-', '.', '_' or '~' (e.g. a UUID)";
    for (const std::string& value : {std::string(""), uuid + "0", std::string("a b"),
                                     std::string("a/b"), std::string("a%20"), std::string("a\"")}) {
      CPPUNIT_ASSERT_EQUAL("nonce=" + value + rule, Err("nonce=" + value));
    }
  }

  void UnknownParameters() {
    CPPUNIT_ASSERT_EQUAL(
        "unknown parameter 'stickysesion' (allowed: " + std::string(kBalancerKeys) + ")",
        Err("stickysesion=JSESSIONID"));
    CPPUNIT_ASSERT_EQUAL("parameter 'route' applies to members, not to balancers (allowed: " +
                             std::string(kBalancerKeys) + ")",
                         Err("route=node1"));
    CPPUNIT_ASSERT_EQUAL(std::string("'stickysession': parameters must be key=value"),
                         Err("stickysession"));
    CPPUNIT_ASSERT_EQUAL(std::string("'=x': the key before '=' is missing"), Err("=x"));
    BalancerConfig b;
    CPPUNIT_ASSERT_EQUAL(std::string(), ApplyBalancerParam("LBMETHOD", "bytraffic", &b));
    CPPUNIT_ASSERT(b.lb_method == LbMethod::kByTraffic);
    CPPUNIT_ASSERT_EQUAL(
        std::string("lbmethod=x: must be one of byrequests, bybusyness, bytraffic"),
        ApplyBalancerParam("LbMethod", "x", &b));
  }

  void ErrorLeavesConfigUnchanged() {
    const BalancerConfig start =
        B({"stickysession=A|a", "stickysessionsep=-", "scolonpathdelim=on", "lbmethod=bytraffic",
           "maxattempts=3", "nofailover=on", "timeout=4", "failonstatus=500,503",
           "failontimeout=on", "forcerecovery=off", "growth=5", "nonce=abc"});
    for (const char* token :
         {"stickysession=a b", "stickysessionsep=ab", "scolonpathdelim=x", "lbmethod=x",
          "maxattempts=x", "nofailover=x", "timeout=x", "failonstatus=500,x", "failontimeout=x",
          "forcerecovery=x", "growth=x", "nonce=a b", "min=1", "x"}) {
      Err(token, start);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigBalancerParamsTest);

}  // namespace
}  // namespace mca::config
