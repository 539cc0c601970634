#include "glue/shared.h"

#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mca/balance/atomic.h"

namespace mca::glue {
namespace {

// The table's shared memory outlives configuration cycles: it hangs off the process pool, which
// only the end of httpd clears. The userdata holds APR's own object, no pointer into this DSO
// (which is unloaded and loaded again on every restart).
constexpr const char* kUserDataKey = "mod_cluster_ajp:shared-table";

static_assert(sizeof(pthread_mutex_t) <= balance::kLockSize);

// Admin flags follow the configuration unless edited; E and C are runtime state.
constexpr uint32_t kAdminFlags = config::kStatusDisabled | config::kStatusStopped |
                                 config::kStatusIgnoreErrors | config::kStatusHotStandby |
                                 config::kStatusHotSpare | config::kStatusDraining;

pthread_mutex_t* MutexOf(balance::BalancerSlot* slot) {
  return reinterpret_cast<pthread_mutex_t*>(slot->lock);
}

// A robust mutex: a child that dies holding it (killed in the middle of a selection) does not
// stop the others; the next locker takes it over.
bool InitLock(balance::BalancerSlot* slot) {
  pthread_mutexattr_t attr;
  if (pthread_mutexattr_init(&attr) != 0) return false;
  bool ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
            pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
            pthread_mutex_init(MutexOf(slot), &attr) == 0;
  pthread_mutexattr_destroy(&attr);
  return ok;
}

struct Segment {
  apr_shm_t* shm = nullptr;
  balance::Table table;
};

Segment Existing(process_rec* process) {
  Segment seg;
  void* data = nullptr;
  apr_pool_userdata_get(&data, kUserDataKey, process->pool);
  seg.shm = static_cast<apr_shm_t*>(data);
  if (seg.shm != nullptr) {
    seg.table = balance::Table::Open(apr_shm_baseaddr_get(seg.shm), apr_shm_size_get(seg.shm));
  }
  return seg;
}

apr_status_t Create(process_rec* process, uint32_t balancers, uint32_t members, Segment* out) {
  const size_t bytes = balance::Table::BytesFor(balancers, members);
  apr_shm_t* shm = nullptr;
  const apr_status_t rv = apr_shm_create(&shm, bytes, nullptr, process->pool);
  if (rv != APR_SUCCESS) return rv;
  out->shm = shm;
  out->table =
      balance::Table::Format(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm), balancers, members);
  if (!out->table.valid()) {
    apr_shm_destroy(shm);
    return APR_EGENERAL;
  }
  return APR_SUCCESS;
}

// Every balancer of every server, once, with its key (name; name#2 for a second balancer of the
// same name defined in another virtual host).
std::vector<std::pair<Balancer*, std::string>> Balancers(server_rec* s) {
  std::vector<std::pair<Balancer*, std::string>> out;
  std::set<Balancer*> seen;
  std::map<std::string, int> names;
  for (server_rec* v = s; v != nullptr; v = v->next) {
    for (Balancer* b : GetServerConfig(v)->balancers) {
      if (!seen.insert(b).second) continue;
      const int n = ++names[b->name];
      out.emplace_back(b, n == 1 ? b->name : b->name + "#" + std::to_string(n));
    }
  }
  return out;
}

void ApplyMember(Member* m, bool fresh, apr_time_t now) {
  balance::MemberSlot& slot = *m->slot;
  balance::MemberState& st = slot.state;
  const config::MemberConfig& c = m->cfg;
  const uint32_t edited = slot.edited;
  if ((edited & balance::kEditedLoadFactor) == 0) st.load_factor = c.load_factor;
  if ((edited & balance::kEditedLbset) == 0) st.lbset = c.lbset;
  if ((edited & balance::kEditedRoute) == 0) balance::SetRoute(&st, c.route);
  if ((edited & balance::kEditedRedirect) == 0) balance::SetRedirect(&st, c.redirect);
  if ((edited & balance::kEditedStatus) == 0) {
    const uint32_t status = balance::AtomicLoad(st.status);
    balance::AtomicStore(st.status, (status & ~kAdminFlags) | (c.status & kAdminFlags));
  }
  slot.hardmax = c.hardmax;
  // status=+E: the member starts in error (once: a restart keeps what it has learnt since).
  if (fresh && (c.status & config::kStatusInError) != 0) {
    balance::AtomicStore(st.error_until, now + c.retry.count());
  }
}

std::string NewNonce() {
  apr_uuid_t uuid;
  apr_uuid_get(&uuid);
  char text[APR_UUID_FORMATTED_LENGTH + 1];
  apr_uuid_format(text, &uuid);
  return text;
}

void ApplyBalancer(Balancer* b) {
  balance::BalancerSlot& slot = *b->slot;
  const config::BalancerConfig& c = b->cfg;
  if ((slot.edited & balance::kEditedLbMethod) == 0) {
    slot.lb_method = static_cast<uint32_t>(c.lb_method);
  }
  if ((slot.edited & balance::kEditedMaxAttempts) == 0) {
    slot.max_attempts = c.max_attempts_set ? c.max_attempts : -1;
  }
  if ((slot.edited & balance::kEditedTimeout) == 0) slot.timeout = c.timeout.count();
  if ((slot.edited & balance::kEditedNofailover) == 0) slot.sticky_force = c.nofailover ? 1 : 0;
  if ((slot.edited & balance::kEditedStickySession) == 0) {
    balance::SetField(slot.sticky_session, sizeof slot.sticky_session, c.sticky_session);
  }
  if (c.nonce_set) {
    balance::SetField(slot.nonce, sizeof slot.nonce, c.nonce);  // "" for nonce=None
  } else if (slot.nonce[0] == '\0') {
    balance::SetField(slot.nonce, sizeof slot.nonce, NewNonce());
  }
}

}  // namespace

