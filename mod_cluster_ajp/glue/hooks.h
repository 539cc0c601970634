// Process-level hooks httpd calls. Each is noexcept: no C++ exception may cross into httpd.
#ifndef MCA_GLUE_HOOKS_H_
#define MCA_GLUE_HOOKS_H_

#include "glue/httpd_includes.h"

namespace mca::glue {

int PreConfig(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp) noexcept;
int PostConfig(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s) noexcept;
void ChildInit(apr_pool_t* pchild, server_rec* s) noexcept;

}  // namespace mca::glue

#endif  // MCA_GLUE_HOOKS_H_
