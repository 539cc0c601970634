// The only header of the project that includes httpd and APR headers. Everything in glue/
// includes this instead of httpd.h/http_*.h/apr_*.h, so the C headers are compiled the same way
// everywhere and their short macros are tamed in one place.
#ifndef MCA_GLUE_HTTPD_INCLUDES_H_
#define MCA_GLUE_HTTPD_INCLUDES_H_

#include <pthread.h>

#include "httpd.h"
#include "ap_mpm.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_thread_cond.h"
#include "apr_thread_mutex.h"
#include "apr_uuid.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "http_ssl.h"
#include "mod_watchdog.h"
#include "util_filter.h"

// httpd defines OK/DECLINED/DONE as bare macros; name them so C++ code reads clearly.
namespace mca::glue {
inline constexpr int kHttpdOk = OK;
inline constexpr int kHttpdDeclined = DECLINED;
}  // namespace mca::glue

// The module record has C linkage; declare it so before APLOG_USE_MODULE names it.
extern "C" module AP_MODULE_DECLARE_DATA cluster_ajp_module;

// Every glue file logs through this module so `LogLevel cluster_ajp:debug` works.
APLOG_USE_MODULE(cluster_ajp);

#endif  // MCA_GLUE_HTTPD_INCLUDES_H_
