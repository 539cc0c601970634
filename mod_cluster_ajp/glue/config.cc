#include "glue/config.h"

namespace mca::glue {

Balancer* ServerConfig::FindBalancer(const std::string& name) const {
  for (Balancer* b : balancers) {
    if (strcasecmp(b->name.c_str(), name.c_str()) == 0) return b;
  }
  return nullptr;
}

ServerConfig* GetServerConfig(server_rec* s) {
  return static_cast<ServerConfig*>(ap_get_module_config(s->module_config, &cluster_ajp_module));
}

void* CreateServerConfig(apr_pool_t* p, server_rec* /*s*/) noexcept {
  try {
    return PoolNew<ServerConfig>(p);
  } catch (...) {
    return nullptr;
  }
}

// A virtual host sees the main server's balancers and mappings after its own (as mod_proxy).
void* MergeServerConfig(apr_pool_t* p, void* base_v, void* add_v) noexcept {
  try {
    const auto* base = static_cast<const ServerConfig*>(base_v);
    const auto* add = static_cast<const ServerConfig*>(add_v);
    ServerConfig* out = PoolNew<ServerConfig>(p, *add);
    for (Balancer* b : base->balancers) {
      if (out->FindBalancer(b->name) == nullptr) out->balancers.push_back(b);
    }
    out->mappings.insert(out->mappings.end(), base->mappings.begin(), base->mappings.end());
    out->reverse.insert(out->reverse.end(), base->reverse.begin(), base->reverse.end());
    out->cookie_paths.insert(out->cookie_paths.end(), base->cookie_paths.begin(),
                             base->cookie_paths.end());
    out->cookie_domains.insert(out->cookie_domains.end(), base->cookie_domains.begin(),
                               base->cookie_domains.end());
    if (out->timeout < 0) out->timeout = base->timeout;
    if (out->io_buffer_size == 0) out->io_buffer_size = base->io_buffer_size;
    return out;
  } catch (...) {
    return nullptr;
  }
}

}  // namespace mca::glue
