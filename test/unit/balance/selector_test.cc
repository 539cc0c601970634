#include "mca/balance/selector.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mca::balance {
namespace {

using config::LbMethod;

constexpr int64_t kNow = 1'700'000'000'000'000;  // an arbitrary injected clock, microseconds

constexpr uint32_t kD = config::kStatusDisabled;
constexpr uint32_t kS = config::kStatusStopped;
constexpr uint32_t kI = config::kStatusIgnoreErrors;
constexpr uint32_t kH = config::kStatusHotStandby;
constexpr uint32_t kR = config::kStatusHotSpare;
constexpr uint32_t kN = config::kStatusDraining;
constexpr uint32_t kE = config::kStatusInError;
constexpr uint32_t kC = config::kStatusHealthFailed;

MemberState Member(std::string_view route, int32_t load_factor = 100, uint32_t status = 0,
                   int32_t lbset = 0) {
  MemberState m = MakeMemberState();
  CPPUNIT_ASSERT(SetRoute(&m, route));
  m.load_factor = load_factor;
  m.status = status;
  m.lbset = lbset;
  return m;
}

SelectRequest Request(LbMethod method = LbMethod::kByRequests) {
  SelectRequest r;
  r.lb_method = method;
  r.now = kNow;
  return r;
}

Selection Pick(const SelectRequest& r, std::vector<MemberState>* members) {
  Selection s;
  Select(r, members->data(), members->size(), &s);
  if (s.index >= 0) {
    CPPUNIT_ASSERT_EQUAL(Reason::kSelected, s.reason);
    CPPUNIT_ASSERT(static_cast<size_t>(s.index) < members->size());
  }
  return s;
}

// The route of the chosen member, or "-" when none.
std::string PickRoute(const SelectRequest& r, std::vector<MemberState>* members) {
  const Selection s = Pick(r, members);
  return s.index < 0 ? "-" : std::string(RouteOf((*members)[static_cast<size_t>(s.index)]));
}

// `count` selections in a row, the chosen routes concatenated.
std::string Sequence(const SelectRequest& r, std::vector<MemberState>* members, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += PickRoute(r, members);
  return out;
}

// How often each member is chosen in `count` selections.
std::vector<int> Counts(const SelectRequest& r, std::vector<MemberState>* members, int count) {
  std::vector<int> out(members->size());
  for (int i = 0; i < count; ++i) {
    const Selection s = Pick(r, members);
    CPPUNIT_ASSERT(s.index >= 0);
    ++out[static_cast<size_t>(s.index)];
  }
  return out;
}

class SelectorBalanceTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SelectorBalanceTest);
  CPPUNIT_TEST(ThreeToOneIsExactOverAThousand);
  CPPUNIT_TEST(OneTwoThreeGivesTheSmoothSequence);
  CPPUNIT_TEST(NginxFiveOneOneSequence);
  CPPUNIT_TEST(EqualWeightsRotate);
  CPPUNIT_TEST(WritesOnlyCurrentWeightOfTheTier);
  CPPUNIT_TEST(ErrorEndsAtExactlyErrorUntil);
  CPPUNIT_TEST(InErrorFlagAndIgnoreErrors);
  CPPUNIT_TEST(DisabledStoppedHealthFailedDrainingAreNotBalanced);
  CPPUNIT_TEST(TriedMembersAreSkipped);
  CPPUNIT_TEST(LowestLbsetFirst);
  CPPUNIT_TEST(SpareBeforeStandbyOnlyWhenNoNormalMember);
  CPPUNIT_TEST(ByBusynessFewestBusyTiesByWeight);
  CPPUNIT_TEST(ByTrafficFewestPerLoadFactorExactly);
  CPPUNIT_TEST(ThousandMembersPicksIndex999);
  CPPUNIT_TEST(NoMembersAndTooMany);
  CPPUNIT_TEST(DamagedValuesAreClamped);
  CPPUNIT_TEST(SlowStartRampScalesTheWeight);
  CPPUNIT_TEST_SUITE_END();

 public:
  void SlowStartRampScalesTheWeight() {
    // b is ramping at 250 permille: weight 25 against a's 100, so 1 in 5.
    std::vector<MemberState> t{Member("a", 100), Member("b", 100)};
    t[1].ramp = 250;
    std::vector<int> c = Counts(Request(), &t, 1000);
    CPPUNIT_ASSERT_EQUAL(800, c[0]);
    CPPUNIT_ASSERT_EQUAL(200, c[1]);
    // A tiny ramp still leaves weight 1; 0 and 1000 mean the full load factor.
    std::vector<MemberState> u{Member("a", 100), Member("b", 100)};
    u[1].ramp = 1;
    c = Counts(Request(), &u, 101);
    CPPUNIT_ASSERT_EQUAL(1, c[1]);
    for (uint32_t full : {0u, 1000u, 5000u}) {
      std::vector<MemberState> v{Member("a", 100), Member("b", 100)};
      v[1].ramp = full;
      c = Counts(Request(), &v, 100);
      CPPUNIT_ASSERT_EQUAL(50, c[1]);
    }
  }

  void ThreeToOneIsExactOverAThousand() {
    std::vector<MemberState> t{Member("a", 300), Member("b", 100)};
    const std::vector<int> c = Counts(Request(), &t, 1000);
    CPPUNIT_ASSERT_EQUAL(750, c[0]);
    CPPUNIT_ASSERT_EQUAL(250, c[1]);
    // Smooth, not 3 then 1 in blocks: a a b a (weights a=3 b=1, total 4:
    // a 3,1 -> a -1,1 | 2,2 -> a -2,2 | 1,3 -> b 1,-1 | 4,0 -> a 0,0).
    std::vector<MemberState> u{Member("a", 300), Member("b", 100)};
    CPPUNIT_ASSERT_EQUAL(std::string("aabaaaba"), Sequence(Request(), &u, 8));
    // Loadfactors 3 and 1 (hundredths 300 and 100) and 3 and 1 plain agree.
    std::vector<MemberState> v{Member("a", 3), Member("b", 1)};
    CPPUNIT_ASSERT_EQUAL(std::string("aabaaaba"), Sequence(Request(), &v, 8));
  }

  void OneTwoThreeGivesTheSmoothSequence() {
    // By hand, weights a=1 b=2 c=3 (total 6), current weights after adding, pick, after subtract:
    //   1,2,3 c -> 1,2,-3 | 2,4,0 b -> 2,-2,0 | 3,0,3 a (first of the tie) -> -3,0,3
    //   -2,2,6 c -> -2,2,0 | -1,4,3 b -> -1,-2,3 | 0,0,6 c -> 0,0,0 (period ends)
    std::vector<MemberState> t{Member("a", 100), Member("b", 200), Member("c", 300)};
    CPPUNIT_ASSERT_EQUAL(std::string("cbacbccbacbc"), Sequence(Request(), &t, 12));
    for (const MemberState& m : t) CPPUNIT_ASSERT_EQUAL(int64_t{0}, m.current_weight);
  }

  void NginxFiveOneOneSequence() {
    // The example in nginx's ngx_http_upstream_round_robin.c: {a,a,b,a,c,a,a}.
    std::vector<MemberState> t{Member("a", 500), Member("b", 100), Member("c", 100)};
    CPPUNIT_ASSERT_EQUAL(std::string("aabacaa"), Sequence(Request(), &t, 7));
  }

  void EqualWeightsRotate() {
    std::vector<MemberState> t{Member("a"), Member("b"), Member("c")};
    CPPUNIT_ASSERT_EQUAL(std::string("abcabcabc"), Sequence(Request(), &t, 9));
  }

  void WritesOnlyCurrentWeightOfTheTier() {
    std::vector<MemberState> t{Member("a", 100), Member("b", 200, 0, 1), Member("c", 300, kD),
                               Member("d", 400)};
    t[1].current_weight = 77;
    t[2].current_weight = -5;
    t[0].busy = 3;
    t[0].traffic = 99;
    std::vector<MemberState> before = t;
    CPPUNIT_ASSERT_EQUAL(std::string("d"), PickRoute(Request(), &t));
    // Tier lbset 0 (a, d): a +100, d +400 -500.
    CPPUNIT_ASSERT_EQUAL(int64_t{100}, t[0].current_weight);
    CPPUNIT_ASSERT_EQUAL(int64_t{-100}, t[3].current_weight);
    CPPUNIT_ASSERT_EQUAL(int64_t{77}, t[1].current_weight);
    CPPUNIT_ASSERT_EQUAL(int64_t{-5}, t[2].current_weight);
    for (size_t i = 0; i < t.size(); ++i) {
      before[i].current_weight = t[i].current_weight;
      CPPUNIT_ASSERT(std::memcmp(&before[i], &t[i], sizeof(MemberState)) == 0);
    }
  }

  void ErrorEndsAtExactlyErrorUntil() {
    std::vector<MemberState> t{Member("a"), Member("b")};
    t[0].error_until = kNow + 1;
    CPPUNIT_ASSERT_EQUAL(std::string("bbb"), Sequence(Request(), &t, 3));
    t[0].error_until = kNow;  // back in rotation at exactly error_until
    CPPUNIT_ASSERT_EQUAL(std::string("a"), PickRoute(Request(), &t));
    t[0].error_until = kNow - 1;
    t[1].error_until = kNow + 1'000'000;
    CPPUNIT_ASSERT_EQUAL(std::string("aa"), Sequence(Request(), &t, 2));
    SelectRequest later = Request();
    later.now = kNow + 1'000'000;
    CPPUNIT_ASSERT_EQUAL(std::string("ba"), Sequence(later, &t, 2));
  }

  void InErrorFlagAndIgnoreErrors() {
    std::vector<MemberState> t{Member("a", 100, kE), Member("b")};
    CPPUNIT_ASSERT_EQUAL(std::string("bb"), Sequence(Request(), &t, 2));
    // Ignore-errors: neither E nor error_until take it out of rotation.
    t[0].status = kE | kI;
    t[0].error_until = kNow + 60'000'000;
    CPPUNIT_ASSERT_EQUAL(std::string("ab"), Sequence(Request(), &t, 2));
    // ...but I does not override disabled.
    t[0].status = kI | kD;
    CPPUNIT_ASSERT_EQUAL(std::string("bb"), Sequence(Request(), &t, 2));
  }

  void DisabledStoppedHealthFailedDrainingAreNotBalanced() {
    for (uint32_t flag : {kD, kS, kC, kN}) {
      std::vector<MemberState> t{Member("a", 100, flag), Member("b")};
      CPPUNIT_ASSERT_EQUAL(std::string("bbbb"), Sequence(Request(), &t, 4));
      std::vector<MemberState> only{Member("a", 100, flag)};
      const Selection s = Pick(Request(), &only);
      CPPUNIT_ASSERT_EQUAL(-1, s.index);
      CPPUNIT_ASSERT_EQUAL(Reason::kAllDown, s.reason);
    }
  }

  void TriedMembersAreSkipped() {
    std::vector<MemberState> t{Member("a", 300), Member("b"), Member("c")};
    SelectRequest r = Request();
    r.tried.set(0);
    CPPUNIT_ASSERT_EQUAL(std::string("bcbc"), Sequence(r, &t, 4));
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, t[0].current_weight);  // untouched while tried
    r.tried.set(1);
    r.tried.set(2);
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kAllTried, s.reason);
    // Tried and down: down wins the reason only when no usable member was tried.
    t[0].status = kD;
    r.tried.reset(0);
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(Reason::kAllTried, s.reason);
    t[1].status = kS;
    t[2].error_until = kNow + 1;
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(Reason::kAllDown, s.reason);
  }

  void LowestLbsetFirst() {
    std::vector<MemberState> t{Member("a", 100, 0, 1), Member("b", 100, 0, 5),
                               Member("c", 100, 0, 0), Member("d", 1000, 0, 1)};
    CPPUNIT_ASSERT_EQUAL(std::string("ccc"), Sequence(Request(), &t, 3));
    t[2].error_until = kNow + 1;  // lbset 0 down: lbset 1 (a, d by weight 1:10)
    const std::vector<int> c = Counts(Request(), &t, 110);
    CPPUNIT_ASSERT_EQUAL(10, c[0]);
    CPPUNIT_ASSERT_EQUAL(100, c[3]);
    CPPUNIT_ASSERT_EQUAL(0, c[1]);
    // lbset 0 up but tried: lbset 1; lbset 0 and 1 tried: lbset 5 (gaps are fine).
    t[2].error_until = 0;
    SelectRequest r = Request();
    r.tried.set(2);
    CPPUNIT_ASSERT(PickRoute(r, &t) != "c");
    r.tried.set(0);
    r.tried.set(3);
    CPPUNIT_ASSERT_EQUAL(std::string("b"), PickRoute(r, &t));
  }

  void SpareBeforeStandbyOnlyWhenNoNormalMember() {
    std::vector<MemberState> t{Member("h", 100, kH), Member("r", 100, kR), Member("n", 100, 0, 7)};
    CPPUNIT_ASSERT_EQUAL(std::string("nnn"), Sequence(Request(), &t, 3));
    t[2].status = kC;
    CPPUNIT_ASSERT_EQUAL(std::string("rrr"), Sequence(Request(), &t, 3));
    t[1].error_until = kNow + 1;
    CPPUNIT_ASSERT_EQUAL(std::string("hhh"), Sequence(Request(), &t, 3));
    // Both flags: a spare.
    std::vector<MemberState> u{Member("h", 100, kH), Member("x", 100, kH | kR)};
    CPPUNIT_ASSERT_EQUAL(std::string("xx"), Sequence(Request(), &u, 2));
    // Spares in lbset order too, and a normal member of a high lbset beats a spare of lbset 0.
    std::vector<MemberState> v{Member("r1", 100, kR, 1), Member("r0", 100, kR, 0),
                               Member("n9", 100, 0, 9)};
    CPPUNIT_ASSERT_EQUAL(std::string("n9"), PickRoute(Request(), &v));
    v[2].status = kD;
    CPPUNIT_ASSERT_EQUAL(std::string("r0r0"), Sequence(Request(), &v, 2));
  }

  void ByBusynessFewestBusyTiesByWeight() {
    std::vector<MemberState> t{Member("a"), Member("b"), Member("c")};
    t[0].busy = 5;
    t[1].busy = 2;
    t[2].busy = 3;
    CPPUNIT_ASSERT_EQUAL(std::string("bb"), Sequence(Request(LbMethod::kByBusyness), &t, 2));
    // Ties rotate by smooth WRR: all idle with load factors 3 and 1 gives exactly 3:1.
    std::vector<MemberState> u{Member("a", 300), Member("b", 100)};
    const std::vector<int> c = Counts(Request(LbMethod::kByBusyness), &u, 1000);
    CPPUNIT_ASSERT_EQUAL(750, c[0]);
    CPPUNIT_ASSERT_EQUAL(250, c[1]);
    // Only tying members' weights move.
    std::vector<MemberState> v{Member("a"), Member("b"), Member("c")};
    v[0].busy = 1;
    CPPUNIT_ASSERT_EQUAL(std::string("bcbc"), Sequence(Request(LbMethod::kByBusyness), &v, 4));
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, v[0].current_weight);
    // Busy members of a lower lbset still win over idle ones of a higher lbset.
    v[0].busy = 100;
    v[1].lbset = 1;
    v[2].lbset = 1;
    CPPUNIT_ASSERT_EQUAL(std::string("a"), PickRoute(Request(LbMethod::kByBusyness), &v));
  }

  void ByTrafficFewestPerLoadFactorExactly() {
    std::vector<MemberState> t{Member("a", 100), Member("b", 300)};
    t[0].traffic = 200;  // 2 per unit of weight
    t[1].traffic = 300;  // 1 per unit of weight
    CPPUNIT_ASSERT_EQUAL(std::string("b"), PickRoute(Request(LbMethod::kByTraffic), &t));
    // 100/100 == 300/300 is a tie (no rounding): rotates by smooth WRR, weights 1:3.
    t[0].traffic = 100;
    CPPUNIT_ASSERT_EQUAL(std::string("babb"), Sequence(Request(LbMethod::kByTraffic), &t, 4));
    // One byte more per unit would integer-divide to the same value; the exact compare sees it.
    t[0].traffic = 101;
    CPPUNIT_ASSERT_EQUAL(std::string("bb"), Sequence(Request(LbMethod::kByTraffic), &t, 2));
    // Huge counters do not overflow.
    t[0].traffic = UINT64_MAX;
    t[1].traffic = UINT64_MAX - 1;
    t[0].load_factor = 10000;
    t[1].load_factor = 9999;
    CPPUNIT_ASSERT_EQUAL(std::string("a"), PickRoute(Request(LbMethod::kByTraffic), &t));
  }

  void ThousandMembersPicksIndex999() {
    std::vector<MemberState> t;
    t.reserve(kMaxMembers);
    for (int i = 0; i < 1000; ++i) t.push_back(Member("n" + std::to_string(i), 100, kD));
    t[999].status = 0;
    Selection s = Pick(Request(), &t);
    CPPUNIT_ASSERT_EQUAL(999, s.index);
    // All up, 999 heaviest: it comes first; then tried everywhere but 999.
    for (MemberState& m : t) m.status = 0;
    t[999].load_factor = 10000;
    CPPUNIT_ASSERT_EQUAL(999, Pick(Request(LbMethod::kByRequests), &t).index);
    SelectRequest r = Request(LbMethod::kByBusyness);
    for (size_t i = 0; i < 999; ++i) r.tried.set(i);
    CPPUNIT_ASSERT_EQUAL(999, Pick(r, &t).index);
    // Sticky to the last one.
    SelectRequest st = Request();
    st.AddRoute("n999");
    s = Pick(st, &t);
    CPPUNIT_ASSERT_EQUAL(999, s.index);
    CPPUNIT_ASSERT(s.sticky);
    // 1024 is the limit of the tried mask.
    while (t.size() < kMaxMembers) t.push_back(Member("x"));
    r.tried.set(999);
    CPPUNIT_ASSERT_EQUAL(1000, Pick(r, &t).index);
  }

  void NoMembersAndTooMany() {
    std::vector<MemberState> none;
    Selection s = Pick(Request(), &none);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kNoMembers, s.reason);
    std::vector<MemberState> many(kMaxMembers + 1, Member("a"));
    s = Pick(Request(), &many);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kTooManyMembers, s.reason);
    for (Reason r : {Reason::kSelected, Reason::kNoMembers, Reason::kTooManyMembers,
                     Reason::kAllDown, Reason::kAllTried, Reason::kSessionMemberDown}) {
      CPPUNIT_ASSERT(std::strlen(ReasonName(r)) > 0);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("every usable member was tried"),
                         std::string(ReasonName(Reason::kAllTried)));
  }

  void DamagedValuesAreClamped() {
    // Load factors outside 1..10000 and wild current weights (a damaged shared table) neither
    // overflow (UBSan would stop the test) nor starve a member.
    std::vector<MemberState> t{Member("a", 0), Member("b", -7), Member("c", INT32_MAX)};
    t[0].current_weight = INT64_MAX;
    t[1].current_weight = INT64_MIN;
    const std::vector<int> c = Counts(Request(), &t, 10002);
    CPPUNIT_ASSERT_EQUAL(1, c[0]);
    CPPUNIT_ASSERT_EQUAL(1, c[1]);
    CPPUNIT_ASSERT_EQUAL(10000, c[2]);
  }
};

class SelectorStickyTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SelectorStickyTest);
  CPPUNIT_TEST(RouteFields);
  CPPUNIT_TEST(StickyHitIsExactAndWritesNothing);
  CPPUNIT_TEST(FirstServingCandidateWins);
  CPPUNIT_TEST(DrainingKeepsSessionsOthersDoNot);
  CPPUNIT_TEST(StickyToStandbyMember);
  CPPUNIT_TEST(RedirectIsFollowed);
  CPPUNIT_TEST(RedirectChainStopsAfterThreeHops);
  CPPUNIT_TEST(RedirectLoopStops);
  CPPUNIT_TEST(SessionMemberDownFailsOver);
  CPPUNIT_TEST(NofailoverRefuses);
  CPPUNIT_TEST(UnknownRouteIsBalanced);
  CPPUNIT_TEST(RoutesFromCandidates);
  CPPUNIT_TEST_SUITE_END();

 public:
  void RouteFields() {
    MemberState m = MakeMemberState();
    CPPUNIT_ASSERT_EQUAL(std::string(), std::string(RouteOf(m)));
    CPPUNIT_ASSERT_EQUAL(100, m.load_factor);
    const std::string r63(63, 'r');
    CPPUNIT_ASSERT(SetRoute(&m, r63));
    CPPUNIT_ASSERT_EQUAL(r63, std::string(RouteOf(m)));
    CPPUNIT_ASSERT(RouteEquals(m.route, r63));
    CPPUNIT_ASSERT(!SetRoute(&m, std::string(64, 'x')));  // too long: unchanged
    CPPUNIT_ASSERT(!SetRoute(&m, std::string("a\0b", 3)));
    CPPUNIT_ASSERT_EQUAL(r63, std::string(RouteOf(m)));
    CPPUNIT_ASSERT(SetRoute(&m, "node1"));
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), std::string(RouteOf(m)));
    CPPUNIT_ASSERT(!RouteEquals(m.route, "node"));
    CPPUNIT_ASSERT(!RouteEquals(m.route, "node10"));
    CPPUNIT_ASSERT(!RouteEquals(m.route, "NODE1"));
    CPPUNIT_ASSERT(!RouteEquals(m.route, std::string("node1\0", 6)));
    CPPUNIT_ASSERT(!RouteEquals(m.route, ""));
    CPPUNIT_ASSERT(SetRedirect(&m, "node2"));
    CPPUNIT_ASSERT_EQUAL(std::string("node2"), std::string(RedirectOf(m)));
    // A field without a NUL (damaged table) is read as its first 63 bytes, never beyond.
    std::memset(m.route, 'z', kRouteSize);
    CPPUNIT_ASSERT_EQUAL(size_t{63}, RouteOf(m).size());
    CPPUNIT_ASSERT(!RouteEquals(m.route, std::string(63, 'z')));
  }

  void StickyHitIsExactAndWritesNothing() {
    std::vector<MemberState> t{Member("node1"), Member("node10"), Member("node2")};
    const std::vector<MemberState> before = t;
    SelectRequest r = Request();
    r.AddRoute("node10");
    for (int i = 0; i < 3; ++i) {
      const Selection s = Pick(r, &t);
      CPPUNIT_ASSERT_EQUAL(1, s.index);
      CPPUNIT_ASSERT(s.sticky);
      CPPUNIT_ASSERT(s.route_known);
      CPPUNIT_ASSERT(!s.route_changed);
      CPPUNIT_ASSERT_EQUAL(0, s.redirect_hops);
      CPPUNIT_ASSERT_EQUAL(std::string("node10"), std::string(s.route));
    }
    CPPUNIT_ASSERT(std::memcmp(before.data(), t.data(), sizeof(MemberState) * t.size()) == 0);
    // Case matters: "Node1" names no member.
    SelectRequest c = Request();
    c.AddRoute("Node1");
    const Selection s = Pick(c, &t);
    CPPUNIT_ASSERT(!s.sticky);
    CPPUNIT_ASSERT(!s.route_known);
  }

  void FirstServingCandidateWins() {
    std::vector<MemberState> t{Member("a"), Member("b"), Member("c")};
    SelectRequest r = Request();
    r.AddRoute("gone");  // a removed node
    r.AddRoute("b");
    r.AddRoute("c");
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(1, s.index);
    CPPUNIT_ASSERT(s.sticky);
    CPPUNIT_ASSERT_EQUAL(std::string("b"), std::string(s.route));
    // b down: the next candidate that can serve.
    t[1].error_until = kNow + 1;
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(2, s.index);
    CPPUNIT_ASSERT(s.sticky);
    CPPUNIT_ASSERT_EQUAL(std::string("c"), std::string(s.route));
    CPPUNIT_ASSERT(!s.route_changed);
  }

  void DrainingKeepsSessionsOthersDoNot() {
    std::vector<MemberState> t{Member("a", 100, kN), Member("b")};
    SelectRequest r = Request();
    r.AddRoute("a");
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(0, s.index);
    CPPUNIT_ASSERT(s.sticky);
    CPPUNIT_ASSERT_EQUAL(std::string("bb"), Sequence(Request(), &t, 2));  // no new sessions
    for (uint32_t flag : {kD, kS, kC, kE, kN | kD}) {
      t[0].status = flag;
      s = Pick(r, &t);
      CPPUNIT_ASSERT_EQUAL(1, s.index);
      CPPUNIT_ASSERT(!s.sticky);
      CPPUNIT_ASSERT(s.route_changed);
    }
    t[0].status = kN;
    t[0].error_until = kNow + 1;
    CPPUNIT_ASSERT_EQUAL(1, Pick(r, &t).index);
    t[0].status = kN | kI;  // ignore-errors: the error does not count
    CPPUNIT_ASSERT_EQUAL(0, Pick(r, &t).index);
    r.tried.set(0);  // tried: never again for this request
    CPPUNIT_ASSERT_EQUAL(1, Pick(r, &t).index);
  }

  void StickyToStandbyMember() {
    // A session created on a standby member while the others were down stays there.
    std::vector<MemberState> t{Member("a"), Member("h", 100, kH)};
    SelectRequest r = Request();
    r.AddRoute("h");
    const Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(1, s.index);
    CPPUNIT_ASSERT(s.sticky);
  }

  void RedirectIsFollowed() {
    std::vector<MemberState> t{Member("a", 100, kD), Member("b"), Member("c", 900)};
    CPPUNIT_ASSERT(SetRedirect(&t[0], "b"));
    SelectRequest r = Request();
    r.AddRoute("a");
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(1, s.index);
    CPPUNIT_ASSERT(s.sticky);
    CPPUNIT_ASSERT_EQUAL(1, s.redirect_hops);
    CPPUNIT_ASSERT_EQUAL(std::string("a"), std::string(s.route));
    CPPUNIT_ASSERT(s.route_changed);
    // A member that can serve is not redirected.
    t[0].status = 0;
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(0, s.index);
    CPPUNIT_ASSERT_EQUAL(0, s.redirect_hops);
    // Redirect to a route no member has: balanced (c is heavier).
    t[0].status = kS;
    CPPUNIT_ASSERT(SetRedirect(&t[0], "nobody"));
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(2, s.index);
    CPPUNIT_ASSERT(!s.sticky);
  }

  void RedirectChainStopsAfterThreeHops() {
    // a -> b -> c -> d -> e; only d and e can serve.
    std::vector<MemberState> t{Member("a", 100, kD), Member("b", 100, kD), Member("c", 100, kD),
                               Member("d"),          Member("e"),          Member("f", 10000)};
    SetRedirect(&t[0], "b");
    SetRedirect(&t[1], "c");
    SetRedirect(&t[2], "d");
    SetRedirect(&t[3], "e");
    SelectRequest r = Request();
    r.AddRoute("a");
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(3, s.index);  // three hops reach d
    CPPUNIT_ASSERT_EQUAL(3, s.redirect_hops);
    CPPUNIT_ASSERT(s.sticky);
    // d down too: e is a fourth hop, not taken; balanced to f (heaviest).
    t[3].status = kD;
    s = Pick(r, &t);
    CPPUNIT_ASSERT(!s.sticky);
    CPPUNIT_ASSERT_EQUAL(5, s.index);
    // From b, e is three hops away.
    SelectRequest rb = Request();
    rb.AddRoute("b");
    s = Pick(rb, &t);
    CPPUNIT_ASSERT_EQUAL(4, s.index);
    CPPUNIT_ASSERT(s.sticky);
  }

  void RedirectLoopStops() {
    std::vector<MemberState> t{Member("a", 100, kS), Member("b", 100, kS), Member("c")};
    SetRedirect(&t[0], "b");
    SetRedirect(&t[1], "a");
    SelectRequest r = Request();
    r.AddRoute("a");
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(2, s.index);
    CPPUNIT_ASSERT(!s.sticky);
    CPPUNIT_ASSERT(s.route_known);
    r.nofailover = true;
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kSessionMemberDown, s.reason);
    // A self-loop too.
    SetRedirect(&t[0], "a");
    r.nofailover = false;
    CPPUNIT_ASSERT_EQUAL(2, Pick(r, &t).index);
  }

  void SessionMemberDownFailsOver() {
    std::vector<MemberState> t{Member("a"), Member("b")};
    t[0].error_until = kNow + 5;
    SelectRequest r = Request();
    r.AddRoute("a");
    const Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(1, s.index);
    CPPUNIT_ASSERT(!s.sticky);
    CPPUNIT_ASSERT(s.route_known);
    CPPUNIT_ASSERT(s.route_changed);
    CPPUNIT_ASSERT_EQUAL(std::string("a"), std::string(s.route));
  }

  void NofailoverRefuses() {
    std::vector<MemberState> t{Member("a"), Member("b")};
    SelectRequest r = Request();
    r.AddRoute("a");
    r.nofailover = true;
    CPPUNIT_ASSERT_EQUAL(0, Pick(r, &t).index);
    r.tried.set(0);  // the session's member failed this request
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kSessionMemberDown, s.reason);
    CPPUNIT_ASSERT_EQUAL(std::string("a"), std::string(s.route));
    r.tried.reset();
    t[0].status = kD;
    CPPUNIT_ASSERT_EQUAL(Reason::kSessionMemberDown, Pick(r, &t).reason);
    // Without a session route nofailover changes nothing; with an unknown one neither.
    SelectRequest fresh = Request();
    fresh.nofailover = true;
    CPPUNIT_ASSERT_EQUAL(1, Pick(fresh, &t).index);
    fresh.AddRoute("gone");
    CPPUNIT_ASSERT_EQUAL(1, Pick(fresh, &t).index);
  }

  void UnknownRouteIsBalanced() {
    std::vector<MemberState> t{Member("a"), Member("b")};
    SelectRequest r = Request();
    r.AddRoute("old");
    r.AddRoute("older");
    const Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(0, s.index);
    CPPUNIT_ASSERT(!s.sticky);
    CPPUNIT_ASSERT(!s.route_known);
    CPPUNIT_ASSERT_EQUAL(std::string("old"), std::string(s.route));
    CPPUNIT_ASSERT(s.route_changed);
    // No route at all: nothing changed.
    const Selection n = Pick(Request(), &t);
    CPPUNIT_ASSERT(n.route.empty());
    CPPUNIT_ASSERT(!n.route_changed);
  }

  void RoutesFromCandidates() {
    sticky::Settings settings;
    sticky::RouteInput in;
    in.path = "/app/x;jsessionid=AB.b";
    in.cookie_headers = {"JSESSIONID=CD; JSESSIONID=EF.a"};
    const sticky::Candidates cs = sticky::ExtractCandidates(in, settings);
    SelectRequest r = Request();
    r.AddRoutes(cs);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, r.route_count);  // CD has no route
    CPPUNIT_ASSERT_EQUAL(std::string("b"), std::string(r.routes[0]));
    CPPUNIT_ASSERT_EQUAL(std::string("a"), std::string(r.routes[1]));
    std::vector<MemberState> t{Member("a"), Member("b")};
    CPPUNIT_ASSERT_EQUAL(1, Pick(r, &t).index);
    // The array is bounded.
    SelectRequest full = Request();
    for (size_t i = 0; i < sticky::kMaxCandidates; ++i) CPPUNIT_ASSERT(full.AddRoute("x"));
    CPPUNIT_ASSERT(!full.AddRoute("y"));
    CPPUNIT_ASSERT(!full.AddRoute(""));
  }
};

class SelectorRecoveryTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(SelectorRecoveryTest);
  CPPUNIT_TEST(AllInErrorIsRecoveredOnlyWithForceRecovery);
  CPPUNIT_TEST(NoRecoveryWhileAMemberIsHealthy);
  CPPUNIT_TEST(RecoveryNeverUsesDisabledStoppedOrHealthFailed);
  CPPUNIT_TEST(RecoveryKeepsTheSession);
  CPPUNIT_TEST(RecoveryKeepsTiers);
  CPPUNIT_TEST_SUITE_END();

 public:
  void AllInErrorIsRecoveredOnlyWithForceRecovery() {
    std::vector<MemberState> t{Member("a"), Member("b", 100, kE)};
    t[0].error_until = kNow + 1;
    Selection s = Pick(Request(), &t);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kAllDown, s.reason);
    SelectRequest r = Request();
    r.force_recovery = true;
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(0, s.index);
    CPPUNIT_ASSERT(s.forced_recovery);
    CPPUNIT_ASSERT_EQUAL(1, Pick(r, &t).index);  // balanced as usual among them
    // The caller tried a, it failed: b next; both tried: nothing.
    r.tried.set(0);
    CPPUNIT_ASSERT_EQUAL(1, Pick(r, &t).index);
    r.tried.set(1);
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT(!s.forced_recovery);
    CPPUNIT_ASSERT_EQUAL(Reason::kAllDown, s.reason);
  }

  void NoRecoveryWhileAMemberIsHealthy() {
    std::vector<MemberState> t{Member("a"), Member("b")};
    t[0].error_until = kNow + 1;
    SelectRequest r = Request();
    r.force_recovery = true;
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(1, s.index);
    CPPUNIT_ASSERT(!s.forced_recovery);
    // A healthy draining member takes no new sessions, and is not in error: no recovery.
    t[1].status = kN;
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kAllDown, s.reason);
    // The healthy member was tried (the caller marks it in error unless I): recover a.
    t[1].status = 0;
    r.tried.set(1);
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(0, s.index);
    CPPUNIT_ASSERT(s.forced_recovery);
  }

  void RecoveryNeverUsesDisabledStoppedOrHealthFailed() {
    std::vector<MemberState> t{Member("d", 100, kD | kE), Member("s", 100, kS),
                               Member("c", 100, kC), Member("e", 100, kE)};
    SelectRequest r = Request();
    r.force_recovery = true;
    for (int i = 0; i < 3; ++i) {
      const Selection s = Pick(r, &t);
      CPPUNIT_ASSERT_EQUAL(3, s.index);
      CPPUNIT_ASSERT(s.forced_recovery);
    }
    t[3].status = kC | kE;
    CPPUNIT_ASSERT_EQUAL(Reason::kAllDown, Pick(r, &t).reason);
  }

  void RecoveryKeepsTheSession() {
    std::vector<MemberState> t{Member("a"), Member("b")};
    t[0].error_until = kNow + 1;
    t[1].error_until = kNow + 1;
    SelectRequest r = Request();
    r.AddRoute("b");
    r.nofailover = true;
    r.force_recovery = true;
    Selection s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(1, s.index);
    CPPUNIT_ASSERT(s.sticky);
    CPPUNIT_ASSERT(s.forced_recovery);
    // Session's member in error but another healthy: nofailover refuses, no recovery.
    t[0].error_until = 0;
    s = Pick(r, &t);
    CPPUNIT_ASSERT_EQUAL(-1, s.index);
    CPPUNIT_ASSERT_EQUAL(Reason::kSessionMemberDown, s.reason);
    CPPUNIT_ASSERT(!s.forced_recovery);
  }

  void RecoveryKeepsTiers() {
    std::vector<MemberState> t{Member("h", 100, kH | kE), Member("one", 100, kE, 1),
                               Member("zero", 100, kE, 0)};
    SelectRequest r = Request();
    r.force_recovery = true;
    CPPUNIT_ASSERT_EQUAL(std::string("zerozero"), Sequence(r, &t, 2));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SelectorBalanceTest);
CPPUNIT_TEST_SUITE_REGISTRATION(SelectorStickyTest);
CPPUNIT_TEST_SUITE_REGISTRATION(SelectorRecoveryTest);

}  // namespace
}  // namespace mca::balance
