// The shared member table in httpd: created in the parent before the children fork, kept over
// restarts, and the balancer locks inside it. The table's layout and slot assignment are the
// core's (mca/balance/table.h); this file owns the memory and the mutexes.
#ifndef MCA_GLUE_SHARED_H_
#define MCA_GLUE_SHARED_H_

#include "glue/config.h"
#include "glue/httpd_includes.h"
#include "mca/balance/table.h"

namespace mca::glue {

// Gives every balancer and member of every server its slot in the shared table (creating or
// growing the table), writes the configured values into the slots (fields edited at runtime
// keep their values) and points Balancer::slot/states and Member::slot at them. Runs in
// post_config. OK, or an error status after logging why.
//
// Edits made in the manager are saved to a state file under httpd's runtime directory when the
// configuration ends (a restart or a stop, by the parent process, which may write there) and
// applied again when httpd starts afresh.
int AttachSharedTable(apr_pool_t* pconf, server_rec* s);

// Writes a member's httpd.conf values into its slot, except the fields edited at runtime;
// `fresh`: the slot is new (status=+E then puts it in error). Caller holds the balancer's lock.
void ApplyMemberConfig(Member* m, bool fresh, apr_time_t now);

// The balancer's process-shared lock, held around selection and edits of admin fields.
class BalancerLock {
 public:
  explicit BalancerLock(const Balancer* b);
  ~BalancerLock();
  BalancerLock(const BalancerLock&) = delete;
  BalancerLock& operator=(const BalancerLock&) = delete;

 private:
  pthread_mutex_t* mutex_;
};

}  // namespace mca::glue

#endif  // MCA_GLUE_SHARED_H_
