#include "mca/sticky/route.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

namespace mca::sticky {
namespace {

Settings Make(std::string_view sticky = "JSESSIONID", std::string_view sep = ".",
              bool scolon = false) {
  Settings s;
  const Status st = ParseSettings(sticky, sep, scolon, &s);
  CPPUNIT_ASSERT_MESSAGE(Describe(st), st.ok());
  return s;
}

RouteInput Input(std::string_view path, std::string_view query = {},
                 std::vector<std::string_view> cookies = {}) {
  RouteInput in;
  in.path = path;
  in.query = query;
  in.cookie_headers.assign(cookies.begin(), cookies.end());
  return in;
}

RouteInput Cookies(std::vector<std::string_view> cookies) {
  return Input("/app/index.jsp", "", std::move(cookies));
}

// "c:VALUE>ROUTE p:... q:..." — the whole result in one comparable string.
std::string Dump(const Candidates& cs) {
  std::string out;
  for (const Candidate& c : cs) {
    if (!out.empty()) out += ' ';
    out += c.source == Source::kPathParameter    ? "p:"
           : c.source == Source::kQueryParameter ? "q:"
                                                 : "c:";
    out += c.value;
    out += '>';
    out += c.route;
  }
  return out;
}

std::string Run(const RouteInput& in, const Settings& s = Make()) {
  return Dump(ExtractCandidates(in, s));
}

bool Within(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

class StickySettingsTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StickySettingsTest);
  CPPUNIT_TEST(PlainNameGivesLowercaseUrlAlias);
  CPPUNIT_TEST(BarSplitsCookieAndUrlNamesExactly);
  CPPUNIT_TEST(DefaultsEqualParsedJsessionid);
  CPPUNIT_TEST(SeparatorOffAndCustom);
  CPPUNIT_TEST(BadNamesAreRejectedWithOffset);
  CPPUNIT_TEST(BadSeparatorsAreRejected);
  CPPUNIT_TEST(SourceNames);
  CPPUNIT_TEST_SUITE_END();

 public:
  void PlainNameGivesLowercaseUrlAlias() {
    const Settings s = Make("JSESSIONID");
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID"), s.cookie_name);
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID"), s.url_name);
    CPPUNIT_ASSERT_EQUAL(std::string("jsessionid"), s.url_name_alt);
    // Already lowercase: no alias.
    const Settings l = Make("phpsessid");
    CPPUNIT_ASSERT_EQUAL(std::string("phpsessid"), l.url_name);
    CPPUNIT_ASSERT_EQUAL(std::string(), l.url_name_alt);
  }

  void BarSplitsCookieAndUrlNamesExactly() {
    const Settings s = Make("ROUTEID|routeid");
    CPPUNIT_ASSERT_EQUAL(std::string("ROUTEID"), s.cookie_name);
    CPPUNIT_ASSERT_EQUAL(std::string("routeid"), s.url_name);
    CPPUNIT_ASSERT_EQUAL(std::string(), s.url_name_alt);
    const Settings u = Make("Cookie|URLNAME");
    CPPUNIT_ASSERT_EQUAL(std::string("URLNAME"), u.url_name);
    CPPUNIT_ASSERT_EQUAL(std::string(), u.url_name_alt);
  }

  void DefaultsEqualParsedJsessionid() {
    const Settings d;
    const Settings p = Make("JSESSIONID", ".", false);
    CPPUNIT_ASSERT_EQUAL(p.cookie_name, d.cookie_name);
    CPPUNIT_ASSERT_EQUAL(p.url_name, d.url_name);
    CPPUNIT_ASSERT_EQUAL(p.url_name_alt, d.url_name_alt);
    CPPUNIT_ASSERT_EQUAL(p.has_separator, d.has_separator);
    CPPUNIT_ASSERT_EQUAL(p.separator, d.separator);
    CPPUNIT_ASSERT_EQUAL(p.scolon_path_delim, d.scolon_path_delim);
  }

