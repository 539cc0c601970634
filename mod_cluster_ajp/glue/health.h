// Health checks: one background thread for the whole server (httpd's mod_watchdog, in a single
// child process) checks every member every `hcinterval` (AJP CPing by default; TCP connect, or a
// real GET/HEAD/OPTIONS request over AJP) and writes the result into the shared table, where the
// request path and the manager read it. Never in the request path.
#ifndef MCA_GLUE_HEALTH_H_
#define MCA_GLUE_HEALTH_H_

#include "glue/httpd_includes.h"

namespace mca::glue {

// post_config, before mod_watchdog's: registers the check callback.
int HealthPostConfig(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp,
                     server_rec* s) noexcept;

}  // namespace mca::glue

#endif  // MCA_GLUE_HEALTH_H_
