#include "glue/members.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string_view>

#include "glue/shared.h"
#include "mca/ajp/constants.h"
#include "mca/balance/atomic.h"

namespace mca::glue {
namespace {

bool Removed(const balance::MemberSlot& slot) {
  return (slot.edited & balance::kEditedRemoved) != 0;
}

// A Member for a slot added at runtime, from the balancer's model. Its connection pool exists
// only in a child (the parent serves no request).
Member* NewRuntimeMember(Balancer* b, balance::MemberSlot* slot, std::string_view name) {
  config::MemberUrl url;
  if (!config::ParseMemberUrl(name, &url).empty()) return nullptr;
  auto m = std::make_unique<Member>(b->model);
  m->name = url.Name();
  m->pool_settings.host = url.host;
  m->pool_settings.port = url.port;
  m->pool_settings.shared = slot;
  m->slot = slot;
  m->added = true;
  m->pool = nullptr;
  m->next_check = 0;
  // A pool of its own per member: its connection pools allocate from it under their own lock.
  apr_pool_t* pool = nullptr;
  if (b->runtime_pool != nullptr && apr_pool_create(&pool, b->runtime_pool) == APR_SUCCESS) {
    m->pool = ConnectionPool::Create(pool, m->pool_settings, b->buffers);
  }
  b->runtime_members.push_back(std::move(m));
  return b->runtime_members.back().get();
}

void SetSticky(const Balancer* b, MemberSet* set) {
  const std::string_view name =
      balance::FieldOf(b->slot->sticky_session, sizeof b->slot->sticky_session);
  set->sticky_set = !name.empty();
  set->sticky = b->cfg.sticky;
  if (!set->sticky_set || (b->cfg.sticky_session_set && name == b->cfg.sticky_session)) return;
  sticky::Settings parsed;
  if (!sticky::ParseSettings(name, ".", false, &parsed).ok()) {
    set->sticky_set = false;  // the manager checked it; a damaged slot turns stickiness off
    return;
  }
  parsed.has_separator = b->cfg.sticky.has_separator;
  parsed.separator = b->cfg.sticky.separator;
  parsed.scolon_path_delim = b->cfg.sticky.scolon_path_delim;
  set->sticky = std::move(parsed);
}

// Builds and publishes the set of the current generation. The caller holds live_mutex and the
// balancer's lock (which orders it with the manager's writes to the slots).
const MemberSet* Build(Balancer* b) {
  auto set = std::make_unique<MemberSet>();
  set->generation = balance::AtomicLoad(b->slot->generation);
  const std::vector<uint32_t> slots = b->table.MembersOf(b->key);
  std::set<const balance::MemberSlot*> in_use;
  for (const uint32_t i : slots) in_use.insert(&b->table.member(i));
  std::set<const balance::MemberSlot*> taken;
  for (Member* m : b->members) {
    if (m->slot == nullptr || in_use.count(m->slot) == 0 || Removed(*m->slot) ||
        balance::FieldOf(m->slot->key, sizeof m->slot->key) !=
            balance::Table::MemberKey(b->key, m->name)) {
      continue;
    }
    set->members.push_back(m);
    taken.insert(m->slot);
  }
  // Members added in the manager since this configuration, in slot order.
  for (const uint32_t i : slots) {
    balance::MemberSlot* slot = &b->table.member(i);
    if (taken.count(slot) != 0 || Removed(*slot)) continue;
    const std::string_view name =
        balance::FieldOf(slot->key, sizeof slot->key).substr(b->key.size() + 1);
    Member* m = nullptr;
    for (const std::unique_ptr<Member>& r : b->runtime_members) {
      if (r->slot == slot && r->name == name) m = r.get();
    }
    if (m == nullptr) m = NewRuntimeMember(b, slot, name);
    if (m == nullptr || set->members.size() >= balance::kMaxMembers) continue;
    set->members.push_back(m);
  }
  size_t packet = ajp::kMaxPacketSize;
  for (Member* m : set->members) {
    set->states.push_back(&m->slot->state);
    packet = std::min(packet, m->pool_settings.packet_size);
  }
  set->min_packet_size = packet;
  set->schedule.Build(set->states.data(), set->states.size());
  SetSticky(b, set.get());

  // Idle connections to members that left are closed now; busy ones when they are released.
  if (const MemberSet* old = b->live.load(std::memory_order_acquire)) {
    for (Member* m : old->members) {
      if (m->pool != nullptr &&
          std::find(set->members.begin(), set->members.end(), m) == set->members.end()) {
        m->pool->CloseIdle();
      }
    }
  }
  const MemberSet* published = set.get();
  b->sets.push_back(std::move(set));
  b->live.store(published, std::memory_order_release);
  return published;
}

const MemberSet* Refresh(Balancer* b) {
  std::lock_guard<std::mutex> guard(b->live_mutex);
  const MemberSet* set = b->live.load(std::memory_order_acquire);
  if (set != nullptr && set->generation == balance::AtomicLoad(b->slot->generation)) return set;
  BalancerLock lock(b);
  return Build(b);
}

}  // namespace

void BumpGeneration(Balancer* b) { balance::AtomicAdd(b->slot->generation, uint32_t{1}); }

const MemberSet* LiveMembers(Balancer* b) {
  const MemberSet* set = b->live.load(std::memory_order_acquire);
  if (set != nullptr && set->generation == balance::AtomicLoad(b->slot->generation)) return set;
  return Refresh(b);
}

void PublishMembers(Balancer* b) {
  std::lock_guard<std::mutex> guard(b->live_mutex);
  BalancerLock lock(b);
  Build(b);
}

Member* FindLiveMember(Balancer* b, const std::string& name) {
  for (Member* m : LiveMembers(b)->members) {
    if (m->name == name) return m;
  }
  return nullptr;
}

std::string AddMember(Balancer* b, const config::MemberUrl& url) {
  const std::string name = url.Name();
  const std::string key = balance::Table::MemberKey(b->key, name);
  const int growth = b->cfg.growth_set ? b->cfg.growth : config::kDefaultGrowth;
  BalancerLock lock(b);
  const int existing = b->table.FindMember(key);
  if (existing >= 0) {
    balance::MemberSlot& slot = b->table.member(static_cast<uint32_t>(existing));
    if (!Removed(slot)) return name + " is already a member of balancer://" + b->name;
    slot.edited &= ~static_cast<uint32_t>(balance::kEditedRemoved);  // back, as httpd.conf has it
    BumpGeneration(b);
    return "";
  }
  int added = 0;
  for (const uint32_t i : b->table.MembersOf(b->key)) {
    added += balance::AtomicLoad(b->table.member(i).added) != 0 ? 1 : 0;
  }
  if (added >= growth) {
    return "balancer://" + b->name + " already has " + std::to_string(added) +
           " members added in the manager, its limit (growth=" + std::to_string(growth) +
           "); raise growth= in httpd.conf or add the member there";
  }
  const int index = b->table.AddMember(key);
  if (index < 0) {
    return "the shared member table has no free slot; add the member in httpd.conf and restart "
           "gracefully";
  }
  // Its settings from the model; not healthy until its first check passes.
  Member model = b->model;
  model.slot = &b->table.member(static_cast<uint32_t>(index));
  ApplyMemberConfig(&model, true, apr_time_now());
  balance::MemberSlot& slot = *model.slot;
  if (balance::HcMethodOf(slot) != config::HcMethod::kNone) {
    balance::AtomicStore(slot.healthy, uint32_t{0});
    balance::AtomicOr(slot.state.status, static_cast<uint32_t>(config::kStatusHealthFailed));
    balance::SetField(slot.check_reason, sizeof slot.check_reason, "not checked yet");
  }
  BumpGeneration(b);
  return "";
}

std::string RemoveMember(Balancer* b, const std::string& name) {
  BalancerLock lock(b);
  const int index = b->table.FindMember(balance::Table::MemberKey(b->key, name));
  if (index < 0 || Removed(b->table.member(static_cast<uint32_t>(index)))) {
    return "balancer://" + b->name + " has no member " + name;
  }
  balance::MemberSlot& slot = b->table.member(static_cast<uint32_t>(index));
  if (balance::AtomicLoad(slot.added) != 0) {
    b->table.RemoveMember(static_cast<uint32_t>(index));
  } else {
    slot.edited |= balance::kEditedRemoved;  // httpd.conf names it: kept out over restarts
  }
  BumpGeneration(b);
  return "";
}

std::string SetStickySession(Balancer* b, const std::string& sticky_session) {
  BalancerLock lock(b);
  balance::BalancerSlot& slot = *b->slot;
  if (balance::FieldOf(slot.sticky_session, sizeof slot.sticky_session) == sticky_session) {
    return "";
  }
  if (!balance::SetField(slot.sticky_session, sizeof slot.sticky_session, sticky_session)) {
    return "stickysession is longer than " + std::to_string(config::kMaxStickyLength) + " bytes";
  }
  slot.edited |= balance::kEditedStickySession;
  BumpGeneration(b);
  return "";
}

}  // namespace mca::glue
