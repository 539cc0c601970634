// Per-server configuration as the handler uses it: balancers, their members, ProxyPass
// mappings and response rewriting rules. Built by the directive handlers (directives.cc) from
// the core's parsed values; C++ objects owned by the configuration pool.
#ifndef MCA_GLUE_CONFIG_H_
#define MCA_GLUE_CONFIG_H_

#include <string>
#include <utility>
#include <vector>

#include "glue/backend.h"
#include "glue/httpd_includes.h"
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

  apr_interval_time_t retry() const { return cfg.retry.count(); }
  apr_interval_time_t ping() const { return cfg.ping.count(); }  // CPing before each request
  bool Has(uint32_t flag) const { return (cfg.status & flag) != 0; }
};

struct Balancer {
  std::string name;       // "testcluster" (balancer://testcluster)
  bool implicit = false;  // a single backend named directly in ProxyPass
  std::vector<Member*> members;
  config::BalancerConfig cfg;
  // In the shared table (shared.cc): the balancer's slot, and its members' states in the order
  // of `members`, as Select takes them.
  balance::BalancerSlot* slot = nullptr;
  std::vector<balance::MemberState*> states;
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
