// Health-check bookkeeping: what one check result does to a member's health, given hcpasses and
// hcfails. The checks themselves (sockets, the watchdog thread) are the glue's.
//
// A member starts healthy. It becomes unhealthy after `fails` failed checks in a row, and healthy
// again after `passes` passed checks in a row (values below 1 count as 1). Only those two moments
// are transitions, so the caller logs once per change of state.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#ifndef MCA_BALANCE_HEALTH_H_
#define MCA_BALANCE_HEALTH_H_

#include <cstdint>

namespace mca::balance {

struct HealthCounters {
  bool healthy = true;
  uint32_t passes = 0;  // checks passed in a row
  uint32_t fails = 0;   // checks failed in a row
};

enum class Transition : uint8_t { kNone, kBecameHealthy, kBecameUnhealthy };

// Records one check result in `h`; returns the transition it caused, if any.
Transition RecordCheck(bool passed, int passes_needed, int fails_needed,
                       HealthCounters* h) noexcept;

}  // namespace mca::balance

#endif  // MCA_BALANCE_HEALTH_H_
