#include "glue/hooks.h"

#include <string>

#include "glue/config.h"
#include "glue/shared.h"
#include "mca/ajp/constants.h"
#include "mca/version.h"

namespace mca::glue {
namespace {

// The pool's view of a member: its own parameters, else the server's.
void Derive(server_rec* s, apr_interval_time_t timeout, size_t packet, Member* m) {
  const config::MemberConfig& c = m->cfg;
  PoolSettings& p = m->pool_settings;
  p.io_timeout = c.timeout_set ? c.timeout.count() : timeout;
  p.connect_timeout = c.connection_timeout_set ? c.connection_timeout.count() : p.io_timeout;
  p.packet_size = c.io_buffer_size_set ? c.io_buffer_size : packet;
  if (p.packet_size < 8192) {
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                 "MCA0012: %s: iobuffersize=%u is below AJP's 8192-byte packet; using 8192",
                 m->name.c_str(), static_cast<unsigned>(p.packet_size));
    p.packet_size = 8192;
  }
  p.max = c.max;
  p.smax = c.smax;  // -1: as many as max (resolved with max when the pool is made)
  p.ttl = c.ttl.count();
  p.acquire = c.acquire_set ? c.acquire.count() : 0;
  p.disable_reuse = c.disable_reuse;
  p.keepalive = c.keepalive;
  p.receive_buffer = static_cast<int>(c.receive_buffer_size);
}

// What a member added in the manager starts from: the first member's connection and health
// check settings, without its identity (route, redirect, flags, lbset, load factor).
void SetModel(server_rec* s, apr_interval_time_t timeout, size_t packet, Balancer* b) {
  const config::MemberConfig defaults;
  if (b->members.empty()) {
    b->model = Member();
    Derive(s, timeout, packet, &b->model);
  } else {
    b->model = *b->members.front();
  }
  config::MemberConfig& c = b->model.cfg;
  c.route = defaults.route;
  c.redirect = defaults.redirect;
  c.status = defaults.status;
  c.lbset = defaults.lbset;
  c.load_factor = defaults.load_factor;
  b->model.name.clear();
  b->model.pool = nullptr;
  b->model.slot = nullptr;
  b->model.pool_settings.shared = nullptr;
  b->model.added = true;
  b->model.derived = true;
}

// Settings that depend on the server (Timeout, ProxyTimeout, ProxyIOBufferSize) are settled
// once the whole configuration is read.
void Settle(server_rec* s, ServerConfig* conf) {
  for (Mapping& m : conf->mappings) {
    if (m.exclude) continue;
    // ProxyPass creates the balancer it names, so this always finds one (maybe memberless:
    // warned about below).
    m.balancer = conf->FindBalancer(m.balancer_name);
  }
  const apr_interval_time_t timeout = conf->timeout > 0 ? conf->timeout : s->timeout;
  const size_t packet = conf->io_buffer_size > 0 ? conf->io_buffer_size : 8192;
  for (Balancer* b : conf->balancers) {
    if (b->members.empty()) {
      ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                   "MCA0011: balancer://%s has no BalancerMember: requests will get 503",
                   b->name.c_str());
    }
    for (Member* m : b->members) {
      // Virtual hosts share the main server's members (visited first): never re-derive them.
      if (!m->derived) Derive(s, timeout, packet, m);
      m->derived = true;
    }
    if (!b->model.derived) SetModel(s, timeout, packet, b);
    b->url = "balancer://" + b->name;
  }
}

}  // namespace

int PreConfig(apr_pool_t* /*pconf*/, apr_pool_t* /*plog*/, apr_pool_t* /*ptemp*/) noexcept {
  if (ap_find_linked_module("mod_proxy.c") != nullptr) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, nullptr,
                 "MCA0004: mod_cluster_ajp cannot run beside httpd's mod_proxy: both claim "
                 "ProxyPass, BalancerMember and <Proxy>. Disable proxy, proxy_ajp and "
                 "proxy_balancer (Debian: a2dismod lbmethod_byrequests proxy_balancer proxy_ajp "
                 "proxy) and keep cluster_ajp.");
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  return kHttpdOk;
}

int PostConfig(apr_pool_t* pconf, apr_pool_t* /*plog*/, apr_pool_t* /*ptemp*/,
               server_rec* s) noexcept {
  try {
    // post_config runs twice at start-up and again on every graceful restart: Settle is
    // idempotent and keeps no state outside the configuration pool.
    for (server_rec* v = s; v != nullptr; v = v->next) Settle(v, GetServerConfig(v));
    // The shared table exists before the children fork; a restart keeps it and its counters.
    const int status = AttachSharedTable(pconf, s);
    if (status != kHttpdOk) return status;
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "MCA0001: mod_cluster_ajp %s configured", kVersion);
    return kHttpdOk;
  } catch (...) {
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

apr_status_t DeleteBufferSlab(void* slab) {
  delete static_cast<BufferSlab*>(slab);
  return APR_SUCCESS;
}

// The receive buffers of this child's backend connections. One exchange at a time runs in a
// thread, so the child never needs more than a buffer per thread; a few more for safety.
BufferSlab* CreateBufferSlab(apr_pool_t* pchild) {
  auto* slab = new BufferSlab(ajp::kMaxPacketSize, static_cast<size_t>(ThreadsPerChild()) + 8);
  // A plain cleanup runs after the connection pools' pre-cleanups have given theirs back.
  apr_pool_cleanup_register(pchild, slab, DeleteBufferSlab, apr_pool_cleanup_null);
  return slab;
}

void ChildInit(apr_pool_t* pchild, server_rec* s) noexcept {
  try {
    BufferSlab* buffers = nullptr;
    for (server_rec* v = s; v != nullptr; v = v->next) {
      for (Balancer* b : GetServerConfig(v)->balancers) {
        if (buffers == nullptr) buffers = CreateBufferSlab(pchild);
        b->buffers = buffers;
        for (Member* m : b->members) {
          if (m->pool == nullptr)
            m->pool = ConnectionPool::Create(pchild, m->pool_settings, buffers);
        }
        // For the connection pools of members the manager adds while this child runs.
        if (b->runtime_pool == nullptr) apr_pool_create(&b->runtime_pool, pchild);
      }
    }
  } catch (...) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "MCA0005: child initialisation failed");
  }
}

}  // namespace mca::glue