BalancerLock::BalancerLock(const Balancer* b) : mutex_(MutexOf(b->slot)) {
  if (pthread_mutex_lock(mutex_) == EOWNERDEAD) pthread_mutex_consistent(mutex_);
}

BalancerLock::~BalancerLock() { pthread_mutex_unlock(mutex_); }

int AttachSharedTable(apr_pool_t* /*pconf*/, server_rec* s) {
  const std::vector<std::pair<Balancer*, std::string>> balancers = Balancers(s);
  std::vector<balance::LayoutBalancer> layout;
  size_t members = 0;
  size_t growth = 0;
  for (const auto& [b, key] : balancers) {
    balance::LayoutBalancer lb;
    lb.key = key;
    for (const Member* m : b->members) lb.members.push_back(m->name);
    members += b->members.size();
    growth += static_cast<size_t>(b->cfg.growth);
    layout.push_back(std::move(lb));
  }

  Segment seg = Existing(s->process);
  balance::Placement placement;
  std::string err = seg.table.valid() ? seg.table.Assign(layout, &placement) : "no table";
  bool new_table = false;
  if (!err.empty()) {
    // None yet, or too small for this configuration: a new block, with the old one's slots.
    uint32_t nb = 0;
    uint32_t nm = 0;
    balance::Table::CapacityFor(balancers.size(), members, growth, &nb, &nm);
    if (seg.table.valid()) {
      nb = std::max(nb, seg.table.balancer_capacity());
      nm = std::max(nm, seg.table.member_capacity());
    }
    Segment fresh;
    const apr_status_t rv = Create(s->process, nb, nm, &fresh);
    if (rv != APR_SUCCESS) {
      ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                   "MCA0020: cannot create the shared member table (%u balancers, %u members, "
                   "%lu bytes)",
                   nb, nm, static_cast<unsigned long>(balance::Table::BytesFor(nb, nm)));
      return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (seg.table.valid()) fresh.table.CopyInto(seg.table);
    err = fresh.table.Assign(layout, &placement);
    if (!err.empty()) {
      ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s, "MCA0021: shared member table: %s", err.c_str());
      apr_shm_destroy(fresh.shm);
      return HTTP_INTERNAL_SERVER_ERROR;
    }
    // Children still running from before a restart keep their own mapping of the old block;
    // the parent lets go of it.
    if (seg.shm != nullptr) apr_shm_destroy(seg.shm);
    apr_pool_userdata_set(fresh.shm, kUserDataKey, nullptr, s->process->pool);
    seg = fresh;
    new_table = true;
  }

  const apr_time_t now = apr_time_now();
  for (size_t i = 0; i < balancers.size(); ++i) {
    Balancer* b = balancers[i].first;
    b->slot = &seg.table.balancer(placement.balancers[i]);
    if ((new_table || placement.balancer_fresh[i]) && !InitLock(b->slot)) {
      ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                   "MCA0022: cannot create the process-shared lock of balancer://%s",
                   b->name.c_str());
      return HTTP_INTERNAL_SERVER_ERROR;
    }
    BalancerLock lock(b);
    ApplyBalancer(b);
    b->states.clear();
    for (size_t j = 0; j < b->members.size(); ++j) {
      Member* m = b->members[j];
      m->slot = &seg.table.member(placement.members[i][j]);
      m->pool_settings.shared = m->slot;
      ApplyMember(m, placement.member_fresh[i][j], now);
      b->states.push_back(&m->slot->state);
    }
  }
  ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
               "MCA0023: shared member table: %u of %u member slots in use%s",
               seg.table.member_capacity() - seg.table.FreeMembers(), seg.table.member_capacity(),
               new_table ? " (new block)" : "");
  return kHttpdOk;
}

}  // namespace mca::glue
