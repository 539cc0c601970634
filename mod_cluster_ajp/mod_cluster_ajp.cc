// The module record and hook registration, nothing else. Everything httpd calls lives in glue/.
#include "glue/config.h"
#include "glue/directives.h"
#include "glue/handler.h"
#include "glue/health.h"
#include "glue/hooks.h"
#include "glue/manager.h"

namespace {

int mca_pre_config(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp) {
  return mca::glue::PreConfig(pconf, plog, ptemp);
}
int mca_post_config(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s) {
  return mca::glue::PostConfig(pconf, plog, ptemp, s);
}
int mca_health_post_config(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s) {
  return mca::glue::HealthPostConfig(pconf, plog, ptemp, s);
}
void mca_child_init(apr_pool_t* pchild, server_rec* s) { mca::glue::ChildInit(pchild, s); }
int mca_translate_name(request_rec* r) { return mca::glue::TranslateName(r); }
int mca_map_to_storage(request_rec* r) { return mca::glue::MapToStorage(r); }
int mca_handler(request_rec* r) { return mca::glue::Handle(r); }
int mca_manager(request_rec* r) { return mca::glue::HandleManager(r); }
void* mca_create_server_config(apr_pool_t* p, server_rec* s) {
  return mca::glue::CreateServerConfig(p, s);
}
void* mca_merge_server_config(apr_pool_t* p, void* base, void* add) {
  return mca::glue::MergeServerConfig(p, base, add);
}

void mca_register_hooks(apr_pool_t* /*p*/) {
  ap_hook_pre_config(mca_pre_config, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_post_config(mca_post_config, nullptr, nullptr, APR_HOOK_MIDDLE);
  // Before mod_watchdog's post_config, which starts the threads of the instances it knows.
  static const char* const kBeforeWatchdog[] = {"mod_watchdog.c", nullptr};
  ap_hook_post_config(mca_health_post_config, nullptr, kBeforeWatchdog, APR_HOOK_LAST);
  ap_hook_child_init(mca_child_init, nullptr, nullptr, APR_HOOK_MIDDLE);
  // First, like mod_proxy: a ProxyPass prefix wins over Alias and the file system.
  ap_hook_translate_name(mca_translate_name, nullptr, nullptr, APR_HOOK_FIRST);
  ap_hook_map_to_storage(mca_map_to_storage, nullptr, nullptr, APR_HOOK_FIRST);
  ap_hook_handler(mca_handler, nullptr, nullptr, APR_HOOK_FIRST);
  ap_hook_handler(mca_manager, nullptr, nullptr, APR_HOOK_MIDDLE);
}

}  // namespace

extern "C" {
__attribute__((visibility("default"))) module AP_MODULE_DECLARE_DATA cluster_ajp_module = {
    STANDARD20_MODULE_STUFF,
    nullptr,  // per-directory config creator
    nullptr,  // per-directory config merger
    mca_create_server_config,
    mca_merge_server_config,
    mca::glue::kCommands,
    mca_register_hooks,
    AP_MODULE_FLAG_NONE,
};
}
