// The module record and hook registration, nothing else. Everything httpd calls lives in glue/.
#include "glue/hooks.h"

namespace {

int mca_post_config(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s) {
  return mca::glue::PostConfig(pconf, plog, ptemp, s);
}

void mca_register_hooks(apr_pool_t* /*p*/) {
  ap_hook_post_config(mca_post_config, nullptr, nullptr, APR_HOOK_MIDDLE);
}

}  // namespace

extern "C" {
__attribute__((visibility("default"))) module AP_MODULE_DECLARE_DATA cluster_ajp_module = {
    STANDARD20_MODULE_STUFF,
    nullptr,  // per-directory config creator
    nullptr,  // per-directory config merger
    nullptr,  // per-server config creator
    nullptr,  // per-server config merger
    nullptr,  // directives
    mca_register_hooks,
    AP_MODULE_FLAG_NONE,
};
}
