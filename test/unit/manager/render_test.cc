// Balancer manager views: JSON, XML, Prometheus (core/manager/render.cc, snapshot.cc).
#include "mca/manager/render.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <limits>
#include <memory_resource>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "manager/json_check.h"
#include "manager/snapshot_fixture.h"
#include "mca/config/params.h"
#include "mca/manager/snapshot.h"
#include "test_util.h"

namespace mca::manager {
namespace {

using test::IsValidJson;
using test::IsValidUtf8;

using test::kLastCheck;
using test::kNow;
using test::Node1;
using test::Node2;

BalancerView TestCluster() {
  BalancerView b;
  b.name = "testcluster";
  b.sticky_session = "JSESSIONID|jsessionid";
  b.nonce = "0b1c6a4e";
  b.max_attempts = 1;
  return b;
}

Snapshot TwoNodes() {
  Snapshot s;
  s.now_us = kNow;
  s.balancers.push_back(TestCluster());
  s.balancers[0].members = {Node1(), Node2()};
  return s;
}

Snapshot OneMember(const MemberView& m) {
  Snapshot s;
  s.now_us = kNow;
  s.balancers.push_back(TestCluster());
  s.balancers[0].members = {m};
  return s;
}

std::string Between(const std::string& text, std::string_view open, std::string_view close) {
  const size_t start = text.find(open);
  CPPUNIT_ASSERT_MESSAGE(std::string(open) + " in " + text, start != std::string::npos);
  const size_t end = text.find(close, start + open.size());
  CPPUNIT_ASSERT_MESSAGE(std::string(close) + " in " + text, end != std::string::npos);
  return text.substr(start + open.size(), end - start - open.size());
}

// How each format writes a member's route.
std::string JsonRoute(std::string_view route) {
  MemberView m = Node1();
  m.route = route;
  const std::string json = RenderJson(OneMember(m));
  CPPUNIT_ASSERT_MESSAGE(json, IsValidJson(json));
  return Between(json, "\"route\":", ",\"redirect\":");
}

std::string XmlRoute(std::string_view route) {
  MemberView m = Node1();
  m.route = route;
  const std::string xml = RenderXml(OneMember(m));
  CPPUNIT_ASSERT(IsValidUtf8(xml));
  return Between(xml, "<httpd:route>", "</httpd:route>");
}

std::string PromRoute(std::string_view route) {
  MemberView m = Node1();
  m.route = route;
  const std::string text = RenderPrometheus(OneMember(m));
  CPPUNIT_ASSERT(IsValidUtf8(text));
  const std::string line = Between(text, "\nmod_cluster_ajp_member_up{", "\n");
  const size_t start = line.find(",route=\"");
  const size_t end = line.rfind("\"} ");
  CPPUNIT_ASSERT(start != std::string::npos && end != std::string::npos && end > start);
  return line.substr(start + 8, end - start - 8);
}

const std::string kFffd = "\xEF\xBF\xBD";

// Metric names: mod_cluster_ajp_member_ then lower-case letters and '_'.
bool IsMetricName(std::string_view name) {
  constexpr std::string_view kPrefix = "mod_cluster_ajp_member_";
  if (name.size() <= kPrefix.size() || name.substr(0, kPrefix.size()) != kPrefix) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
  }
  return true;
}

// "# HELP name text" / "# TYPE name type".
bool SplitComment(const std::string& line, std::string_view lead, std::string* name,
                  std::string* rest) {
  if (line.compare(0, lead.size(), lead) != 0) return false;
  const size_t space = line.find(' ', lead.size());
  if (space == std::string::npos) return false;
  *name = line.substr(lead.size(), space - lead.size());
  *rest = line.substr(space + 1);
  return IsMetricName(*name);
}

// label="value" at line[*i], the value escaped as the exposition format says.
bool ParseLabel(const std::string& line, size_t* i, std::string_view label) {
  const std::string open = std::string(label) + "=\"";
  if (line.compare(*i, open.size(), open) != 0) return false;
  for (size_t k = *i + open.size(); k < line.size(); ++k) {
    if (line[k] == '\\') {
      if (++k == line.size() || std::string_view("\\\"n").find(line[k]) == std::string::npos) {
        return false;
      }
    } else if (line[k] == '"') {
      *i = k + 1;
      return true;
    } else if (line[k] == '\n') {
      return false;
    }
  }
  return false;
}

// name{balancer="..",member="..",route=".."[,state=".."]} number
bool ParseSample(const std::string& line, std::string* name) {
  const size_t brace = line.find('{');
  if (brace == std::string::npos) return false;
  *name = line.substr(0, brace);
  if (!IsMetricName(*name)) return false;
  size_t i = brace + 1;
  if (!ParseLabel(line, &i, "balancer") || line.compare(i, 1, ",") != 0) return false;
  ++i;
  if (!ParseLabel(line, &i, "member") || line.compare(i, 1, ",") != 0) return false;
  ++i;
  if (!ParseLabel(line, &i, "route")) return false;
  if (line.compare(i, 1, ",") == 0) {
    ++i;
    if (!ParseLabel(line, &i, "state")) return false;
  }
  if (line.compare(i, 2, "} ") != 0) return false;
  const std::string value = line.substr(i + 2);
  const size_t dot = value.find('.');
  const std::string whole = value.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "1" : value.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  return digits(whole) && digits(fraction);
}

class ManagerRenderTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ManagerRenderTest);
  CPPUNIT_TEST(JsonGolden);
  CPPUNIT_TEST(JsonEmpty);
  CPPUNIT_TEST(JsonNumbers);
  CPPUNIT_TEST(JsonStringEscapes);
  CPPUNIT_TEST(JsonInvalidUtf8);
  CPPUNIT_TEST(JsonIsValidWithHostileStrings);
  CPPUNIT_TEST(States);
  CPPUNIT_TEST(HealthAndErrors);
  CPPUNIT_TEST(Decimals);
  CPPUNIT_TEST(IsoTimes);
  CPPUNIT_TEST(XmlGolden);
  CPPUNIT_TEST(XmlStatusWords);
  CPPUNIT_TEST(XmlEscapes);
  CPPUNIT_TEST(PrometheusGolden);
  CPPUNIT_TEST(PrometheusLineFormat);
  CPPUNIT_TEST(PrometheusStatesAndValues);
  CPPUNIT_TEST(PrometheusLabelEscapes);
  CPPUNIT_TEST(NonceOnlyInJson);
  CPPUNIT_TEST(RenderersUseOnlyTheGivenMemory);
  CPPUNIT_TEST_SUITE_END();

 public:
  // The glue builds the snapshot and the page in the request pool. With the default resource
  // refusing every allocation, a snapshot in `memory` renders in all four formats, into strings
  // of `memory`, exactly as the heap versions do (long names, reasons, times and counters
  // included), so no piece is built in a std::pmr string of default memory. (std::string
  // temporaries do not use a resource: the integration test watches malloc for those.)
  void RenderersUseOnlyTheGivenMemory() {
    const Snapshot heap = TwoNodes();
    HtmlOptions options;
    options.action = "/balancer-manager";
    options.message = "a notice longer than a short string's buffer";
    options.server_version = "Apache/2.4.62 (Debian)";
    std::vector<char> arena(1 << 20);
    std::pmr::monotonic_buffer_resource memory(arena.data(), arena.size(),
                                               std::pmr::null_memory_resource());
    std::string got[4];
    const bool ok = mca::test::RunsWithoutDefaultMemory([&] {
      Snapshot s(&memory);
      s.now_us = heap.now_us;
      for (const BalancerView& hb : heap.balancers) {
        BalancerView b(&memory);
        b.name = hb.name;
        b.sticky_session = hb.sticky_session;
        b.nonce = hb.nonce;
        b.max_attempts = hb.max_attempts;
        for (const MemberView& hm : hb.members) {
          MemberView m(&memory);
          m = hm;  // every field; a copy assignment keeps m's memory for the strings
          b.members.push_back(std::move(m));
        }
        s.balancers.push_back(std::move(b));
      }
      std::pmr::string out[4] = {std::pmr::string(&memory), std::pmr::string(&memory),
                                 std::pmr::string(&memory), std::pmr::string(&memory)};
      RenderJson(s, &out[0]);
      RenderXml(s, &out[1]);
      RenderPrometheus(s, &out[2]);
      RenderHtml(s, options, &out[3]);
      for (int i = 0; i < 4; ++i) got[i] = out[i];
    });
    CPPUNIT_ASSERT_MESSAGE("allocated from the default resource", ok);
    CPPUNIT_ASSERT_EQUAL(RenderJson(heap), got[0]);
    CPPUNIT_ASSERT_EQUAL(RenderXml(heap), got[1]);
    CPPUNIT_ASSERT_EQUAL(RenderPrometheus(heap), got[2]);
    CPPUNIT_ASSERT_EQUAL(RenderHtml(heap, options), got[3]);
    CPPUNIT_ASSERT(got[3].find("2026-11-24T10:00:00.123Z") != std::string::npos);
  }

  void JsonGolden() {
    const std::string expected =
        "{\"balancers\":[{\"name\":\"testcluster\",\"stickysession\":\"JSESSIONID|jsessionid\","
        "\"lbmethod\":\"byrequests\",\"nonce\":\"0b1c6a4e\",\"members\":["
        "{\"url\":\"ajp://127.0.0.1:8009\",\"route\":\"node1\",\"redirect\":\"\",\"loadfactor\":1,"
        "\"lbset\":0,\"state\":\"active\",\"standby\":false,\"healthy\":true,"
        "\"last_check\":\"2026-11-24T10:00:00.123Z\",\"check_reason\":\"\",\"elected\":42,"
        "\"busy\":1,\"errors\":0,\"bytes_sent\":1000,\"bytes_received\":20000,\"connections\":3,"
        "\"flags\":\"\",\"in_error\":false,\"hardmax\":0,\"hcmethod\":\"CPING\","
        "\"hcinterval\":2,\"hcpasses\":1,\"hcfails\":1,\"hcuri\":\"\",\"added\":false},"
        "{\"url\":\"ajp://127.0.0.1:8010\",\"route\":\"node2\",\"redirect\":\"node1\","
        "\"loadfactor\":1.5,\"lbset\":1,\"state\":\"disabled\",\"standby\":true,\"healthy\":false,"
        "\"last_check\":null,\"check_reason\":\"CPing timed out\",\"elected\":0,\"busy\":0,"
        "\"errors\":7,\"bytes_sent\":0,\"bytes_received\":0,\"connections\":0,\"flags\":\"DH\","
        "\"in_error\":false,\"hardmax\":10,\"hcmethod\":\"CPING\",\"hcinterval\":2,"
        "\"hcpasses\":1,\"hcfails\":1,\"hcuri\":\"\",\"added\":false}],"
        "\"maxattempts\":1,\"nofailover\":false,\"timeout\":0}]}";
    const std::string json = RenderJson(TwoNodes());
    CPPUNIT_ASSERT_EQUAL(expected, json);
    CPPUNIT_ASSERT(IsValidJson(json));
  }

  void JsonEmpty() {
    CPPUNIT_ASSERT_EQUAL(std::string("{\"balancers\":[]}"), RenderJson(Snapshot()));
    Snapshot s;
    s.balancers.emplace_back();
    CPPUNIT_ASSERT_EQUAL(
        std::string("{\"balancers\":[{\"name\":\"\",\"stickysession\":\"\",\"lbmethod\":"
                    "\"byrequests\",\"nonce\":\"\",\"members\":[],\"maxattempts\":0,"
                    "\"nofailover\":false,\"timeout\":0}]}"),
        RenderJson(s));
  }

  void JsonNumbers() {
    MemberView m = Node1();
    auto lf = [&m](int hundredths) {
      m.load_factor = hundredths;
      return Between(RenderJson(OneMember(m)), "\"loadfactor\":", ",");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("1"), lf(100));
    CPPUNIT_ASSERT_EQUAL(std::string("1.5"), lf(150));
    CPPUNIT_ASSERT_EQUAL(std::string("1.25"), lf(125));
    CPPUNIT_ASSERT_EQUAL(std::string("1.05"), lf(105));
    CPPUNIT_ASSERT_EQUAL(std::string("100"), lf(10000));

    m = Node1();
    m.elected = std::numeric_limits<uint64_t>::max();
    m.busy = std::numeric_limits<int64_t>::min();
    m.connections = -1;
    m.bytes_received = uint64_t{1} << 40;
    const std::string json = RenderJson(OneMember(m));
    CPPUNIT_ASSERT(IsValidJson(json));
    CPPUNIT_ASSERT(json.find("\"elected\":18446744073709551615,") != std::string::npos);
    CPPUNIT_ASSERT(json.find("\"busy\":0,") != std::string::npos);
    CPPUNIT_ASSERT(json.find("\"connections\":0,") != std::string::npos);
    CPPUNIT_ASSERT(json.find("\"bytes_received\":1099511627776,") != std::string::npos);

    Snapshot s = OneMember(Node1());
    s.balancers[0].timeout_us = 30000000;
    s.balancers[0].lb_method = config::LbMethod::kByBusyness;
    s.balancers[0].nofailover = true;
    s.balancers[0].max_attempts = 3;
    const std::string b = RenderJson(s);
    CPPUNIT_ASSERT(b.find("\"lbmethod\":\"bybusyness\"") != std::string::npos);
    CPPUNIT_ASSERT(b.find("],\"maxattempts\":3,\"nofailover\":true,\"timeout\":30}]}") !=
                   std::string::npos);
    s.balancers[0].timeout_us = 1500000;
    CPPUNIT_ASSERT(RenderJson(s).find("\"timeout\":1.5}") != std::string::npos);
  }

  void JsonStringEscapes() {
    CPPUNIT_ASSERT_EQUAL(std::string("\"node1\""), JsonRoute("node1"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("\"\\u003cscript\\u003ealert(\\\"x\\\")\\u003c/script\\u003e\""),
        JsonRoute("<script>alert(\"x\")</script>"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"a\\\\b \\u0026 c'\""), JsonRoute("a\\b & c'"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\n\\r\\t\\b\\f\\u0000\\u0001\\u001f\\u007f\""),
                         JsonRoute(std::string_view("\n\r\t\b\f\0\x01\x1f\x7f", 9)));
    // Valid UTF-8 passes through; U+2028 and U+2029 are escaped (they end a JavaScript line).
    CPPUNIT_ASSERT_EQUAL(std::string("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\""),
                         JsonRoute("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\u2028\\u2029\""), JsonRoute("\xE2\x80\xA8\xE2\x80\xA9"));
  }

  void JsonInvalidUtf8() {
    CPPUNIT_ASSERT_EQUAL(std::string("\"a\\ufffdb\""), JsonRoute("a\xFF"
                                                                 "b"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\ufffd\""), JsonRoute("\x80"));
    // Overlong, surrogate, above U+10FFFF, truncated: each byte is replaced.
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\ufffd\\ufffd\""), JsonRoute("\xC0\xAF"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\ufffd\\ufffd\\ufffd\""), JsonRoute("\xE0\x80\xAF"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\ufffd\\ufffd\\ufffd\""), JsonRoute("\xED\xA0\x80"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\ufffd\\ufffd\\ufffd\\ufffd\""),
                         JsonRoute("\xF4\x90\x80\x80"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\ufffd\\ufffdx\""), JsonRoute("\xE2\x82x"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"\\ufffd\""), JsonRoute("\xF0"));
    // The largest code point and the last one before the surrogates are fine.
    CPPUNIT_ASSERT_EQUAL(std::string("\"\xF4\x8F\xBF\xBF\xED\x9F\xBF\""),
                         JsonRoute("\xF4\x8F\xBF\xBF\xED\x9F\xBF"));
  }

  void JsonIsValidWithHostileStrings() {
    Snapshot s = TwoNodes();
    static constexpr char kNasty[] = "\"}]{\\\"\\\x00\n\xFF\xC3<\\/script>\xE2\x80\xA8'\x7F";
    const std::string nasty(kNasty, sizeof kNasty - 1);
    s.balancers[0].name = nasty;
    s.balancers[0].sticky_session = nasty;
    s.balancers[0].nonce = nasty;
    for (MemberView& m : s.balancers[0].members) {
      m.url = m.route = m.redirect = m.check_reason = nasty;
    }
    s.balancers.push_back(s.balancers[0]);
    const std::string json = RenderJson(s);
    CPPUNIT_ASSERT(IsValidJson(json));
    CPPUNIT_ASSERT(json.find('<') == std::string::npos);
    CPPUNIT_ASSERT(json.find('\n') == std::string::npos);
    // Balanced brackets outside strings; the checker already proved it, this shows it.
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < json.size(); ++i) {
      if (in_string) {
        if (json[i] == '\\')
          ++i;
        else if (json[i] == '"')
          in_string = false;
      } else if (json[i] == '"') {
        in_string = true;
      } else if (json[i] == '{' || json[i] == '[') {
        ++depth;
      } else if (json[i] == '}' || json[i] == ']') {
        CPPUNIT_ASSERT(--depth >= 0);
      }
    }
    CPPUNIT_ASSERT(!in_string && depth == 0);
    // The checker itself refuses broken JSON.
    CPPUNIT_ASSERT(!IsValidJson(json.substr(0, json.size() - 1)));
    CPPUNIT_ASSERT(!IsValidJson("{\"a\":\"\n\"}"));
    CPPUNIT_ASSERT(!IsValidJson("{\"a\":\"\xFF\"}"));
    CPPUNIT_ASSERT(!IsValidJson("{\"a\":01}"));
    CPPUNIT_ASSERT(IsValidJson("{\"a\":[1.5,-0,null,true,\"\\u00e9\"]}"));
  }

  void States() {
    using config::kStatusDisabled;
    using config::kStatusDraining;
    using config::kStatusStopped;
    CPPUNIT_ASSERT_EQUAL(std::string("active"), std::string(MemberStateName(0)));
    CPPUNIT_ASSERT_EQUAL(
        std::string("active"),
        std::string(MemberStateName(config::kStatusHotStandby | config::kStatusInError |
                                    config::kStatusHealthFailed)));
    CPPUNIT_ASSERT_EQUAL(std::string("draining"), std::string(MemberStateName(kStatusDraining)));
    CPPUNIT_ASSERT_EQUAL(std::string("disabled"),
                         std::string(MemberStateName(kStatusDisabled | kStatusDraining)));
    CPPUNIT_ASSERT_EQUAL(
        std::string("stopped"),
        std::string(MemberStateName(kStatusStopped | kStatusDisabled | kStatusDraining)));
    MemberView m = Node1();
    auto field = [&m](std::string_view name) {
      const std::string json = RenderJson(OneMember(m));
      return Between(json, "\"" + std::string(name) + "\":", ",");
    };
    m.status = config::kStatusHotSpare;
    CPPUNIT_ASSERT_EQUAL(std::string("true"), field("standby"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"active\""), field("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"R\""), field("flags"));
    m.status = kStatusDraining | config::kStatusIgnoreErrors;
    CPPUNIT_ASSERT_EQUAL(std::string("false"), field("standby"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"draining\""), field("state"));
    CPPUNIT_ASSERT_EQUAL(std::string("\"IN\""), field("flags"));
  }

  void HealthAndErrors() {
    MemberView m = Node1();
    CPPUNIT_ASSERT(MemberHealthy(m, kNow) && !MemberInError(m, kNow));
    m.healthy = false;
    CPPUNIT_ASSERT(!MemberHealthy(m, kNow) && !MemberInError(m, kNow));
    m = Node1();
    m.status = config::kStatusHealthFailed;
    CPPUNIT_ASSERT(!MemberHealthy(m, kNow) && !MemberInError(m, kNow));
    m = Node1();
    m.in_error = true;
    CPPUNIT_ASSERT(!MemberHealthy(m, kNow) && MemberInError(m, kNow));
    const std::string json = RenderJson(OneMember(m));
    CPPUNIT_ASSERT(json.find("\"healthy\":false") != std::string::npos);
    CPPUNIT_ASSERT(json.find("\"in_error\":true") != std::string::npos);
    m = Node1();
    m.status = config::kStatusInError;
    CPPUNIT_ASSERT(MemberInError(m, kNow));
    // error_until: in error before it, back at exactly that time.
    m = Node1();
    m.error_until_us = kNow + 1;
    CPPUNIT_ASSERT(MemberInError(m, kNow) && !MemberHealthy(m, kNow));
    m.error_until_us = kNow;
    CPPUNIT_ASSERT(!MemberInError(m, kNow) && MemberHealthy(m, kNow));
    // Ignore-errors members are never in error.
    m = Node1();
    m.status = config::kStatusIgnoreErrors | config::kStatusInError;
    m.in_error = true;
    m.error_until_us = kNow + 1000;
    CPPUNIT_ASSERT(!MemberInError(m, kNow) && MemberHealthy(m, kNow));
  }

  void Decimals() {
    CPPUNIT_ASSERT_EQUAL(std::string("1"), FormatDecimal(100, 2));
    CPPUNIT_ASSERT_EQUAL(std::string("1.5"), FormatDecimal(150, 2));
    CPPUNIT_ASSERT_EQUAL(std::string("1.25"), FormatDecimal(125, 2));
    CPPUNIT_ASSERT_EQUAL(std::string("0.05"), FormatDecimal(5, 2));
    CPPUNIT_ASSERT_EQUAL(std::string("-0.05"), FormatDecimal(-5, 2));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), FormatDecimal(0, 6));
    CPPUNIT_ASSERT_EQUAL(std::string("7"), FormatDecimal(7, 0));
    CPPUNIT_ASSERT_EQUAL(std::string("1795514400.123"), FormatDecimal(kLastCheck, 6));
    CPPUNIT_ASSERT_EQUAL(std::string("-9223372036854775808"),
                         FormatDecimal(std::numeric_limits<int64_t>::min(), 0));
    CPPUNIT_ASSERT_EQUAL(std::string("-9.223372036854775808"),
                         FormatDecimal(std::numeric_limits<int64_t>::min(), 18));
    CPPUNIT_ASSERT_EQUAL(std::string("9.223372036854775807"),
                         FormatDecimal(std::numeric_limits<int64_t>::max(), 99));  // 18
    CPPUNIT_ASSERT_EQUAL(std::string("123"), FormatDecimal(123, -1));
  }

  void IsoTimes() {
    CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00.000Z"), FormatIsoTime(0));
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-24T10:00:00.123Z"), FormatIsoTime(kLastCheck));
    CPPUNIT_ASSERT_EQUAL(std::string("2026-11-24T10:00:00.123Z"), FormatIsoTime(kLastCheck + 999));
    CPPUNIT_ASSERT_EQUAL(std::string("1969-12-31T23:59:59.999Z"), FormatIsoTime(-1));
    CPPUNIT_ASSERT_EQUAL(std::string("2024-02-29T23:59:59.000Z"),
                         FormatIsoTime(int64_t{1709251199} * 1000000));
    CPPUNIT_ASSERT_EQUAL(std::string("2024-03-01T00:00:00.000Z"),
                         FormatIsoTime(int64_t{1709251200} * 1000000));
    CPPUNIT_ASSERT_EQUAL(std::string("9999-12-31T23:59:59.999Z"),
                         FormatIsoTime(int64_t{253402300799999999}));
    CPPUNIT_ASSERT_EQUAL(std::string(), FormatIsoTime(int64_t{253402300800000000}));
    CPPUNIT_ASSERT_EQUAL(std::string("0000-01-01T00:00:00.000Z"),
                         FormatIsoTime(int64_t{-62167219200} * 1000000));
    CPPUNIT_ASSERT_EQUAL(std::string(), FormatIsoTime(int64_t{-62167219200} * 1000000 - 1));
    CPPUNIT_ASSERT_EQUAL(std::string(), FormatIsoTime(std::numeric_limits<int64_t>::max()));
    CPPUNIT_ASSERT_EQUAL(std::string(), FormatIsoTime(std::numeric_limits<int64_t>::min()));
    // Never checked, or a time that cannot be written: null.
    MemberView m = Node1();
    m.last_check_us = 0;
    CPPUNIT_ASSERT(RenderJson(OneMember(m)).find("\"last_check\":null,") != std::string::npos);
    m.last_check_us = std::numeric_limits<int64_t>::max();
    CPPUNIT_ASSERT(RenderJson(OneMember(m)).find("\"last_check\":null,") != std::string::npos);
  }

  void XmlGolden() {
    const std::string worker1 =
        "        <httpd:worker>\n"
        "          <httpd:name>ajp://127.0.0.1:8009</httpd:name>\n"
        "          <httpd:scheme>ajp</httpd:scheme>\n"
        "          <httpd:hostname>127.0.0.1</httpd:hostname>\n"
        "          <httpd:loadfactor>1.00</httpd:loadfactor>\n"
        "          <httpd:port>8009</httpd:port>\n"
        "          <httpd:min>0</httpd:min>\n"
        "          <httpd:smax>0</httpd:smax>\n"
        "          <httpd:max>0</httpd:max>\n"
        "          <httpd:ttl>0</httpd:ttl>\n"
        "          <httpd:status>Init Ok </httpd:status>\n"
        "          <httpd:retries>0</httpd:retries>\n"
        "          <httpd:lbstatus>0</httpd:lbstatus>\n"
        "          <httpd:loadfactor>1.00</httpd:loadfactor>\n"
        "          <httpd:transferred>1000</httpd:transferred>\n"
        "          <httpd:read>20000</httpd:read>\n"
        "          <httpd:elected>42</httpd:elected>\n"
        "          <httpd:route>node1</httpd:route>\n"
        "          <httpd:redirect></httpd:redirect>\n"
        "          <httpd:busy>1</httpd:busy>\n"
        "          <httpd:lbset>0</httpd:lbset>\n"
        "          <httpd:retry>60</httpd:retry>\n"
        "        </httpd:worker>\n";
    const std::string worker2 =
        "        <httpd:worker>\n"
        "          <httpd:name>ajp://[::1]:8010</httpd:name>\n"
        "          <httpd:scheme>ajp</httpd:scheme>\n"
        "          <httpd:hostname>::1</httpd:hostname>\n"
        "          <httpd:loadfactor>1.50</httpd:loadfactor>\n"
        "          <httpd:port>8010</httpd:port>\n"
        "          <httpd:min>1</httpd:min>\n"
        "          <httpd:smax>5</httpd:smax>\n"
        "          <httpd:max>25</httpd:max>\n"
        "          <httpd:ttl>30</httpd:ttl>\n"
        "          <httpd:status>Init Dis Stby HcFl </httpd:status>\n"
        "          <httpd:retries>2</httpd:retries>\n"
        "          <httpd:lbstatus>-50</httpd:lbstatus>\n"
        "          <httpd:loadfactor>1.50</httpd:loadfactor>\n"
        "          <httpd:transferred>0</httpd:transferred>\n"
        "          <httpd:read>0</httpd:read>\n"
        "          <httpd:elected>0</httpd:elected>\n"
        "          <httpd:route>node2</httpd:route>\n"
        "          <httpd:redirect>node1</httpd:redirect>\n"
        "          <httpd:busy>0</httpd:busy>\n"
        "          <httpd:lbset>1</httpd:lbset>\n"
        "          <httpd:retry>5</httpd:retry>\n"
        "        </httpd:worker>\n";
    const std::string expected =
        "<?xml version='1.0' encoding='UTF-8' ?>\n"
        "<httpd:manager xmlns:httpd='http://httpd.apache.org'>\n"
        "  <httpd:balancers>\n"
        "    <httpd:balancer>\n"
        "      <httpd:name>balancer://testcluster</httpd:name>\n"
        "      <httpd:stickysession>JSESSIONID|jsessionid</httpd:stickysession>\n"
        "      <httpd:nofailover>Off</httpd:nofailover>\n"
        "      <httpd:timeout>0</httpd:timeout>\n"
        "      <httpd:maxattempts>1</httpd:maxattempts>\n"
        "      <httpd:lbmethod>byrequests</httpd:lbmethod>\n"
        "      <httpd:workers>\n" +
        worker1 + worker2 +
        "      </httpd:workers>\n"
        "    </httpd:balancer>\n"
        "    <httpd:balancer>\n"
        "      <httpd:name>balancer://other</httpd:name>\n"
        "      <httpd:timeout>30</httpd:timeout>\n"
        "      <httpd:maxattempts>0</httpd:maxattempts>\n"
        "      <httpd:lbmethod>bytraffic</httpd:lbmethod>\n"
        "      <httpd:workers>\n"
        "      </httpd:workers>\n"
        "    </httpd:balancer>\n"
        "  </httpd:balancers>\n"
        "</httpd:manager>\n";
    Snapshot s = TwoNodes();
    MemberView& n2 = s.balancers[0].members[1];
    n2.url = "ajp://[::1]:8010";
    n2.min = 1;
    n2.smax = 5;
    n2.max = 25;
    n2.ttl_us = 30000000;
    n2.retries = 2;
    n2.lbstatus = -50;
    n2.retry_us = 5000000;
    BalancerView other;
    other.name = "other";
    other.lb_method = config::LbMethod::kByTraffic;
    other.timeout_us = 30000000;
    s.balancers.push_back(other);
    CPPUNIT_ASSERT_EQUAL(expected, RenderXml(s));
    CPPUNIT_ASSERT_EQUAL(
        std::string("<?xml version='1.0' encoding='UTF-8' ?>\n"
                    "<httpd:manager xmlns:httpd='http://httpd.apache.org'>\n"
                    "  <httpd:balancers>\n  </httpd:balancers>\n</httpd:manager>\n"),
        RenderXml(Snapshot()));
  }

  void XmlStatusWords() {
    auto status = [](uint32_t flags, bool healthy = true, bool in_error = false) {
      MemberView m = Node1();
      m.status = flags;
      m.healthy = healthy;
      m.in_error = in_error;
      return Between(RenderXml(OneMember(m)), "<httpd:status>", "</httpd:status>");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("Init Ok "), status(0));
    CPPUNIT_ASSERT_EQUAL(std::string("Init Ign Drn Ok "),
                         status(config::kStatusIgnoreErrors | config::kStatusDraining));
    CPPUNIT_ASSERT_EQUAL(std::string("Init Stop "), status(config::kStatusStopped));
    CPPUNIT_ASSERT_EQUAL(std::string("Init Err "), status(0, true, true));
    CPPUNIT_ASSERT_EQUAL(std::string("Init Err "), status(config::kStatusInError));
    CPPUNIT_ASSERT_EQUAL(std::string("Init Spar Ok "), status(config::kStatusHotSpare));
    CPPUNIT_ASSERT_EQUAL(std::string("Init HcFl "), status(config::kStatusHealthFailed));
    CPPUNIT_ASSERT_EQUAL(std::string("Init HcFl "), status(0, false));
    CPPUNIT_ASSERT_EQUAL(std::string("Init Ign Drn Dis Stop Stby Spar HcFl "),
                         status(config::kAllStatusFlags));
  }

  void XmlEscapes() {
    CPPUNIT_ASSERT_EQUAL(std::string("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
                         XmlRoute("<script>alert(\"x\")</script>"));
    CPPUNIT_ASSERT_EQUAL(std::string("a&amp;b&#39;c"), XmlRoute("a&b'c"));
    CPPUNIT_ASSERT_EQUAL(std::string("&#13;&#10;&#9;&#127;"), XmlRoute("\r\n\t\x7F"));
    // Characters XML 1.0 cannot carry, and bytes that are not UTF-8, become U+FFFD.
    CPPUNIT_ASSERT_EQUAL(kFffd + kFffd + kFffd + "x" + kFffd,
                         XmlRoute(std::string_view("\0\x1F\x1Bx\xFF", 5)));
    CPPUNIT_ASSERT_EQUAL(kFffd + kFffd, XmlRoute("\xEF\xBF\xBE\xEF\xBF\xBF"));
    CPPUNIT_ASSERT_EQUAL(std::string("caf\xC3\xA9"), XmlRoute("caf\xC3\xA9"));
    // Every string is escaped, the balancer name too.
    Snapshot s = OneMember(Node1());
    s.balancers[0].name = "a<b";
    s.balancers[0].sticky_session = "S&T";
    s.balancers[0].members[0].url = "<u>";
    const std::string xml = RenderXml(s);
    CPPUNIT_ASSERT(xml.find("<httpd:name>balancer://a&lt;b</httpd:name>") != std::string::npos);
    CPPUNIT_ASSERT(xml.find("<httpd:stickysession>S&amp;T</httpd:stickysession>") !=
                   std::string::npos);
    CPPUNIT_ASSERT(xml.find("<httpd:name>&lt;u&gt;</httpd:name>") != std::string::npos);
    // A URL that does not parse: no host, port 0.
    CPPUNIT_ASSERT(xml.find("<httpd:hostname></httpd:hostname>\n") != std::string::npos);
    CPPUNIT_ASSERT(xml.find("<httpd:port>0</httpd:port>\n") != std::string::npos);
  }

  void PrometheusGolden() {
    const std::string l =
        "{balancer=\"testcluster\",member=\"ajp://127.0.0.1:8009\",route=\"node1\"";
    const std::string expected =
        "# HELP mod_cluster_ajp_member_up 1 when the balancer may send requests to the member: "
        "healthy, not in error, not disabled or stopped (a draining member still serves its "
        "sessions).\n"
        "# TYPE mod_cluster_ajp_member_up gauge\n"
        "mod_cluster_ajp_member_up" +
        l +
        "} 1\n"
        "# HELP mod_cluster_ajp_member_healthy 1 when the member's health checks pass and it is "
        "not in error.\n"
        "# TYPE mod_cluster_ajp_member_healthy gauge\n"
        "mod_cluster_ajp_member_healthy" +
        l +
        "} 1\n"
        "# HELP mod_cluster_ajp_member_in_error 1 while the member is in error after failed "
        "requests.\n"
        "# TYPE mod_cluster_ajp_member_in_error gauge\n"
        "mod_cluster_ajp_member_in_error" +
        l +
        "} 0\n"
        "# HELP mod_cluster_ajp_member_standby 1 when the member is a hot standby (H) or hot spare "
        "(R).\n"
        "# TYPE mod_cluster_ajp_member_standby gauge\n"
        "mod_cluster_ajp_member_standby" +
        l +
        "} 0\n"
        "# HELP mod_cluster_ajp_member_loadfactor Load factor of the member (1 to 100).\n"
        "# TYPE mod_cluster_ajp_member_loadfactor gauge\n"
        "mod_cluster_ajp_member_loadfactor" +
        l +
        "} 1\n"
        "# HELP mod_cluster_ajp_member_lbset Load balancer set of the member (0 to 99).\n"
        "# TYPE mod_cluster_ajp_member_lbset gauge\n"
        "mod_cluster_ajp_member_lbset" +
        l +
        "} 0\n"
        "# HELP mod_cluster_ajp_member_busy Requests in flight to the member.\n"
        "# TYPE mod_cluster_ajp_member_busy gauge\n"
        "mod_cluster_ajp_member_busy" +
        l +
        "} 1\n"
        "# HELP mod_cluster_ajp_member_connections Open connections to the member, all httpd "
        "child processes.\n"
        "# TYPE mod_cluster_ajp_member_connections gauge\n"
        "mod_cluster_ajp_member_connections" +
        l +
        "} 3\n"
        "# HELP mod_cluster_ajp_member_elected_total Requests the balancer sent to the member.\n"
        "# TYPE mod_cluster_ajp_member_elected_total counter\n"
        "mod_cluster_ajp_member_elected_total" +
        l +
        "} 42\n"
        "# HELP mod_cluster_ajp_member_errors_total Requests to the member that failed.\n"
        "# TYPE mod_cluster_ajp_member_errors_total counter\n"
        "mod_cluster_ajp_member_errors_total" +
        l +
        "} 0\n"
        "# HELP mod_cluster_ajp_member_bytes_sent_total Bytes sent to the member.\n"
        "# TYPE mod_cluster_ajp_member_bytes_sent_total counter\n"
        "mod_cluster_ajp_member_bytes_sent_total" +
        l +
        "} 1000\n"
        "# HELP mod_cluster_ajp_member_bytes_received_total Bytes received from the member.\n"
        "# TYPE mod_cluster_ajp_member_bytes_received_total counter\n"
        "mod_cluster_ajp_member_bytes_received_total" +
        l +
        "} 20000\n"
        "# HELP mod_cluster_ajp_member_last_check_timestamp_seconds Unix time of the member's "
        "last health check; 0 when never checked.\n"
        "# TYPE mod_cluster_ajp_member_last_check_timestamp_seconds gauge\n"
        "mod_cluster_ajp_member_last_check_timestamp_seconds" +
        l +
        "} 1795514400.123\n"
        "# HELP mod_cluster_ajp_member_state Administrative state of the member: 1 for the "
        "current one of active, draining, disabled, stopped.\n"
        "# TYPE mod_cluster_ajp_member_state gauge\n"
        "mod_cluster_ajp_member_state" +
        l +
        ",state=\"active\"} 1\n"
        "mod_cluster_ajp_member_state" +
        l +
        ",state=\"draining\"} 0\n"
        "mod_cluster_ajp_member_state" +
        l +
        ",state=\"disabled\"} 0\n"
        "mod_cluster_ajp_member_state" +
        l + ",state=\"stopped\"} 0\n";
    CPPUNIT_ASSERT_EQUAL(expected, RenderPrometheus(OneMember(Node1())));
  }

  void PrometheusLineFormat() {
    Snapshot s = TwoNodes();
    s.balancers.push_back(TestCluster());
    s.balancers[1].name = "other";
    s.balancers[1].members = {Node2()};
    s.balancers[1].members[0].route = "we\"ird\\\n\xFF";
    const std::string text = RenderPrometheus(s);
    CPPUNIT_ASSERT(IsValidUtf8(text));
    CPPUNIT_ASSERT(!text.empty() && text.back() == '\n');
    std::istringstream lines(text);
    std::string line;
    std::string family;
    std::string family_type;
    int samples = 0;
    int families = 0;
    bool expect_type = false;
    while (std::getline(lines, line)) {
      std::string name;
      std::string rest;
      if (SplitComment(line, "# HELP ", &name, &rest)) {
        CPPUNIT_ASSERT_MESSAGE(line, !expect_type && !rest.empty());
        family = name;
        expect_type = true;
        ++families;
      } else if (SplitComment(line, "# TYPE ", &name, &rest)) {
        CPPUNIT_ASSERT_MESSAGE(line, expect_type && name == family);
        CPPUNIT_ASSERT_MESSAGE(line, rest == "gauge" || rest == "counter");
        // Counters, and only counters, end in _total.
        const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
        CPPUNIT_ASSERT_MESSAGE(line, total == (rest == "counter"));
        expect_type = false;
      } else {
        CPPUNIT_ASSERT_MESSAGE(line, ParseSample(line, &name));
        CPPUNIT_ASSERT_MESSAGE(line, !expect_type && name == family);
        ++samples;
      }
    }
    CPPUNIT_ASSERT_EQUAL(14, families);
    CPPUNIT_ASSERT_EQUAL(13 * 3 + 4 * 3, samples);  // 3 members
  }

  void PrometheusStatesAndValues() {
    Snapshot s = OneMember(Node2());
    const std::string text = RenderPrometheus(s);
    const std::string l =
        "{balancer=\"testcluster\",member=\"ajp://127.0.0.1:8010\",route=\"node2\"";
    for (const std::string& want : {
             "mod_cluster_ajp_member_up" + l + "} 0\n",
             "mod_cluster_ajp_member_healthy" + l + "} 0\n",
             "mod_cluster_ajp_member_standby" + l + "} 1\n",
             "mod_cluster_ajp_member_loadfactor" + l + "} 1.5\n",
             "mod_cluster_ajp_member_lbset" + l + "} 1\n",
             "mod_cluster_ajp_member_busy" + l + "} 0\n",  // -2 shown as 0
             "mod_cluster_ajp_member_errors_total" + l + "} 7\n",
             "mod_cluster_ajp_member_last_check_timestamp_seconds" + l + "} 0\n",
             "mod_cluster_ajp_member_state" + l + ",state=\"active\"} 0\n",
             "mod_cluster_ajp_member_state" + l + ",state=\"disabled\"} 1\n",
         }) {
      CPPUNIT_ASSERT_MESSAGE(want, text.find(want) != std::string::npos);
    }
    // A healthy draining member is up (it serves its sessions); a healthy disabled one is not.
    MemberView m = Node1();
    m.status = config::kStatusDraining;
    CPPUNIT_ASSERT(RenderPrometheus(OneMember(m))
                       .find("_up{balancer=\"testcluster\",member=\"ajp:"
                             "//127.0.0.1:8009\",route=\"node1\"} 1\n") != std::string::npos);
    m.status = config::kStatusStopped;
    CPPUNIT_ASSERT(RenderPrometheus(OneMember(m)).find("route=\"node1\"} 0\n") !=
                   std::string::npos);
    // No members: only the # lines.
    const std::string empty = RenderPrometheus(Snapshot());
    std::istringstream lines(empty);
    std::string line;
    while (std::getline(lines, line)) CPPUNIT_ASSERT_MESSAGE(line, line.rfind("# ", 0) == 0);
  }

  void PrometheusLabelEscapes() {
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), PromRoute("node1"));
    CPPUNIT_ASSERT_EQUAL(std::string("a\\\"b\\\\c\\nd"), PromRoute("a\"b\\c\nd"));
    CPPUNIT_ASSERT_EQUAL(std::string("<script>"), PromRoute("<script>"));
    CPPUNIT_ASSERT_EQUAL("x" + kFffd + "y", PromRoute("x\xFFy"));
    CPPUNIT_ASSERT_EQUAL(std::string("caf\xC3\xA9"), PromRoute("caf\xC3\xA9"));
    CPPUNIT_ASSERT_EQUAL(std::string("\\\"} 1"), PromRoute("\"} 1"));
  }

  void NonceOnlyInJson() {
    Snapshot s = TwoNodes();
    s.balancers[0].nonce = "secret-nonce-1234";
    CPPUNIT_ASSERT(RenderJson(s).find("secret-nonce-1234") != std::string::npos);
    CPPUNIT_ASSERT(RenderXml(s).find("secret-nonce-1234") == std::string::npos);
    CPPUNIT_ASSERT(RenderPrometheus(s).find("secret-nonce-1234") == std::string::npos);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ManagerRenderTest);

}  // namespace
}  // namespace mca::manager
