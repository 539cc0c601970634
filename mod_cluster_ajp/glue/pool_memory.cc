#include "glue/pool_memory.h"

#include <memory>

namespace mca::glue {

void* PoolMemory::do_allocate(size_t bytes, size_t alignment) {
  // apr_palloc aligns to 8 bytes; a stricter alignment is met within more room.
  if (alignment <= 8) return apr_palloc(pool_, bytes);
  size_t room = bytes + alignment;
  void* p = apr_palloc(pool_, room);
  return std::align(alignment, bytes, p, room);
}

}  // namespace mca::glue
