// The shared member table (include/mca/balance/table.h).
//
// Must not depend on: httpd, APR, a clock.
#include "mca/balance/table.h"

#include <algorithm>
#include <cstring>

#include "mca/balance/atomic.h"

namespace mca::balance {
namespace {

constexpr size_t Align64(size_t n) { return (n + 63) & ~size_t{63}; }
constexpr size_t kHeaderBytes = Align64(sizeof(TableHeader));

constexpr uint32_t kMaxSlots = 1u << 20;

size_t BalancersBytes(uint32_t n) { return Align64(sizeof(BalancerSlot) * n); }

// The table starts at the first 64-byte boundary in the block (BalancerSlot's alignment; shared
// memory from APR starts a few bytes after a page boundary). *size shrinks accordingly.
unsigned char* AlignedStart(void* mem, size_t* size) {
  if (mem == nullptr) return nullptr;
  const auto addr = reinterpret_cast<uintptr_t>(mem);
  const size_t skip = (64 - addr % 64) % 64;
  if (*size < skip) return nullptr;
  *size -= skip;
  return static_cast<unsigned char*>(mem) + skip;
}

uint32_t Clamp(size_t n) { return static_cast<uint32_t>(std::min<size_t>(n, kMaxSlots)); }

void Release(BalancerSlot& b) { b.in_use = 0; }
void Release(MemberSlot& m) { m.in_use = 0; }

template <typename Slot>
bool NeverUsed(const Slot& s) {
  return s.key[0] == '\0';
}

// The next free slot of `slots`, never-used slots first; taken[] marks slots given already.
template <typename Slot>
int TakeFree(Slot* slots, uint32_t n, std::vector<bool>* taken) {
  int released = -1;
  for (uint32_t i = 0; i < n; ++i) {
    if (slots[i].in_use != 0 || (*taken)[i]) continue;
    if (NeverUsed(slots[i])) {
      (*taken)[i] = true;
      return static_cast<int>(i);
    }
    if (released < 0) released = static_cast<int>(i);
  }
  if (released >= 0) (*taken)[static_cast<size_t>(released)] = true;
  return released;
}

// in_use values: 0 free, kInUse in use, kClaimed taken by AddMember and still being filled in.
constexpr uint32_t kInUse = 1;
constexpr uint32_t kClaimed = 2;

template <typename Slot>
int Find(const Slot* slots, uint32_t n, std::string_view key) {
  if (key.empty()) return -1;
  for (uint32_t i = 0; i < n; ++i) {
    if (AtomicLoad(slots[i].in_use) == kInUse &&
        FieldOf(slots[i].key, sizeof slots[i].key) == key) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

std::string_view FieldOf(const char* field, size_t size) noexcept {
  size_t len = 0;
  while (len + 1 < size && field[len] != '\0') ++len;
  return std::string_view(field, len);
}

bool SetField(char* field, size_t size, std::string_view value) noexcept {
  if (size == 0 || value.size() >= size || value.find('\0') != std::string_view::npos) {
    return false;
  }
  std::memset(field, 0, size);
  if (!value.empty()) std::memcpy(field, value.data(), value.size());
  return true;
}

size_t Table::BytesFor(uint32_t balancers, uint32_t members) noexcept {
  // 64 bytes of slack: the block need not start on a 64-byte boundary.
  return 64 + kHeaderBytes + BalancersBytes(balancers) + Align64(sizeof(MemberSlot) * members);
}

void Table::CapacityFor(size_t balancers, size_t members, size_t growth, size_t unit,
                        size_t overhead, uint32_t* balancer_capacity,
                        uint32_t* member_capacity) noexcept {
  const uint32_t b = Clamp(std::max<size_t>(balancers, 1));
  uint32_t m = Clamp(std::max<size_t>(members + growth, 1));
  if (unit > 0) {
    // The block is whole units anyway: the rest of its last unit holds spare member slots.
    const size_t used = BytesFor(b, m) + overhead;
    const size_t limit = (used + unit - 1) / unit * unit;
    while (m < kMaxSlots && BytesFor(b, m + 1) + overhead <= limit) ++m;
  }
  *balancer_capacity = b;
  *member_capacity = m;
}

Table Table::Format(void* mem, size_t size, uint32_t balancers, uint32_t members) noexcept {
  Table t;
  if (balancers > kMaxSlots || members > kMaxSlots || size < BytesFor(balancers, members)) {
    return t;
  }
  size_t usable = size;
  unsigned char* start = AlignedStart(mem, &usable);
  if (start == nullptr || usable < BytesFor(balancers, members) - 64) return t;
  std::memset(start, 0, BytesFor(balancers, members) - 64);
  auto* h = reinterpret_cast<TableHeader*>(start);
  h->magic = kTableMagic;
  h->version = kTableVersion;
  h->balancer_capacity = balancers;
  h->member_capacity = members;
  h->slot_size = static_cast<uint32_t>(sizeof(MemberSlot));
  return Open(mem, size);
}

Table Table::Open(void* mem, size_t size) noexcept {
  Table t;
  unsigned char* base = AlignedStart(mem, &size);
  if (base == nullptr || size < kHeaderBytes) return t;
  auto* h = reinterpret_cast<TableHeader*>(base);
  if (h->magic != kTableMagic || h->version != kTableVersion ||
      h->slot_size != sizeof(MemberSlot) || h->balancer_capacity > kMaxSlots ||
      h->member_capacity > kMaxSlots ||
      size < BytesFor(h->balancer_capacity, h->member_capacity) - 64) {
    return t;
  }
  t.header_ = h;
  t.balancers_ = reinterpret_cast<BalancerSlot*>(base + kHeaderBytes);
  t.members_ =
      reinterpret_cast<MemberSlot*>(base + kHeaderBytes + BalancersBytes(h->balancer_capacity));
  return t;
}

int Table::FindBalancer(std::string_view key) const noexcept {
  return Find(balancers_, header_->balancer_capacity, key);
}

int Table::FindMember(std::string_view key) const noexcept {
  return Find(members_, header_->member_capacity, key);
}

uint32_t Table::FreeBalancers() const noexcept {
  uint32_t n = 0;
  for (uint32_t i = 0; i < header_->balancer_capacity; ++i) n += balancers_[i].in_use == 0;
  return n;
}

uint32_t Table::FreeMembers() const noexcept {
  uint32_t n = 0;
  for (uint32_t i = 0; i < header_->member_capacity; ++i) n += members_[i].in_use == 0;
  return n;
}

std::string Table::MemberKey(std::string_view balancer_key, std::string_view member_name) {
  std::string key(balancer_key);
  key += '|';
  key += member_name;
  return key;
}

std::string Table::Assign(const std::vector<LayoutBalancer>& layout, Placement* out) noexcept {
  try {
    const uint32_t nb = header_->balancer_capacity;
    const uint32_t nm = header_->member_capacity;
    // Check keys and count what is needed before changing anything.
    std::vector<std::string> seen_b;
    std::vector<std::string> seen_m;
    size_t members = 0;
    for (const LayoutBalancer& b : layout) {
      if (b.key.empty() || b.key.size() >= kBalancerKeySize || b.key.find('\0') != b.key.npos) {
        return "balancer key is empty or longer than " + std::to_string(kBalancerKeySize - 1) +
               " bytes";
      }
      seen_b.push_back(b.key);
      for (const std::string& name : b.members) {
        std::string key = MemberKey(b.key, name);
        if (name.empty() || key.size() >= kMemberKeySize || key.find('\0') != key.npos) {
          return "member key of " + name + " is empty or too long";
        }
        seen_m.push_back(std::move(key));
        ++members;
      }
    }
    std::sort(seen_b.begin(), seen_b.end());
    std::sort(seen_m.begin(), seen_m.end());
    if (std::adjacent_find(seen_b.begin(), seen_b.end()) != seen_b.end()) {
      return "a balancer key is repeated";
    }
    if (std::adjacent_find(seen_m.begin(), seen_m.end()) != seen_m.end()) {
      return "a member key is repeated";
    }
    if (layout.size() > nb || members > nm) {
      return "needs " + std::to_string(layout.size()) + " balancer and " + std::to_string(members) +
             " member slots, the table has " + std::to_string(nb) + " and " + std::to_string(nm);
    }

    // Keys the layout keeps stay in their slots; everything else in use is released.
    Placement p;
    std::vector<bool> taken_b(nb, false);
    std::vector<bool> taken_m(nm, false);
    for (uint32_t i = 0; i < nb; ++i) {
      if (balancers_[i].in_use == 0) continue;
      const std::string_view key = FieldOf(balancers_[i].key, kBalancerKeySize);
      if (std::binary_search(seen_b.begin(), seen_b.end(), key)) taken_b[i] = true;
    }
    for (uint32_t i = 0; i < nm; ++i) {
      if (members_[i].in_use == 0) continue;
      const std::string_view key = FieldOf(members_[i].key, kMemberKeySize);
      if (std::binary_search(seen_m.begin(), seen_m.end(), key)) taken_m[i] = true;
    }
    // Count the free slots the new keys will need (released ones included) before assigning.
    size_t new_b = 0;
    size_t new_m = 0;
    for (const LayoutBalancer& b : layout) {
      new_b += FindBalancer(b.key) < 0;
      for (const std::string& name : b.members) new_m += FindMember(MemberKey(b.key, name)) < 0;
    }
    const auto free_b = static_cast<size_t>(std::count(taken_b.begin(), taken_b.end(), false));
    const auto free_m = static_cast<size_t>(std::count(taken_m.begin(), taken_m.end(), false));
    if (new_b > free_b || new_m > free_m) {
      return "needs " + std::to_string(new_m) + " free member slots, the table has " +
             std::to_string(free_m);
    }
    for (uint32_t i = 0; i < nb; ++i) {
      if (balancers_[i].in_use != 0 && !taken_b[i]) Release(balancers_[i]);
    }
    for (uint32_t i = 0; i < nm; ++i) {
      if (members_[i].in_use != 0 && !taken_m[i]) Release(members_[i]);
    }
    for (const LayoutBalancer& b : layout) {
      int bi = FindBalancer(b.key);
      const bool b_fresh = bi < 0;
      if (b_fresh) {
        bi = TakeFree(balancers_, nb, &taken_b);
        BalancerSlot& slot = balancers_[bi];
        std::memset(&slot, 0, sizeof slot);
        SetField(slot.key, sizeof slot.key, b.key);
        slot.in_use = 1;
      }
      p.balancers.push_back(static_cast<uint32_t>(bi));
      p.balancer_fresh.push_back(b_fresh);
      p.members.emplace_back();
      p.member_fresh.emplace_back();
      for (const std::string& name : b.members) {
        const std::string key = MemberKey(b.key, name);
        int mi = FindMember(key);
        const bool m_fresh = mi < 0;
        if (m_fresh) {
          mi = TakeFree(members_, nm, &taken_m);
          MemberSlot& slot = members_[mi];
          std::memset(&slot, 0, sizeof slot);
          slot.state = MakeMemberState();
          slot.healthy = 1;
          SetField(slot.key, sizeof slot.key, key);
          slot.in_use = 1;
        }
        p.members.back().push_back(static_cast<uint32_t>(mi));
        p.member_fresh.back().push_back(m_fresh);
      }
    }
    ++header_->generation;
    *out = std::move(p);
    return "";
  } catch (...) {
    return "out of memory";
  }
}

int Table::AddMember(std::string_view key) noexcept {
  if (key.empty() || key.size() >= kMemberKeySize || key.find('\0') != key.npos ||
      FindMember(key) >= 0) {
    return -1;
  }
  const uint32_t n = header_->member_capacity;
  // Two passes: never-used slots, then released ones.
  for (int pass = 0; pass < 2; ++pass) {
    for (uint32_t i = 0; i < n; ++i) {
      MemberSlot& slot = members_[i];
      if (AtomicLoad(slot.in_use) != 0 || (pass == 0 && !NeverUsed(slot))) continue;
      uint32_t expected = 0;
      if (!AtomicCompareExchange(slot.in_use, expected, kClaimed)) continue;
      // Claimed: no other process takes it now. Everything but in_use is set, then it is
      // published.
      std::memset(reinterpret_cast<unsigned char*>(&slot), 0, offsetof(MemberSlot, in_use));
      std::memset(reinterpret_cast<unsigned char*>(&slot) + offsetof(MemberSlot, in_use) +
                      sizeof slot.in_use,
                  0, sizeof slot - offsetof(MemberSlot, in_use) - sizeof slot.in_use);
      slot.state = MakeMemberState();
      slot.healthy = 1;
      slot.added = 1;
      SetField(slot.key, sizeof slot.key, key);
      AtomicStore(slot.in_use, kInUse);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void Table::RemoveMember(uint32_t index) noexcept {
  if (index < header_->member_capacity) AtomicStore(members_[index].in_use, uint32_t{0});
}

std::vector<uint32_t> Table::MembersOf(std::string_view balancer_key) const {
  std::vector<uint32_t> out;
  if (balancer_key.empty()) return out;
  for (uint32_t i = 0; i < header_->member_capacity; ++i) {
    const MemberSlot& slot = members_[i];
    if (AtomicLoad(slot.in_use) != kInUse) continue;
    const std::string_view key = FieldOf(slot.key, sizeof slot.key);
    if (key.size() > balancer_key.size() && key[balancer_key.size()] == '|' &&
        key.compare(0, balancer_key.size(), balancer_key) == 0) {
      out.push_back(i);
    }
  }
  return out;
}

bool Table::CopyInto(const Table& from) noexcept {
  if (!valid() || !from.valid() || balancer_capacity() < from.balancer_capacity() ||
      member_capacity() < from.member_capacity()) {
    return false;
  }
  for (uint32_t i = 0; i < from.balancer_capacity(); ++i) {
    const BalancerSlot& src = from.balancers_[i];
    BalancerSlot& dst = balancers_[i];
    std::memcpy(&dst, &src, offsetof(BalancerSlot, lock));
    std::memset(dst.lock, 0, sizeof dst.lock);
  }
  for (uint32_t i = 0; i < from.member_capacity(); ++i) {
    MemberSlot& dst = members_[i];
    std::memcpy(&dst, &from.members_[i], sizeof dst);
    // Counted by the processes still attached to `from`.
    dst.state.busy = 0;
    dst.connections = 0;
    dst.waiters = 0;
    // Everything else is read with atomic loads from a block nobody else writes to yet.
    dst.state.error_until = AtomicLoad(from.members_[i].state.error_until);
  }
  header_->generation = from.generation();
  return true;
}

}  // namespace mca::balance
