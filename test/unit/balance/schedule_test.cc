#include "mca/balance/schedule.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace mca::balance {
namespace {

using config::LbMethod;

constexpr int64_t kNow = 1'700'000'000'000'000;

MemberState Member(const std::string& route, int32_t load_factor = 100, uint32_t status = 0,
                   int32_t lbset = 0) {
  MemberState m = MakeMemberState();
  SetRoute(&m, route);
  m.load_factor = load_factor;
  m.status = status;
  m.lbset = lbset;
  return m;
}

std::vector<MemberState*> Pointers(std::vector<MemberState>* members) {
  std::vector<MemberState*> out;
  for (MemberState& m : *members) out.push_back(&m);
  return out;
}

SelectRequest Request(LbMethod method = LbMethod::kByRequests) {
  SelectRequest r;
  r.lb_method = method;
  r.now = kNow;
  return r;
}

class ScheduleTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ScheduleTest);
  CPPUNIT_TEST(ExactSplitInSmoothOrder);
  CPPUNIT_TEST(OnlyTheTierSelectWouldUse);
  CPPUNIT_TEST(AsksSelectWhenTheTurnCannotBeTaken);
  CPPUNIT_TEST(StickyHitsAgreeWithSelect);
  CPPUNIT_TEST(BalancedAnswersAreOnesSelectCouldGive);
  CPPUNIT_TEST(LongRoundsAreScaledDown);
  CPPUNIT_TEST(ThousandMembers);
  CPPUNIT_TEST_SUITE_END();

 public:
  void ExactSplitInSmoothOrder() {
    std::vector<MemberState> m = {Member("a", 300), Member("b", 100)};
    const std::vector<MemberState*> p = Pointers(&m);
    Schedule s;
    s.Build(p.data(), p.size());
    CPPUNIT_ASSERT_EQUAL(size_t{4}, s.length());
    uint64_t turns = 0;
    std::string order;
    for (int i = 0; i < 8; ++i) {
      Selection sel;
      CPPUNIT_ASSERT(s.TrySelect(Request(), p.data(), p.size(), &turns, &sel));
      CPPUNIT_ASSERT_EQUAL(Reason::kSelected, sel.reason);
      CPPUNIT_ASSERT(!sel.sticky && sel.route.empty());
      order += RouteOf(m[static_cast<size_t>(sel.index)]);
    }
    CPPUNIT_ASSERT_EQUAL(std::string("aabaaaba"), order);
    CPPUNIT_ASSERT_EQUAL(uint64_t{8}, turns);
  }

  void OnlyTheTierSelectWouldUse() {
    std::vector<MemberState> m = {Member("d", 100, config::kStatusDisabled),
                                  Member("h", 100, config::kStatusHotStandby),
                                  Member("r", 100, config::kStatusHotSpare),
                                  Member("n", 100, config::kStatusDraining),
                                  Member("l1", 100, 0, 1),
                                  Member("a", 100),
                                  Member("b", 200)};
    const std::vector<MemberState*> p = Pointers(&m);
    Schedule s;
    s.Build(p.data(), p.size());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, s.length());
    uint64_t turns = 0;
    std::map<std::string, int> seen;
    for (int i = 0; i < 300; ++i) {
      Selection sel;
      CPPUNIT_ASSERT(s.TrySelect(Request(), p.data(), p.size(), &turns, &sel));
      ++seen[std::string(RouteOf(m[static_cast<size_t>(sel.index)]))];
    }
    CPPUNIT_ASSERT_EQUAL(size_t{2}, seen.size());
    CPPUNIT_ASSERT_EQUAL(100, seen["a"]);
    CPPUNIT_ASSERT_EQUAL(200, seen["b"]);
    // Nothing schedulable: always Select.
    std::vector<MemberState> off = {Member("d", 100, config::kStatusDisabled)};
    const std::vector<MemberState*> po = Pointers(&off);
    s.Build(po.data(), po.size());
    Selection sel;
    CPPUNIT_ASSERT(!s.TrySelect(Request(), po.data(), po.size(), &turns, &sel));
  }

  void AsksSelectWhenTheTurnCannotBeTaken() {
    std::vector<MemberState> m = {Member("a"), Member("b")};
    const std::vector<MemberState*> p = Pointers(&m);
    Schedule s;
    s.Build(p.data(), p.size());
    uint64_t turns = 0;  // turn 0 is a's, turn 1 b's
    const auto try_a = [&](const SelectRequest& r) {
      turns = 0;
      Selection sel;
      return s.TrySelect(r, p.data(), p.size(), &turns, &sel);
    };
    CPPUNIT_ASSERT(try_a(Request()));
    CPPUNIT_ASSERT(!try_a(Request(LbMethod::kByBusyness)));
    CPPUNIT_ASSERT(!try_a(Request(LbMethod::kByTraffic)));
    SelectRequest tried = Request();
    tried.tried.set(0);
    CPPUNIT_ASSERT(!try_a(tried));
    m[0].error_until = kNow + 1;
    CPPUNIT_ASSERT(!try_a(Request()));
    m[0].status = config::kStatusIgnoreErrors;  // I: errors do not count
    CPPUNIT_ASSERT(!try_a(Request()));          // ... but I is an admin edit since the build
    s.Build(p.data(), p.size());
    CPPUNIT_ASSERT(try_a(Request()));
    m[0].status = 0;
    m[0].error_until = 0;
    s.Build(p.data(), p.size());
    m[0].status = config::kStatusHealthFailed;
    CPPUNIT_ASSERT(!try_a(Request()));
    m[0].status = config::kStatusInError;
    CPPUNIT_ASSERT(!try_a(Request()));
    m[0].status = 0;
    m[0].ramp = 500;  // slow start: Select weighs it
    CPPUNIT_ASSERT(!try_a(Request()));
    m[0].ramp = 0;
    m[0].load_factor = 300;  // edited since the build
    CPPUNIT_ASSERT(!try_a(Request()));
    m[0].load_factor = 100;
    m[0].lbset = 2;
    CPPUNIT_ASSERT(!try_a(Request()));
    m[0].lbset = 0;
    CPPUNIT_ASSERT(try_a(Request()));
    // A table of another size than the one it was built from.
    Selection sel;
    CPPUNIT_ASSERT(!s.TrySelect(Request(), p.data(), 1, &turns, &sel));
  }

  // Random tables: whenever a route request gets a fast answer, Select gives the same one.
  void StickyHitsAgreeWithSelect() {
    std::mt19937 rng(7);
    const uint32_t flags[] = {0,
                              0,
                              0,
                              config::kStatusDisabled,
                              config::kStatusStopped,
                              config::kStatusHealthFailed,
                              config::kStatusDraining,
                              config::kStatusHotStandby,
                              config::kStatusInError,
                              config::kStatusIgnoreErrors};
    int fast = 0;
    for (int round = 0; round < 2000; ++round) {
      const size_t n = 1 + rng() % 8;
      std::vector<MemberState> m;
      for (size_t i = 0; i < n; ++i) {
        m.push_back(Member("r" + std::to_string(rng() % 6), 100, flags[rng() % 10]));
        if (rng() % 5 == 0) m.back().error_until = kNow + 1;
        if (rng() % 4 == 0) SetRedirect(&m.back(), "r" + std::to_string(rng() % 6));
      }
      const std::vector<MemberState*> p = Pointers(&m);
      Schedule s;
      s.Build(p.data(), p.size());
      SelectRequest r = Request();
      const std::string first = "r" + std::to_string(rng() % 7);  // routes are views
      const std::string second = "r" + std::to_string(rng() % 7);
      r.AddRoute(first);
      if (rng() % 2 == 0) r.AddRoute(second);
      if (rng() % 4 == 0) r.tried.set(rng() % n);
      uint64_t turns = 0;
      Selection quick;
      if (!s.TrySelect(r, p.data(), p.size(), &turns, &quick)) continue;
      ++fast;
      CPPUNIT_ASSERT_EQUAL(uint64_t{0}, turns);  // sticky answers take no turn
      Selection full;
      Select(r, p.data(), p.size(), &full);
      CPPUNIT_ASSERT_EQUAL(full.index, quick.index);
      CPPUNIT_ASSERT(full.sticky && quick.sticky);
      CPPUNIT_ASSERT(full.route == quick.route);
      CPPUNIT_ASSERT_EQUAL(full.route_known, quick.route_known);
      CPPUNIT_ASSERT_EQUAL(full.route_changed, quick.route_changed);
      CPPUNIT_ASSERT_EQUAL(full.redirect_hops, quick.redirect_hops);
    }
    CPPUNIT_ASSERT(fast > 200);
  }

  // Random tables: a fast balanced answer is a member Select's rules allow, in the tier it uses.
  void BalancedAnswersAreOnesSelectCouldGive() {
    std::mt19937 rng(11);
    const uint32_t flags[] = {0,
                              0,
                              0,
                              config::kStatusDisabled,
                              config::kStatusHealthFailed,
                              config::kStatusDraining,
                              config::kStatusHotSpare,
                              config::kStatusInError};
    int fast = 0;
    for (int round = 0; round < 2000; ++round) {
      const size_t n = 1 + rng() % 8;
      std::vector<MemberState> m;
      for (size_t i = 0; i < n; ++i) {
        m.push_back(Member("r" + std::to_string(i), 100 * static_cast<int32_t>(1 + rng() % 3), 0,
                           static_cast<int32_t>(rng() % 2)));
      }
      const std::vector<MemberState*> p = Pointers(&m);
      Schedule s;
      s.Build(p.data(), p.size());
      // Health and errors change after the build (admin flags would be edits: rebuilt).
      for (MemberState& x : m) {
        const uint32_t f = flags[rng() % 8];
        if (f == config::kStatusHealthFailed || f == config::kStatusInError) x.status = f;
        if (rng() % 6 == 0) x.error_until = kNow + 1;
      }
      uint64_t turns = rng() % 10;
      Selection quick;
      if (!s.TrySelect(Request(), p.data(), p.size(), &turns, &quick)) continue;
      ++fast;
      // The lowest lbset among members Select could balance to.
      int32_t tier = 100;
      for (const MemberState& x : m) {
        if (x.status == 0 && x.error_until <= kNow) tier = std::min(tier, x.lbset);
      }
      const MemberState& chosen = m[static_cast<size_t>(quick.index)];
      CPPUNIT_ASSERT_EQUAL(0u, chosen.status);
      CPPUNIT_ASSERT(chosen.error_until <= kNow);
      CPPUNIT_ASSERT_EQUAL(tier, chosen.lbset);
    }
    CPPUNIT_ASSERT(fast > 200);
  }

  void LongRoundsAreScaledDown() {
    std::vector<MemberState> m;
    for (int i = 0; i < 50; ++i) m.push_back(Member("r" + std::to_string(i), 9901 - i));
    const std::vector<MemberState*> p = Pointers(&m);
    Schedule s;
    s.Build(p.data(), p.size());
    CPPUNIT_ASSERT(s.length() <= kMaxScheduleLength && s.length() >= kMaxScheduleLength / 2);
    // Every member still has turns, in proportion.
    uint64_t turns = 0;
    std::vector<int> count(m.size(), 0);
    for (size_t i = 0; i < s.length(); ++i) {
      Selection sel;
      CPPUNIT_ASSERT(s.TrySelect(Request(), p.data(), p.size(), &turns, &sel));
      ++count[static_cast<size_t>(sel.index)];
    }
    for (const int c : count) CPPUNIT_ASSERT(c > 1000);
  }

  void ThousandMembers() {
    std::vector<MemberState> m;
    for (int i = 0; i < 1000; ++i) m.push_back(Member("node" + std::to_string(i)));
    const std::vector<MemberState*> p = Pointers(&m);
    Schedule s;
    s.Build(p.data(), p.size());
    CPPUNIT_ASSERT_EQUAL(size_t{1000}, s.length());
    uint64_t turns = 0;
    std::vector<int> count(m.size(), 0);
    for (int i = 0; i < 3000; ++i) {
      Selection sel;
      CPPUNIT_ASSERT(s.TrySelect(Request(), p.data(), p.size(), &turns, &sel));
      ++count[static_cast<size_t>(sel.index)];
    }
    for (const int c : count) CPPUNIT_ASSERT_EQUAL(3, c);
    SelectRequest r = Request();
    r.AddRoute("node777");
    Selection sel;
    CPPUNIT_ASSERT(s.TrySelect(r, p.data(), p.size(), &turns, &sel));
    CPPUNIT_ASSERT_EQUAL(777, sel.index);
    SelectRequest unknown = Request();
    unknown.AddRoute("node1000");
    CPPUNIT_ASSERT(!s.TrySelect(unknown, p.data(), p.size(), &turns, &sel));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ScheduleTest);

}  // namespace
}  // namespace mca::balance
