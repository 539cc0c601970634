// An O(1) path for the common cases of member selection, beside Select (selector.h), which stays
// the reference for every rule:
//   - a request whose first session route names a member that can serve it (a sticky hit), found
//     in a route index instead of a scan;
//   - a byrequests request without session routes, whose turn in a precomputed smooth weighted
//     round robin schedule falls on a member that can take it.
// Anything else (bybusyness, bytraffic, a route whose member cannot serve, a turn that falls on a
// member in error, tried, ramping up after slow start, ...) answers "ask Select", which then
// decides by the full rules. The fast answers are ones Select could give: the schedule holds
// only members of the tier Select would use when all of them are up, each exactly as often as
// its load factor says, spread evenly over the round (3:1 gives a a b a, as smooth WRR does); the
// schedule's turns come from one counter shared by every process (AtomicAdd), so the split over all
// children is exact over each round of the schedule.
//
// A Schedule is built from the members' fields that change only by configuration or the manager
// (load factor, lbset, the D S N H R flags, route); whoever changes those builds a new one. Each
// fast answer checks those fields again on the chosen member, so a member edited a moment ago is
// never picked against its new settings (the answer is then "ask Select").
//
// Cost: Build O(n + L log L) with L the schedule length (the sum of the weights divided by their
// gcd, scaled down to at most kMaxScheduleLength); TrySelect O(1) (one hash lookup for a route),
// without allocating.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#ifndef MCA_BALANCE_SCHEDULE_H_
#define MCA_BALANCE_SCHEDULE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mca/balance/selector.h"

namespace mca::balance {

inline constexpr size_t kMaxScheduleLength = size_t{1} << 16;

class Schedule {
 public:
  // Reads members[0..n): load_factor, lbset, route, and the admin flags of status.
  void Build(MemberState* const* members, size_t n);

  // An O(1) answer when there is one (true, *out filled as Select would fill it), else false.
  // `turns` is the shared counter of the schedule's turns (incremented atomically by balancing
  // answers only). The caller need not hold the balancer's lock.
  bool TrySelect(const SelectRequest& request, MemberState* const* members, size_t n,
                 uint64_t* turns, Selection* out) const noexcept;

  size_t length() const { return order_.size(); }

 private:
  struct Entry {
    int32_t load_factor;
    int32_t lbset;
    uint32_t admin;  // the admin flags when built
  };
  int FindRoute(std::string_view route) const noexcept;

  std::vector<uint16_t> order_;  // member indices: one round of smooth WRR
  std::vector<Entry> built_;     // per member, what the schedule was built from
  // Route index: open addressing over routes_ (the first member with each route).
  std::vector<std::string> route_names_;
  std::vector<uint16_t> route_members_;
  std::vector<int32_t> route_slots_;  // index into route_names_, -1 empty; size a power of 2
  size_t n_ = 0;
};

}  // namespace mca::balance

#endif  // MCA_BALANCE_SCHEDULE_H_
