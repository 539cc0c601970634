// The request path: translate_name picks the ProxyPass mapping, map_to_storage skips the file
// system for it, the handler chooses a member and forwards. All noexcept.
#ifndef MCA_GLUE_HANDLER_H_
#define MCA_GLUE_HANDLER_H_

#include "glue/httpd_includes.h"

namespace mca::glue {

int TranslateName(request_rec* r) noexcept;
int MapToStorage(request_rec* r) noexcept;
int Handle(request_rec* r) noexcept;

}  // namespace mca::glue

#endif  // MCA_GLUE_HANDLER_H_
