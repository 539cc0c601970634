// What the balancer manager shows: a copy of every balancer's settings and every member's state
// and counters, taken by the glue from shared memory at one moment, then rendered (render.h)
// without any lock held. Plain values only, so the renderers are pure functions and tests build
// snapshots by hand.
//
// Strings and lists are std::pmr ones: the glue takes a snapshot in the request pool (the
// constructors that take a memory resource), tests build them on the heap (the default ones).
//
// Times are int64 microseconds since the Unix epoch (apr_time_t's unit and origin), durations
// int64 microseconds. Strings are shown as given; the renderers escape them.
//
// Must not depend on: httpd, APR, shared memory layouts (the glue copies into these structs),
// anything outside the C++17 standard library and the core.
#ifndef MCA_MANAGER_SNAPSHOT_H_
#define MCA_MANAGER_SNAPSHOT_H_

#include <cstdint>
#include <memory_resource>
#include <string>
#include <vector>

#include "mca/config/params.h"

namespace mca::manager {

struct MemberView {
  MemberView() = default;
  explicit MemberView(std::pmr::memory_resource* memory)
      : url(memory), route(memory), redirect(memory), check_reason(memory), hc_uri(memory) {}

  std::pmr::string url;  // config::MemberUrl::Name(): "ajp://127.0.0.1:8009"
  std::pmr::string route;
  std::pmr::string redirect;
  int load_factor = 100;  // hundredths
  int lbset = 0;
  uint32_t status = 0;  // config::kStatus* bits
  bool in_error = false;
  int64_t error_until_us = 0;     // in error until then (0: not)
  bool healthy = true;            // the last health checks passed (see MemberInError for errors)
  int64_t last_check_us = 0;      // 0: never checked
  std::pmr::string check_reason;  // why the last check failed, "" when it passed
  uint64_t elected = 0;           // requests sent to the member
  int64_t busy = 0;               // requests in flight (may dip below 0 while counters settle)
  uint64_t errors = 0;            // failed requests
  uint64_t bytes_sent = 0;        // to the member (mod_proxy's "transferred")
  uint64_t bytes_received = 0;    // from the member (mod_proxy's "read")
  int64_t connections = 0;        // open backend connections, all child processes
  int hardmax = 0;                // 0: no limit
  config::HcMethod hc_method = config::HcMethod::kCping;  // health-check settings in force
  int64_t hc_interval_us = 2000000;
  int hc_passes = 1;
  int hc_fails = 1;
  std::pmr::string hc_uri;
  bool added = false;  // added in the manager, not named in httpd.conf

  // Settings shown by the XML view, with the values mod_proxy_balancer would show. The glue
  // fills in the resolved values (e.g. max = ThreadsPerChild when max=0 was configured).
  int min = 0;
  int smax = 0;
  int max = 0;
  int64_t ttl_us = 0;
  int64_t retry_us = 60 * int64_t{1000000};
  int retries = 0;       // retries since the member went into error
  int64_t lbstatus = 0;  // the selector's current weight
};

struct BalancerView {
  BalancerView() = default;
  explicit BalancerView(std::pmr::memory_resource* memory)
      : name(memory), sticky_session(memory), nonce(memory), members(memory) {}

  std::pmr::string name;  // without "balancer://": "testcluster"
  std::pmr::string sticky_session;
  config::LbMethod lb_method = config::LbMethod::kByRequests;
  std::pmr::string nonce;  // "" when nonce=None
  int max_attempts = 0;
  bool nofailover = false;
  int64_t timeout_us = 0;
  std::pmr::vector<MemberView> members;
};

struct Snapshot {
  Snapshot() = default;
  explicit Snapshot(std::pmr::memory_resource* memory) : balancers(memory) {}

  std::pmr::vector<BalancerView> balancers;
  int64_t now_us = 0;  // when the snapshot was taken
};

// The administrative state: "stopped" if S is set, else "disabled" if D, else "draining" if N,
// else "active" (never null).
const char* MemberStateName(uint32_t status) noexcept;

// Whether the member counts as in error at `now_us`, by the selector's rule (balance/selector.h
// rule 5): in_error, or status flag E, or error_until_us > now_us; never with flag I.
bool MemberInError(const MemberView& member, int64_t now_us) noexcept;

// Whether the manager shows the member as healthy: its health checks pass (healthy, and flag C
// not set) and it is not in error (MemberInError). A member can pass its CPing and still be in
// error after failed requests; either way the balancer will not pick it.
bool MemberHealthy(const MemberView& member, int64_t now_us) noexcept;

}  // namespace mca::manager

#endif  // MCA_MANAGER_SNAPSHOT_H_
