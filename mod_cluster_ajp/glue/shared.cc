#include "glue/shared.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "glue/members.h"
#include "mca/balance/atomic.h"
#include "mca/manager/state_file.h"

namespace mca::glue {
namespace {

// The table's shared memory outlives configuration cycles: it hangs off the process pool, which
// only the end of httpd clears. The userdata holds APR's own object, no pointer into this DSO
// (which is unloaded and loaded again on every restart).
constexpr const char* kUserDataKey = "mod_cluster_ajp:shared-table";

static_assert(sizeof(pthread_mutex_t) <= balance::kLockSize);

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

// apr_shm_create's anonymous segment keeps its size in front of the memory it hands out.
constexpr size_t kShmOverhead = APR_ALIGN_DEFAULT(sizeof(apr_size_t));

size_t PageSize() {
  const long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<size_t>(page) : 4096;
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

}  // namespace

void ApplyMemberConfig(Member* m, bool fresh, apr_time_t now) {
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
    balance::AtomicStore(
        st.status, (status & ~config::kAdminStatusFlags) | (c.status & config::kAdminStatusFlags));
  }
  slot.hardmax = c.hardmax;
  if ((edited & balance::kEditedHealthCheck) == 0) {
    balance::AtomicStore(slot.hc_method, static_cast<uint32_t>(c.hc_method));
    balance::AtomicStore(slot.hc_passes, static_cast<uint32_t>(std::max(c.hc_passes, 1)));
    balance::AtomicStore(slot.hc_fails, static_cast<uint32_t>(std::max(c.hc_fails, 1)));
    balance::AtomicStore(slot.hc_interval, static_cast<int64_t>(c.hc_interval.count()));
    balance::SetField(slot.hc_uri, sizeof slot.hc_uri, c.hc_uri);
  }
  // status=+E: the member starts in error (once: a restart keeps what it has learnt since).
  if (fresh && (c.status & config::kStatusInError) != 0) {
    balance::AtomicStore(st.error_until, now + c.retry.count());
  }
  balance::AtomicStore(slot.added, m->added ? 1u : 0u);
}

namespace {

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

constexpr const char* kStateFile = "mod_cluster_ajp.state";

// The file's bytes; false when it cannot be opened or read.
bool ReadWholeFile(const char* path, std::string* out) {
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return false;
  constexpr size_t kPiece = 8192;
  for (;;) {  // straight into the string: no buffer on the stack
    const size_t had = out->size();
    out->resize(had + kPiece);
    const size_t n = std::fread(out->data() + had, 1, kPiece, f);
    out->resize(had + n);
    if (n == 0) break;
  }
  const bool ok = std::ferror(f) == 0;
  std::fclose(f);
  return ok;
}

// Creates or truncates `path` and writes `text` to it; false on any error.
bool WriteWholeFile(const char* path, const std::string& text) {
  std::FILE* f = std::fopen(path, "wb");
  if (f == nullptr) return false;
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  return written && closed;
}

// Saved edits, by key, read once per start (a missing file is no edits).
struct Saved {
  std::map<std::string, manager::SavedBalancer> balancers;
  std::map<std::string, manager::SavedMember> members;
};

Saved ReadSaved(apr_pool_t* p, server_rec* s) {
  Saved out;
  const char* path = ap_runtime_dir_relative(p, kStateFile);
  std::string text;
  if (!ReadWholeFile(path, &text)) return out;
  manager::SavedState state;
  const config::Error err = manager::ParseState(text, &state);
  if (!err.empty()) {
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 "MCA0024: %s: %s; manager edits from before the restart are not applied", path,
                 err.c_str());
    return out;
  }
  for (manager::SavedBalancer& b : state.balancers) out.balancers[b.key] = b;
  for (manager::SavedMember& m : state.members) out.members[m.key] = m;
  return out;
}

void RestoreMember(const manager::SavedMember& saved, balance::MemberSlot* slot) {
  balance::MemberState& st = slot->state;
  if ((saved.edited & balance::kEditedLoadFactor) != 0) st.load_factor = saved.load_factor;
  if ((saved.edited & balance::kEditedLbset) != 0) st.lbset = saved.lbset;
  if ((saved.edited & balance::kEditedRoute) != 0) balance::SetRoute(&st, saved.route);
  if ((saved.edited & balance::kEditedRedirect) != 0) balance::SetRedirect(&st, saved.redirect);
  if ((saved.edited & balance::kEditedStatus) != 0) {
    balance::AtomicStore(st.status, saved.status & config::kAdminStatusFlags);
  }
  if ((saved.edited & balance::kEditedHealthCheck) != 0) {
    slot->hc_method = saved.hc_method;
    slot->hc_passes = saved.hc_passes;
    slot->hc_fails = saved.hc_fails;
    slot->hc_interval = saved.hc_interval_us;
    balance::SetField(slot->hc_uri, sizeof slot->hc_uri, saved.hc_uri);
  }
  slot->edited =
      saved.edited & (balance::kEditedLoadFactor | balance::kEditedLbset | balance::kEditedRoute |
                      balance::kEditedRedirect | balance::kEditedStatus |
                      balance::kEditedHealthCheck | balance::kEditedRemoved);
}

void RestoreBalancer(const manager::SavedBalancer& saved, balance::BalancerSlot* slot) {
  if ((saved.edited & balance::kEditedLbMethod) != 0) slot->lb_method = saved.lb_method;
  if ((saved.edited & balance::kEditedMaxAttempts) != 0) slot->max_attempts = saved.max_attempts;
  if ((saved.edited & balance::kEditedTimeout) != 0) slot->timeout = saved.timeout_us;
  if ((saved.edited & balance::kEditedNofailover) != 0) slot->sticky_force = saved.nofailover;
  if ((saved.edited & balance::kEditedStickySession) != 0) {
    balance::SetField(slot->sticky_session, sizeof slot->sticky_session, saved.sticky_session);
  }
  slot->edited = saved.edited &
                 (balance::kEditedLbMethod | balance::kEditedMaxAttempts | balance::kEditedTimeout |
                  balance::kEditedNofailover | balance::kEditedStickySession);
}

// A member added in the manager before this configuration (kept in the shared table over a
// restart, or in the state file over a stop), given a Member like those of httpd.conf.
void KeepAddedMember(apr_pool_t* pconf, Balancer* b, std::string_view name) {
  config::MemberUrl url;
  if (!config::ParseMemberUrl(name, &url).empty()) return;
  for (const Member* m : b->members) {
    if (m->name == url.Name()) return;  // httpd.conf names it now
  }
  Member* m = PoolNew<Member>(pconf, b->model);
  m->name = url.Name();
  m->pool_settings.host = url.host;
  m->pool_settings.port = url.port;
  m->added = true;
  b->members.push_back(m);
}

}  // namespace

