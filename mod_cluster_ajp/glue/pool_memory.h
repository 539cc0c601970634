// A std::pmr::memory_resource on an APR pool, for the core's containers and strings.
#ifndef MCA_GLUE_POOL_MEMORY_H_
#define MCA_GLUE_POOL_MEMORY_H_

#include <cstddef>
#include <memory_resource>
#include <new>
#include <utility>

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

// One object in an APR pool instead of on the worker thread's stack, destroyed (not freed) when
// the holder goes out of scope; its memory goes with the pool. Every page of stack a request
// reaches stays resident in each of the child's threads for the life of the child, so the large
// per-request objects of the proxy path live here.
template <class T>
class InPool {
 public:
  static_assert(alignof(T) <= 8, "apr_palloc aligns to 8 bytes");
  template <class... Args>
  explicit InPool(apr_pool_t* pool, Args&&... args) {
    void* p = apr_palloc(pool, sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    object_ = new (p) T(std::forward<Args>(args)...);
  }
  InPool(const InPool&) = delete;
  InPool& operator=(const InPool&) = delete;
  ~InPool() { object_->~T(); }
  T* get() const { return object_; }
  T* operator->() const { return object_; }
  T& operator*() const { return *object_; }

 private:
  T* object_;
};

}  // namespace mca::glue

#endif  // MCA_GLUE_POOL_MEMORY_H_
