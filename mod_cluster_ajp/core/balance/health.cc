// Health-check bookkeeping (include/mca/balance/health.h).
#include "mca/balance/health.h"

namespace mca::balance {

Transition RecordCheck(bool passed, int passes_needed, int fails_needed,
                       HealthCounters* h) noexcept {
  const uint32_t need_passes = passes_needed < 1 ? 1u : static_cast<uint32_t>(passes_needed);
  const uint32_t need_fails = fails_needed < 1 ? 1u : static_cast<uint32_t>(fails_needed);
  if (passed) {
    h->fails = 0;
    if (h->passes < UINT32_MAX) ++h->passes;
    if (!h->healthy && h->passes >= need_passes) {
      h->healthy = true;
      return Transition::kBecameHealthy;
    }
    return Transition::kNone;
  }
  h->passes = 0;
  if (h->fails < UINT32_MAX) ++h->fails;
  if (h->healthy && h->fails >= need_fails) {
    h->healthy = false;
    return Transition::kBecameUnhealthy;
  }
  return Transition::kNone;
}

}  // namespace mca::balance
