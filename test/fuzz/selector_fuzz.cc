// libFuzzer target for member selection (core/balance/selector.cc).
//
// Input layout (read cyclically, so short inputs still describe whole tables):
//   byte 0   bits 0-1 lb method (0 byrequests, 1 bybusyness, 2 bytraffic, 3 byrequests),
//            bit 2 nofailover, bit 3 forcerecovery, bits 4-7 number of session routes
//   byte 1   members: 1 + byte % 48; 250..255 give 1000, 1005, ... 1024 members
//   then     one route-table index per session route
//   then     per member 9 bytes: route, redirect (indexes into a small route table, so routes
//            collide and redirects chain and loop), load factor, lbset, status flags, error_until,
//            current_weight, busy + tried bit, traffic
//
// Checks, besides ASan/UBSan (__builtin_trap on a violation): only current_weight changes; the
// chosen member is never tried, never D/S/C, never in error unless ignore-errors applies or
// forced recovery was due; a balanced pick is never draining and is in the lowest tier (normal
// before spare before standby, lowest lbset first) and is the least busy / least traffic per
// weight / the smooth-WRR winner; a sticky hit is the end of a redirect chain (at most 3 hops)
// from the route it reports, and whenever such a hit exists Select finds one; "no member"
// reasons are true; the same input gives the same result. The O(1) path (schedule.h), built
// from the same table, answers only what Select could: a sticky answer is Select's own, a
// balanced one is an untried, usable member of the lowest tier under byrequests.
//
// Must not depend on: httpd, APR.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "mca/balance/schedule.h"
#include "mca/balance/selector.h"

