// The manager's state file: the fields edited at runtime (through the balancer manager), saved
// under httpd's runtime directory after every edit and applied again when httpd starts, so that
// an edit survives a full stop and start. Only edited fields are saved; every other field keeps
// following httpd.conf.
//
// Format (text, one record per line, fields separated by single spaces):
//   mod_cluster_ajp-state 2
//   balancer KEY edited=N lbmethod=N maxattempts=N timeout=N nofailover=0|1 stickysession=TEXT
//   member KEY edited=N loadfactor=N lbset=N route=TEXT redirect=TEXT status=N hcmethod=N
//          hcinterval=N hcpasses=N hcfails=N hcuri=TEXT added=0|1
// A member with added=1 was added in the manager and is added again at start-up. Files of
// version 1 (without stickysession= and added=) are read too.
// KEY and TEXT are %-encoded: every byte outside 0x21..0x7E, and '%' and '=', is written %XX.
// Numbers are decimal. Unknown record kinds and unknown fields are errors (the file is ours).
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#ifndef MCA_MANAGER_STATE_FILE_H_
#define MCA_MANAGER_STATE_FILE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mca/config/params.h"

namespace mca::manager {

inline constexpr size_t kMaxStateFileBytes = size_t{4} * 1024 * 1024;

struct SavedBalancer {
  std::string key;
  uint32_t edited = 0;  // balance::EditedField bits
  uint32_t lb_method = 0;
  int32_t max_attempts = -1;
  int64_t timeout_us = 0;
  bool nofailover = false;
  std::string sticky_session;  // valid when edited has kEditedStickySession

  bool operator==(const SavedBalancer& o) const;
};

struct SavedMember {
  std::string key;
  uint32_t edited = 0;  // balance::EditedField bits
  int32_t load_factor = 100;
  int32_t lbset = 0;
  std::string route;
  std::string redirect;
  uint32_t status = 0;  // admin flags (config::kStatus*)
  uint32_t hc_method = static_cast<uint32_t>(config::HcMethod::kCping);
  uint32_t hc_passes = 1;
  uint32_t hc_fails = 1;
  int64_t hc_interval_us = config::kDefaultHcInterval.count();
  std::string hc_uri;
  bool added = false;  // added in the manager, not named in httpd.conf

  bool operator==(const SavedMember& o) const;
};

struct SavedState {
  std::vector<SavedBalancer> balancers;
  std::vector<SavedMember> members;
};

std::string FormatState(const SavedState& state);

// Parses a state file. On error (message names the line) *out is unchanged. Values are checked:
// lbmethod 0..2, load factor 1..10000, lbset 0..99, route, redirect and hcuri at most 63 bytes,
// stickysession at most 63 bytes, status only admin flags, hcmethod 0..5, hcinterval at least 100
// ms, hcpasses and hcfails at least 1, keys non-empty and at most 383 bytes.
config::Error ParseState(std::string_view text, SavedState* out);

}  // namespace mca::manager

#endif  // MCA_MANAGER_STATE_FILE_H_
