// A std::pmr::memory_resource on an APR pool, for the core's containers and strings.
#ifndef MCA_GLUE_POOL_MEMORY_H_
#define MCA_GLUE_POOL_MEMORY_H_

#include <cstddef>
#include <memory_resource>

#include "glue/httpd_includes.h"

namespace mca::glue {

// Memory from an APR pool, given back when the pool is cleared (deallocate does nothing). What
// a request or the manager's page needs beyond httpd's own structures comes from the request
// pool this way, not from malloc: a thread's first malloc gives it a cache and a share of an
// arena for the life of the child, and mod_proxy's request path and mod_proxy_balancer's page
// do not call malloc either.
class PoolMemory : public std::pmr::memory_resource {
 public:
  explicit PoolMemory(apr_pool_t* pool) : pool_(pool) {}

 private:
  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void*, size_t, size_t) override {}
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  apr_pool_t* pool_;
};

}  // namespace mca::glue

#endif  // MCA_GLUE_POOL_MEMORY_H_
