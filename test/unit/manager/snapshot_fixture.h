// The two members the manager's renderer tests (render_test.cc, html_test.cc) draw: one healthy
// and busy, one disabled hot standby with a failed check, a redirect and a hardmax.
#ifndef MCA_TEST_UNIT_MANAGER_SNAPSHOT_FIXTURE_H_
#define MCA_TEST_UNIT_MANAGER_SNAPSHOT_FIXTURE_H_

#include <cstdint>

#include "mca/config/params.h"
#include "mca/manager/snapshot.h"

namespace mca::manager::test {

inline constexpr int64_t kNow = 1795514401000000;        // 2026-11-24T10:00:01Z
inline constexpr int64_t kLastCheck = 1795514400123000;  // 2026-11-24T10:00:00.123Z

inline MemberView Node1() {
  MemberView m;
  m.url = "ajp://127.0.0.1:8009";
  m.route = "node1";
  m.last_check_us = kLastCheck;
  m.elected = 42;
  m.busy = 1;
  m.bytes_sent = 1000;
  m.bytes_received = 20000;
  m.connections = 3;
  return m;
}

inline MemberView Node2() {
  MemberView m;
  m.url = "ajp://127.0.0.1:8010";
  m.route = "node2";
  m.redirect = "node1";
  m.load_factor = 150;
  m.lbset = 1;
  m.status = config::kStatusDisabled | config::kStatusHotStandby;
  m.healthy = false;
  m.check_reason = "CPing timed out";
  m.busy = -2;
  m.errors = 7;
  m.hardmax = 10;
  return m;
}

}  // namespace mca::manager::test

#endif  // MCA_TEST_UNIT_MANAGER_SNAPSHOT_FIXTURE_H_