  void SeparatorOffAndCustom() {
    for (std::string_view off : {"off", "OFF", "Off"}) {
      const Settings s = Make("JSESSIONID", off);
      CPPUNIT_ASSERT(!s.has_separator);
    }
    const Settings bang = Make("JSESSIONID", "!", true);
    CPPUNIT_ASSERT(bang.has_separator);
    CPPUNIT_ASSERT_EQUAL('!', bang.separator);
    CPPUNIT_ASSERT(bang.scolon_path_delim);
  }

  void BadNamesAreRejectedWithOffset() {
    struct Case {
      std::string_view text;
      size_t offset;
    };
    const Case cases[] = {{"", 0},      {"|x", 0},  {"A|", 2},     {"A|b|c", 3},   {"JSESS ID", 5},
                          {"JS;ID", 2}, {"a=b", 1}, {"A|\x01", 2}, {"\xC3\xA9", 0}};
    for (const Case& c : cases) {
      Settings s;
      s.cookie_name = "unchanged";
      const Status st = ParseSettings(c.text, ".", false, &s);
      CPPUNIT_ASSERT_MESSAGE(std::string(c.text), st.code == Errc::kBadValue);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::string(c.text), c.offset, st.offset);
      CPPUNIT_ASSERT_EQUAL(std::string("stickysession"), std::string(st.field));
      CPPUNIT_ASSERT_EQUAL(std::string("unchanged"), s.cookie_name);
    }
  }

  void BadSeparatorsAreRejected() {
    for (std::string_view sep :
         {std::string_view(""), std::string_view("ab"), std::string_view(" "),
          std::string_view("\x01"), std::string_view("\x7f"), std::string_view("\xC3"),
          std::string_view("of"), std::string_view("offf")}) {
      Settings s;
      const Status st = ParseSettings("JSESSIONID", sep, false, &s);
      CPPUNIT_ASSERT_MESSAGE(std::string(sep), st.code == Errc::kBadValue);
      CPPUNIT_ASSERT_EQUAL(std::string("stickysessionsep"), std::string(st.field));
      CPPUNIT_ASSERT_EQUAL('.', s.separator);
    }
  }

  void SourceNames() {
    CPPUNIT_ASSERT_EQUAL(std::string("path parameter"),
                         std::string(SourceName(Source::kPathParameter)));
    CPPUNIT_ASSERT_EQUAL(std::string("query parameter"),
                         std::string(SourceName(Source::kQueryParameter)));
    CPPUNIT_ASSERT_EQUAL(std::string("cookie"), std::string(SourceName(Source::kCookie)));
  }
};

class StickyRouteTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StickyRouteTest);
  CPPUNIT_TEST(TomcatCookieRouteIsAfterFirstDot);
  CPPUNIT_TEST(SeveralCookieHeaders);
  CPPUNIT_TEST(SeveralCookiesInOneHeaderWithAndWithoutSpaces);
  CPPUNIT_TEST(QuotedCookieValues);
  CPPUNIT_TEST(MultipleJsessionidCookiesKeepTheirOrder);
  CPPUNIT_TEST(PathParameterInLastSegment);
  CPPUNIT_TEST(PathParameterInMiddleSegment);
  CPPUNIT_TEST(PathEndsAtQuestionMarkOrHash);
  CPPUNIT_TEST(QueryParameterFirstAndAfterAmpersand);
  CPPUNIT_TEST(PathBeforeQueryBeforeCookie);
  CPPUNIT_TEST(SimilarNamesAreNotMatched);
  CPPUNIT_TEST(PlainNameHonoursUrlLowercaseAlias);
  CPPUNIT_TEST(ExplicitCookieAndUrlNames);
  CPPUNIT_TEST(CustomRouteIdCookie);
  CPPUNIT_TEST(PhpSessionId);
  CPPUNIT_TEST(SeparatorBang);
  CPPUNIT_TEST(SeparatorOffMakesWholeValueTheRoute);
  CPPUNIT_TEST(EmptyValuesAreSkipped);
  CPPUNIT_TEST(ValueWithoutSeparatorHasNoRoute);
  CPPUNIT_TEST(ValueEndingInSeparatorHasNoRoute);
  CPPUNIT_TEST(ScolonPathDelimOnAndOff);
  CPPUNIT_TEST(ControlCharactersInvalidateOnlyTheirValue);
  CPPUNIT_TEST(CandidatesAreCappedAndTruncationIsReported);
  CPPUNIT_TEST(VeryLongInputs);
  CPPUNIT_TEST(ResultsAreViewsIntoTheInput);
  CPPUNIT_TEST_SUITE_END();

 public:
  void TomcatCookieRouteIsAfterFirstDot() {
    const RouteInput in = Cookies({"JSESSIONID=A61DECF92B4F1597CDD4B1D5D3564078.node1"});
    const Candidates cs = ExtractCandidates(in, Make());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, cs.size());
    CPPUNIT_ASSERT(cs[0].source == Source::kCookie);
    CPPUNIT_ASSERT_EQUAL(std::string("A61DECF92B4F1597CDD4B1D5D3564078.node1"),
                         std::string(cs[0].value));
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), std::string(cs[0].route));
    CPPUNIT_ASSERT(!cs.truncated());
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), std::string(FindRoute(in, Make())));
  }

  void SeveralCookieHeaders() {
    CPPUNIT_ASSERT_EQUAL(std::string("c:X.n2>n2 c:Y.n3>n3"),
                         Run(Cookies({"a=1", "JSESSIONID=X.n2", "b=2; JSESSIONID=Y.n3"})));
  }

  void SeveralCookiesInOneHeaderWithAndWithoutSpaces() {
    CPPUNIT_ASSERT_EQUAL(std::string("c:X.n1>n1"), Run(Cookies({"a=b;JSESSIONID=X.n1;c=d"})));
    CPPUNIT_ASSERT_EQUAL(std::string("c:X.n1>n1"), Run(Cookies({"a=b; JSESSIONID=X.n1; c=d"})));
    CPPUNIT_ASSERT_EQUAL(std::string("c:X.n1>n1"),
                         Run(Cookies({"a=b ;  JSESSIONID \t=\t X.n1  ;c=d"})));
    CPPUNIT_ASSERT_EQUAL(std::string("c:X.n1>n1"), Run(Cookies({"\tJSESSIONID=X.n1\t"})));
    // Comma as a cookie separator (old clients), as httpd accepts it.
    CPPUNIT_ASSERT_EQUAL(std::string("c:X.n1>n1 c:Y.n2>n2"),
                         Run(Cookies({"a=b, JSESSIONID=X.n1,JSESSIONID=Y.n2"})));
    // '=' inside a value belongs to the value.
    CPPUNIT_ASSERT_EQUAL(std::string("c:ab==.n1>n1"), Run(Cookies({"JSESSIONID=ab==.n1"})));
    // A cookie without '=' is skipped, the next one still counts.
    CPPUNIT_ASSERT_EQUAL(std::string("c:Z.n3>n3"), Run(Cookies({"JSESSIONID; JSESSIONID=Z.n3"})));
  }

  void QuotedCookieValues() {
    CPPUNIT_ASSERT_EQUAL(std::string("c:X.n1>n1"), Run(Cookies({"JSESSIONID=\"X.n1\""})));
    CPPUNIT_ASSERT_EQUAL(std::string("c:Y.n2>n2"),
                         Run(Cookies({"a=1; JSESSIONID = \"Y.n2\" ; b=2"})));
    // Unbalanced or empty quotes: skipped.
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Cookies({"JSESSIONID=\"X.n1"})));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Cookies({"JSESSIONID=\""})));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Cookies({"JSESSIONID=\"\"; x=1"})));
  }

  void MultipleJsessionidCookiesKeepTheirOrder() {
    const RouteInput in = Cookies({"JSESSIONID=A.n1; JSESSIONID=B.n2; JSESSIONID=C"});
    CPPUNIT_ASSERT_EQUAL(std::string("c:A.n1>n1 c:B.n2>n2 c:C>"), Run(in));
    CPPUNIT_ASSERT_EQUAL(std::string("n1"), std::string(FindRoute(in, Make())));
    // The first one has no route: the first route wins.
    const RouteInput in2 = Cookies({"JSESSIONID=A", "JSESSIONID=B.n2; JSESSIONID=C.n3"});
    CPPUNIT_ASSERT_EQUAL(std::string("c:A> c:B.n2>n2 c:C.n3>n3"), Run(in2));
    CPPUNIT_ASSERT_EQUAL(std::string("n2"), std::string(FindRoute(in2, Make())));
  }

  void PathParameterInLastSegment() {
    CPPUNIT_ASSERT_EQUAL(std::string("p:ABC.node1>node1"),
                         Run(Input("/app/page.jsp;jsessionid=ABC.node1")));
    CPPUNIT_ASSERT_EQUAL(std::string("p:ABC.node1>node1"),
                         Run(Input("/app/page.jsp;a=1;jsessionid=ABC.node1;b=2")));
  }

  void PathParameterInMiddleSegment() {
    CPPUNIT_ASSERT_EQUAL(std::string("p:ABC.node2>node2"),
                         Run(Input("/app;jsessionid=ABC.node2/page.jsp")));
    CPPUNIT_ASSERT_EQUAL(std::string("p:ABC.n3>n3"),
                         Run(Input("/a;x=1;jsessionid=ABC.n3;y=2/b/c.jsp")));
    // One per segment, in order.
    CPPUNIT_ASSERT_EQUAL(std::string("p:A.n1>n1 p:B.n2>n2"),
                         Run(Input("/a;jsessionid=A.n1/b;jsessionid=B.n2")));
    // Not a path parameter: no ';' before the name.
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/jsessionid=A.n1/x")));
  }

  void PathEndsAtQuestionMarkOrHash() {
    CPPUNIT_ASSERT_EQUAL(std::string("p:A.n1>n1"), Run(Input("/a;jsessionid=A.n1?x=1")));
    CPPUNIT_ASSERT_EQUAL(std::string("p:A.n1>n1"), Run(Input("/a;jsessionid=A.n1#f")));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/a?x;jsessionid=A.n1")));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/a#x;jsessionid=A.n1")));
  }

  void QueryParameterFirstAndAfterAmpersand() {
    CPPUNIT_ASSERT_EQUAL(std::string("q:ABC.n1>n1"), Run(Input("/a", "jsessionid=ABC.n1")));
    CPPUNIT_ASSERT_EQUAL(std::string("q:ABC.n2>n2"), Run(Input("/a", "a=1&jsessionid=ABC.n2&b=3")));
    CPPUNIT_ASSERT_EQUAL(std::string("q:ABC.n3>n3"), Run(Input("/a", "a=1&jsessionid=ABC.n3#f")));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/a", "a=1#&jsessionid=ABC.n3")));
    // Only as a whole parameter name: not inside another parameter's value.
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/a", "next=/x?jsessionid=A.n1")));
  }

  void PathBeforeQueryBeforeCookie() {
    const RouteInput in = Input("/a;jsessionid=P.n1/b", "jsessionid=Q.n2", {"JSESSIONID=C.n3"});
    CPPUNIT_ASSERT_EQUAL(std::string("p:P.n1>n1 q:Q.n2>n2 c:C.n3>n3"), Run(in));
    CPPUNIT_ASSERT_EQUAL(std::string("n1"), std::string(FindRoute(in, Make())));
    const RouteInput no_path = Input("/a/b", "jsessionid=Q.n2", {"JSESSIONID=C.n3"});
    CPPUNIT_ASSERT_EQUAL(std::string("n2"), std::string(FindRoute(no_path, Make())));
    const RouteInput path_no_route = Input("/a;jsessionid=P", "x=1", {"JSESSIONID=C.n3"});
    CPPUNIT_ASSERT_EQUAL(std::string("n3"), std::string(FindRoute(path_no_route, Make())));
  }

  void SimilarNamesAreNotMatched() {
    const RouteInput in =
        Input("/a;xjsessionid=X.bad;jsessionidx=Y.bad/b;myjsessionid=Z.bad;jsessionid",
              "xjsessionid=X.bad&jsessionidx=Y.bad&myjsessionid=Z.bad&a=jsessionid=W.bad",
              {"myJSESSIONID=X.bad; JSESSIONIDX=Y.bad; xJSESSIONID=Z.bad",
               "JSESSIONID_OLD=V.bad; a=JSESSIONID=W.bad"});
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(in));
    CPPUNIT_ASSERT_EQUAL(std::string(), std::string(FindRoute(in, Make())));
  }

  void PlainNameHonoursUrlLowercaseAlias() {
    CPPUNIT_ASSERT_EQUAL(std::string("p:A.n1>n1 p:B.n2>n2"),
                         Run(Input("/a;JSESSIONID=A.n1;JSessionId=X.bad/b;jsessionid=B.n2")));
    CPPUNIT_ASSERT_EQUAL(std::string("q:A.n1>n1 q:B.n2>n2"),
                         Run(Input("/a", "JSESSIONID=A.n1&JSessionID=X.bad&jsessionid=B.n2")));
    // Cookie names are case-sensitive: the lowercase alias is for URLs only.
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Cookies({"jsessionid=A.n1; JSessionId=B.n2"})));
  }

  void ExplicitCookieAndUrlNames() {
    const Settings s = Make("JSESSIONID|jsessionid");
    CPPUNIT_ASSERT_EQUAL(
        std::string("p:B.n2>n2 q:D.n4>n4 c:E.n5>n5"),
        Run(Input("/a;JSESSIONID=A.n1;jsessionid=B.n2", "JSESSIONID=C.n3&jsessionid=D.n4",
                  {"jsessionid=X.bad; JSESSIONID=E.n5"}),
            s));
  }

  void CustomRouteIdCookie() {
    // httpd's documented pattern: Header add Set-Cookie "ROUTEID=.node1; path=/".
    const Settings s = Make("ROUTEID|routeid");
    CPPUNIT_ASSERT_EQUAL(std::string("c:.node1>node1"), Run(Cookies({"ROUTEID=.node1"}), s));
    CPPUNIT_ASSERT_EQUAL(std::string("p:.a>a q:.b>b c:.c>c"),
                         Run(Input("/x;ROUTEID=.z;routeid=.a", "ROUTEID=.y&routeid=.b",
                                   {"routeid=.x; ROUTEID=.c; JSESSIONID=J.w"}),
                             s));
  }

  void PhpSessionId() {
    const Settings s = Make("PHPSESSID");
    CPPUNIT_ASSERT_EQUAL(std::string("c:abc123.web1>web1"),
                         Run(Cookies({"lang=en; PHPSESSID=abc123.web1"}), s));
    CPPUNIT_ASSERT_EQUAL(std::string("q:a.w1>w1 q:b.w2>w2"),
                         Run(Input("/i.php", "PHPSESSID=a.w1&phpsessid=b.w2&PhpSessId=c.w3"), s));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Cookies({"JSESSIONID=A.n1"}), s));
  }

  void SeparatorBang() {
    const Settings s = Make("JSESSIONID", "!");
    CPPUNIT_ASSERT_EQUAL(std::string("c:ABC!n1.x>n1.x c:ABC.n2>"),
                         Run(Cookies({"JSESSIONID=ABC!n1.x; JSESSIONID=ABC.n2"}), s));
    CPPUNIT_ASSERT_EQUAL(std::string("p:A!b!c>b!c"), Run(Input("/a;jsessionid=A!b!c"), s));
  }

  void SeparatorOffMakesWholeValueTheRoute() {
    const Settings s = Make("ROUTEID", "off");
    CPPUNIT_ASSERT_EQUAL(std::string("c:node1>node1 c:A.n1>A.n1"),
                         Run(Cookies({"ROUTEID=node1; ROUTEID=A.n1"}), s));
    CPPUNIT_ASSERT_EQUAL(std::string("node1"),
                         std::string(FindRoute(Cookies({"ROUTEID=node1"}), s)));
  }

  void EmptyValuesAreSkipped() {
    const RouteInput in =
        Input("/a;jsessionid=;jsessionid/b;jsessionid=/c", "jsessionid=&jsessionid&&jsessionid=#x",
              {"JSESSIONID=", "JSESSIONID= \t; JSESSIONID=\"\"", "", ";;,,"});
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(in));
    CPPUNIT_ASSERT_EQUAL(std::string(), std::string(FindRoute(in, Make())));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("", "", {})));
  }

  void ValueWithoutSeparatorHasNoRoute() {
    const RouteInput in = Cookies({"JSESSIONID=A61DECF92B4F1597CDD4B1D5D3564078"});
    const Candidates cs = ExtractCandidates(in, Make());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, cs.size());
    CPPUNIT_ASSERT_EQUAL(std::string("A61DECF92B4F1597CDD4B1D5D3564078"), std::string(cs[0].value));
    CPPUNIT_ASSERT(cs[0].route.empty());
    CPPUNIT_ASSERT(FirstRoute(cs).empty());
  }

  void ValueEndingInSeparatorHasNoRoute() {
    CPPUNIT_ASSERT_EQUAL(std::string("c:ABC.>"), Run(Cookies({"JSESSIONID=ABC."})));
    CPPUNIT_ASSERT_EQUAL(std::string("c:.>"), Run(Cookies({"JSESSIONID=."})));
    CPPUNIT_ASSERT_EQUAL(std::string("c:ABC.n1.x>n1.x"), Run(Cookies({"JSESSIONID=ABC.n1.x"})));
    CPPUNIT_ASSERT_EQUAL(std::string(""),
                         std::string(FindRoute(Cookies({"JSESSIONID=ABC."}), Make())));
  }

  void ScolonPathDelimOnAndOff() {
    const Settings off = Make("JSESSIONID", ".", false);
    const Settings on = Make("JSESSIONID", ".", true);
    // The value runs on to the next '&' unless ';' is a delimiter too (httpd's behaviour).
    const RouteInput a = Input("/x", "jsessionid=ABC.n1;foo=bar&z=1");
    CPPUNIT_ASSERT_EQUAL(std::string("q:ABC.n1;foo=bar>n1;foo=bar"), Run(a, off));
    CPPUNIT_ASSERT_EQUAL(std::string("q:ABC.n1>n1"), Run(a, on));
    // A parameter after ';' is only a parameter when ';' is a delimiter.
    const RouteInput b = Input("/x", "a=1;jsessionid=ABC.n2");
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(b, off));
    CPPUNIT_ASSERT_EQUAL(std::string("q:ABC.n2>n2"), Run(b, on));
    // Path parameters always end at ';'.
    const RouteInput c = Input("/x;jsessionid=ABC.n3;foo=bar/y");
    CPPUNIT_ASSERT_EQUAL(std::string("p:ABC.n3>n3"), Run(c, off));
    CPPUNIT_ASSERT_EQUAL(std::string("p:ABC.n3>n3"), Run(c, on));
  }

  void ControlCharactersInvalidateOnlyTheirValue() {
    using namespace std::string_literals;
    const std::string nul_cookie = "JSESSIONID=A\0B.n0; JSESSIONID=D.n2"s;
    CPPUNIT_ASSERT_EQUAL(std::string("c:D.n2>n2"), Run(Cookies({"JSESSIONID=AB\x01"
                                                                "C.n1",
                                                                nul_cookie})));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/a;jsessionid=A\tB.n1")));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/a", "jsessionid=A.n1\x7f")));
    CPPUNIT_ASSERT_EQUAL(std::string(), Run(Input("/a", "jsessionid=A.n1\r\nX: y")));
    // HTAB around a cookie value is whitespace, not part of it.
    CPPUNIT_ASSERT_EQUAL(std::string("c:E.n5>n5"), Run(Cookies({"JSESSIONID=\tE.n5\t"})));
    // Bytes >= 0x80 are not control characters; they never equal a member's route anyway.
    CPPUNIT_ASSERT_EQUAL(std::string("c:E.n\xC3\xA9>n\xC3\xA9"),
                         Run(Cookies({"JSESSIONID=E.n\xC3\xA9"})));
  }

  void CandidatesAreCappedAndTruncationIsReported() {
    std::string header;
    for (int i = 0; i < 20; ++i) {
      header += "JSESSIONID=S" + std::to_string(i) + ".n" + std::to_string(i) + "; ";
    }
    const Candidates cs = ExtractCandidates(Cookies({header}), Make());
    CPPUNIT_ASSERT_EQUAL(kMaxCandidates, cs.size());
    CPPUNIT_ASSERT(cs.truncated());
    for (size_t i = 0; i < cs.size(); ++i) {
      CPPUNIT_ASSERT_EQUAL("n" + std::to_string(i), std::string(cs[i].route));
    }
    // Exactly the cap: nothing dropped. Skipped (empty) values do not count as dropped.
    std::string exact;
    for (size_t i = 0; i < kMaxCandidates; ++i) exact += "JSESSIONID=x.n; ";
    exact += "JSESSIONID=; JSESSIONID=\"\"";
    const Candidates cs2 = ExtractCandidates(Cookies({exact}), Make());
    CPPUNIT_ASSERT_EQUAL(kMaxCandidates, cs2.size());
    CPPUNIT_ASSERT(!cs2.truncated());
    // The cap spans sources: 10 path + 10 query parameters keep all path ones first.
    std::string path = "/a";
    std::string query;
    for (int i = 0; i < 10; ++i) {
      path += ";jsessionid=p.n";
      query += "jsessionid=q.n&";
    }
    const Candidates cs3 = ExtractCandidates(Input(path, query, {"JSESSIONID=c.n"}), Make());
    CPPUNIT_ASSERT_EQUAL(kMaxCandidates, cs3.size());
    CPPUNIT_ASSERT(cs3.truncated());
    CPPUNIT_ASSERT(cs3[9].source == Source::kPathParameter);
    CPPUNIT_ASSERT(cs3[10].source == Source::kQueryParameter);
    CPPUNIT_ASSERT(cs3[15].source == Source::kQueryParameter);
  }

  void VeryLongInputs() {
    // Adversarial shapes for a strstr-style scanner: many near-misses, many empty parameters.
    std::string path = "/";
    for (int i = 0; i < 100000; ++i) path += ";jsessionid";
    path += ";jsessionid=LAST.np";
    std::string query;
    for (int i = 0; i < 100000; ++i) query += "jsessionid&";
    query += "jsessionid=LAST.nq";
    std::string cookie;
    for (int i = 0; i < 100000; ++i) cookie += "JSESSIONI=; ";
    std::string long_value(1 << 20, 'A');
    long_value += ".longroute";
    const std::string long_cookie = "JSESSIONID=" + long_value;
    const RouteInput in = Input(path, query, {cookie, long_cookie});
    const Candidates cs = ExtractCandidates(in, Make());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, cs.size());
    CPPUNIT_ASSERT_EQUAL(std::string("np"), std::string(cs[0].route));
    CPPUNIT_ASSERT_EQUAL(std::string("nq"), std::string(cs[1].route));
    CPPUNIT_ASSERT_EQUAL(long_value.size(), cs[2].value.size());
    CPPUNIT_ASSERT_EQUAL(std::string("longroute"), std::string(cs[2].route));
    // Thousands of Cookie headers.
    std::vector<std::string_view> many(50000, "a=1; b=2");
    many.push_back("JSESSIONID=Z.nz");
    CPPUNIT_ASSERT_EQUAL(std::string("nz"), std::string(FindRoute(Cookies(many), Make())));
  }

  void ResultsAreViewsIntoTheInput() {
    const std::string path = "/a;jsessionid=P.n1";
    const std::string cookie = "JSESSIONID=\"C.n3\"";
    const Candidates cs = ExtractCandidates(Input(path, "", {cookie}), Make());
    CPPUNIT_ASSERT_EQUAL(size_t{2}, cs.size());
    CPPUNIT_ASSERT(Within(cs[0].value, path));
    CPPUNIT_ASSERT(Within(cs[0].route, cs[0].value));
    CPPUNIT_ASSERT(Within(cs[1].value, cookie));
    CPPUNIT_ASSERT_EQUAL(cookie.data() + 12, cs[1].value.data());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StickySettingsTest);
CPPUNIT_TEST_SUITE_REGISTRATION(StickyRouteTest);

}  // namespace
}  // namespace mca::sticky
