// libFuzzer target for the shared member table (core/balance/table.cc): Open on foreign bytes,
// then slot assignment over changing layouts.
//
// Input layout: byte 0 selects the mode.
//   even   the rest is a block handed to Table::Open as is (a damaged or foreign block). When it
//          opens, every slot index it reports must lie inside the block.
//   odd    the rest drives a sequence of configurations on a formatted table: each byte b gives
//          a layout of 1 + b % 3 balancers "b0".."b2", member j present when bit j of the next
//          byte is set (8 possible members "ajp://h:j"). Assign is applied in turn; after each
//          success every layout key is found at the slot reported, slots are distinct, and a
//          member kept from the previous layout keeps its slot and its counters. When a layout
//          does not fit, a larger table is formatted, CopyInto'd and Assign must then succeed.
//          Between configurations, bit 4 of the layout byte adds a member at runtime (AddMember:
//          a free, distinct, zeroed slot, or none only when the table is full) and bit 5 removes
//          it again.
//
// Must not depend on: httpd, APR.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mca/balance/table.h"

namespace {

using mca::balance::LayoutBalancer;
using mca::balance::Placement;
using mca::balance::Table;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void OpenForeign(const uint8_t* data, size_t size) {
  std::vector<uint64_t> words(size / 8 + 1, 0);
  std::memcpy(words.data(), data, size);
  Table t = Table::Open(words.data(), size);
  if (!t.valid()) return;
  const auto* begin = reinterpret_cast<const unsigned char*>(words.data());
  const auto* end = begin + size;
  if (t.member_capacity() > 0) {
    const auto* last = reinterpret_cast<const unsigned char*>(&t.member(t.member_capacity() - 1));
    Check(last + sizeof(mca::balance::MemberSlot) <= end);
  }
  if (t.balancer_capacity() > 0) {
    const auto* last =
        reinterpret_cast<const unsigned char*>(&t.balancer(t.balancer_capacity() - 1));
    Check(last + sizeof(mca::balance::BalancerSlot) <= end);
  }
  (void)t.FindMember("b0|ajp://h:1");
  (void)t.FreeMembers();
}

std::vector<LayoutBalancer> LayoutFrom(uint8_t shape, uint8_t members) {
  std::vector<LayoutBalancer> layout;
  const int n = 1 + shape % 3;
  for (int b = 0; b < n; ++b) {
    LayoutBalancer lb;
    lb.key = "b" + std::to_string(b);
    for (int j = 0; j < 8; ++j) {
      if (((members >> ((j + b) % 8)) & 1) != 0)
        lb.members.push_back("ajp://h:" + std::to_string(j));
    }
    layout.push_back(lb);
  }
  return layout;
}

void Configure(const uint8_t* data, size_t size) {
  uint32_t balancers = 1 + (size > 0 ? data[0] % 4 : 0);
  uint32_t members = 1 + (size > 1 ? data[1] % 12 : 0);
  std::vector<uint64_t> block(Table::BytesFor(balancers, members) / 8 + 1);
  Table t = Table::Format(block.data(), block.size() * 8, balancers, members);
  Check(t.valid());
  std::map<std::string, uint32_t> previous;  // member key -> slot
  for (size_t i = 2; i + 1 < size && i < 64; i += 2) {
    const std::vector<LayoutBalancer> layout = LayoutFrom(data[i], data[i + 1]);
    Placement p;
    std::string err = t.Assign(layout, &p);
    if (!err.empty()) {
      uint32_t nb = 0;
      uint32_t nm = 0;
      size_t count = 0;
      for (const LayoutBalancer& b : layout) count += b.members.size();
      Table::CapacityFor(layout.size(), count, 0, data[i] % 2 == 0 ? 4096 : 0, 8, &nb, &nm);
      Check(nb >= layout.size() && nm >= count);
      nb = std::max(nb, t.balancer_capacity());
      nm = std::max(nm, t.member_capacity());
      std::vector<uint64_t> bigger(Table::BytesFor(nb, nm) / 8 + 1);
      Table u = Table::Format(bigger.data(), bigger.size() * 8, nb, nm);
      Check(u.valid() && u.CopyInto(t));
      err = u.Assign(layout, &p);
      Check(err.empty());
      block.swap(bigger);
      t = u;
    }
    std::set<uint32_t> used;
    std::map<std::string, uint32_t> now;
    for (size_t b = 0; b < layout.size(); ++b) {
      Check(t.FindBalancer(layout[b].key) == static_cast<int>(p.balancers[b]));
      for (size_t j = 0; j < layout[b].members.size(); ++j) {
        const std::string key = Table::MemberKey(layout[b].key, layout[b].members[j]);
        const uint32_t slot = p.members[b][j];
        Check(t.FindMember(key) == static_cast<int>(slot));
        Check(used.insert(slot).second);
        auto it = previous.find(key);
        if (it != previous.end()) {
          Check(!p.member_fresh[b][j]);
          Check(it->second == slot);
          Check(t.member(slot).elected == slot + 1);  // the mark set below survived
        } else {
          Check(p.member_fresh[b][j]);
          Check(t.member(slot).elected == 0);
        }
        t.member(slot).elected = slot + 1;
        now[key] = slot;
      }
    }
    previous = now;
    if ((data[i] & 0x10) != 0) {
      const std::string key = "b0|ajp://x:" + std::to_string(i);
      const int added = t.AddMember(key);
      if (added < 0) {
        Check(t.FreeMembers() == 0);
        continue;
      }
      const auto slot = static_cast<uint32_t>(added);
      Check(used.count(slot) == 0);
      Check(t.FindMember(key) == added);
      Check(t.member(slot).added == 1 && t.member(slot).elected == 0);
      bool listed = false;
      for (const uint32_t m : t.MembersOf("b0")) listed = listed || m == slot;
      Check(listed);
      if ((data[i] & 0x20) != 0) {
        t.RemoveMember(slot);
        Check(t.FindMember(key) < 0);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    OpenForeign(data + 1, size - 1);
  } else {
    Configure(data + 1, size - 1);
  }
  return 0;
}