namespace {

using mca::balance::MemberState;
using mca::balance::Reason;
using mca::balance::Selection;
using mca::balance::SelectRequest;
namespace config = mca::config;

constexpr int64_t kNow = 1'000'000'000;
constexpr uint32_t kCannot =
    config::kStatusDisabled | config::kStatusStopped | config::kStatusHealthFailed;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

const std::string& RouteName(uint8_t b) {
  static const std::string kNames[] = {"",  "a", "b", "c",     "d",      "e",
                                       "f", "g", "h", "node1", "node10", std::string(63, 'z')};
  return kNames[b % (sizeof kNames / sizeof kNames[0])];
}

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Next() {
    const uint8_t b = data_[pos_ % size_];
    ++pos_;
    return b;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

bool InError(const MemberState& m, bool ignore) {
  if (ignore || (m.status & config::kStatusIgnoreErrors) != 0) return false;
  return (m.status & config::kStatusInError) != 0 || m.error_until > kNow;
}

int FindRoute(const std::vector<MemberState>& t, std::string_view route) {
  if (route.empty()) return -1;
  for (size_t i = 0; i < t.size(); ++i) {
    if (mca::balance::RouteOf(t[i]) == route) return static_cast<int>(i);
  }
  return -1;
}

bool CanServeSticky(const std::vector<MemberState>& t, const SelectRequest& r, size_t i,
                    bool ignore) {
  return !r.tried[i] && (t[i].status & kCannot) == 0 && !InError(t[i], ignore);
}

// The sticky member for `route` (following up to 3 redirects), or -1.
int StickyFor(const std::vector<MemberState>& t, const SelectRequest& r, std::string_view route,
              bool ignore) {
  int m = FindRoute(t, route);
  for (int hop = 0; m >= 0 && hop <= 3; ++hop) {
    if (CanServeSticky(t, r, static_cast<size_t>(m), ignore)) return m;
    m = FindRoute(t, mca::balance::RedirectOf(t[static_cast<size_t>(m)]));
  }
  return -1;
}

bool Balanceable(const MemberState& m, bool ignore) {
  return (m.status & (kCannot | config::kStatusDraining)) == 0 && !InError(m, ignore);
}

int64_t Tier(const MemberState& m) {
  const int64_t role = (m.status & config::kStatusHotSpare) != 0     ? 1
                       : (m.status & config::kStatusHotStandby) != 0 ? 2
                                                                     : 0;
  return role * (int64_t{1} << 33) + m.lbset;
}

int64_t Weight(const MemberState& m) {
  return m.load_factor < 1 ? 1 : m.load_factor > 10000 ? 10000 : m.load_factor;
}

bool SameSelection(const Selection& a, const Selection& b) {
  return a.index == b.index && a.reason == b.reason && a.sticky == b.sticky &&
         a.redirect_hops == b.redirect_hops && a.forced_recovery == b.forced_recovery &&
         a.route.data() == b.route.data() && a.route.size() == b.route.size() &&
         a.route_known == b.route_known && a.route_changed == b.route_changed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  Reader in(data, size);
  const uint8_t flags = in.Next();
  const uint8_t count = in.Next();
  const size_t n =
      count >= 250 ? 1000 + (count - 250u) * 5u - (count == 255 ? 1u : 0u) : 1 + count % 48u;

  SelectRequest r;
  static const config::LbMethod kMethods[] = {
      config::LbMethod::kByRequests, config::LbMethod::kByBusyness, config::LbMethod::kByTraffic,
      config::LbMethod::kByRequests};
  r.lb_method = kMethods[flags & 3];
  r.nofailover = (flags & 4) != 0;
  r.force_recovery = (flags & 8) != 0;
  r.now = kNow;
  std::vector<std::string> routes;
  routes.reserve(flags >> 4);
  for (int i = 0; i < (flags >> 4); ++i) routes.push_back(RouteName(in.Next()));
  for (const std::string& s : routes) r.AddRoute(s);

  static const int32_t kLoad[] = {100, 300, 1, 0, -5, 150, 10000, 20000};
  static const int64_t kError[] = {0,        kNow - 1,  kNow,      kNow + 1,
                                   kNow * 2, INT64_MAX, INT64_MIN, kNow};
  std::vector<MemberState> table(n);
  for (size_t i = 0; i < n; ++i) {
    MemberState& m = table[i];
    m = mca::balance::MakeMemberState();
    Check(mca::balance::SetRoute(&m, RouteName(in.Next())));
    Check(mca::balance::SetRedirect(&m, RouteName(in.Next())));
    m.load_factor = kLoad[in.Next() % 8];
    m.lbset = in.Next() % 4;
    m.status = in.Next();
    m.error_until = kError[in.Next() % 8];
    const auto cw = static_cast<int8_t>(in.Next());
    m.current_weight = cw == INT8_MIN   ? INT64_MIN
                       : cw == INT8_MAX ? INT64_MAX
                                        : static_cast<int64_t>(cw) * 37;
    const uint8_t busy = in.Next();
    m.busy = busy % 8;
    if (busy & 0x80) r.tried.set(i);
    const uint8_t traffic = in.Next();
    m.traffic = traffic == 255 ? UINT64_MAX : static_cast<uint64_t>(traffic) * 1000u;
  }

  const std::vector<MemberState> before = table;
  std::vector<MemberState> again = table;
  Selection s;
  mca::balance::Select(r, table.data(), n, &s);
  Selection s2;
  mca::balance::Select(r, again.data(), n, &s2);
  Check(SameSelection(s, s2));
  Check(std::memcmp(table.data(), again.data(), n * sizeof(MemberState)) == 0);

  // Only current_weight changes.
  for (size_t i = 0; i < n; ++i) {
    MemberState a = before[i];
    a.current_weight = table[i].current_weight;
    Check(std::memcmp(&a, &table[i], sizeof a) == 0);
  }

  // Recovery is due when every member that is not tried or D/S/C is in error (and one exists).
  bool healthy = false;
  bool any_in_error = false;
  for (size_t i = 0; i < n; ++i) {
    if (r.tried[i] || (before[i].status & kCannot) != 0) continue;
    if (InError(before[i], false)) {
      any_in_error = true;
    } else {
      healthy = true;
    }
  }
  const bool recovery_due = r.force_recovery && !healthy && any_in_error;
  Check(!s.forced_recovery || (s.index >= 0 && recovery_due));
  const bool ignore = s.forced_recovery;

  // Any sticky hit there is (in the mode Select ended in).
  int sticky_ref = -1;
  std::string_view sticky_route;
  bool any_known = false;
  for (size_t k = 0; k < r.route_count; ++k) {
    if (FindRoute(before, r.routes[k]) >= 0) any_known = true;
    if (sticky_ref < 0) {
      sticky_ref = StickyFor(before, r, r.routes[k], ignore);
      if (sticky_ref >= 0) sticky_route = r.routes[k];
    }
  }
  Check(s.route_known == any_known);

  // Balancing reference: lowest tier among the untried balanceable members.
  bool have_tier = false;
  int64_t tier = 0;
  for (size_t i = 0; i < n; ++i) {
    if (r.tried[i] || !Balanceable(before[i], ignore)) continue;
    if (!have_tier || Tier(before[i]) < tier) tier = Tier(before[i]);
    have_tier = true;
  }

  {
    std::vector<MemberState> copy = before;
    std::vector<MemberState*> pointers;
    for (MemberState& m : copy) pointers.push_back(&m);
    mca::balance::Schedule schedule;
    schedule.Build(pointers.data(), n);
    uint64_t turns = in.Next();
    Selection quick;
    if (schedule.TrySelect(r, pointers.data(), n, &turns, &quick)) {
      const auto q = static_cast<size_t>(quick.index);
      Check(quick.reason == Reason::kSelected && q < n && !r.tried[q]);
      Check((before[q].status & kCannot) == 0 && !InError(before[q], false));
      if (r.route_count > 0) {
        Check(quick.sticky && s.sticky && quick.index == s.index);
        Check(quick.route == s.route && !quick.route_changed && quick.redirect_hops == 0);
      } else {
        Check(!quick.sticky && r.lb_method == config::LbMethod::kByRequests);
        Check(Balanceable(before[q], false) && have_tier && Tier(before[q]) == tier);
      }
    }
  }

  if (s.index < 0) {
    Check(s.reason != Reason::kSelected);
    Check(!s.sticky && !s.forced_recovery);
    Check(sticky_ref < 0);
    if (s.reason == Reason::kSessionMemberDown) {
      Check(r.nofailover && any_known);
    } else {
      Check(s.reason == Reason::kAllDown || s.reason == Reason::kAllTried);
      Check(!have_tier);
      Check(!(r.nofailover && any_known));
    }
    // With recovery due, ignoring errors must not have found anything either.
    if (recovery_due) {
      for (size_t k = 0; k < r.route_count; ++k) Check(StickyFor(before, r, r.routes[k], true) < 0);
      if (!(r.nofailover && any_known)) {
        for (size_t i = 0; i < n; ++i) Check(r.tried[i] || !Balanceable(before[i], true));
      }
    }
    return 0;
  }

  const auto idx = static_cast<size_t>(s.index);
  Check(idx < n);
  Check(s.reason == Reason::kSelected);
  const MemberState& m = before[idx];
  Check(!r.tried[idx]);
  Check((m.status & kCannot) == 0);
  Check(!InError(m, ignore));
  Check(s.route_changed == (!s.route.empty() && s.route != mca::balance::RouteOf(m)));

  if (s.sticky) {
    // The first route with a hit wins, and the chosen member ends its redirect chain.
    Check(sticky_ref == s.index && sticky_route.data() == s.route.data());
    Check(s.redirect_hops >= 0 && s.redirect_hops <= 3);
    int at = FindRoute(before, s.route);
    for (int hop = 0; hop < s.redirect_hops; ++hop) {
      Check(at >= 0);
      at = FindRoute(before, mca::balance::RedirectOf(before[static_cast<size_t>(at)]));
    }
    Check(at == s.index);
    for (size_t i = 0; i < n; ++i) Check(before[i].current_weight == table[i].current_weight);
    return 0;
  }

  // Balanced.
  Check(sticky_ref < 0);
  Check(!(r.nofailover && any_known));
  Check((m.status & config::kStatusDraining) == 0);
  Check(have_tier && Tier(m) == tier);
  // Never a spare or standby while a normal member can be balanced to.
  if ((m.status & (config::kStatusHotSpare | config::kStatusHotStandby)) != 0) {
    for (size_t i = 0; i < n; ++i) {
      if (r.tried[i] || !Balanceable(before[i], ignore)) continue;
      Check((before[i].status & (config::kStatusHotSpare | config::kStatusHotStandby)) != 0);
    }
  }
  std::vector<bool> in_set(n, false);
  for (size_t i = 0; i < n; ++i) {
    in_set[i] = !r.tried[i] && Balanceable(before[i], ignore) && Tier(before[i]) == tier;
  }
  if (r.lb_method == config::LbMethod::kByBusyness) {
    for (size_t i = 0; i < n; ++i) {
      if (!in_set[i]) continue;
      Check(m.busy <= before[i].busy);
    }
    for (size_t i = 0; i < n; ++i) in_set[i] = in_set[i] && before[i].busy == m.busy;
  } else if (r.lb_method == config::LbMethod::kByTraffic) {
    using Wide = unsigned __int128;
    for (size_t i = 0; i < n; ++i) {
      if (!in_set[i]) continue;
      Check(static_cast<Wide>(m.traffic) * static_cast<Wide>(Weight(before[i])) <=
            static_cast<Wide>(before[i].traffic) * static_cast<Wide>(Weight(m)));
    }
    for (size_t i = 0; i < n; ++i) {
      in_set[i] =
          in_set[i] && static_cast<Wide>(m.traffic) * static_cast<Wide>(Weight(before[i])) ==
                           static_cast<Wide>(before[i].traffic) * static_cast<Wide>(Weight(m));
    }
  }
  // Smooth WRR over in_set, written out: the first member with the largest raised weight wins.
  int64_t total = 0;
  int best = -1;
  std::vector<int64_t> raised(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t cw = before[i].current_weight;
    if (!in_set[i]) {
      Check(table[i].current_weight == cw);
      continue;
    }
    if (cw > mca::balance::kMaxCurrentWeight || cw < -mca::balance::kMaxCurrentWeight) cw = 0;
    raised[i] = cw + Weight(before[i]);
    total += Weight(before[i]);
    if (best < 0 || raised[i] > raised[static_cast<size_t>(best)]) best = static_cast<int>(i);
  }
  Check(best == s.index);
  for (size_t i = 0; i < n; ++i) {
    if (!in_set[i]) continue;
    Check(table[i].current_weight == raised[i] - (i == idx ? total : 0));
  }
  return 0;
}
