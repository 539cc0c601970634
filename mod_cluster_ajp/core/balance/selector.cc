// Member selection (include/mca/balance/selector.h). Every loop is over the member array, a
// bounded number of times (routes x redirect hops for sticky lookups, three scans to balance).
//
// Must not depend on: httpd, APR, a clock, a random source, the heap.
#include "mca/balance/selector.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "mca/balance/atomic.h"

namespace mca::balance {
namespace {

constexpr uint32_t kCannotServe =
    config::kStatusDisabled | config::kStatusStopped | config::kStatusHealthFailed;

// One run over the table: the request, and whether errors are ignored (forced recovery).
struct Pass {
  const SelectRequest& request;
  MemberState* const* table;
  size_t n;
  bool ignore_errors;

  MemberState& operator[](size_t i) const { return *table[i]; }
};

// Fields other processes write without the balancer lock are read atomically.
uint32_t StatusOf(const MemberState& m) { return AtomicLoad(m.status); }
int64_t BusyOf(const MemberState& m) {
  const int64_t busy = AtomicLoad(m.busy);
  return busy < 0 ? 0 : busy;  // a count that went below zero (a child died) reads as idle
}

bool InError(const MemberState& m, int64_t now, bool ignore_errors) {
  const uint32_t status = StatusOf(m);
  if (ignore_errors || (status & config::kStatusIgnoreErrors) != 0) return false;
  return (status & config::kStatusInError) != 0 || AtomicLoad(m.error_until) > now;
}

// Not tried, not D/S/C, not in error: may take a sticky request (draining or not).
bool CanServeSticky(const Pass& p, size_t i) {
  const MemberState& m = p[i];
  return !p.request.tried[i] && (StatusOf(m) & kCannotServe) == 0 &&
         !InError(m, p.request.now, p.ignore_errors);
}

// May be balanced to, tried or not.
bool Balanceable(const Pass& p, size_t i) {
  const MemberState& m = p[i];
  return (StatusOf(m) & (kCannotServe | config::kStatusDraining)) == 0 &&
         !InError(m, p.request.now, p.ignore_errors);
}

// Tier of a balanceable member: (role, lbset), lowest first.
struct Tier {
  int role;  // 0 normal, 1 hot spare, 2 hot standby
  int32_t lbset;
  bool operator<(const Tier& o) const { return role != o.role ? role < o.role : lbset < o.lbset; }
  bool operator==(const Tier& o) const { return role == o.role && lbset == o.lbset; }
};

Tier TierOf(const MemberState& m) {
  const uint32_t status = StatusOf(m);
  const int role = (status & config::kStatusHotSpare) != 0     ? 1
                   : (status & config::kStatusHotStandby) != 0 ? 2
                                                               : 0;
  return Tier{role, m.lbset};
}

int64_t Weight(const MemberState& m) {
  int64_t w = m.load_factor;
  if (w < kMinWeight) w = kMinWeight;
  if (w > kMaxWeight) w = kMaxWeight;
  const uint32_t ramp = AtomicLoad(m.ramp);  // written by the health-check thread
  if (ramp > 0 && ramp < 1000) w = std::max<int64_t>(kMinWeight, w * ramp / 1000);
  return w;
}

// Index of the first member whose route is `route`, or -1.
int FindRoute(const Pass& p, std::string_view route) {
  if (route.empty() || route.size() >= kRouteSize) return -1;
  for (size_t i = 0; i < p.n; ++i) {
    if (RouteEquals(p[i].route, route)) return static_cast<int>(i);
  }
  return -1;
}

// nginx's smooth weighted round robin over the members `in` accepts. Returns the winner or -1.
template <typename In>
int SmoothWeighted(const Pass& p, In in) {
  int best = -1;
  int64_t total = 0;
  for (size_t i = 0; i < p.n; ++i) {
    if (!in(i)) continue;
    MemberState& m = p[i];
    if (m.current_weight > kMaxCurrentWeight || m.current_weight < -kMaxCurrentWeight) {
      m.current_weight = 0;
    }
    const int64_t w = Weight(m);
    m.current_weight += w;
    total += w;
    if (best < 0 || m.current_weight > p[static_cast<size_t>(best)].current_weight) {
      best = static_cast<int>(i);
    }
  }
  if (best >= 0) p[static_cast<size_t>(best)].current_weight -= total;
  return best;
}

// Sticky lookup (rule 1). Fills route/route_known; true with index set on a hit.
bool Sticky(const Pass& p, Selection* out) {
  const SelectRequest& rq = p.request;
  for (size_t r = 0; r < rq.route_count && r < rq.routes.size(); ++r) {
    const std::string_view route = rq.routes[r];
    int m = FindRoute(p, route);
    if (m < 0) {
      if (out->route.empty()) out->route = route;
      continue;
    }
    if (!out->route_known) {
      out->route = route;
      out->route_known = true;
    }
    for (int hop = 0; m >= 0; ++hop) {
      if (CanServeSticky(p, static_cast<size_t>(m))) {
        out->index = m;
        out->sticky = true;
        out->redirect_hops = hop;
        out->route = route;
        return true;
      }
      if (hop == kMaxRedirectHops) break;
      m = FindRoute(p, RedirectOf(p[static_cast<size_t>(m)]));
    }
  }
  return false;
}

// Balancing (rules 3 and 4). Returns the member or -1 with *reason set.
int Balance(const Pass& p, Reason* reason) {
  bool have_tier = false;
  bool any_balanceable = false;  // some balanceable member exists, tried or not
  Tier tier{0, 0};
  for (size_t i = 0; i < p.n; ++i) {
    if (!Balanceable(p, i)) continue;
    any_balanceable = true;
    if (p.request.tried[i]) continue;
    const Tier t = TierOf(p[i]);
    if (!have_tier || t < tier) tier = t;
    have_tier = true;
  }
  if (!have_tier) {
    *reason = any_balanceable ? Reason::kAllTried : Reason::kAllDown;
    return -1;
  }
  const auto in_tier = [&p, tier](size_t i) {
    return !p.request.tried[i] && Balanceable(p, i) && TierOf(p[i]) == tier;
  };
  int best = -1;
  switch (p.request.lb_method) {
    case config::LbMethod::kByRequests:
      best = SmoothWeighted(p, in_tier);
      break;
    case config::LbMethod::kByBusyness: {
      bool have = false;
      int64_t least = 0;
      for (size_t i = 0; i < p.n; ++i) {
        if (!in_tier(i)) continue;
        if (!have || BusyOf(p[i]) < least) least = BusyOf(p[i]);
        have = true;
      }
      best = SmoothWeighted(p, [&](size_t i) { return in_tier(i) && BusyOf(p[i]) == least; });
      break;
    }
    case config::LbMethod::kByTraffic: {
      // traffic/weight compared as traffic_a * weight_b against traffic_b * weight_a: exact.
      using Wide = unsigned __int128;
      const auto scaled = [&p](size_t i, size_t j) {
        return static_cast<Wide>(AtomicLoad(p[i].traffic)) * static_cast<Wide>(Weight(p[j]));
      };
      int least = -1;
      for (size_t i = 0; i < p.n; ++i) {
        if (!in_tier(i)) continue;
        const auto l = static_cast<size_t>(least);
        if (least < 0 || scaled(i, l) < scaled(l, i)) least = static_cast<int>(i);
      }
      const auto l = static_cast<size_t>(least);
      best =
          SmoothWeighted(p, [&](size_t i) { return in_tier(i) && scaled(i, l) == scaled(l, i); });
      break;
    }
  }
  *reason = best >= 0 ? Reason::kSelected : Reason::kAllDown;
  return best;
}

// One full selection (rules 1 to 4) with or without errors ignored.
void Run(const Pass& p, Selection* out) {
  *out = Selection{};
  out->forced_recovery = p.ignore_errors;
  if (Sticky(p, out)) {
    out->reason = Reason::kSelected;
    return;
  }
  if (out->route_known && p.request.nofailover) {
    out->reason = Reason::kSessionMemberDown;
    return;
  }
  out->index = Balance(p, &out->reason);
}

// Rule 6: nothing was found and every member that is not tried, D, S or C is in error (and
// there is at least one such member).
bool ShouldForceRecovery(const Pass& p) {
  bool any_in_error = false;
  for (size_t i = 0; i < p.n; ++i) {
    if (p.request.tried[i] || (StatusOf(p[i]) & kCannotServe) != 0) continue;
    if (!InError(p[i], p.request.now, false)) return false;
    any_in_error = true;
  }
  return any_in_error;
}

std::string_view FieldView(const char (&field)[kRouteSize]) {
  size_t len = 0;
  while (len < kRouteSize - 1 && field[len] != '\0') ++len;
  return std::string_view(field, len);
}

bool SetField(char (&field)[kRouteSize], std::string_view value) {
  if (value.size() >= kRouteSize || value.find('\0') != std::string_view::npos) return false;
  std::memset(field, 0, kRouteSize);
  if (!value.empty()) std::memcpy(field, value.data(), value.size());
  return true;
}

}  // namespace

MemberState MakeMemberState() noexcept {
  MemberState m;
  std::memset(&m, 0, sizeof m);
  m.load_factor = 100;
  return m;
}

bool SetRoute(MemberState* m, std::string_view route) noexcept { return SetField(m->route, route); }

bool SetRedirect(MemberState* m, std::string_view redirect) noexcept {
  return SetField(m->redirect, redirect);
}

std::string_view RouteOf(const MemberState& m) noexcept { return FieldView(m.route); }
std::string_view RedirectOf(const MemberState& m) noexcept { return FieldView(m.redirect); }

bool RouteEquals(const char (&field)[kRouteSize], std::string_view route) noexcept {
  // The field holds `route` exactly when its first route.size() bytes are route's and a NUL
  // follows (route has no NUL of its own: a route with one cannot be stored, so never matches).
  if (route.empty() || route.size() >= kRouteSize) return false;
  return field[route.size()] == '\0' && std::memcmp(field, route.data(), route.size()) == 0 &&
         route.find('\0') == std::string_view::npos;
}

bool SelectRequest::AddRoute(std::string_view route) noexcept {
  if (route.empty() || route_count >= routes.size()) return false;
  routes[route_count++] = route;
  return true;
}

void SelectRequest::AddRoutes(const sticky::Candidates& candidates) noexcept {
  for (const sticky::Candidate& c : candidates) AddRoute(c.route);
}

const char* ReasonName(Reason reason) noexcept {
  switch (reason) {
    case Reason::kSelected:
      return "selected";
    case Reason::kNoMembers:
      return "no members";
    case Reason::kTooManyMembers:
      return "too many members";
    case Reason::kAllDown:
      return "every member is down or disabled";
    case Reason::kAllTried:
      return "every usable member was tried";
    case Reason::kSessionMemberDown:
      return "the session's member is down and nofailover is on";
  }
  return "unknown";
}

void Select(const SelectRequest& request, MemberState* const* members, size_t n,
            Selection* out) noexcept {
  *out = Selection{};
  if (n == 0 || members == nullptr) {
    out->reason = Reason::kNoMembers;
    return;
  }
  if (n > kMaxMembers) {
    out->reason = Reason::kTooManyMembers;
    return;
  }
  Run(Pass{request, members, n, false}, out);
  if (out->index < 0 && request.force_recovery &&
      ShouldForceRecovery(Pass{request, members, n, false})) {
    Run(Pass{request, members, n, true}, out);
    if (out->index < 0) out->forced_recovery = false;
  }
  if (out->index >= 0 && !out->route.empty()) {
    out->route_changed = !RouteEquals(members[out->index]->route, out->route);
  }
}

void Select(const SelectRequest& request, MemberState* members, size_t n, Selection* out) {
  if (members == nullptr || n == 0 || n > kMaxMembers) {
    *out = Selection{};
    out->reason = n > kMaxMembers ? Reason::kTooManyMembers : Reason::kNoMembers;
    return;
  }
  std::vector<MemberState*> table(n);
  for (size_t i = 0; i < n; ++i) table[i] = &members[i];
  Select(request, table.data(), n, out);
}

}  // namespace mca::balance