namespace {

// Writes the edited fields of every balancer and member to the state file. Empty on success.
std::string SaveEditedState(const std::string& path, server_rec* s) {
  manager::SavedState state;
  for (const auto& [b, key] : Balancers(s)) {
    if (b->slot == nullptr) continue;
    BalancerLock lock(b);
    const balance::BalancerSlot& bs = *b->slot;
    if (bs.edited != 0) {
      manager::SavedBalancer sb;
      sb.key = key;
      sb.edited = bs.edited;
      sb.lb_method = balance::AtomicLoad(bs.lb_method);
      sb.max_attempts = balance::AtomicLoad(bs.max_attempts);
      sb.timeout_us = balance::AtomicLoad(bs.timeout);
      sb.nofailover = balance::AtomicLoad(bs.sticky_force) != 0;
      sb.sticky_session =
          std::string(balance::FieldOf(bs.sticky_session, sizeof bs.sticky_session));
      state.balancers.push_back(sb);
    }
    // Every member slot of the balancer, those added in the manager included.
    for (const uint32_t i : b->table.MembersOf(b->key)) {
      const balance::MemberSlot& ms = b->table.member(i);
      const bool added = balance::AtomicLoad(ms.added) != 0;
      if (ms.edited == 0 && !added) continue;
      manager::SavedMember sm;
      sm.key = std::string(balance::FieldOf(ms.key, sizeof ms.key));
      sm.edited = ms.edited;
      sm.load_factor = ms.state.load_factor;
      sm.lbset = ms.state.lbset;
      sm.route = std::string(balance::RouteOf(ms.state));
      sm.redirect = std::string(balance::RedirectOf(ms.state));
      sm.status = balance::AtomicLoad(ms.state.status) & config::kAdminStatusFlags;
      sm.hc_method = balance::AtomicLoad(ms.hc_method);
      sm.hc_passes = balance::AtomicLoad(ms.hc_passes);
      sm.hc_fails = balance::AtomicLoad(ms.hc_fails);
      sm.hc_interval_us = balance::AtomicLoad(ms.hc_interval);
      sm.hc_uri = std::string(balance::FieldOf(ms.hc_uri, sizeof ms.hc_uri));
      sm.added = added;
      state.members.push_back(sm);
    }
  }
  const std::string tmp = path + "." + std::to_string(getpid()) + ".tmp";
  if (!WriteWholeFile(tmp.c_str(), manager::FormatState(state))) {
    std::remove(tmp.c_str());
    return "cannot write " + tmp;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "cannot rename " + tmp + " to " + path;
  }
  return "";
}

struct SaveOnEnd {
  std::string path;
  server_rec* server;
};

apr_status_t SaveOnEndCleanup(void* data) {
  auto* save = static_cast<SaveOnEnd*>(data);
  try {
    const std::string err = SaveEditedState(save->path, save->server);
    if (!err.empty()) {
      ap_log_error(APLOG_MARK, APLOG_WARNING, 0, save->server,
                   "MCA0025: manager edits not saved for the next start: %s", err.c_str());
    }
  } catch (...) {
  }
  return APR_SUCCESS;
}

}  // namespace

