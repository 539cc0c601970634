// BalancerMember parameters and the key=value tokenizer (core/config/params.cc).
#include "mca/config/params.h"

#include <cppunit/extensions/HelperMacros.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "config/config_dump.h"

namespace mca::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using test::Dump;

constexpr const char* kMemberKeys =
    "min, max, smax, hardmax, ttl, acquire, timeout, connectiontimeout, ping, retry, loadfactor, "
    "lbset, route, redirect, status, keepalive, disablereuse, enablereuse, flushpackets, "
    "flushwait, iobuffersize, receivebuffersize, secret, hcmethod, hcinterval, hcpasses, "
    "hcfails, hcuri, hctimeout, slowstart";

MemberConfig Apply(MemberConfig m, std::initializer_list<std::string_view> tokens) {
  for (std::string_view t : tokens) {
    const Error err = ApplyMemberParam(t, &m);
    CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(t), std::string(), err);
  }
  return m;
}

MemberConfig M(std::initializer_list<std::string_view> tokens) {
  return Apply(MemberConfig(), tokens);
}

// The error for `token` applied to `start`; asserts that there is one and that `start` is
// unchanged by it.
std::string Err(std::string_view token, const MemberConfig& start = MemberConfig()) {
  MemberConfig m = start;
  const Error err = ApplyMemberParam(token, &m);
  CPPUNIT_ASSERT_MESSAGE("no error for " + std::string(token), !err.empty());
  CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(token), Dump(start), Dump(m));
  return err;
}

class ConfigMemberParamsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ConfigMemberParamsTest);
  CPPUNIT_TEST(SeedLineFromTheGuide);
  CPPUNIT_TEST(Defaults);
  CPPUNIT_TEST(Counts);
  CPPUNIT_TEST(CountErrors);
  CPPUNIT_TEST(Lbset);
  CPPUNIT_TEST(LoadFactor);
  CPPUNIT_TEST(LoadFactorErrors);
  CPPUNIT_TEST(WholeSeconds);
  CPPUNIT_TEST(TimesWithUnits);
  CPPUNIT_TEST(TimeErrors);
  CPPUNIT_TEST(TimeUpperBounds);
  CPPUNIT_TEST(RouteAndRedirect);
  CPPUNIT_TEST(Secret);
  CPPUNIT_TEST(StatusFlags);
  CPPUNIT_TEST(StatusErrors);
  CPPUNIT_TEST(OnOff);
  CPPUNIT_TEST(Flush);
  CPPUNIT_TEST(BufferSizes);
  CPPUNIT_TEST(HealthChecks);
  CPPUNIT_TEST(Tokens);
  CPPUNIT_TEST(UnknownParameters);
  CPPUNIT_TEST(ErrorLeavesConfigUnchanged);
  CPPUNIT_TEST(LastValueWins);
  CPPUNIT_TEST(EscapeForLogCutsAndEscapes);
  CPPUNIT_TEST(Names);
  CPPUNIT_TEST_SUITE_END();

 public:
  // BalancerMember ajp://127.0.0.1:8009 min=10 max=100 route=node1 loadfactor=1
  void SeedLineFromTheGuide() {
    const std::string line = "ajp://127.0.0.1:8009 min=10 max=100 route=node1 loadfactor=1";
    std::vector<std::string> words;
    for (size_t i = 0; i < line.size();) {
      const size_t end = std::min(line.find(' ', i), line.size());
      words.push_back(line.substr(i, end - i));
      i = end + 1;
    }
    CPPUNIT_ASSERT_EQUAL(size_t{5}, words.size());
    MemberUrl url;
    CPPUNIT_ASSERT_EQUAL(std::string(), ParseMemberUrl(words[0], &url));
    MemberConfig m;
    for (size_t i = 1; i < words.size(); ++i) {
      CPPUNIT_ASSERT_EQUAL(std::string(), ApplyMemberParam(words[i], &m));
    }
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://127.0.0.1:8009"), url.Name());
    CPPUNIT_ASSERT_EQUAL(10, m.min);
    CPPUNIT_ASSERT_EQUAL(100, m.max);
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), m.route);
    CPPUNIT_ASSERT_EQUAL(100, m.load_factor);
    // Nothing else moved.
    MemberConfig expected;
    expected.min = 10;
    expected.max = 100;
    expected.route = "node1";
    CPPUNIT_ASSERT_EQUAL(Dump(expected), Dump(m));
  }

  void Defaults() {
    const MemberConfig m;
    CPPUNIT_ASSERT_EQUAL(0, m.min);
    CPPUNIT_ASSERT_EQUAL(0, m.max);
    CPPUNIT_ASSERT_EQUAL(-1, m.smax);
    CPPUNIT_ASSERT_EQUAL(0, m.hardmax);
    CPPUNIT_ASSERT(m.ttl == Duration(0));
    CPPUNIT_ASSERT(m.acquire == Duration(0) && !m.acquire_set);
    CPPUNIT_ASSERT(m.timeout == Duration(0) && !m.timeout_set);
    CPPUNIT_ASSERT(m.connection_timeout == Duration(0) && !m.connection_timeout_set);
    CPPUNIT_ASSERT(m.ping == Duration(0) && !m.ping_set);
    CPPUNIT_ASSERT_EQUAL(int64_t{60000000}, int64_t{m.retry.count()});
    CPPUNIT_ASSERT(!m.retry_set);
    CPPUNIT_ASSERT_EQUAL(100, m.load_factor);
    CPPUNIT_ASSERT_EQUAL(0, m.lbset);
    CPPUNIT_ASSERT(m.route.empty() && m.redirect.empty());
    CPPUNIT_ASSERT_EQUAL(0u, m.status);
    CPPUNIT_ASSERT(!m.keepalive && !m.keepalive_set);
    CPPUNIT_ASSERT(!m.disable_reuse && !m.disable_reuse_set);
    CPPUNIT_ASSERT(m.flush_packets == FlushPackets::kOff);
    CPPUNIT_ASSERT_EQUAL(int64_t{10000}, int64_t{m.flush_wait.count()});
    CPPUNIT_ASSERT_EQUAL(8192u, m.io_buffer_size);
    CPPUNIT_ASSERT(!m.io_buffer_size_set);
    CPPUNIT_ASSERT_EQUAL(0u, m.receive_buffer_size);
    CPPUNIT_ASSERT(!m.receive_buffer_size_set);
    CPPUNIT_ASSERT(m.secret.empty() && !m.secret_set);
    CPPUNIT_ASSERT(m.hc_method == HcMethod::kCping);
    CPPUNIT_ASSERT_EQUAL(int64_t{2000000}, int64_t{m.hc_interval.count()});
    CPPUNIT_ASSERT_EQUAL(1, m.hc_passes);
    CPPUNIT_ASSERT_EQUAL(1, m.hc_fails);
    CPPUNIT_ASSERT(m.hc_uri.empty());
    CPPUNIT_ASSERT(m.hc_timeout == Duration(0) && !m.hc_timeout_set);
  }

  void Counts() {
    MemberConfig m = M({"min=0", "max=0", "smax=0", "hardmax=0", "hcpasses=0", "hcfails=0"});
    CPPUNIT_ASSERT_EQUAL(0, m.min);
    CPPUNIT_ASSERT_EQUAL(0, m.max);
    CPPUNIT_ASSERT_EQUAL(0, m.smax);
    CPPUNIT_ASSERT_EQUAL(0, m.hardmax);
    CPPUNIT_ASSERT_EQUAL(0, m.hc_passes);
    CPPUNIT_ASSERT_EQUAL(0, m.hc_fails);
    m = M({"min=2147483647", "max=2147483647", "smax=2147483647", "hardmax=2147483647",
           "hcpasses=2147483647", "hcfails=2147483647"});
    CPPUNIT_ASSERT_EQUAL(2147483647, m.min);
    CPPUNIT_ASSERT_EQUAL(2147483647, m.max);
    CPPUNIT_ASSERT_EQUAL(2147483647, m.smax);
    CPPUNIT_ASSERT_EQUAL(2147483647, m.hardmax);
    CPPUNIT_ASSERT_EQUAL(2147483647, m.hc_passes);
    CPPUNIT_ASSERT_EQUAL(2147483647, m.hc_fails);
    m = M({"max=025", "hardmax=300", "smax=5"});
    CPPUNIT_ASSERT_EQUAL(25, m.max);
    CPPUNIT_ASSERT_EQUAL(300, m.hardmax);
    CPPUNIT_ASSERT_EQUAL(5, m.smax);
  }

  void CountErrors() {
    for (const char* key : {"min", "max", "smax", "hardmax", "hcpasses", "hcfails"}) {
      for (const char* value : {"-1", "2147483648", "", "10x", "x10", " 1", "1 ", "+1", "1.0",
                                "0x10", "99999999999999999999999999"}) {
        const std::string token = std::string(key) + "=" + value;
        CPPUNIT_ASSERT_EQUAL(token + ": must be a whole number from 0 to 2147483647", Err(token));
      }
    }
  }

  void Lbset() {
    CPPUNIT_ASSERT_EQUAL(0, M({"lbset=0"}).lbset);
    CPPUNIT_ASSERT_EQUAL(99, M({"lbset=99"}).lbset);
    CPPUNIT_ASSERT_EQUAL(std::string("lbset=100: must be a whole number from 0 to 99"),
                         Err("lbset=100"));
    CPPUNIT_ASSERT_EQUAL(std::string("lbset=-1: must be a whole number from 0 to 99"),
                         Err("lbset=-1"));
    CPPUNIT_ASSERT_EQUAL(std::string("lbset=: must be a whole number from 0 to 99"), Err("lbset="));
  }

  void LoadFactor() {
    CPPUNIT_ASSERT_EQUAL(100, M({"loadfactor=1"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(10000, M({"loadfactor=100"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(150, M({"loadfactor=1.5"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(225, M({"loadfactor=2.25"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(1015, M({"loadfactor=10.15"}).load_factor);  // atof*100 gives 1014
    CPPUNIT_ASSERT_EQUAL(100, M({"loadfactor=1.00"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(700, M({"loadfactor=007"}).load_factor);
    // Like mod_proxy, digits past the hundredths are dropped.
    CPPUNIT_ASSERT_EQUAL(5012, M({"loadfactor=50.129"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(10000, M({"loadfactor=100.009"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(100, M({"loadfactor=1.0099999999999999999999999"}).load_factor);
  }

  void LoadFactorErrors() {
    CPPUNIT_ASSERT_EQUAL(std::string("loadfactor=abc: must be a number from 1 to 100"),
                         Err("loadfactor=abc"));
    for (const char* value : {"0", "0.99", "100.01", "101", "", "1.", ".5", "1e2", "-1", "+1",
                              "1,5", "1.5.", "1..5", " 1", "99999999999999999999999"}) {
      CPPUNIT_ASSERT_EQUAL("loadfactor=" + std::string(value) + ": must be a number from 1 to 100",
                           Err(std::string("loadfactor=") + value));
    }
  }

  void WholeSeconds() {
    MemberConfig m = M({"timeout=1"});
    CPPUNIT_ASSERT(m.timeout == seconds(1));
    CPPUNIT_ASSERT(m.timeout_set);
    m = M({"timeout=2147483647", "ttl=2147483647", "retry=2147483647"});
    CPPUNIT_ASSERT(m.timeout == seconds(2147483647));
    CPPUNIT_ASSERT(m.ttl == seconds(2147483647));
    CPPUNIT_ASSERT(m.retry == seconds(2147483647));
    m = M({"ttl=1"});
    CPPUNIT_ASSERT(m.ttl == seconds(1));
    m = M({"retry=0"});
    CPPUNIT_ASSERT(m.retry == seconds(0));
    CPPUNIT_ASSERT(m.retry_set);
    CPPUNIT_ASSERT(M({"retry=5"}).retry == seconds(5));

    CPPUNIT_ASSERT_EQUAL(
        std::string("timeout=0: must be a whole number of seconds from 1 to 2147483647"),
        Err("timeout=0"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("ttl=0: must be a whole number of seconds from 1 to 2147483647"), Err("ttl=0"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("retry=-1: must be a whole number of seconds from 0 to 2147483647"),
        Err("retry=-1"));
    for (const char* value : {"2147483648", "10s", "", "1.5", "abc"}) {
      for (const char* key : {"timeout", "ttl"}) {
        const std::string token = std::string(key) + "=" + value;
        CPPUNIT_ASSERT_EQUAL(token + ": must be a whole number of seconds from 1 to 2147483647",
                             Err(token));
      }
      const std::string token = std::string("retry=") + value;
      CPPUNIT_ASSERT_EQUAL(token + ": must be a whole number of seconds from 0 to 2147483647",
                           Err(token));
    }
  }

  void TimesWithUnits() {
    // acquire: no unit means milliseconds.
    MemberConfig m = M({"acquire=1"});
    CPPUNIT_ASSERT(m.acquire == milliseconds(1));
    CPPUNIT_ASSERT(m.acquire_set);
    CPPUNIT_ASSERT(M({"acquire=250"}).acquire == milliseconds(250));
    CPPUNIT_ASSERT(M({"acquire=250ms"}).acquire == milliseconds(250));
    CPPUNIT_ASSERT(M({"acquire=5s"}).acquire == seconds(5));
    CPPUNIT_ASSERT(M({"acquire=2mi"}).acquire == minutes(2));
    CPPUNIT_ASSERT(M({"acquire=1h"}).acquire == hours(1));
    // ping, connectiontimeout, hcinterval, hctimeout: no unit means seconds.
    m = M({"ping=1", "connectiontimeout=3", "hcinterval=5", "hctimeout=7"});
    CPPUNIT_ASSERT(m.ping == seconds(1) && m.ping_set);
    CPPUNIT_ASSERT(m.connection_timeout == seconds(3) && m.connection_timeout_set);
    CPPUNIT_ASSERT(m.hc_interval == seconds(5));
    CPPUNIT_ASSERT(m.hc_timeout == seconds(7) && m.hc_timeout_set);
    m = M({"ping=1ms", "connectiontimeout=1500ms", "hcinterval=100ms", "hctimeout=1ms"});
    CPPUNIT_ASSERT(m.ping == milliseconds(1));
    CPPUNIT_ASSERT(m.connection_timeout == milliseconds(1500));
    CPPUNIT_ASSERT(m.hc_interval == milliseconds(100));
    CPPUNIT_ASSERT(m.hc_timeout == milliseconds(1));
    m = M({"ping=1mi", "connectiontimeout=2h", "hcinterval=1mi", "hctimeout=10s"});
    CPPUNIT_ASSERT(m.ping == minutes(1));
    CPPUNIT_ASSERT(m.connection_timeout == hours(2));
    CPPUNIT_ASSERT(m.hc_interval == minutes(1));
    CPPUNIT_ASSERT(m.hc_timeout == seconds(10));
    CPPUNIT_ASSERT(M({"ping=0005"}).ping == seconds(5));
  }

  void TimeErrors() {
    const std::string ms_rule =
        ": must be a time from 1ms to 2147483647s: a whole number, then ms, s, mi (minutes) or "
        "h; no unit means ms";
    const std::string s_rule =
        ": must be a time from 1ms to 2147483647s: a whole number, then ms, s, mi (minutes) or "
        "h; no unit means s";
    CPPUNIT_ASSERT_EQUAL("acquire=0" + ms_rule, Err("acquire=0"));
    CPPUNIT_ASSERT_EQUAL("ping=0" + s_rule, Err("ping=0"));
    CPPUNIT_ASSERT_EQUAL("ping=0ms" + s_rule, Err("ping=0ms"));
    CPPUNIT_ASSERT_EQUAL("connectiontimeout=0s" + s_rule, Err("connectiontimeout=0s"));
    CPPUNIT_ASSERT_EQUAL("hctimeout=0" + s_rule, Err("hctimeout=0"));
    for (const char* value : {"", "ms", "1x", "1S", "1MS", "1m", "1msx", "1 s", " 1", "-1", "+1",
                              "1.5s", "1sms", "1mi1", "s1"}) {
      for (const char* key : {"acquire", "ping", "connectiontimeout", "hctimeout"}) {
        const std::string token = std::string(key) + "=" + value;
        const std::string& rule = std::string(key) == "acquire" ? ms_rule : s_rule;
        CPPUNIT_ASSERT_EQUAL(token + rule, Err(token));
      }
    }
    const std::string hc_rule =
        ": must be a time from 100ms to 2147483647s: a whole number, then ms, s, mi (minutes) "
        "or h; no unit means s";
    CPPUNIT_ASSERT_EQUAL("hcinterval=99ms" + hc_rule, Err("hcinterval=99ms"));
    CPPUNIT_ASSERT_EQUAL("hcinterval=0" + hc_rule, Err("hcinterval=0"));
    CPPUNIT_ASSERT_EQUAL("hcinterval=1x" + hc_rule, Err("hcinterval=1x"));
  }

  void TimeUpperBounds() {
    CPPUNIT_ASSERT(M({"ping=2147483647"}).ping == seconds(2147483647));
    CPPUNIT_ASSERT(M({"ping=2147483647s"}).ping == seconds(2147483647));
    CPPUNIT_ASSERT(M({"acquire=2147483647000"}).acquire == seconds(2147483647));
    CPPUNIT_ASSERT(M({"acquire=35791394mi"}).acquire == minutes(35791394));
    CPPUNIT_ASSERT(M({"acquire=596523h"}).acquire == hours(596523));
    for (const char* token :
         {"ping=2147483648", "ping=2147483648s", "acquire=2147483647001", "ping=2147483647001ms",
          "ping=35791395mi", "ping=596524h", "ping=99999999999999999999999h"}) {
      const std::string err = Err(token);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(token, std::string(token) + ": must be a time from 1ms",
                                   err.substr(0, std::string(token).size() + 25));
    }
  }

  void RouteAndRedirect() {
    const std::string r63(63, 'r');
    const std::string r64(64, 'r');
    for (const char* key : {"route", "redirect"}) {
      const std::string k(key);
      MemberConfig m = M({k + "=node1.a_b-c~!"});
      CPPUNIT_ASSERT_EQUAL(std::string("node1.a_b-c~!"), k == "route" ? m.route : m.redirect);
      m = M({k + "=" + r63});
      CPPUNIT_ASSERT_EQUAL(r63, k == "route" ? m.route : m.redirect);
      m = Apply(m, {k + "="});
      CPPUNIT_ASSERT_EQUAL(std::string(), k == "route" ? m.route : m.redirect);
      const std::string rule = ": must be at most 63 printable ASCII characters, no spaces";
      CPPUNIT_ASSERT_EQUAL(k + "=" + r64 + rule, Err(k + "=" + r64));
      CPPUNIT_ASSERT_EQUAL(k + "=" + r64 + "..." + rule, Err(k + "=" + r64 + "r"));
      CPPUNIT_ASSERT_EQUAL(k + "=node 1" + rule, Err(k + "=node 1"));
      CPPUNIT_ASSERT_EQUAL(k + "=node\\x091" + rule, Err(k + "=node\t1"));
      CPPUNIT_ASSERT_EQUAL(k + "=n\\xC3\\xA9" + rule, Err(k + "=n\xC3\xA9"));
    }
  }

  void Secret() {
    MemberConfig m = M({"secret=s3cr3t"});
    CPPUNIT_ASSERT_EQUAL(std::string("s3cr3t"), m.secret);
    CPPUNIT_ASSERT(m.secret_set);
    CPPUNIT_ASSERT_EQUAL(std::string("a b=c"), M({"secret=a b=c"}).secret);
    const std::string s63(63, 's');
    CPPUNIT_ASSERT_EQUAL(s63, M({"secret=" + s63}).secret);
    m = M({"secret="});
    CPPUNIT_ASSERT(m.secret.empty() && m.secret_set);
    const std::string rule = ": must be at most 63 printable ASCII characters";
    CPPUNIT_ASSERT_EQUAL("secret=(64 characters, not shown)" + rule, Err("secret=" + s63 + "s"));
    CPPUNIT_ASSERT_EQUAL("secret=(3 characters, not shown)" + rule, Err("secret=a\rb"));
    CPPUNIT_ASSERT_EQUAL("secret=(1 characters, not shown)" + rule, Err("secret=\x7F"));
  }

  void StatusFlags() {
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusDisabled}, M({"status=D"}).status);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusHotStandby}, M({"status=+H"}).status);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusHotStandby}, M({"status=+h"}).status);
    CPPUNIT_ASSERT_EQUAL(std::string("S"), StatusLetters(M({"status=D", "status=-D+S"}).status));
    CPPUNIT_ASSERT_EQUAL(std::string("DS"), StatusLetters(M({"status=DS"}).status));
    // A sign holds for the letters after it.
    CPPUNIT_ASSERT_EQUAL(std::string("I"), StatusLetters(M({"status=DSI", "status=-DS"}).status));
    CPPUNIT_ASSERT_EQUAL(std::string("DH"), StatusLetters(M({"status=+h-s+d"}).status));
    CPPUNIT_ASSERT_EQUAL(std::string(""), StatusLetters(M({"status=-D"}).status));
    const MemberConfig all = M({"status=DSIHRNEC"});
    CPPUNIT_ASSERT_EQUAL(kAllStatusFlags, all.status);
    CPPUNIT_ASSERT_EQUAL(std::string("DSIHRNEC"), StatusLetters(all.status));
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusStopped},
                         M({"status=dsihrnec", "status=-DIHRNEC"}).status);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusIgnoreErrors}, M({"status=I"}).status);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusHotSpare}, M({"status=R"}).status);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusDraining}, M({"status=N"}).status);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusInError}, M({"status=E"}).status);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kStatusHealthFailed}, M({"status=C"}).status);
  }

  void StatusErrors() {
    const std::string rule =
        ": must be status letters D, S, I, H, R, N, E or C, each set as is or after '+' and "
        "cleared after '-' (e.g. +H-D)";
    MemberConfig start;
    start.status = kStatusHotStandby;
    for (const char* value :
         {"", "X", "+", "-", "D-", "++D", "+-D", "O", "G", "D S", "+H,D", "1", "Disabled"}) {
      CPPUNIT_ASSERT_EQUAL("status=" + std::string(value) + rule,
                           Err(std::string("status=") + value, start));
    }
  }

  void OnOff() {
    MemberConfig m = M({"keepalive=On"});
    CPPUNIT_ASSERT(m.keepalive && m.keepalive_set);
    m = M({"keepalive=OFF"});
    CPPUNIT_ASSERT(!m.keepalive && m.keepalive_set);
    m = M({"disablereuse=on"});
    CPPUNIT_ASSERT(m.disable_reuse && m.disable_reuse_set);
    m = M({"disablereuse=off"});
    CPPUNIT_ASSERT(!m.disable_reuse && m.disable_reuse_set);
    m = M({"enablereuse=Off"});
    CPPUNIT_ASSERT(m.disable_reuse && m.disable_reuse_set);
    m = M({"disablereuse=On", "enablereuse=On"});
    CPPUNIT_ASSERT(!m.disable_reuse && m.disable_reuse_set);
    for (const char* key : {"keepalive", "disablereuse", "enablereuse"}) {
      for (const char* value : {"yes", "1", "", "onn", "o"}) {
        const std::string token = std::string(key) + "=" + value;
        CPPUNIT_ASSERT_EQUAL(token + ": must be On or Off", Err(token));
      }
    }
  }

  void Flush() {
    CPPUNIT_ASSERT(M({"flushpackets=on"}).flush_packets == FlushPackets::kOn);
    CPPUNIT_ASSERT(M({"flushpackets=AUTO"}).flush_packets == FlushPackets::kAuto);
    CPPUNIT_ASSERT(M({"flushpackets=on", "flushpackets=Off"}).flush_packets == FlushPackets::kOff);
    CPPUNIT_ASSERT_EQUAL(std::string("flushpackets=maybe: must be one of on, off, auto"),
                         Err("flushpackets=maybe"));
    CPPUNIT_ASSERT(M({"flushwait=0"}).flush_wait == milliseconds(10));
    CPPUNIT_ASSERT(M({"flushwait=1"}).flush_wait == milliseconds(1));
    CPPUNIT_ASSERT(M({"flushwait=1000"}).flush_wait == milliseconds(1000));
    const std::string rule = ": must be a whole number of milliseconds from 0 to 1000 (0: 10)";
    for (const char* value : {"1001", "-1", "", "5ms", "abc"}) {
      CPPUNIT_ASSERT_EQUAL("flushwait=" + std::string(value) + rule,
                           Err(std::string("flushwait=") + value));
    }
  }

  void BufferSizes() {
    MemberConfig m = M({"iobuffersize=0"});
    CPPUNIT_ASSERT_EQUAL(8192u, m.io_buffer_size);
    CPPUNIT_ASSERT(m.io_buffer_size_set);
    CPPUNIT_ASSERT_EQUAL(512u, M({"iobuffersize=512"}).io_buffer_size);
    CPPUNIT_ASSERT_EQUAL(65536u, M({"iobuffersize=65536"}).io_buffer_size);
    const std::string io_rule =
        ": must be 0 (the default, 8192) or a number of bytes from 512 to 65536 (the AJP packet "
        "size)";
    for (const char* value : {"511", "1", "65537", "-1", "", "8k", "4294967296"}) {
      CPPUNIT_ASSERT_EQUAL("iobuffersize=" + std::string(value) + io_rule,
                           Err(std::string("iobuffersize=") + value));
    }
    m = M({"receivebuffersize=0"});
    CPPUNIT_ASSERT_EQUAL(0u, m.receive_buffer_size);
    CPPUNIT_ASSERT(m.receive_buffer_size_set);
    CPPUNIT_ASSERT_EQUAL(512u, M({"receivebuffersize=512"}).receive_buffer_size);
    CPPUNIT_ASSERT_EQUAL(2147483647u, M({"receivebuffersize=2147483647"}).receive_buffer_size);
    const std::string rcv_rule =
        ": must be 0 (the system's default) or a number of bytes from 512 to 2147483647";
    for (const char* value : {"511", "2147483648", "-1", ""}) {
      CPPUNIT_ASSERT_EQUAL("receivebuffersize=" + std::string(value) + rcv_rule,
                           Err(std::string("receivebuffersize=") + value));
    }
  }

  void HealthChecks() {
    CPPUNIT_ASSERT(M({"hcmethod=GET"}).hc_method == HcMethod::kGet);
    CPPUNIT_ASSERT(M({"hcmethod=head"}).hc_method == HcMethod::kHead);
    CPPUNIT_ASSERT(M({"hcmethod=Options"}).hc_method == HcMethod::kOptions);
    CPPUNIT_ASSERT(M({"hcmethod=tcp"}).hc_method == HcMethod::kTcp);
    CPPUNIT_ASSERT(M({"hcmethod=NONE"}).hc_method == HcMethod::kNone);
    CPPUNIT_ASSERT(M({"hcmethod=NONE", "hcmethod=cping"}).hc_method == HcMethod::kCping);
    const std::string rule = ": must be one of CPING, GET, HEAD, OPTIONS, TCP, NONE";
    for (const char* value : {"GET11", "OPTIONS11", "PROVIDER", "", "PING", "GET "}) {
      CPPUNIT_ASSERT_EQUAL("hcmethod=" + std::string(value) + rule,
                           Err(std::string("hcmethod=") + value));
    }
    CPPUNIT_ASSERT_EQUAL(std::string("/health?x=1"), M({"hcuri=/health?x=1"}).hc_uri);
    CPPUNIT_ASSERT_EQUAL(std::string(), M({"hcuri=/a", "hcuri="}).hc_uri);
    const std::string u63 = "/" + std::string(62, 'u');
    CPPUNIT_ASSERT_EQUAL(u63, M({"hcuri=" + u63}).hc_uri);
    const std::string uri_rule =
        ": must be a path starting with '/', at most 63 printable ASCII characters, no spaces";
    CPPUNIT_ASSERT_EQUAL("hcuri=health" + uri_rule, Err("hcuri=health"));
    CPPUNIT_ASSERT_EQUAL("hcuri=" + u63 + "u" + uri_rule, Err("hcuri=" + u63 + "u"));
    CPPUNIT_ASSERT_EQUAL("hcuri=/a b" + uri_rule, Err("hcuri=/a b"));
  }

  void Tokens() {
    std::string_view key;
    std::string_view value;
    CPPUNIT_ASSERT_EQUAL(std::string(), SplitParam("a=b=c", &key, &value));
    CPPUNIT_ASSERT_EQUAL(std::string("a"), std::string(key));
    CPPUNIT_ASSERT_EQUAL(std::string("b=c"), std::string(value));
    CPPUNIT_ASSERT_EQUAL(std::string(), SplitParam("a=", &key, &value));
    CPPUNIT_ASSERT_EQUAL(std::string(), std::string(value));
    CPPUNIT_ASSERT_EQUAL(std::string("'route': parameters must be key=value"), Err("route"));
    CPPUNIT_ASSERT_EQUAL(std::string("'': parameters must be key=value"), Err(""));
    CPPUNIT_ASSERT_EQUAL(std::string("'=node1': the key before '=' is missing"), Err("=node1"));
    // Keys in any case; messages name the parameter in lower case.
    CPPUNIT_ASSERT_EQUAL(200, M({"LoadFactor=2"}).load_factor);
    CPPUNIT_ASSERT_EQUAL(std::string("n1"), M({"ROUTE=n1"}).route);
    CPPUNIT_ASSERT_EQUAL(std::string("loadfactor=abc: must be a number from 1 to 100"),
                         Err("LOADFACTOR=abc"));
    // Values keep their case and any further '='.
    CPPUNIT_ASSERT_EQUAL(std::string("A=b"), M({"secret=A=b"}).secret);
    // The key/value form is the same function.
    MemberConfig m;
    CPPUNIT_ASSERT_EQUAL(std::string(), ApplyMemberParam("Max", "7", &m));
    CPPUNIT_ASSERT_EQUAL(7, m.max);
    CPPUNIT_ASSERT_EQUAL(std::string("max=x: must be a whole number from 0 to 2147483647"),
                         ApplyMemberParam("max", "x", &m));
    CPPUNIT_ASSERT_EQUAL(7, m.max);
  }

  void UnknownParameters() {
    CPPUNIT_ASSERT_EQUAL("unknown parameter 'rout' (allowed: " + std::string(kMemberKeys) + ")",
                         Err("rout=node1"));
    CPPUNIT_ASSERT_EQUAL("parameter 'lbmethod' applies to balancers, not to members (allowed: " +
                             std::string(kMemberKeys) + ")",
                         Err("lbmethod=bybusyness"));
    CPPUNIT_ASSERT_EQUAL(
        "parameter 'Upgrade' of mod_proxy is not supported by mod_cluster_ajp "
        "(allowed: " +
            std::string(kMemberKeys) + ")",
        Err("Upgrade=websocket"));
    for (const char* key :
         {"addressttl", "flusher", "responsefieldsize", "mapping", "hctemplate", "hcexpr"}) {
      CPPUNIT_ASSERT_EQUAL(
          "parameter '" + std::string(key) +
              "' of mod_proxy is not supported by mod_cluster_ajp (allowed: " + kMemberKeys + ")",
          Err(std::string(key) + "=x"));
    }
    CPPUNIT_ASSERT_EQUAL("unknown parameter 'a\\x0Ab' (allowed: " + std::string(kMemberKeys) + ")",
                         Err("a\nb=1"));
    CPPUNIT_ASSERT(IsMemberParam("timeout"));
    CPPUNIT_ASSERT(IsBalancerParam("timeout"));
    CPPUNIT_ASSERT(IsMemberParam("HcUri"));
    CPPUNIT_ASSERT(!IsMemberParam("stickysession"));
    CPPUNIT_ASSERT(IsBalancerParam("StickySession"));
    CPPUNIT_ASSERT(!IsBalancerParam("route"));
    CPPUNIT_ASSERT(!IsMemberParam(""));
    CPPUNIT_ASSERT(!IsMemberParam("route "));
  }

  void ErrorLeavesConfigUnchanged() {
    const MemberConfig start = M({"min=1",
                                  "max=2",
                                  "smax=2",
                                  "hardmax=9",
                                  "ttl=3",
                                  "acquire=4",
                                  "timeout=5",
                                  "connectiontimeout=6",
                                  "ping=7",
                                  "retry=8",
                                  "loadfactor=9.5",
                                  "lbset=3",
                                  "route=r",
                                  "redirect=q",
                                  "status=+H",
                                  "keepalive=on",
                                  "enablereuse=off",
                                  "flushpackets=auto",
                                  "flushwait=20",
                                  "iobuffersize=16384",
                                  "receivebuffersize=1024",
                                  "secret=s",
                                  "hcmethod=GET",
                                  "hcinterval=3",
                                  "hcpasses=2",
                                  "hcfails=3",
                                  "hcuri=/h",
                                  "hctimeout=2"});
    for (const char* token : {"min=x",
                              "max=x",
                              "smax=x",
                              "hardmax=x",
                              "ttl=x",
                              "acquire=x",
                              "timeout=x",
                              "connectiontimeout=x",
                              "ping=x",
                              "retry=x",
                              "loadfactor=x",
                              "lbset=x",
                              "route=a b",
                              "redirect=a b",
                              "status=+X",
                              "status=-H+",
                              "keepalive=x",
                              "disablereuse=x",
                              "enablereuse=x",
                              "flushpackets=x",
                              "flushwait=x",
                              "iobuffersize=x",
                              "receivebuffersize=x",
                              "secret=\x01",
                              "hcmethod=x",
                              "hcinterval=x",
                              "hcpasses=x",
                              "hcfails=x",
                              "hcuri=x",
                              "hctimeout=x",
                              "x=1",
                              "x"}) {
      Err(token, start);  // asserts the error and that nothing changed
    }
  }

  void LastValueWins() {
    MemberConfig m = M({"route=a", "route=b", "max=5", "max=6", "status=D", "status=S"});
    CPPUNIT_ASSERT_EQUAL(std::string("b"), m.route);
    CPPUNIT_ASSERT_EQUAL(6, m.max);
    CPPUNIT_ASSERT_EQUAL(std::string("DS"), StatusLetters(m.status));  // flags accumulate
  }

  void EscapeForLogCutsAndEscapes() {
    CPPUNIT_ASSERT_EQUAL(std::string(), EscapeForLog(""));
    CPPUNIT_ASSERT_EQUAL(std::string("plain text ~!"), EscapeForLog("plain text ~!"));
    CPPUNIT_ASSERT_EQUAL(std::string("a\\\\b"), EscapeForLog("a\\b"));
    CPPUNIT_ASSERT_EQUAL(std::string("\\x00\\x1F\\x7F\\x80\\xFF"),
                         EscapeForLog(std::string_view("\0\x1f\x7f\x80\xff", 5)));
    CPPUNIT_ASSERT_EQUAL(std::string(64, 'v'), EscapeForLog(std::string(64, 'v')));
    CPPUNIT_ASSERT_EQUAL(std::string(64, 'v') + "...", EscapeForLog(std::string(65, 'v')));
    CPPUNIT_ASSERT_EQUAL(std::string(64, 'v') + "...", EscapeForLog(std::string(5000, 'v')));
    CPPUNIT_ASSERT_EQUAL(
        "loadfactor=" + std::string(64, '9') + "...: must be a number from 1 to 100",
        Err("loadfactor=" + std::string(100, '9')));
    // A message stays one line whatever the value holds.
    const std::string err = Err(std::string("route=\r\n\0x", 10));
    CPPUNIT_ASSERT_EQUAL(std::string("route=\\x0D\\x0A\\x00x: must be at most 63 printable ASCII "
                                     "characters, no spaces"),
                         err);
  }

  void Names() {
    CPPUNIT_ASSERT_EQUAL(std::string("CPING"), std::string(HcMethodName(HcMethod::kCping)));
    CPPUNIT_ASSERT_EQUAL(std::string("TCP"), std::string(HcMethodName(HcMethod::kTcp)));
    CPPUNIT_ASSERT_EQUAL(std::string(""), StatusLetters(0));
    CPPUNIT_ASSERT_EQUAL(std::string("HC"), StatusLetters(kStatusHealthFailed | kStatusHotStandby));
    CPPUNIT_ASSERT_EQUAL(std::string("D"), StatusLetters(kStatusDisabled | 0x100u));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigMemberParamsTest);

}  // namespace
}  // namespace mca::config
