// libFuzzer target for the manager's state file (core/manager/state_file.cc): ParseState on any
// bytes; whatever parses formats to text that parses to the same state.
//
// Must not depend on: httpd, APR.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mca/manager/state_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mca::manager::SavedState;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  SavedState state;
  if (!mca::manager::ParseState(text, &state).empty()) return 0;
  SavedState again;
  if (!mca::manager::ParseState(mca::manager::FormatState(state), &again).empty()) {
    __builtin_trap();
  }
  if (again.members.size() != state.members.size() ||
      again.balancers.size() != state.balancers.size()) {
    __builtin_trap();
  }
  for (size_t i = 0; i < state.members.size(); ++i) {
    if (!(again.members[i] == state.members[i])) __builtin_trap();
  }
  for (size_t i = 0; i < state.balancers.size(); ++i) {
    if (!(again.balancers[i] == state.balancers[i])) __builtin_trap();
  }
  return 0;
}
