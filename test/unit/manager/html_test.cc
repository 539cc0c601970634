// Balancer manager HTML page (core/manager/html.cc): structure, escaping, forms, badges, bytes.
#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "manager/json_check.h"
#include "manager/snapshot_fixture.h"
#include "mca/config/params.h"
#include "mca/manager/render.h"
#include "mca/manager/snapshot.h"

namespace mca::manager {
namespace {

using test::IsValidUtf8;

using test::kLastCheck;
using test::kNow;
using test::Node1;
using test::Node2;
constexpr const char kNonce[] = "n0nce-7f3a9c";

Snapshot TwoNodes() {
  Snapshot s;
  s.now_us = kNow;
  BalancerView b;
  b.name = "testcluster";
  b.sticky_session = "JSESSIONID|jsessionid";
  b.nonce = kNonce;
  b.max_attempts = 1;
  b.members = {Node1(), Node2()};
  s.balancers.push_back(b);
  return s;
}

HtmlOptions Options() {
  HtmlOptions o;
  o.action = "/balancer-manager";
  o.server_version = "Apache/2.4.62 (Debian)";
  return o;
}

bool Has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

size_t Count(std::string_view text, std::string_view part) {
  size_t n = 0;
  for (size_t i = text.find(part); i != std::string_view::npos; i = text.find(part, i + 1)) ++n;
  return n;
}

// The element with id="ID", from its '<' to the end of its matching close tag.
std::string Element(const std::string& html, std::string_view id) {
  const std::string attr = "id=\"" + std::string(id) + "\"";
  const size_t at = html.find(attr);
  CPPUNIT_ASSERT_MESSAGE("no " + attr, at != std::string::npos);
  CPPUNIT_ASSERT_MESSAGE("two " + attr, html.find(attr, at + 1) == std::string::npos);
  const size_t open = html.rfind('<', at);
  const size_t name_end = html.find_first_of(" >", open);
  const std::string name = html.substr(open + 1, name_end - open - 1);
  int depth = 0;
  for (size_t i = open; i < html.size(); ++i) {
    if (html.compare(i, name.size() + 1, "<" + name) == 0 &&
        (html[i + name.size() + 1] == ' ' || html[i + name.size() + 1] == '>')) {
      ++depth;
    } else if (html.compare(i, name.size() + 3, "</" + name + ">") == 0 && --depth == 0) {
      return html.substr(open, i + name.size() + 3 - open);
    }
  }
  CPPUNIT_FAIL("unclosed " + attr);
  return {};
}

// The value of <input ... name="NAME" value="..."> in `html` (the value as written, escaped).
std::string InputValue(const std::string& html, std::string_view name) {
  const std::string key = "name=\"" + std::string(name) + "\" value=\"";
  const size_t at = html.find(key);
  CPPUNIT_ASSERT_MESSAGE("no input " + std::string(name), at != std::string::npos);
  const size_t start = at + key.size();
  return html.substr(start, html.find('"', start) - start);
}

// The value of the selected option of <select name="NAME">, "" when none is selected.
std::string Selected(const std::string& html, std::string_view name) {
  const size_t at = html.find("<select name=\"" + std::string(name) + "\">");
  CPPUNIT_ASSERT_MESSAGE("no select " + std::string(name), at != std::string::npos);
  const std::string select = html.substr(at, html.find("</select>", at) - at);
  const size_t sel = select.find("\" selected>");
  CPPUNIT_ASSERT_MESSAGE(select, Count(select, " selected>") <= 1);
  if (sel == std::string::npos) return {};
  const size_t start = select.rfind("value=\"", sel) + 7;
  return select.substr(start, sel - start);
}

// The badge of member row ID: "class|data-health|text".
std::string Badge(const std::string& html, std::string_view id) {
  const std::string row = Element(html, id);
  const size_t at = row.find("<span class=\"badge ");
  CPPUNIT_ASSERT_MESSAGE(row, at != std::string::npos);
  const size_t cls = at + 19;
  const size_t cls_end = row.find('"', cls);
  const size_t data = row.find("data-health=\"", cls_end) + 13;
  const size_t data_end = row.find('"', data);
  const size_t text = data_end + 2;
  return row.substr(cls, cls_end - cls) + "|" + row.substr(data, data_end - data) + "|" +
         row.substr(text, row.find('<', text) - text);
}

const std::set<std::string> kVoid = {"meta", "link", "input", "br"};
const std::set<std::string> kKnown = {
    "html",  "head", "meta", "link",  "title",   "style",  "body",   "header", "h1",
    "nav",   "a",    "p",    "main",  "section", "h2",     "span",   "dl",     "div",
    "dt",    "dd",   "form", "input", "label",   "select", "option", "table",  "thead",
    "tbody", "tr",   "th",   "td",    "time",    "footer"};

// Every '<' opens or closes a known element, attribute values are double-quoted and hold no '<',
// '>' or '"', and the elements nest (the <style> content is skipped). Returns "" or the problem.
std::string CheckStructure(const std::string& html) {
  const std::string doctype = "<!DOCTYPE html>\n";
  if (html.compare(0, doctype.size(), doctype) != 0) return "no doctype";
  std::vector<std::string> stack;
  size_t i = doctype.size();
  while ((i = html.find('<', i)) != std::string::npos) {
    const size_t end = html.find('>', i);
    if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
    const std::string tag = html.substr(i + 1, end - i - 1);
    if (Count(tag, "\"") % 2 != 0 || Has(tag, "<")) return "bad attributes: " + tag;
    const bool closing = !tag.empty() && tag[0] == '/';
    const std::string name = tag.substr(closing ? 1 : 0, tag.find(' ') - (closing ? 1 : 0));
    if (kKnown.count(name) == 0) return "unknown element <" + tag + ">";
    if (closing) {
      if (stack.empty() || stack.back() != name) return "misnested </" + name + ">";
      stack.pop_back();
    } else if (kVoid.count(name) == 0) {
      stack.push_back(name);
    }
    i = end + 1;
    if (name == "style" && !closing) i = html.find("</style>", i);
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

class ManagerHtmlTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ManagerHtmlTest);
  CPPUNIT_TEST(Document);
  CPPUNIT_TEST(EmptySnapshot);
  CPPUNIT_TEST(FormatLinks);
  CPPUNIT_TEST(EscapesScriptInRoute);
  CPPUNIT_TEST(EscapesQuotesInAttributes);
  CPPUNIT_TEST(EscapesOptionsAndNames);
  CPPUNIT_TEST(ControlCharactersAndInvalidUtf8);
  CPPUNIT_TEST(NonceOnlyInHiddenInputs);
  CPPUNIT_TEST(BalancerSettingsAndForm);
  CPPUNIT_TEST(MemberFormFields);
  CPPUNIT_TEST(FlagsSelected);
  CPPUNIT_TEST(Badges);
  CPPUNIT_TEST(LastCheckAndReason);
  CPPUNIT_TEST(Counters);
  CPPUNIT_TEST(RefreshMeta);
  CPPUNIT_TEST(Message);
  CPPUNIT_TEST(Ids);
  CPPUNIT_TEST(BytesFormatting);
  CPPUNIT_TEST(StructureChecker);
  CPPUNIT_TEST_SUITE_END();

 public:
  void Document() {
    const std::string html = RenderHtml(TwoNodes(), Options());
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(html));
    CPPUNIT_ASSERT(IsValidUtf8(html));
    CPPUNIT_ASSERT(Has(html, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"));
    CPPUNIT_ASSERT(Has(html, "<title>Balancer Manager</title>"));
    CPPUNIT_ASSERT(Has(html, "<style>") && Has(html, ".badge-ok {"));
    CPPUNIT_ASSERT(html.size() > 16 &&
                   html.compare(html.size() - 16, 16, "</body>\n</html>\n") == 0);
    // Self-contained: no script, no external style sheet, image or font; the only link is the
    // empty inline icon (so browsers do not ask for /favicon.ico).
    CPPUNIT_ASSERT(!Has(html, "<script") && !Has(html, "<img"));
    CPPUNIT_ASSERT(Has(html, "<link rel=\"icon\" href=\"data:,\">"));
    CPPUNIT_ASSERT(html.find("<link") == html.rfind("<link"));
    CPPUNIT_ASSERT(!Has(html, "http://") && !Has(html, "https://") && !Has(html, "url("));
    CPPUNIT_ASSERT(Has(html, "<h2><span class=\"mono\">balancer://testcluster</span>"));
    CPPUNIT_ASSERT(Has(html, "2 members, 1 healthy"));
    CPPUNIT_ASSERT(Has(html,
                       "<footer>mod_cluster_ajp &middot; Apache/2.4.62 (Debian) &middot; "
                       "snapshot taken 2026-11-24T10:00:01.000Z</footer>"));
    // Deterministic.
    CPPUNIT_ASSERT_EQUAL(html, RenderHtml(TwoNodes(), Options()));
  }

  void EmptySnapshot() {
    const std::string html = RenderHtml(Snapshot(), HtmlOptions());
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(html));
    CPPUNIT_ASSERT(Has(html, "No balancers are configured."));
    CPPUNIT_ASSERT(!Has(html, "<form"));
    CPPUNIT_ASSERT(Has(html, "<footer>mod_cluster_ajp &middot; snapshot taken 1970-01-01T"));
    Snapshot s = TwoNodes();
    s.balancers[0].members.clear();
    const std::string one = RenderHtml(s, Options());
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(one));
    CPPUNIT_ASSERT(Has(one, "No members.") && Has(one, "0 members, 0 healthy"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, Count(one, "<form"));  // settings, add a member
  }

  void FormatLinks() {
    const std::string html = RenderHtml(TwoNodes(), Options());
    CPPUNIT_ASSERT(Has(html, "<a href=\"/balancer-manager?format=json\">JSON</a>"));
    CPPUNIT_ASSERT(Has(html, "<a href=\"/balancer-manager?xml=1\">XML</a>"));
    CPPUNIT_ASSERT(Has(html, "<a href=\"/balancer-manager?format=prometheus\">Prometheus</a>"));
    CPPUNIT_ASSERT(Has(html, "<a href=\"/balancer-manager?refresh=5\">"));
    CPPUNIT_ASSERT(Has(html, "<a href=\"/balancer-manager\">Reload</a>"));
    // While refreshing, the link stops it instead.
    HtmlOptions o = Options();
    o.refresh_seconds = 5;
    const std::string refreshing = RenderHtml(TwoNodes(), o);
    CPPUNIT_ASSERT(!Has(refreshing, "?refresh=5"));
    CPPUNIT_ASSERT(Has(refreshing, "<a href=\"/balancer-manager\">Stop auto-refresh</a>"));
  }

  void EscapesScriptInRoute() {
    Snapshot s = TwoNodes();
    s.balancers[0].members[0].route = "<script>alert(1)</script>";
    s.balancers[0].members[0].check_reason = "<script>alert(2)</script>";
    const std::string html = RenderHtml(s, Options());
    CPPUNIT_ASSERT(!Has(html, "<script"));
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(html));
    const std::string escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
    CPPUNIT_ASSERT(Has(Element(html, "member-testcluster-0"), "<td class=\"mono\">" + escaped));
    CPPUNIT_ASSERT_EQUAL(escaped, InputValue(Element(html, "edit-testcluster-0"), "w_wr"));
    CPPUNIT_ASSERT(Has(html, "<span class=\"sub reason\">&lt;script&gt;alert(2)&lt;/script&gt;"));
  }

