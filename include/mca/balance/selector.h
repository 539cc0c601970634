// Member selection: which member of a balancer serves a request, given the session's routes,
// every member's state and the members this request already tried. A pure function over plain
// data, in the manner of h2o's balancer (a selector taking a "tried" mask) and Envoy's load
// balancers (time is injected, so tests are exact).
//
// The member table is an array of MemberState: fixed size, trivially copyable, no pointers, so the
// same bytes can live in shared memory for every httpd child process. Select reads every field and
// WRITES ONLY current_weight (the smooth weighted round robin state), and only when it balances:
//   byrequests               current_weight of every eligible member of the chosen tier;
//   bybusyness, bytraffic    current_weight of the eligible members of the chosen tier that tie
//                            on the least busy / traffic-per-load-factor value.
// A sticky hit writes nothing. Select is a read-modify-write of current_weight, so the caller
// holds the balancer's lock (in shared memory: a process-shared mutex) around it. busy and
// traffic are only read; the caller counts them (busy += 1 when a request is sent, -= 1 when it
// ends; traffic += bytes) and may do so without that lock when they are atomics.
//
// Rules (mod_proxy_balancer's, with its accidents fixed; differences marked *):
//  1. Sticky first. Each session route, in the order given, is looked up by exact byte equality
//     (a route names the first member that has it). The first route whose member can serve wins.
//     A member can serve a sticky request when it is not tried, not disabled (D), not stopped (S),
//     not health-check failed (C) and not in error; a draining member (N) keeps its sessions, and
//     so do hot standby/spare members (H, R). When the named member cannot serve, its `redirect`
//     route is followed, at most kMaxRedirectHops hops (so a loop A→B→A ends), and a member
//     reached that way is a sticky hit too (route_changed).
//  2. If some route named a member but none could serve: with nofailover there is no member
//     (kSessionMemberDown); otherwise the request is balanced. A route naming no member (a node
//     that was removed) is reported but does not count as a session member.
//  3. Balancing considers members that are not tried, not D, S or C, not in error and not
//     draining. They form tiers ordered by (role, lbset): role 0 normal, 1 hot spare (R), 2 hot
//     standby (H; a member with both flags is a spare). Only the lowest non-empty tier is used, so
//     lbset 1 serves only when no lbset 0 member can, spares only when no normal member can, and
//     standby members only when no spare can (* mod_proxy lets a spare stand in for each unusable
//     member of its lbset; here spares and standbys are simply a last resort, spares first).
//  4. Within the tier, by lb_method:
//       byrequests   nginx's smooth weighted round robin on load_factor: every member adds its
//                    weight to current_weight, the largest wins (the first on a tie), the winner
//                    subtracts the sum of the weights. Exact: over sum-of-weights selections each
//                    member is chosen exactly weight times, spread out (3,1 gives a a b a ...).
//       bybusyness   fewest busy; members tying on it are chosen among by smooth WRR, so the load
//                    factor still matters and ties rotate (* mod_proxy raises every member's
//                    weight on every pick, so a member that stays busy piles up credit without
//                    bound; here only the tying members' weights move).
//       bytraffic    fewest traffic/load_factor, compared exactly (cross-multiplied, no
//                    rounding); ties by smooth WRR as above (* mod_proxy: integer division, and
//                    the first member of a tie always wins).
//  5. In error means status flag E or error_until > now (so a member is back in rotation at
//     exactly error_until). Ignore-errors (I) members are never in error.
//  6. forcerecovery: when nothing was found and no member that is not tried, D, S or C is out of
//     error (so every member that could serve is in error), selection runs again with errors
//     ignored (E and error_until), sticky routes included, and says so (forced_recovery). The
//     caller then tries that member; on failure it marks it and adds it to `tried`.
//     (* mod_proxy requires every member, even a disabled one, to be in error.)
//
// Cost: O(n) time per Select (routes and redirect hops are bounded constants), no allocation,
// no exception, no lock, no clock or random source of its own.
//
// Must not depend on: httpd, APR (times are int64 microseconds, apr_time_t's unit), anything
// outside the C++17 standard library and the core.
#ifndef MCA_BALANCE_SELECTOR_H_
#define MCA_BALANCE_SELECTOR_H_

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "mca/config/params.h"
#include "mca/sticky/route.h"

