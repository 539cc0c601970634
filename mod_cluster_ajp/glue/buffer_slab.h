// The receive buffers of a child's backend connections: fixed-size slots in one private mapping
// of their own, lent to a connection only while an exchange runs on it.
//
// Owned by each connection for its whole life and allocated with malloc by whichever worker
// thread opened it, these buffers were as many as the connections (idle ones too) and spread
// over a dozen per-thread arenas, each keeping pages of its own around them. Lent from here, the
// child needs as many as exchanges run at once, the last one given back is the next one lent
// (its pages are already resident), and a slot is resident only as far as it was ever written:
// a member's 8 KiB packets use the first two pages of a slot, small answers the first one, and
// what a large answer wrote past them is given back with the slot.
//
// Thread-safe. No httpd or APR types.
#ifndef MCA_GLUE_BUFFER_SLAB_H_
#define MCA_GLUE_BUFFER_SLAB_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

namespace mca::glue {

class BufferSlab {
 public:
  // Room for `count` buffers of `size` bytes; nothing is mapped until the first Take. The free
  // list is made here, so Take and Give never allocate.
  BufferSlab(size_t size, size_t count);
  ~BufferSlab();
  BufferSlab(const BufferSlab&) = delete;
  BufferSlab& operator=(const BufferSlab&) = delete;

  // A buffer of size() bytes, page-aligned; null when all `count` are lent or the mapping
  // failed. The buffer given back last comes first.
  uint8_t* Take() noexcept;
  // Gives back a buffer from Take (null is ignored). When bytes past the first `keep` were
  // `written`, the pages holding them go back to the system first (they read as zeros when
  // lent again): a buffer stays resident only as far as its usual use needs.
  void Give(uint8_t* buffer, size_t written = 0, size_t keep = 0) noexcept;

  size_t size() const noexcept { return size_; }
  size_t slot_size() const noexcept { return slot_; }
  size_t count() const noexcept { return count_; }
  size_t lent() const noexcept;

 private:
  size_t page_;
  size_t size_;
  size_t slot_;  // size rounded up to whole pages
  size_t count_;
  mutable std::mutex mu_;
  uint8_t* base_ = nullptr;
  bool map_failed_ = false;
  std::unique_ptr<uint32_t[]> free_;  // slots given back, the last one last
  size_t free_count_ = 0;
  size_t next_ = 0;  // slots [next_, count_) were never lent
};

}  // namespace mca::glue

#endif  // MCA_GLUE_BUFFER_SLAB_H_