BalancerLock::BalancerLock(const Balancer* b) : mutex_(MutexOf(b->slot)) {
  if (pthread_mutex_lock(mutex_) == EOWNERDEAD) pthread_mutex_consistent(mutex_);
}

BalancerLock::~BalancerLock() { pthread_mutex_unlock(mutex_); }

int AttachSharedTable(apr_pool_t* pconf, server_rec* s) {
  const std::vector<std::pair<Balancer*, std::string>> balancers = Balancers(s);
  Segment seg = Existing(s->process);
  const bool had_table = seg.table.valid();
  // At start-up (no table yet) the edits saved before httpd was last stopped are applied.
  const Saved saved = had_table ? Saved() : ReadSaved(pconf, s);
  std::vector<balance::LayoutBalancer> layout;
  size_t members = 0;
  size_t growth = 0;
  for (const auto& [b, key] : balancers) {
    b->key = key;
    // Members added in the manager stay members: over a restart from the table, over a stop
    // from the state file.
    if (had_table) {
      for (const uint32_t i : seg.table.MembersOf(key)) {
        const balance::MemberSlot& ms = seg.table.member(i);
        if (ms.added != 0) {
          KeepAddedMember(pconf, b, balance::FieldOf(ms.key, sizeof ms.key).substr(key.size() + 1));
        }
      }
    }
    for (const auto& [mkey, sm] : saved.members) {
      if (sm.added && mkey.size() > key.size() + 1 && mkey.compare(0, key.size(), key) == 0 &&
          mkey[key.size()] == '|') {
        KeepAddedMember(pconf, b, std::string_view(mkey).substr(key.size() + 1));
      }
    }
    balance::LayoutBalancer lb;
    lb.key = key;
    for (const Member* m : b->members) lb.members.push_back(m->name);
    members += b->members.size();
    growth += static_cast<size_t>(b->cfg.growth_set ? b->cfg.growth : config::kDefaultGrowth);
    layout.push_back(std::move(lb));
  }

  balance::Placement placement;
  std::string err = seg.table.valid() ? seg.table.Assign(layout, &placement) : "no table";
  bool new_table = false;
  if (!err.empty()) {
    // None yet, or too small for this configuration: a new block, with the old one's slots.
    uint32_t nb = 0;
    uint32_t nm = 0;
    balance::Table::CapacityFor(balancers.size(), members, growth, PageSize(), kShmOverhead, &nb,
                                &nm);
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
    b->table = seg.table;
    if (placement.balancer_fresh[i]) {
      auto it = saved.balancers.find(balancers[i].second);
      if (it != saved.balancers.end()) RestoreBalancer(it->second, b->slot);
    }
    if ((new_table || placement.balancer_fresh[i]) && !InitLock(b->slot)) {
      ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                   "MCA0022: cannot create the process-shared lock of balancer://%s",
                   b->name.c_str());
      return HTTP_INTERNAL_SERVER_ERROR;
    }
    BalancerLock lock(b);
    ApplyBalancer(b);
    for (size_t j = 0; j < b->members.size(); ++j) {
      Member* m = b->members[j];
      m->slot = &seg.table.member(placement.members[i][j]);
      m->pool_settings.shared = m->slot;
      if (placement.member_fresh[i][j]) {
        auto it = saved.members.find(balance::Table::MemberKey(balancers[i].second, m->name));
        if (it != saved.members.end()) RestoreMember(it->second, m->slot);
      }
      ApplyMemberConfig(m, placement.member_fresh[i][j], now);
    }
  }
  for (const auto& [b, key] : balancers) PublishMembers(b);
  // When this configuration ends (restart or stop), the parent saves the edits. The object is
  // registered first so that it is deleted after the save ran (cleanups run in reverse).
  auto* save = PoolNew<SaveOnEnd>(pconf);
  save->path = ap_runtime_dir_relative(pconf, kStateFile);
  save->server = s;
  apr_pool_cleanup_register(pconf, save, SaveOnEndCleanup, apr_pool_cleanup_null);
  ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
               "MCA0023: shared member table: %u of %u member slots in use%s",
               seg.table.member_capacity() - seg.table.FreeMembers(), seg.table.member_capacity(),
               new_table ? " (new block)" : "");
  return kHttpdOk;
}

}  // namespace mca::glue
