// The balancer manager: `SetHandler balancer-manager`. Shows the shared table (HTML, JSON, XML,
// Prometheus) and applies edits sent with mod_proxy_balancer's form fields. Authentication is
// httpd's (<Location> with Require); the handler itself only insists on POST and the nonce for
// anything that changes state.
#ifndef MCA_GLUE_MANAGER_H_
#define MCA_GLUE_MANAGER_H_

#include "glue/httpd_includes.h"

namespace mca::glue {

int HandleManager(request_rec* r) noexcept;

}  // namespace mca::glue

#endif  // MCA_GLUE_MANAGER_H_
