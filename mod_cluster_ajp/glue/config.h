// Per-server configuration as the handler uses it: balancers, their members, ProxyPass
// mappings and response rewriting rules. Built by the directive handlers (directives.cc) from
// the core's parsed values; C++ objects owned by the configuration pool.
#ifndef MCA_GLUE_CONFIG_H_
#define MCA_GLUE_CONFIG_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "glue/backend.h"
#include "glue/httpd_includes.h"
#include "mca/balance/schedule.h"
#include "mca/balance/table.h"
#include "mca/config/params.h"
#include "mca/proxy/rewrite.h"
#include "mca/sticky/route.h"

namespace mca::glue {

struct Member {
  std::string name;  // "ajp://127.0.0.1:8009" (no path), for logs and the manager
  config::MemberConfig cfg;
  PoolSettings pool_settings;  // derived from cfg and the server's settings (Settle)
  bool derived = false;

  ConnectionPool* pool = nullptr;       // per child (ChildInit)
  balance::MemberSlot* slot = nullptr;  // runtime state shared by every child (shared.cc)
  apr_time_t next_check = 0;            // health.cc, in the one process that runs the checks
  bool added = false;                   // added in the balancer manager, not named in httpd.conf

  apr_interval_time_t retry() const { return cfg.retry.count(); }
  apr_interval_time_t ping() const { return cfg.ping.count(); }  // CPing before each request
  bool Has(uint32_t flag) const { return (cfg.status & flag) != 0; }
};

// The members a balancer serves with, as one process sees them at one generation of the
// balancer's slot (members.h). Never changed once published.
struct MemberSet {
  uint32_t generation = 0;
  std::vector<Member*> members;
  std::vector<balance::MemberState*> states;  // of `members`, in order, as Select takes them
  bool sticky_set = false;                    // sticky sessions on
  sticky::Settings sticky;
  size_t min_packet_size = 8192;  // the smallest AJP packet size of the members
  balance::Schedule schedule;     // the O(1) selection path over `states`
};

struct Balancer {
  std::string name;       // "testcluster" (balancer://testcluster)
  std::string url;        // "balancer://testcluster" (hooks.cc)
  bool implicit = false;  // a single backend named directly in ProxyPass
  // Configured in httpd.conf, plus the members added in the manager before this configuration
  // (shared.cc). Requests use live() instead.
  std::vector<Member*> members;
  config::BalancerConfig cfg;
  // What a member added in the manager starts from: the first member's connection settings
  // (secret, timeouts, pool, health check), no route, load factor 1 (hooks.cc).
  Member model;
  // In the shared table (shared.cc): the balancer's slot and key, and the table.
  balance::BalancerSlot* slot = nullptr;
  std::string key;
  balance::Table table;

  // Per process (members.cc): the published member set, and what makes new ones.
  std::atomic<const MemberSet*> live{nullptr};
  std::mutex live_mutex;
  std::vector<std::unique_ptr<MemberSet>> sets;          // every set published, kept
  std::vector<std::unique_ptr<Member>> runtime_members;  // added since this configuration
  apr_pool_t* runtime_pool = nullptr;                    // child: their connection pools
  BufferSlab* buffers = nullptr;  // child: receive buffers, one slab for every balancer
};

struct Mapping {
  std::string path;           // public prefix
  bool exclude = false;       // ProxyPass PATH !
  std::string balancer_name;  // resolved after merging
  Balancer* balancer = nullptr;
  std::string backend_path;  // path part of the target URL ("" or "/examples")
};

struct ServerConfig {
  std::vector<Balancer*> balancers;
  std::vector<Mapping> mappings;
  std::vector<proxy::ReverseRule> reverse;
  std::vector<std::pair<std::string, std::string>> cookie_paths;
  std::vector<std::pair<std::string, std::string>> cookie_domains;
  apr_interval_time_t timeout = -1;  // ProxyTimeout; -1: the server's Timeout
  size_t io_buffer_size = 0;         // ProxyIOBufferSize (AJP packet size); 0: 8192

  Balancer* FindBalancer(const std::string& name) const;
};

ServerConfig* GetServerConfig(server_rec* s);

// Creates a C++ object owned by `pool` (deleted when the pool is cleared).
template <typename T, typename... Args>
T* PoolNew(apr_pool_t* pool, Args&&... args) {
  T* obj = new T(std::forward<Args>(args)...);
  apr_pool_cleanup_register(
      pool, obj,
      [](void* p) -> apr_status_t {
        delete static_cast<T*>(p);
        return APR_SUCCESS;
      },
      apr_pool_cleanup_null);
  return obj;
}

void* CreateServerConfig(apr_pool_t* p, server_rec* s) noexcept;
void* MergeServerConfig(apr_pool_t* p, void* base, void* add) noexcept;

}  // namespace mca::glue

#endif  // MCA_GLUE_CONFIG_H_
