// Derived member states shared by the manager's views (MemberStateName, MemberInError,
// MemberHealthy), so JSON, XML, Prometheus and the HTML page agree.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#include "mca/manager/snapshot.h"

#include <cstdint>

#include "mca/config/params.h"

namespace mca::manager {

const char* MemberStateName(uint32_t status) noexcept {
  if ((status & config::kStatusStopped) != 0) return "stopped";
  if ((status & config::kStatusDisabled) != 0) return "disabled";
  if ((status & config::kStatusDraining) != 0) return "draining";
  return "active";
}

bool MemberInError(const MemberView& member, int64_t now_us) noexcept {
  if ((member.status & config::kStatusIgnoreErrors) != 0) return false;
  return member.in_error || (member.status & config::kStatusInError) != 0 ||
         member.error_until_us > now_us;
}

bool MemberHealthy(const MemberView& member, int64_t now_us) noexcept {
  return member.healthy && (member.status & config::kStatusHealthFailed) == 0 &&
         !MemberInError(member, now_us);
}

}  // namespace mca::manager