  void EscapesQuotesInAttributes() {
    Snapshot s = TwoNodes();
    MemberView& m = s.balancers[0].members[1];
    m.url = "ajp://h:1/\"onmouseover='alert(1)'";
    m.redirect = "a\"b'c&d";
    const std::string html = RenderHtml(s, Options());
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(html));
    CPPUNIT_ASSERT(!Has(html, "\"onmouseover") && !Has(html, "'alert"));
    const std::string form = Element(html, "edit-testcluster-1");
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://h:1/&quot;onmouseover=&#39;alert(1)&#39;"),
                         InputValue(form, "w"));
    CPPUNIT_ASSERT_EQUAL(std::string("a&quot;b&#39;c&amp;d"), InputValue(form, "w_rr"));
    const std::string row = Element(html, "member-testcluster-1");
    CPPUNIT_ASSERT(
        Has(row, "<td class=\"url\">ajp://h:1/&quot;onmouseover=&#39;alert(1)&#39;</td>"));
    CPPUNIT_ASSERT(Has(row, "<td class=\"mono\">a&quot;b&#39;c&amp;d</td>"));
  }

  void EscapesOptionsAndNames() {
    Snapshot s = TwoNodes();
    s.balancers[0].name = "a\"<b>";
    s.balancers[0].sticky_session = "<S>";
    HtmlOptions o = Options();
    o.action = "/m\"><script>x";
    o.server_version = "<Apache & co>";
    const std::string html = RenderHtml(s, o);
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(html));
    CPPUNIT_ASSERT(!Has(html, "<script") && !Has(html, "<b>") && !Has(html, "<S>"));
    CPPUNIT_ASSERT(Has(html, "<a href=\"/m&quot;&gt;&lt;script&gt;x?format=json\">"));
    CPPUNIT_ASSERT(Has(html, "action=\"/m&quot;&gt;&lt;script&gt;x\""));
    CPPUNIT_ASSERT(Has(html, "balancer://a&quot;&lt;b&gt;</span>"));
    CPPUNIT_ASSERT(Has(html, "id=\"member-a&quot;&lt;b&gt;-0\""));
    CPPUNIT_ASSERT(Has(html, "<dd>&lt;S&gt;</dd>"));
    CPPUNIT_ASSERT(Has(html, "&middot; &lt;Apache &amp; co&gt; &middot;"));
    // settings, edit and remove for each of 2 members, add a member
    CPPUNIT_ASSERT_EQUAL(size_t{6}, Count(html, "name=\"b\" value=\"a&quot;&lt;b&gt;\""));
  }

  void ControlCharactersAndInvalidUtf8() {
    Snapshot s = TwoNodes();
    s.balancers[0].members[0].check_reason = std::string("a\0b\rc\x7F\xC2\x85\xFF\tq\nz", 13);
    s.balancers[0].members[0].route = "caf\xC3\xA9";
    const std::string html = RenderHtml(s, Options());
    CPPUNIT_ASSERT(IsValidUtf8(html));
    const std::string r = "\xEF\xBF\xBD";
    CPPUNIT_ASSERT(Has(html, "reason\">a" + r + "b" + r + "c" + r + r + r + "\tq\nz</span>"));
    CPPUNIT_ASSERT(Has(html, "<td class=\"mono\">caf\xC3\xA9</td>"));
  }

  void NonceOnlyInHiddenInputs() {
    Snapshot s = TwoNodes();
    s.balancers.push_back(s.balancers[0]);
    s.balancers[1].name = "other";
    s.balancers[1].nonce = "second&nonce";
    const std::string html = RenderHtml(s, Options());
    const size_t forms = Count(html, "<form ");
    // per balancer: settings, edit and remove for each of 2 members, add a member
    CPPUNIT_ASSERT_EQUAL(size_t{12}, forms);
    CPPUNIT_ASSERT_EQUAL(size_t{6}, Count(html, "<input type=\"hidden\" name=\"nonce\" value=\"" +
                                                    std::string(kNonce) + "\">"));
    CPPUNIT_ASSERT_EQUAL(size_t{6}, Count(html, std::string(kNonce)));
    CPPUNIT_ASSERT_EQUAL(
        size_t{6},
        Count(html, "<input type=\"hidden\" name=\"nonce\" value=\"second&amp;nonce\">"));
    CPPUNIT_ASSERT_EQUAL(size_t{6}, Count(html, "second"));
    // Each form has exactly one nonce, the one of its own balancer.
    for (const char* id : {"settings-testcluster", "edit-testcluster-0", "edit-testcluster-1",
                           "remove-testcluster-0", "remove-testcluster-1", "add-testcluster"}) {
      const std::string form = Element(html, id);
      CPPUNIT_ASSERT_EQUAL(size_t{1}, Count(form, "name=\"nonce\""));
      CPPUNIT_ASSERT_EQUAL(std::string(kNonce), InputValue(form, "nonce"));
    }
    for (const char* id : {"settings-other", "edit-other-0", "edit-other-1"}) {
      CPPUNIT_ASSERT_EQUAL(std::string("second&amp;nonce"), InputValue(Element(html, id), "nonce"));
    }
  }

  void BalancerSettingsAndForm() {
    Snapshot s = TwoNodes();
    BalancerView& b = s.balancers[0];
    b.lb_method = config::LbMethod::kByBusyness;
    b.nofailover = true;
    b.max_attempts = 3;
    b.timeout_us = 30000000;
    const std::string html = RenderHtml(s, Options());
    const std::string section = Element(html, "balancer-testcluster");
    CPPUNIT_ASSERT(Has(section, "<dt>Sticky session</dt><dd>JSESSIONID|jsessionid</dd>"));
    CPPUNIT_ASSERT(Has(section, "<dt>LB method</dt><dd>bybusyness</dd>"));
    CPPUNIT_ASSERT(Has(section, "<dt>Max attempts</dt><dd>3</dd>"));
    CPPUNIT_ASSERT(Has(section, "<dt>No failover</dt><dd>On</dd>"));
    CPPUNIT_ASSERT(Has(section, "<dt>Timeout</dt><dd>30 s</dd>"));
    const std::string form = Element(html, "settings-testcluster");
    CPPUNIT_ASSERT(Has(form,
                       "<form class=\"edit\" id=\"settings-testcluster\" method=\"post\" "
                       "action=\"/balancer-manager\">"));
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), InputValue(form, "b"));
    CPPUNIT_ASSERT(!Has(form, "name=\"w\""));
    CPPUNIT_ASSERT_EQUAL(std::string("bybusyness"), Selected(form, "b_lbm"));
    CPPUNIT_ASSERT(Has(form,
                       "<option value=\"byrequests\">byrequests</option>"
                       "<option value=\"bybusyness\" selected>bybusyness</option>"
                       "<option value=\"bytraffic\">bytraffic</option>"));
    CPPUNIT_ASSERT_EQUAL(std::string("30"), InputValue(form, "b_tmo"));
    CPPUNIT_ASSERT_EQUAL(std::string("3"), InputValue(form, "b_max"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), Selected(form, "b_sforce"));
    // stickysession is edited as b_ss, sent back unchanged unless the user types over it.
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID|jsessionid"), InputValue(form, "b_ss"));
    CPPUNIT_ASSERT(Has(form, "<input type=\"submit\" name=\"save\" value=\"Save\">"));

    // Defaults; a timeout of 1.5 s shows as such and goes back as whole seconds.
    b.nofailover = false;
    b.sticky_session.clear();
    b.timeout_us = 1500000;
    const std::string plain = RenderHtml(s, Options());
    CPPUNIT_ASSERT(Has(plain, "<dt>Sticky session</dt><dd><span class=\"none\">none</span></dd>"));
    CPPUNIT_ASSERT(Has(plain, "<dt>Timeout</dt><dd>1.5 s</dd>"));
    const std::string plain_form = Element(plain, "settings-testcluster");
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Selected(plain_form, "b_sforce"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), InputValue(plain_form, "b_tmo"));
  }

  void MemberFormFields() {
    const std::string html = RenderHtml(TwoNodes(), Options());
    const std::string f0 = Element(html, "edit-testcluster-0");
    CPPUNIT_ASSERT(Has(f0,
                       "<form class=\"edit\" id=\"edit-testcluster-0\" method=\"post\" "
                       "action=\"/balancer-manager\">"));
    CPPUNIT_ASSERT_EQUAL(std::string("testcluster"), InputValue(f0, "b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://127.0.0.1:8009"), InputValue(f0, "w"));
    CPPUNIT_ASSERT(Has(f0, "<input type=\"hidden\" name=\"w\" value=\"ajp://127.0.0.1:8009\">"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), InputValue(f0, "w_lf"));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), InputValue(f0, "w_ls"));
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), InputValue(f0, "w_wr"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), InputValue(f0, "w_rr"));
    for (const char* flag : {"D", "N", "S", "H", "R", "I"}) {
      CPPUNIT_ASSERT_EQUAL(std::string("0"), Selected(f0, std::string("w_status_") + flag));
    }
    // The health check's settings, as mod_proxy_balancer names them (interval in ms).
    CPPUNIT_ASSERT_EQUAL(std::string("CPING"), Selected(f0, "w_hm"));
    CPPUNIT_ASSERT_EQUAL(std::string("2000"), InputValue(f0, "w_hi"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), InputValue(f0, "w_hp"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), InputValue(f0, "w_hf"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), InputValue(f0, "w_hu"));
    CPPUNIT_ASSERT(Has(f0, "<input type=\"submit\" name=\"save\" value=\"Save\">"));
    // The member's form is in the row right after the member's.
    const size_t row = html.find("id=\"member-testcluster-0\"");
    const size_t next_row = html.find("<tr", row);
    CPPUNIT_ASSERT(html.compare(next_row, 19, "<tr class=\"edit-row") == 0);
    CPPUNIT_ASSERT(html.find("id=\"edit-testcluster-0\"", next_row) <
                   html.find("id=\"member-testcluster-1\""));

    const std::string f1 = Element(html, "edit-testcluster-1");
    CPPUNIT_ASSERT_EQUAL(std::string("1.5"), InputValue(f1, "w_lf"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), InputValue(f1, "w_ls"));
    CPPUNIT_ASSERT_EQUAL(std::string("node2"), InputValue(f1, "w_wr"));
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), InputValue(f1, "w_rr"));
    Snapshot s = TwoNodes();
    s.balancers[0].members[0].load_factor = 125;
    CPPUNIT_ASSERT_EQUAL(
        std::string("1.25"),
        InputValue(Element(RenderHtml(s, Options()), "edit-testcluster-0"), "w_lf"));
  }

  void FlagsSelected() {
    struct Case {
      uint32_t flag;
      const char* field;
    };
    const Case cases[] = {
        {config::kStatusDisabled, "w_status_D"}, {config::kStatusDraining, "w_status_N"},
        {config::kStatusStopped, "w_status_S"},  {config::kStatusHotStandby, "w_status_H"},
        {config::kStatusHotSpare, "w_status_R"}, {config::kStatusIgnoreErrors, "w_status_I"},
    };
    for (const Case& c : cases) {
      Snapshot s = TwoNodes();
      s.balancers[0].members[0].status = c.flag;
      const std::string form = Element(RenderHtml(s, Options()), "edit-testcluster-0");
      for (const Case& other : cases) {
        CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(c.field) + " set, " + other.field,
                                     std::string(other.flag == c.flag ? "1" : "0"),
                                     Selected(form, other.field));
      }
    }
    // Node2 has D and H.
    const std::string f1 = Element(RenderHtml(TwoNodes(), Options()), "edit-testcluster-1");
    CPPUNIT_ASSERT(Has(f1,
                       "<select name=\"w_status_D\"><option value=\"0\">Off</option>"
                       "<option value=\"1\" selected>On</option></select>"));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), Selected(f1, "w_status_H"));
    CPPUNIT_ASSERT_EQUAL(std::string("0"), Selected(f1, "w_status_N"));
  }

  void Badges() {
    auto badge = [](uint32_t status, bool healthy, bool in_error) {
      Snapshot s = TwoNodes();
      MemberView& m = s.balancers[0].members[0];
      m.status = status;
      m.healthy = healthy;
      m.in_error = in_error;
      return Badge(RenderHtml(s, Options()), "member-testcluster-0");
    };
    CPPUNIT_ASSERT_EQUAL(std::string("badge-ok|healthy|healthy"), badge(0, true, false));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-err|error|in error"), badge(0, true, true));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-err|error|in error"),
                         badge(config::kStatusInError, true, false));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-err|unhealthy|unhealthy"), badge(0, false, false));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-err|unhealthy|unhealthy"),
                         badge(config::kStatusHealthFailed, true, false));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-off|off|disabled"),
                         badge(config::kStatusDisabled, false, true));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-off|off|stopped"),
                         badge(config::kStatusStopped | config::kStatusDisabled, true, false));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-warn|healthy|draining"),
                         badge(config::kStatusDraining, true, false));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-err|error|in error"),
                         badge(config::kStatusDraining, true, true));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-warn|healthy|standby"),
                         badge(config::kStatusHotStandby, true, false));
    CPPUNIT_ASSERT_EQUAL(std::string("badge-warn|healthy|standby"),
                         badge(config::kStatusHotSpare, true, false));
    // Ignore errors: not in error, whatever the error state.
    CPPUNIT_ASSERT_EQUAL(std::string("badge-ok|healthy|healthy"),
                         badge(config::kStatusIgnoreErrors, true, true));
    // An error that ends at now_us is over.
    Snapshot s = TwoNodes();
    s.balancers[0].members[0].error_until_us = kNow + 1;
    CPPUNIT_ASSERT_EQUAL(std::string("badge-err|error|in error"),
                         Badge(RenderHtml(s, Options()), "member-testcluster-0"));
    s.balancers[0].members[0].error_until_us = kNow;
    CPPUNIT_ASSERT_EQUAL(std::string("badge-ok|healthy|healthy"),
                         Badge(RenderHtml(s, Options()), "member-testcluster-0"));

    // State names and flag letters next to them.
    const std::string html = RenderHtml(TwoNodes(), Options());
    CPPUNIT_ASSERT(Has(html,
                       "<tr class=\"member\" id=\"member-testcluster-0\" "
                       "data-state=\"active\">"));
    CPPUNIT_ASSERT(Has(html,
                       "<tr class=\"member\" id=\"member-testcluster-1\" "
                       "data-state=\"disabled\">"));
    const std::string row1 = Element(html, "member-testcluster-1");
    CPPUNIT_ASSERT(Has(row1, "<td>disabled<span class=\"flags\" title=\"status flags\">DH</span>"));
    CPPUNIT_ASSERT(Has(Element(html, "member-testcluster-0"), "<td>active</td>"));
  }

  void LastCheckAndReason() {
    const std::string html = RenderHtml(TwoNodes(), Options());
    const std::string row0 = Element(html, "member-testcluster-0");
    CPPUNIT_ASSERT(Has(row0,
                       "last check: <time datetime=\"2026-11-24T10:00:00.123Z\">"
                       "2026-11-24T10:00:00.123Z</time>"));
    CPPUNIT_ASSERT(!Has(row0, "reason"));
    const std::string row1 = Element(html, "member-testcluster-1");
    CPPUNIT_ASSERT(Has(row1, "last check: never</span>"));
    CPPUNIT_ASSERT(Has(row1, "<span class=\"sub reason\">CPing timed out</span>"));
    // A time outside 0000..9999 shows as never.
    Snapshot s = TwoNodes();
    s.balancers[0].members[0].last_check_us = std::numeric_limits<int64_t>::max();
    CPPUNIT_ASSERT(
        Has(Element(RenderHtml(s, Options()), "member-testcluster-0"), "last check: never"));
  }

  void Counters() {
    const std::string html = RenderHtml(TwoNodes(), Options());
    const std::string row0 = Element(html, "member-testcluster-0");
    CPPUNIT_ASSERT(Has(row0, "<td class=\"num\">1</td><td class=\"num\">0</td>"));  // lf, lbset
    CPPUNIT_ASSERT(Has(row0,
                       "<td class=\"num\">42</td><td class=\"num\">1</td>"
                       "<td class=\"num\">0</td>"));  // elected, busy, errors
    CPPUNIT_ASSERT(Has(row0,
                       "<td class=\"num\"><span title=\"1000 bytes\">1000 B</span></td>"
                       "<td class=\"num\"><span title=\"20000 bytes\">19.5 KiB</span></td>"
                       "<td class=\"num\">3</td>\n</tr>"));
    const std::string row1 = Element(html, "member-testcluster-1");
    CPPUNIT_ASSERT(Has(row1, "<td class=\"num\">1.5</td><td class=\"num\">1</td>"));
    // busy below 0 shows 0; connections with the hard maximum.
    CPPUNIT_ASSERT(Has(row1,
                       "<td class=\"num\">0</td><td class=\"num\">0</td>"
                       "<td class=\"num\">7</td>"));
    CPPUNIT_ASSERT(Has(row1, "<td class=\"num\">0 / 10</td>\n</tr>"));
    Snapshot s = TwoNodes();
    s.balancers[0].members[0].elected = std::numeric_limits<uint64_t>::max();
    s.balancers[0].members[0].connections = -4;
    const std::string big = Element(RenderHtml(s, Options()), "member-testcluster-0");
    CPPUNIT_ASSERT(Has(big, "<td class=\"num\">18446744073709551615</td>"));
    CPPUNIT_ASSERT(Has(big, "<td class=\"num\">0</td>\n</tr>"));
  }

  void RefreshMeta() {
    HtmlOptions o = Options();
    CPPUNIT_ASSERT(!Has(RenderHtml(TwoNodes(), o), "http-equiv"));
    o.refresh_seconds = -3;
    CPPUNIT_ASSERT(!Has(RenderHtml(TwoNodes(), o), "http-equiv"));
    o.refresh_seconds = 5;
    const std::string html = RenderHtml(TwoNodes(), o);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, Count(html, "<meta http-equiv=\"refresh\" content=\"5\">"));
    CPPUNIT_ASSERT(html.find("http-equiv") < html.find("</head>"));
    o.refresh_seconds = 30;
    CPPUNIT_ASSERT(Has(RenderHtml(TwoNodes(), o), "<meta http-equiv=\"refresh\" content=\"30\">"));
  }

  void Message() {
    HtmlOptions o = Options();
    CPPUNIT_ASSERT(!Has(RenderHtml(TwoNodes(), o), "id=\"message\""));
    o.message = "Saved.";
    const std::string ok = RenderHtml(TwoNodes(), o);
    CPPUNIT_ASSERT(Has(ok,
                       "<p id=\"message\" class=\"message message-ok\" role=\"status\">"
                       "Saved.</p>"));
    CPPUNIT_ASSERT(ok.find("id=\"message\"") < ok.find("<main>"));
    o.message = "w_lf=<b>: must be a number from 1 to 100 & \"more\"";
    o.message_is_error = true;
    const std::string err = RenderHtml(TwoNodes(), o);
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(err));
    CPPUNIT_ASSERT(Has(err,
                       "<p id=\"message\" class=\"message message-error\" role=\"alert\">"
                       "w_lf=&lt;b&gt;: must be a number from 1 to 100 &amp; "
                       "&quot;more&quot;</p>"));
  }

  void Ids() {
    Snapshot s = TwoNodes();
    s.balancers.push_back(s.balancers[0]);
    s.balancers[1].name = "my-cluster";
    const std::string html = RenderHtml(s, Options());
    std::set<std::string> ids;
    for (size_t i = html.find(" id=\""); i != std::string::npos; i = html.find(" id=\"", i + 1)) {
      const size_t start = i + 5;
      const std::string id = html.substr(start, html.find('"', start) - start);
      CPPUNIT_ASSERT_MESSAGE("duplicate id " + id, ids.insert(id).second);
    }
    const std::set<std::string> expected = {
        "balancer-testcluster", "settings-testcluster", "member-testcluster-0",
        "edit-testcluster-0",   "remove-testcluster-0", "member-testcluster-1",
        "edit-testcluster-1",   "remove-testcluster-1", "add-testcluster",
        "balancer-my-cluster",  "settings-my-cluster",  "member-my-cluster-0",
        "edit-my-cluster-0",    "remove-my-cluster-0",  "member-my-cluster-1",
        "edit-my-cluster-1",    "remove-my-cluster-1",  "add-my-cluster"};
    CPPUNIT_ASSERT(ids == expected);
    // Removing is its own form: saving an edit never sends w_remove.
    CPPUNIT_ASSERT(!Has(Element(html, "edit-my-cluster-1"), "w_remove"));
    const std::string remove = Element(html, "remove-my-cluster-1");
    CPPUNIT_ASSERT_EQUAL(std::string("1"), InputValue(remove, "w_remove"));
    CPPUNIT_ASSERT_EQUAL(std::string("my-cluster"), InputValue(remove, "b"));
    CPPUNIT_ASSERT_EQUAL(std::string("ajp://127.0.0.1:8010"), InputValue(remove, "w"));
    CPPUNIT_ASSERT(Has(remove, "method=\"post\""));
    // Adding: mod_proxy_balancer's b_wyes and b_nwrkr, no w.
    const std::string add = Element(html, "add-my-cluster");
    CPPUNIT_ASSERT_EQUAL(std::string("1"), InputValue(add, "b_wyes"));
    CPPUNIT_ASSERT_EQUAL(std::string(""), InputValue(add, "b_nwrkr"));
    CPPUNIT_ASSERT(!Has(add, "name=\"w\""));
    CPPUNIT_ASSERT(Has(add, "method=\"post\""));
    // A member added in the manager says so.
    s.balancers[1].members[1].added = true;
    const std::string marked = RenderHtml(s, Options());
    CPPUNIT_ASSERT(Has(Element(marked, "member-my-cluster-1"), "added in the manager"));
    CPPUNIT_ASSERT(!Has(Element(marked, "member-my-cluster-0"), "added in the manager"));
    // Elements a browser test looks up: the row holds the badge, the form the save button.
    CPPUNIT_ASSERT(Has(Element(html, "member-my-cluster-1"), "class=\"badge badge-off\""));
    CPPUNIT_ASSERT(Has(Element(html, "edit-my-cluster-1"), "name=\"save\""));
    CPPUNIT_ASSERT(Has(Element(html, "balancer-my-cluster"), "id=\"edit-my-cluster-0\""));
  }

  void BytesFormatting() {
    CPPUNIT_ASSERT_EQUAL(std::string("0 B"), FormatBytes(0));
    CPPUNIT_ASSERT_EQUAL(std::string("1023 B"), FormatBytes(1023));
    CPPUNIT_ASSERT_EQUAL(std::string("1.0 KiB"), FormatBytes(1024));
    CPPUNIT_ASSERT_EQUAL(std::string("1.2 KiB"), FormatBytes(1234));
    CPPUNIT_ASSERT_EQUAL(std::string("1.5 KiB"), FormatBytes(1536));
    CPPUNIT_ASSERT_EQUAL(std::string("1.0 KiB"), FormatBytes(1075));  // 1.0498: down
    CPPUNIT_ASSERT_EQUAL(std::string("1.1 KiB"), FormatBytes(1076));  // 1.0508: up
    CPPUNIT_ASSERT_EQUAL(std::string("19.5 KiB"), FormatBytes(20000));
    CPPUNIT_ASSERT_EQUAL(std::string("1023.0 KiB"), FormatBytes(1023 * 1024));
    CPPUNIT_ASSERT_EQUAL(std::string("1.0 MiB"), FormatBytes(1024 * 1024 - 1));  // rounds up
    CPPUNIT_ASSERT_EQUAL(std::string("1.0 MiB"), FormatBytes(1024 * 1024));
    CPPUNIT_ASSERT_EQUAL(std::string("1.2 MiB"), FormatBytes(1234567));
    CPPUNIT_ASSERT_EQUAL(std::string("1.0 GiB"), FormatBytes(uint64_t{1} << 30));
    CPPUNIT_ASSERT_EQUAL(std::string("1.0 TiB"), FormatBytes(uint64_t{1} << 40));
    CPPUNIT_ASSERT_EQUAL(std::string("1.0 EiB"), FormatBytes(uint64_t{1} << 60));
    CPPUNIT_ASSERT_EQUAL(std::string("16.0 EiB"),
                         FormatBytes(std::numeric_limits<uint64_t>::max()));
    // In the page: readable, with the exact count in the title.
    Snapshot s = TwoNodes();
    s.balancers[0].members[0].bytes_sent = 1234567;
    const std::string row = Element(RenderHtml(s, Options()), "member-testcluster-0");
    CPPUNIT_ASSERT(Has(row, "<span title=\"1234567 bytes\">1.2 MiB</span>"));
  }

  // The checker used above refuses what it should.
  void StructureChecker() {
    const std::string ok = "<!DOCTYPE html>\n<html><body><p>x<input name=\"a\"></p></body></html>";
    CPPUNIT_ASSERT_EQUAL(std::string(), CheckStructure(ok));
    CPPUNIT_ASSERT(!CheckStructure("<html></html>").empty());
    CPPUNIT_ASSERT(!CheckStructure("<!DOCTYPE html>\n<html><p></html></p>").empty());
    CPPUNIT_ASSERT(!CheckStructure("<!DOCTYPE html>\n<html><script>x</script></html>").empty());
    CPPUNIT_ASSERT(!CheckStructure("<!DOCTYPE html>\n<html><p a=\"x></p></html>").empty());
    CPPUNIT_ASSERT(!CheckStructure("<!DOCTYPE html>\n<html><p>").empty());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ManagerHtmlTest);

}  // namespace
}  // namespace mca::manager
