// Balancer manager form decoding and edit commands (core/manager/form.cc).
#include "mca/manager/form.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <string_view>

#include "mca/config/params.h"

namespace mca::manager {
namespace {

using config::Error;

Fields F(std::string_view encoded) {
  Fields fields;
  const Error err = ParseForm(encoded, &fields);
  CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(encoded), std::string(), err);
  return fields;
}

// The error for `encoded`; asserts that there is one and that the output was left alone.
std::string FormErr(std::string_view encoded) {
  Fields fields = {{"sentinel", "x"}};
  const Error err = ParseForm(encoded, &fields);
  CPPUNIT_ASSERT_MESSAGE("no error for " + std::string(encoded.substr(0, 80)), !err.empty());
  CPPUNIT_ASSERT_EQUAL(size_t{1}, fields.size());
  CPPUNIT_ASSERT_EQUAL(std::string("sentinel"), fields[0].first);
  CPPUNIT_ASSERT(err.find('\n') == std::string::npos);
  return err;
}

Command Cmd(std::string_view encoded) {
  Command cmd;
  const Error err = ParseCommand(F(encoded), &cmd);
  CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(encoded), std::string(), err);
  return cmd;
}

std::string CmdErr(std::string_view encoded) {
  Command cmd;
  const Error err = ParseCommand(F(encoded), &cmd);
  CPPUNIT_ASSERT_MESSAGE("no error for " + std::string(encoded), !err.empty());
  return err;
}

// A member edit of testcluster / ajp://127.0.0.1:8009 with the given extra fields.
constexpr std::string_view kMember = "b=testcluster&w=ajp%3A%2F%2F127.0.0.1%3A8009&nonce=n&";

MemberEdit ME(const std::string& fields) { return Cmd(std::string(kMember) + fields).member_edit; }
std::string MErr(const std::string& fields) { return CmdErr(std::string(kMember) + fields); }
BalancerEdit BE(const std::string& fields) {
  return Cmd("b=testcluster&nonce=n&" + fields).balancer_edit;
}
std::string BErr(const std::string& fields) { return CmdErr("b=testcluster&nonce=n&" + fields); }

class ManagerFormTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ManagerFormTest);
  CPPUNIT_TEST(SplitsPiecesAndKeys);
  CPPUNIT_TEST(Decodes);
  CPPUNIT_TEST(BadEscapes);
  CPPUNIT_TEST(NulBytes);
  CPPUNIT_TEST(Limits);
  CPPUNIT_TEST(FindFirstExact);
  CPPUNIT_TEST(SelectionFields);
  CPPUNIT_TEST(BalancerNames);
  CPPUNIT_TEST(MemberNames);
  CPPUNIT_TEST(Formats);
  CPPUNIT_TEST(MemberFormOfModProxyBalancer);
  CPPUNIT_TEST(LoadFactor);
  CPPUNIT_TEST(LbsetRouteRedirect);
  CPPUNIT_TEST(StatusFlags);
  CPPUNIT_TEST(HealthChecks);
  CPPUNIT_TEST(RemoveMember);
  CPPUNIT_TEST(BalancerFormOfModProxyBalancer);
  CPPUNIT_TEST(BalancerFields);
  CPPUNIT_TEST(AddMember);
  CPPUNIT_TEST(FieldsOfTheOtherKindAreIgnored);
  CPPUNIT_TEST(RepeatedFields);
  CPPUNIT_TEST(MessagesAreOneLine);
  CPPUNIT_TEST(EmptyAndHasChanges);
  CPPUNIT_TEST(ConstantTimeCompare);
  CPPUNIT_TEST_SUITE_END();

 public:
  void SplitsPiecesAndKeys() {
    const Fields f = F("b=testcluster&xml&a==b&=v&&k=&");
    CPPUNIT_ASSERT_EQUAL(size_t{5}, f.size());
    CPPUNIT_ASSERT_EQUAL(std::string("b"), f[0].first);
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), f[0].second);
    CPPUNIT_ASSERT_EQUAL(std::string("xml"), f[1].first);
    CPPUNIT_ASSERT_EQUAL(std::string(""), f[1].second);
    CPPUNIT_ASSERT_EQUAL(std::string("a"), f[2].first);
    CPPUNIT_ASSERT_EQUAL(std::string("=b"), f[2].second);
    CPPUNIT_ASSERT_EQUAL(std::string(""), f[3].first);
    CPPUNIT_ASSERT_EQUAL(std::string("v"), f[3].second);
    CPPUNIT_ASSERT_EQUAL(std::string("k"), f[4].first);
    CPPUNIT_ASSERT_EQUAL(std::string(""), f[4].second);
    CPPUNIT_ASSERT(F("").empty());
    CPPUNIT_ASSERT(F("&&&").empty());
    // Repeated keys are kept, in order.
    const Fields r = F("a=1&a=2");
    CPPUNIT_ASSERT_EQUAL(size_t{2}, r.size());
    CPPUNIT_ASSERT_EQUAL(std::string("2"), r[1].second);
  }

  void Decodes() {
    const Fields f = F("w_hu=%2Fhealth%3fa%3Db&a+b=c+d%20e&%41%62=%7e%7E&x=%25&y=a%2Bb");
    CPPUNIT_ASSERT_EQUAL(size_t{5}, f.size());
    CPPUNIT_ASSERT_EQUAL(std::string("/health?a=b"), f[0].second);
    CPPUNIT_ASSERT_EQUAL(std::string("a b"), f[1].first);
    CPPUNIT_ASSERT_EQUAL(std::string("c d e"), f[1].second);
    CPPUNIT_ASSERT_EQUAL(std::string("Ab"), f[2].first);
    CPPUNIT_ASSERT_EQUAL(std::string("~~"), f[2].second);
    CPPUNIT_ASSERT_EQUAL(std::string("%"), f[3].second);
    CPPUNIT_ASSERT_EQUAL(std::string("a+b"), f[4].second);
    // Decoded once: %2541 is "%41", not "A". '&' and '=' may be escaped inside values.
    CPPUNIT_ASSERT_EQUAL(std::string("%41"), F("v=%2541")[0].second);
    CPPUNIT_ASSERT_EQUAL(std::string("a&b=c"), F("v=a%26b%3Dc")[0].second);
    // Any byte but NUL, including ones that are not UTF-8.
    CPPUNIT_ASSERT_EQUAL(std::string("\x01\xff\n"), F("v=%01%FF%0a")[0].second);
  }

  void BadEscapes() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("form: bad %-escape at byte 6: '%' must be followed by two hex digits"),
        FormErr("a=1&b=%4"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("form: bad %-escape at byte 0: '%' must be followed by two hex digits"),
        FormErr("%=1"));
    FormErr("%");
    FormErr("a=%");
    FormErr("a=%g1");
    FormErr("a=%1g");
    FormErr("a=%%41");
    FormErr("a=% 1");
    FormErr("a%zz=1");
    FormErr("a=%+1");
    // An error anywhere leaves the output alone, even after good fields.
    FormErr("a=1&b=2&c=%x");
  }

  void NulBytes() {
    CPPUNIT_ASSERT_EQUAL(std::string("form: %00 at byte 2: NUL bytes are not allowed"),
                         FormErr("a=%00"));
    FormErr("%00=1");
    CPPUNIT_ASSERT_EQUAL(std::string("form: NUL byte at byte 3: not allowed"),
                         FormErr(std::string_view("a=b\0c", 5)));
  }

  void Limits() {
    // 64 fields; the 65th is an error (empty pieces do not count).
    std::string body;
    for (int i = 0; i < 64; ++i) body += "k" + std::to_string(i) + "=v&&";
    CPPUNIT_ASSERT_EQUAL(size_t{64}, F(body).size());
    CPPUNIT_ASSERT_EQUAL(std::string("form: more than 64 fields"), FormErr(body + "x"));
    // Names: 64 decoded bytes.
    std::string name64;
    for (int i = 0; i < 64; ++i) name64 += "%41";
    CPPUNIT_ASSERT_EQUAL(std::string(64, 'A'), F(name64 + "=v")[0].first);
    CPPUNIT_ASSERT_EQUAL(
        "form: field name '" + std::string(64, 'A') + "...' is longer than 64 bytes",
        FormErr(std::string(65, 'A') + "=v"));
    // Values: 1024 decoded bytes.
    std::string value1024;
    for (int i = 0; i < 1024; ++i) value1024 += "%7E";
    CPPUNIT_ASSERT_EQUAL(std::string(1024, '~'), F("v=" + value1024)[0].second);
    CPPUNIT_ASSERT_EQUAL(std::string("form: the value of 'v' is longer than 1024 bytes"),
                         FormErr("v=" + std::string(1025, 'x')));
    CPPUNIT_ASSERT_EQUAL(std::string(1024, ' '), F("v=" + std::string(1024, '+'))[0].second);
    // The whole input: 64 KiB.
    CPPUNIT_ASSERT(F(std::string(65536, '&')).empty());
    CPPUNIT_ASSERT_EQUAL(std::string("form: 65537 bytes; at most 65536 are allowed"),
                         FormErr(std::string(65537, '&')));
  }

  void FindFirstExact() {
    const Fields f = F("a=1&A=2&a=3&b=");
    CPPUNIT_ASSERT_EQUAL(std::string("1"), *Find(f, "a"));
    CPPUNIT_ASSERT_EQUAL(std::string("2"), *Find(f, "A"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), *Find(f, "b"));
    CPPUNIT_ASSERT(Find(f, "c") == nullptr);
    CPPUNIT_ASSERT(Find(f, "") == nullptr);
    CPPUNIT_ASSERT(Find(Fields(), "a") == nullptr);
  }

  void SelectionFields() {
    const Command none = Cmd("");
    CPPUNIT_ASSERT(none.balancer.empty() && none.member.empty() && none.nonce.empty());
    CPPUNIT_ASSERT(!none.has_nonce && !none.xml && none.format.empty() && !none.remove_member);
    CPPUNIT_ASSERT(!none.HasChanges());

    const Command c = Cmd("b=testcluster&w=ajp://127.0.0.1:8009&nonce=4a5b-c6&xml=1");
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), c.balancer);
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://127.0.0.1:8009"), c.member);
    CPPUNIT_ASSERT_EQUAL(std::string("4a5b-c6"), c.nonce);
    CPPUNIT_ASSERT(c.has_nonce && c.xml);
    CPPUNIT_ASSERT(c.member_edit.empty() && c.balancer_edit.empty() && !c.HasChanges());

    // nonce given empty is given; xml with any value (or none) counts.
    const Command e = Cmd("nonce=&xml");
    CPPUNIT_ASSERT(e.has_nonce && e.nonce.empty() && e.xml);
    CPPUNIT_ASSERT(Cmd("xml=0").xml);
    // The nonce is kept as given (the glue compares it).
    CPPUNIT_ASSERT_EQUAL(std::string("a b<"), Cmd("nonce=a+b%3C").nonce);

    // w needs b.
    CPPUNIT_ASSERT_EQUAL(
        std::string("w=ajp://127.0.0.1:8009: needs b, the balancer the member belongs to"),
        CmdErr("w=ajp://127.0.0.1:8009"));
    // Unknown fields are ignored.
    CPPUNIT_ASSERT(Cmd("b=x&foo=bar&w_bogus=1&b_bogus=%41").balancer_edit.empty());
  }

  void BalancerNames() {
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), Cmd("b=TestCluster").balancer);
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), Cmd("b=balancer://testcluster").balancer);
    CPPUNIT_ASSERT_EQUAL(std::string("my-app.v2_x"),
                         Cmd("b=BALANCER%3A%2F%2FMy-App.v2_x").balancer);
    CPPUNIT_ASSERT_EQUAL(std::string(84, 'a'), Cmd("b=" + std::string(84, 'a')).balancer);
    const std::string allowed =
        ": must be a balancer name of 1 to 84 letters, digits, '-', '.' or '_', with or without "
        "balancer://";
    CPPUNIT_ASSERT_EQUAL("b=" + allowed, CmdErr("b="));
    CPPUNIT_ASSERT_EQUAL("b=balancer://" + allowed, CmdErr("b=balancer://"));
    CPPUNIT_ASSERT_EQUAL("b=a/b" + allowed, CmdErr("b=a/b"));
    CPPUNIT_ASSERT_EQUAL("b=balancer://x/app" + allowed, CmdErr("b=balancer://x/app"));
    CPPUNIT_ASSERT_EQUAL("b=a b" + allowed, CmdErr("b=a+b"));
    CPPUNIT_ASSERT_EQUAL("b=a?x" + allowed, CmdErr("b=a%3Fx"));
    CmdErr("b=" + std::string(85, 'a'));
    CmdErr("b=%C3%A9");
    CmdErr("b=ajp://x");
  }

  void MemberNames() {
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://localhost:8009"), Cmd("b=x&w=AJP://LocalHost").member);
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://[::1]:8010"), Cmd("b=x&w=ajp://[::1]:8010").member);
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://node1.lan:8009"),
                         Cmd("b=x&w=ajp%3A%2F%2Fnode1.lan%3A8009").member);
    CPPUNIT_ASSERT_EQUAL(
        std::string("w=ajp://h:8009/app: must be a member URL ajp://host[:port] (a path is not "
                    "allowed here)"),
        CmdErr("b=x&w=ajp://h:8009/app"));
    CPPUNIT_ASSERT_EQUAL(
        std::string("w=http://h: must be a member URL ajp://host[:port] (member URL 'http://h': "
                    "only ajp:// members are supported)"),
        CmdErr("b=x&w=http://h"));
    CmdErr("b=x&w=");
    CmdErr("b=x&w=ajp://h:0");
    CmdErr("b=x&w=ajp://h:8009%0A");
  }

  void Formats() {
    CPPUNIT_ASSERT_EQUAL(std::string(""), Cmd("format=").format);
    CPPUNIT_ASSERT_EQUAL(std::string("json"), Cmd("format=json").format);
    CPPUNIT_ASSERT_EQUAL(std::string("xml"), Cmd("format=XML").format);
    CPPUNIT_ASSERT_EQUAL(std::string("prometheus"), Cmd("format=Prometheus").format);
    CPPUNIT_ASSERT_EQUAL(std::string("html"), Cmd("format=html").format);
    CPPUNIT_ASSERT_EQUAL(std::string("format=yaml: must be one of json, xml, prometheus, html"),
                         CmdErr("format=yaml"));
    CmdErr("format=json+");
    // format and xml are independent fields; the glue decides which wins.
    const Command c = Cmd("format=json&xml=1");
    CPPUNIT_ASSERT(c.xml && c.format == "json");
  }

  // What mod_proxy_balancer's member form posts, unchanged.
  void MemberFormOfModProxyBalancer() {
    const Command c = Cmd(
        "w_lf=1&w_ls=0&w_wr=node1&w_rr=&w_status_I=0&w_status_N=0&w_status_D=0&w_status_H=0&"
        "w_status_R=0&w_status_S=0&w_status_C=0&w_hm=CPING&w_hi=2000&w_hf=1&w_hp=1&w_hu=&"
        "w=ajp%3A%2F%2F127.0.0.1%3A8009&b=testcluster&nonce=0b1c6a4e-5f12-4f4e-9b1e-3a1f2b3c4d5e");
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), c.balancer);
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://127.0.0.1:8009"), c.member);
    CPPUNIT_ASSERT_EQUAL(std::string("0b1c6a4e-5f12-4f4e-9b1e-3a1f2b3c4d5e"), c.nonce);
    const MemberEdit& m = c.member_edit;
    CPPUNIT_ASSERT(m.load_factor == 100);
    CPPUNIT_ASSERT(m.lbset == 0);
    CPPUNIT_ASSERT(m.route == std::string("node1"));
    CPPUNIT_ASSERT(m.redirect == std::string());
    CPPUNIT_ASSERT_EQUAL(uint32_t{0}, m.set_flags);
    CPPUNIT_ASSERT_EQUAL(config::kStatusIgnoreErrors | config::kStatusDraining |
                             config::kStatusDisabled | config::kStatusHotStandby |
                             config::kStatusHotSpare | config::kStatusStopped |
                             config::kStatusHealthFailed,
                         m.clear_flags);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kHcInterval | kHcPasses | kHcFails | kHcMethod | kHcUri},
                         m.hc_fields);
    CPPUNIT_ASSERT(m.hc.hc_method == config::HcMethod::kCping);
    CPPUNIT_ASSERT(m.hc.hc_interval == std::chrono::seconds(2));
    CPPUNIT_ASSERT_EQUAL(1, m.hc.hc_fails);
    CPPUNIT_ASSERT_EQUAL(1, m.hc.hc_passes);
    CPPUNIT_ASSERT_EQUAL(std::string(), m.hc.hc_uri);
    CPPUNIT_ASSERT(c.balancer_edit.empty() && !c.remove_member && c.HasChanges());
  }

  void LoadFactor() {
    CPPUNIT_ASSERT(ME("w_lf=1").load_factor == 100);
    CPPUNIT_ASSERT(ME("w_lf=1.5").load_factor == 150);
    CPPUNIT_ASSERT(ME("w_lf=1.25").load_factor == 125);
    CPPUNIT_ASSERT(ME("w_lf=100").load_factor == 10000);
    CPPUNIT_ASSERT(ME("w_lf=2.999").load_factor == 299);  // truncated, as the configuration
    CPPUNIT_ASSERT(!ME("").load_factor);
    const std::string allowed = ": must be a number from 1 to 100";
    CPPUNIT_ASSERT_EQUAL("w_lf=abc" + allowed, MErr("w_lf=abc"));
    CPPUNIT_ASSERT_EQUAL("w_lf=0.5" + allowed, MErr("w_lf=0.5"));
    CPPUNIT_ASSERT_EQUAL("w_lf=100.01" + allowed, MErr("w_lf=100.01"));
    CPPUNIT_ASSERT_EQUAL("w_lf=" + allowed, MErr("w_lf="));
    CPPUNIT_ASSERT_EQUAL("w_lf= 1" + allowed, MErr("w_lf=+1"));
    CPPUNIT_ASSERT_EQUAL("w_lf=-1" + allowed, MErr("w_lf=-1"));
    CPPUNIT_ASSERT_EQUAL("w_lf=1e2" + allowed, MErr("w_lf=1e2"));
  }

  void LbsetRouteRedirect() {
    CPPUNIT_ASSERT(ME("w_ls=0").lbset == 0);
    CPPUNIT_ASSERT(ME("w_ls=99").lbset == 99);
    CPPUNIT_ASSERT_EQUAL(std::string("w_ls=100: must be a whole number from 0 to 99"),
                         MErr("w_ls=100"));
    MErr("w_ls=-1");
    MErr("w_ls=x");
    MErr("w_ls=");

    CPPUNIT_ASSERT(ME("w_wr=node2").route == std::string("node2"));
    CPPUNIT_ASSERT(ME("w_wr=").route == std::string());  // clears
    CPPUNIT_ASSERT(ME("w_rr=node3").redirect == std::string("node3"));
    CPPUNIT_ASSERT(ME("w_rr=").redirect == std::string());
    CPPUNIT_ASSERT(!ME("w_ls=1").route && !ME("w_ls=1").redirect);
    CPPUNIT_ASSERT(ME("w_wr=" + std::string(63, 'r')).route == std::string(63, 'r'));
    const std::string allowed = ": must be at most 63 printable ASCII characters, no spaces";
    CPPUNIT_ASSERT_EQUAL("w_wr=a b" + allowed, MErr("w_wr=a+b"));
    CPPUNIT_ASSERT_EQUAL("w_rr=<script>\\x0A" + allowed, MErr("w_rr=%3Cscript%3E%0A"));
    CPPUNIT_ASSERT_EQUAL("w_wr=" + std::string(64, 'r') + allowed,
                         MErr("w_wr=" + std::string(64, 'r')));
    MErr("w_wr=%C3%A9");
  }

  void StatusFlags() {
    struct Case {
      const char* letter;
      uint32_t bit;
    };
    const Case cases[] = {
        {"I", config::kStatusIgnoreErrors}, {"N", config::kStatusDraining},
        {"D", config::kStatusDisabled},     {"H", config::kStatusHotStandby},
        {"R", config::kStatusHotSpare},     {"S", config::kStatusStopped},
        {"C", config::kStatusHealthFailed}, {"E", config::kStatusInError},
    };
    for (const Case& c : cases) {
      const std::string field = std::string("w_status_") + c.letter;
      const MemberEdit on = ME(field + "=1");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(field, c.bit, on.set_flags);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(field, uint32_t{0}, on.clear_flags);
      const MemberEdit off = ME(field + "=0");
      CPPUNIT_ASSERT_EQUAL_MESSAGE(field, uint32_t{0}, off.set_flags);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(field, c.bit, off.clear_flags);
      CPPUNIT_ASSERT_EQUAL(field + "=2: must be 0 or 1", MErr(field + "=2"));
      CPPUNIT_ASSERT_EQUAL(field + "=: must be 0 or 1", MErr(field + "="));
      MErr(field + "=01");
      MErr(field + "=on");
      MErr(field + "=1+");
    }
    const MemberEdit mixed = ME("w_status_D=1&w_status_S=0&w_status_N=1");
    CPPUNIT_ASSERT_EQUAL(config::kStatusDisabled | config::kStatusDraining, mixed.set_flags);
    CPPUNIT_ASSERT_EQUAL(uint32_t{config::kStatusStopped}, mixed.clear_flags);
    // Letters are case-sensitive field names: w_status_d is unknown and ignored.
    CPPUNIT_ASSERT(ME("w_status_d=1").empty());
  }

  void HealthChecks() {
    // w_hi: a bare number is milliseconds, as mod_proxy_balancer's form.
    CPPUNIT_ASSERT(ME("w_hi=5000").hc.hc_interval == std::chrono::seconds(5));
    CPPUNIT_ASSERT(ME("w_hi=100").hc.hc_interval == std::chrono::milliseconds(100));
    CPPUNIT_ASSERT(ME("w_hi=5s").hc.hc_interval == std::chrono::seconds(5));
    CPPUNIT_ASSERT(ME("w_hi=1mi").hc.hc_interval == std::chrono::minutes(1));
    CPPUNIT_ASSERT(ME("w_hi=250ms").hc.hc_interval == std::chrono::milliseconds(250));
    CPPUNIT_ASSERT_EQUAL(uint32_t{kHcInterval}, ME("w_hi=5000").hc_fields);
    const std::string allowed =
        ": must be a time from 100ms to 2147483647s: a whole number, then ms, s, mi (minutes) or "
        "h; no unit means ms";
    CPPUNIT_ASSERT_EQUAL("w_hi=99" + allowed, MErr("w_hi=99"));
    CPPUNIT_ASSERT_EQUAL("w_hi=0" + allowed, MErr("w_hi=0"));
    CPPUNIT_ASSERT_EQUAL("w_hi=abc" + allowed, MErr("w_hi=abc"));
    CPPUNIT_ASSERT_EQUAL("w_hi=" + allowed, MErr("w_hi="));
    MErr("w_hi=5x");
    MErr("w_hi=99999999999999999999");

    CPPUNIT_ASSERT_EQUAL(3, ME("w_hp=3").hc.hc_passes);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kHcPasses}, ME("w_hp=3").hc_fields);
    CPPUNIT_ASSERT_EQUAL(4, ME("w_hf=4").hc.hc_fails);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kHcFails}, ME("w_hf=4").hc_fields);
    CPPUNIT_ASSERT_EQUAL(std::string("w_hp=-1: must be a whole number from 0 to 2147483647"),
                         MErr("w_hp=-1"));
    CPPUNIT_ASSERT_EQUAL(std::string("w_hf=x: must be a whole number from 0 to 2147483647"),
                         MErr("w_hf=x"));
    MErr("w_hp=2147483648");

    CPPUNIT_ASSERT(ME("w_hm=get").hc.hc_method == config::HcMethod::kGet);
    CPPUNIT_ASSERT(ME("w_hm=OPTIONS").hc.hc_method == config::HcMethod::kOptions);
    CPPUNIT_ASSERT(ME("w_hm=NONE").hc.hc_method == config::HcMethod::kNone);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kHcMethod}, ME("w_hm=TCP").hc_fields);
    CPPUNIT_ASSERT_EQUAL(
        std::string("w_hm=POST: must be one of CPING, GET, HEAD, OPTIONS, TCP, NONE"),
        MErr("w_hm=POST"));

    CPPUNIT_ASSERT_EQUAL(std::string("/status?full=1"), ME("w_hu=%2Fstatus%3Ffull%3D1").hc.hc_uri);
    CPPUNIT_ASSERT_EQUAL(uint32_t{kHcUri}, ME("w_hu=").hc_fields);
    CPPUNIT_ASSERT_EQUAL(std::string("w_hu=health: must be a path starting with '/', at most 63 "
                                     "printable ASCII characters, no spaces"),
                         MErr("w_hu=health"));
    MErr("w_hu=/a+b");
  }

  void RemoveMember() {
    const Command c = Cmd(std::string(kMember) + "w_remove=1");
    CPPUNIT_ASSERT(c.remove_member && c.member_edit.empty() && c.HasChanges());
    CPPUNIT_ASSERT(!Cmd(std::string(kMember) + "w_remove=0").remove_member);
    CPPUNIT_ASSERT_EQUAL(std::string("w_remove=yes: must be 0 or 1"), MErr("w_remove=yes"));
    // Without w it is a member field of nothing: ignored.
    CPPUNIT_ASSERT(!Cmd("b=x&w_remove=1").remove_member);
  }

  // What mod_proxy_balancer's balancer form posts, unchanged (timeout 0, no new member).
  void BalancerFormOfModProxyBalancer() {
    const Command c =
        Cmd("b_lbm=byrequests&b_tmo=0&b_max=1&b_sforce=0&b_ss=JSESSIONID%7Cjsessionid&b_nwrkr=&"
            "b=testcluster&nonce=0b1c6a4e");
    const BalancerEdit& b = c.balancer_edit;
    CPPUNIT_ASSERT(b.lb_method == config::LbMethod::kByRequests);
    CPPUNIT_ASSERT(b.timeout_us == 0);
    CPPUNIT_ASSERT(b.max_attempts == 1);
    CPPUNIT_ASSERT(b.sticky_force == false);
    CPPUNIT_ASSERT(b.sticky_session == std::string("JSESSIONID|jsessionid"));
    CPPUNIT_ASSERT(!b.add_member);
    CPPUNIT_ASSERT(c.member.empty() && c.member_edit.empty() && c.HasChanges());
  }

  void BalancerFields() {
    CPPUNIT_ASSERT(BE("b_lbm=bybusyness").lb_method == config::LbMethod::kByBusyness);
    CPPUNIT_ASSERT(BE("b_lbm=BYTRAFFIC").lb_method == config::LbMethod::kByTraffic);
    CPPUNIT_ASSERT_EQUAL(
        std::string("b_lbm=heartbeat: must be one of byrequests, bybusyness, bytraffic"),
        BErr("b_lbm=heartbeat"));
    BErr("b_lbm=");

    CPPUNIT_ASSERT(BE("b_tmo=30").timeout_us == int64_t{30000000});
    CPPUNIT_ASSERT(BE("b_tmo=2147483647").timeout_us == int64_t{2147483647} * 1000000);
    const std::string tmo =
        ": must be 0 (do not wait) or a whole number of seconds from 1 to 2147483647";
    CPPUNIT_ASSERT_EQUAL("b_tmo=-1" + tmo, BErr("b_tmo=-1"));
    CPPUNIT_ASSERT_EQUAL("b_tmo=5s" + tmo, BErr("b_tmo=5s"));
    CPPUNIT_ASSERT_EQUAL("b_tmo=" + tmo, BErr("b_tmo="));
    BErr("b_tmo=2147483648");

    CPPUNIT_ASSERT(BE("b_max=0").max_attempts == 0);
    CPPUNIT_ASSERT(BE("b_max=5").max_attempts == 5);
    CPPUNIT_ASSERT_EQUAL(std::string("b_max=x: must be a whole number from 0 to 2147483647"),
                         BErr("b_max=x"));

    CPPUNIT_ASSERT(BE("b_sforce=1").sticky_force == true);
    CPPUNIT_ASSERT(BE("b_sforce=0").sticky_force == false);
    CPPUNIT_ASSERT_EQUAL(std::string("b_sforce=On: must be 0 or 1"), BErr("b_sforce=On"));

    CPPUNIT_ASSERT(BE("b_ss=ROUTEID").sticky_session == std::string("ROUTEID"));
    CPPUNIT_ASSERT(!BE("b_ss=").sticky_session);                   // changes nothing
    CPPUNIT_ASSERT(BE("b_ss=-").sticky_session == std::string());  // clears
    CPPUNIT_ASSERT_EQUAL(
        std::string("b_ss=a b: must be a cookie name, or COOKIE|urlparam, of token characters (no "
                    "spaces, '=', ';' or ','), at most 63 characters in all"),
        BErr("b_ss=a+b"));
    BErr("b_ss=a;b");
    BErr("b_ss=" + std::string(64, 'c'));
  }

  void AddMember() {
    const BalancerEdit b = BE("b_nwrkr=ajp%3A%2F%2F10.0.0.3%3A8010&b_wyes=1");
    CPPUNIT_ASSERT(b.add_member.has_value());
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://10.0.0.3:8010"), b.add_member->Name());
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.3"), b.add_member->host);
    CPPUNIT_ASSERT(BE("b_nwrkr=ajp://h&b_wyes=on").add_member->Name() == "ajp://h:8009");
    // Without the confirmation box the URL is ignored, even a bad one.
    CPPUNIT_ASSERT(!BE("b_nwrkr=ajp://h").add_member);
    CPPUNIT_ASSERT(!BE("b_nwrkr=junk&b_wyes=").add_member);
    CPPUNIT_ASSERT(BE("b_nwrkr=junk&b_wyes=").empty());
    CPPUNIT_ASSERT_EQUAL(
        std::string("b_wyes=1: b_nwrkr (the URL of the member to add, ajp://host:port) is missing"),
        BErr("b_wyes=1"));
    BErr("b_wyes=1&b_nwrkr=");
    CPPUNIT_ASSERT_EQUAL(
        std::string("b_nwrkr=http://h:80: must be a member URL ajp://host[:port] (member URL "
                    "'http://h:80': only ajp:// members are supported)"),
        BErr("b_wyes=1&b_nwrkr=http://h:80"));
    BErr("b_wyes=1&b_nwrkr=ajp://h:70000");
  }

  void FieldsOfTheOtherKindAreIgnored() {
    // b_* with w: ignored, and not even checked.
    const Command m = Cmd(std::string(kMember) + "b_lbm=bogus&b_tmo=x&b_nwrkr=x&b_wyes=1&w_ls=2");
    CPPUNIT_ASSERT(m.balancer_edit.empty());
    CPPUNIT_ASSERT(m.member_edit.lbset == 2);
    // w_* without w: ignored.
    const Command b = Cmd("b=x&w_lf=bogus&w_status_D=7&w_remove=1&b_max=2");
    CPPUNIT_ASSERT(b.member_edit.empty() && !b.remove_member);
    CPPUNIT_ASSERT(b.balancer_edit.max_attempts == 2);
    // Without b nothing is an edit.
    const Command none = Cmd("w_lf=bogus&b_lbm=bogus&b_max=2&nonce=n");
    CPPUNIT_ASSERT(!none.HasChanges() && none.has_nonce);
  }

  void RepeatedFields() {
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), Cmd("b=testcluster&b=testcluster").balancer);
    CPPUNIT_ASSERT(ME("w_lf=2&w_lf=2").load_factor == 200);
    CPPUNIT_ASSERT_EQUAL(std::string("field 'nonce' is given twice with different values ('a', "
                                     "'b')"),
                         CmdErr("b=x&nonce=a&nonce=b"));
    CPPUNIT_ASSERT_EQUAL(std::string("field 'w_lf' is given twice with different values ('1', "
                                     "'2')"),
                         MErr("w_lf=1&w_lf=2"));
    CmdErr("b=x&b=y");
    CmdErr("b=x&w=ajp://a&w=ajp://b");
    MErr("w_status_D=1&w_status_D=0");
    BErr("b_lbm=bybusyness&b_lbm=bytraffic");
    // Unknown and ignored fields may repeat freely.
    CPPUNIT_ASSERT(Cmd("b=x&zz=1&zz=2&w_lf=1&w_lf=2").member.empty());
  }

  void MessagesAreOneLine() {
    const std::string err = MErr("w_wr=" + std::string(100, 'x') + "%0D%0A%1B");
    CPPUNIT_ASSERT_EQUAL("w_wr=" + std::string(64, 'x') +
                             "...: must be at most 63 printable ASCII characters, no spaces",
                         err);
    const std::string lf = MErr("w_lf=%FF%0A");
    CPPUNIT_ASSERT_EQUAL(std::string("w_lf=\\xFF\\x0A: must be a number from 1 to 100"), lf);
    for (const std::string& e : {err, lf, CmdErr("b=x&w=%0A"), CmdErr("format=%1B")}) {
      for (char c : e) CPPUNIT_ASSERT(c >= 0x20 && c < 0x7F);
    }
  }

  void EmptyAndHasChanges() {
    CPPUNIT_ASSERT(MemberEdit().empty());
    CPPUNIT_ASSERT(BalancerEdit().empty());
    MemberEdit m;
    m.clear_flags = config::kStatusDisabled;
    CPPUNIT_ASSERT(!m.empty());
    m = MemberEdit();
    m.hc_fields = kHcUri;
    CPPUNIT_ASSERT(!m.empty());
    m = MemberEdit();
    m.route = std::string();
    CPPUNIT_ASSERT(!m.empty());
    BalancerEdit b;
    b.sticky_force = false;
    CPPUNIT_ASSERT(!b.empty());
    b = BalancerEdit();
    b.timeout_us = 0;
    CPPUNIT_ASSERT(!b.empty());
    Command c;
    CPPUNIT_ASSERT(!c.HasChanges());
    c.remove_member = true;
    CPPUNIT_ASSERT(c.HasChanges());
  }

  void ConstantTimeCompare() {
    CPPUNIT_ASSERT(ConstantTimeEquals("", ""));
    CPPUNIT_ASSERT(ConstantTimeEquals("0b1c6a4e-5f12", "0b1c6a4e-5f12"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("0b1c6a4e-5f12", "0b1c6a4e-5f13"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("abc", "abcabc"));  // cycling b does not make it equal
    CPPUNIT_ASSERT(!ConstantTimeEquals("abcabc", "abc"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("a", ""));
    CPPUNIT_ASSERT(!ConstantTimeEquals("", "a"));
    CPPUNIT_ASSERT(!ConstantTimeEquals("A", "a"));
    CPPUNIT_ASSERT(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
    CPPUNIT_ASSERT(!ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ManagerFormTest);

}  // namespace
}  // namespace mca::manager
