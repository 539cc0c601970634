#include "glue/hooks.h"

#include "mca/version.h"

namespace mca::glue {

int PostConfig(apr_pool_t* /*pconf*/, apr_pool_t* /*plog*/, apr_pool_t* /*ptemp*/,
               server_rec* s) noexcept {
  // post_config runs twice at start-up (and again on each graceful restart); nothing here may
  // depend on running once.
  ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "MCA0001: mod_cluster_ajp %s configured", kVersion);
  return kHttpdOk;
}

}  // namespace mca::glue