namespace mca::balance {

// Members per balancer that Select handles (the size of the tried mask).
inline constexpr size_t kMaxMembers = 1024;
// route and redirect: up to 63 bytes and a NUL, as mod_proxy's char[64].
inline constexpr size_t kRouteSize = config::kMaxRouteLength + 1;
inline constexpr int kMaxRedirectHops = 3;
// Weights are clamped into this range (config allows 100..10000, i.e. loadfactor 1..100), so a
// damaged table cannot make the arithmetic overflow or a member unpickable.
inline constexpr int32_t kMinWeight = 1;
inline constexpr int32_t kMaxWeight = 10000;
// A current_weight outside ±kMaxCurrentWeight (only a damaged table has one: smooth WRR keeps it
// within ± the sum of weights) is reset to 0 before use.
inline constexpr int64_t kMaxCurrentWeight = int64_t{1} << 48;

// One member's state, as the shared table holds it. Plain data, fixed layout.
struct MemberState {
  char route[kRouteSize];     // jvmRoute, NUL-terminated; "" when the member has none
  char redirect[kRouteSize];  // route to send this member's sessions to; "" when none
  int64_t error_until;        // microseconds; in error while error_until > now
  int64_t current_weight;     // smooth WRR state; written by Select (see above)
  int64_t busy;               // requests in flight, all child processes
  uint64_t traffic;           // bytes sent + received, all child processes
  int32_t load_factor;        // hundredths: 100..10000
  int32_t lbset;              // 0..99
  uint32_t status;            // config::MemberStatus bits (kStatusDisabled, ...)
  uint32_t ramp;              // slow start: weight is load_factor x ramp / 1000 while 1..999;
                              // 0 (or 1000 and above): the full load factor
};
static_assert(std::is_trivially_copyable_v<MemberState>);
static_assert(std::is_standard_layout_v<MemberState>);
static_assert(sizeof(MemberState) == 176, "shared-memory layout: 2 routes + 4 x 8 + 4 x 4 bytes");

// A zeroed MemberState with load_factor 100: route "", no flags, not in error.
MemberState MakeMemberState() noexcept;

// Copies `route` into the field with its NUL. False (field unchanged) when longer than 63 bytes
// or containing a NUL byte.
bool SetRoute(MemberState* m, std::string_view route) noexcept;
bool SetRedirect(MemberState* m, std::string_view redirect) noexcept;

// The fields as views (up to the first NUL, at most 63 bytes).
std::string_view RouteOf(const MemberState& m) noexcept;
std::string_view RedirectOf(const MemberState& m) noexcept;

// Whether `route` equals the NUL-terminated `field` exactly. An empty route never matches.
bool RouteEquals(const char (&field)[kRouteSize], std::string_view route) noexcept;

struct SelectRequest {
  config::LbMethod lb_method = config::LbMethod::kByRequests;
  // The session's routes in order of preference (see AddRoutes). Views must outlive Select's
  // result, whose `route` points into one of them.
  std::array<std::string_view, sticky::kMaxCandidates> routes{};
  size_t route_count = 0;
  bool nofailover = false;
  bool force_recovery = false;
  int64_t now = 0;  // microseconds, the clock error_until is measured on
  // Bit i set: members[i] was already tried for this request (and failed).
  std::bitset<kMaxMembers> tried;

  // Appends one route; empty routes and routes beyond kMaxCandidates are dropped (false).
  bool AddRoute(std::string_view route) noexcept;
  // Appends the non-empty routes of sticky::ExtractCandidates' result, in order.
  void AddRoutes(const sticky::Candidates& candidates) noexcept;
};

enum class Reason : uint8_t {
  kSelected,           // index is a member
  kNoMembers,          // the balancer has no members
  kTooManyMembers,     // more than kMaxMembers: the caller's table is wrong
  kAllDown,            // no member is usable (D, S, C, in error, draining)
  kAllTried,           // usable members exist but every one was tried already
  kSessionMemberDown,  // nofailover and the session's member cannot serve
};

// "selected", "no members", "too many members", "every member is down or disabled",
// "every usable member was tried", "the session's member is down and nofailover is on"
// (never null). For log lines.
const char* ReasonName(Reason reason) noexcept;

struct Selection {
  int index = -1;  // into members; -1 when none (see reason)
  Reason reason = Reason::kNoMembers;
  bool sticky = false;           // chosen for the session (directly or through redirect)
  int redirect_hops = 0;         // redirect hops followed to the sticky member
  bool forced_recovery = false;  // chosen with errors ignored (forcerecovery)
  // The session's route: the one that gave the sticky hit; else the first that named a member;
  // else the first given (which names no member). Empty without routes. A view into the request.
  std::string_view route;
  bool route_known = false;    // `route` names a member
  bool route_changed = false;  // route is not empty and differs from the chosen member's route
};

// Chooses a member for `request` among *members[0..n) (the balancer's members in configuration
// order, wherever their states live). See the rules above; `*out` is always filled. Writes only
// members[i]->current_weight. The caller holds the balancer's lock. Fields other processes
// update without that lock (status, error_until, busy, traffic) are read with atomic.h.
void Select(const SelectRequest& request, MemberState* const* members, size_t n,
            Selection* out) noexcept;
// The same over a contiguous array members[0..n) (for tests: it allocates its table of pointers;
// the module passes the table it keeps).
void Select(const SelectRequest& request, MemberState* members, size_t n, Selection* out);

}  // namespace mca::balance

#endif  // MCA_BALANCE_SELECTOR_H_
