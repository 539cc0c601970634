// The directive table: mod_proxy's names and syntax for what this module supports.
#ifndef MCA_GLUE_DIRECTIVES_H_
#define MCA_GLUE_DIRECTIVES_H_

#include "glue/httpd_includes.h"

namespace mca::glue {

extern const command_rec kCommands[];

}  // namespace mca::glue

#endif  // MCA_GLUE_DIRECTIVES_H_
