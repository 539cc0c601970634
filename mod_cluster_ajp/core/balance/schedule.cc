// The O(1) selection path (include/mca/balance/schedule.h).
//
// Must not depend on: httpd, APR, a clock, a random source.
#include "mca/balance/schedule.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <string>

#include "mca/balance/atomic.h"

namespace mca::balance {
namespace {

constexpr uint32_t kAdmin = config::kAdminStatusFlags;
// Flags that keep a member out of balancing (rule 3), and out of the schedule's tier.
constexpr uint32_t kNotScheduled = config::kStatusDisabled | config::kStatusStopped |
                                   config::kStatusDraining | config::kStatusHotStandby |
                                   config::kStatusHotSpare;
constexpr uint32_t kCannotServe =
    config::kStatusDisabled | config::kStatusStopped | config::kStatusHealthFailed;

int64_t Clamped(int32_t load_factor) {
  return std::clamp<int64_t>(load_factor, kMinWeight, kMaxWeight);
}

bool InError(const MemberState& m, uint32_t status, int64_t now) {
  if ((status & config::kStatusIgnoreErrors) != 0) return false;
  return (status & config::kStatusInError) != 0 || AtomicLoad(m.error_until) > now;
}

}  // namespace

void Schedule::Build(MemberState* const* members, size_t n) {
  order_.clear();
  built_.clear();
  route_names_.clear();
  route_members_.clear();
  route_slots_.clear();
  n_ = n;
  if (n == 0 || n > kMaxMembers) return;

  // The tier Select uses when every member is up: normal members (no H/R), not D/S/N, lowest
  // lbset.
  std::vector<size_t> tier;
  int32_t lbset = 0;
  for (size_t i = 0; i < n; ++i) {
    const MemberState& m = *members[i];
    const uint32_t status = AtomicLoad(m.status);
    built_.push_back(Entry{m.load_factor, m.lbset, status & kAdmin});
    if ((status & kNotScheduled) != 0) continue;
    if (tier.empty() || m.lbset < lbset) {
      tier.clear();
      lbset = m.lbset;
    }
    if (m.lbset == lbset) tier.push_back(i);
  }

  // Weights in lowest terms; scaled down when one round would be too long.
  std::vector<int64_t> weight;
  int64_t divisor = 0;
  for (const size_t i : tier) divisor = std::gcd(divisor, Clamped(members[i]->load_factor));
  int64_t length = 0;
  for (const size_t i : tier) {
    weight.push_back(Clamped(members[i]->load_factor) / divisor);
    length += weight.back();
  }
  constexpr auto limit = static_cast<int64_t>(kMaxScheduleLength);
  if (length > limit) {
    const int64_t sum = length;
    length = 0;
    for (int64_t& w : weight) {
      w = std::max<int64_t>(1, w * limit / sum);
      length += w;
    }
  }
  // One round: member k appears weight[k] times, its j-th turn at the ideal time
  // (2j + 1) / (2 weight[k]) of the round; turns in order of those times (compared exactly,
  // ties to the earlier member). For 3:1 that is a a b a, as smooth WRR gives.
  struct Turn {
    int64_t odd;  // 2j + 1
    size_t k;
  };
  std::vector<Turn> turns;
  turns.reserve(static_cast<size_t>(length));
  for (size_t k = 0; k < tier.size(); ++k) {
    for (int64_t j = 0; j < weight[k]; ++j) turns.push_back(Turn{2 * j + 1, k});
  }
  std::sort(turns.begin(), turns.end(), [&weight](const Turn& x, const Turn& y) {
    const int64_t lhs = x.odd * weight[y.k];
    const int64_t rhs = y.odd * weight[x.k];
    return lhs != rhs ? lhs < rhs : x.k < y.k;
  });
  order_.reserve(turns.size());
  for (const Turn& t : turns) order_.push_back(static_cast<uint16_t>(tier[t.k]));

  // Route index: twice as many slots as members, a power of two.
  size_t slots = 1;
  while (slots < 2 * n) slots <<= 1;
  route_slots_.assign(slots, -1);
  for (size_t i = 0; i < n; ++i) {
    const std::string_view route = RouteOf(*members[i]);
    if (route.empty() || FindRoute(route) >= 0) continue;  // the first member with it wins
    size_t h = std::hash<std::string_view>()(route) & (slots - 1);
    while (route_slots_[h] >= 0) h = (h + 1) & (slots - 1);
    route_slots_[h] = static_cast<int32_t>(route_names_.size());
    route_names_.emplace_back(route);
    route_members_.push_back(static_cast<uint16_t>(i));
  }
}

int Schedule::FindRoute(std::string_view route) const noexcept {
  if (route_slots_.empty()) return -1;
  const size_t mask = route_slots_.size() - 1;
  for (size_t h = std::hash<std::string_view>()(route) & mask;; h = (h + 1) & mask) {
    const int32_t k = route_slots_[h];
    if (k < 0) return -1;
    if (route_names_[static_cast<size_t>(k)] == route) {
      return route_members_[static_cast<size_t>(k)];
    }
  }
}

bool Schedule::TrySelect(const SelectRequest& request, MemberState* const* members, size_t n,
                         uint64_t* turns, Selection* out) const noexcept {
  if (n != n_ || n == 0 || n > kMaxMembers) return false;
  if (request.route_count > 0) {
    // A sticky hit on the first route, as Select's rule 1 finds it.
    const std::string_view route = request.routes[0];
    const int i = FindRoute(route);
    if (i < 0) return false;
    const MemberState& m = *members[i];
    const uint32_t status = AtomicLoad(m.status);
    if (request.tried[static_cast<size_t>(i)] || (status & kCannotServe) != 0 ||
        InError(m, status, request.now) || !RouteEquals(m.route, route)) {
      return false;
    }
    *out = Selection();
    out->index = i;
    out->reason = Reason::kSelected;
    out->sticky = true;
    out->route = route;
    out->route_known = true;
    return true;
  }
  if (request.lb_method != config::LbMethod::kByRequests || order_.empty()) return false;
  const uint64_t turn = AtomicAdd(*turns, uint64_t{1}) - 1;
  const size_t i = order_[turn % order_.size()];
  const MemberState& m = *members[i];
  const uint32_t status = AtomicLoad(m.status);
  const uint32_t ramp = AtomicLoad(m.ramp);
  const Entry& e = built_[i];
  if (request.tried[i] || (status & (kNotScheduled | config::kStatusHealthFailed)) != 0 ||
      InError(m, status, request.now) || (ramp > 0 && ramp < 1000) ||
      m.load_factor != e.load_factor || m.lbset != e.lbset || (status & kAdmin) != e.admin) {
    return false;
  }
  *out = Selection();
  out->index = static_cast<int>(i);
  out->reason = Reason::kSelected;
  return true;
}

}  // namespace mca::balance
