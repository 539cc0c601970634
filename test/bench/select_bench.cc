// Microbenchmark of member selection with 2, 100 and 1,000 members: nanoseconds per selection
// of the O(1) path (Schedule::TrySelect, what the module tries first), of Select (the full
// rules, what it falls back to), for byrequests without a session and for a sticky request, and
// of Select under bybusyness. Each figure is the median of 31 runs of enough selections to last
// about 2 ms each (on the steady clock): short runs, so that on a busy machine most of them run
// without being preempted and the median is theirs. Not a test: the numbers depend on the
// machine; their ratios are what matters.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "mca/balance/schedule.h"
#include "mca/balance/selector.h"

namespace {

using mca::balance::MemberState;
using mca::balance::Schedule;
using mca::balance::Selection;
using mca::balance::SelectRequest;

volatile int g_sink = 0;

constexpr int kRuns = 31;
constexpr double kRunNanos = 2e6;

template <typename F>
double NanosPerCall(F&& f) {
  using Clock = std::chrono::steady_clock;
  static_assert(Clock::is_steady);
  size_t calls = 100;
  for (;;) {  // calibrate (and warm up): about kRunNanos per run
    const auto t0 = Clock::now();
    for (size_t i = 0; i < calls; ++i) f();
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    if (ns > kRunNanos || calls > (size_t{1} << 30)) break;
    calls *= 2;
  }
  std::vector<double> runs;
  for (int r = 0; r < kRuns; ++r) {
    const auto t0 = Clock::now();
    for (size_t i = 0; i < calls; ++i) f();
    runs.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() /
                   static_cast<double>(calls));
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

}  // namespace

int main() {
  std::printf(
      "| members | O(1) path, no session | O(1) path, sticky | Select byrequests | "
      "Select sticky | Select bybusyness |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|\n");
  std::vector<double> fast_base;
  for (const size_t n : {size_t{2}, size_t{100}, size_t{1000}}) {
    std::vector<MemberState> states(n);
    std::vector<MemberState*> members;
    std::vector<std::string> routes;
    for (size_t i = 0; i < n; ++i) {
      states[i] = mca::balance::MakeMemberState();
      routes.push_back("node" + std::to_string(i + 1));
      mca::balance::SetRoute(&states[i], routes.back());
      members.push_back(&states[i]);
    }
    Schedule schedule;
    schedule.Build(members.data(), n);
    uint64_t turns = 0;
    SelectRequest plain;
    plain.now = 1;
    SelectRequest sticky = plain;
    sticky.AddRoute(routes[n / 2]);
    SelectRequest busy = plain;
    busy.lb_method = mca::config::LbMethod::kByBusyness;

    const auto fast = [&](const SelectRequest& rq) {
      Selection s;
      schedule.TrySelect(rq, members.data(), n, &turns, &s);
      g_sink = s.index;
    };
    const auto full = [&](const SelectRequest& rq) {
      Selection s;
      mca::balance::Select(rq, members.data(), n, &s);
      g_sink = s.index;
    };
    const double fast_plain = NanosPerCall([&] { fast(plain); });
    const double fast_sticky = NanosPerCall([&] { fast(sticky); });
    const double full_plain = NanosPerCall([&] { full(plain); });
    const double full_sticky = NanosPerCall([&] { full(sticky); });
    const double full_busy = NanosPerCall([&] { full(busy); });
    if (fast_base.empty()) fast_base = {fast_plain, fast_sticky};
    std::printf("| %zu | %.1f ns (%.2fx) | %.1f ns (%.2fx) | %.1f ns | %.1f ns | %.1f ns |\n", n,
                fast_plain, fast_plain / fast_base[0], fast_sticky, fast_sticky / fast_base[1],
                full_plain, full_sticky, full_busy);
  }
  std::printf("\n(x: cost relative to 2 members)\n");
  return 0;
}
