#include "glue/buffer_slab.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <limits>

namespace mca::glue {

namespace {

size_t PageSize() {
  const long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<size_t>(page) : 4096;
}

}  // namespace

BufferSlab::BufferSlab(size_t size, size_t count) : page_(PageSize()), size_(size) {
  slot_ = size == 0 ? page_ : (size + page_ - 1) / page_ * page_;
  count_ = std::min({count, size_t{std::numeric_limits<uint32_t>::max()},
                     std::numeric_limits<size_t>::max() / slot_});
  free_.reset(new uint32_t[count_ > 0 ? count_ : 1]);
}

BufferSlab::~BufferSlab() {
  if (base_ != nullptr) munmap(base_, slot_ * count_);
}

uint8_t* BufferSlab::Take() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_count_ > 0) return base_ + size_t{free_[--free_count_]} * slot_;
  if (next_ >= count_) return nullptr;
  if (base_ == nullptr) {
    if (map_failed_) return nullptr;
    // Address space for every slot at once; pages become resident only when written.
    void* p = mmap(nullptr, slot_ * count_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      map_failed_ = true;
      return nullptr;
    }
    base_ = static_cast<uint8_t*>(p);
  }
  return base_ + (next_++) * slot_;
}

void BufferSlab::Give(uint8_t* buffer, size_t written, size_t keep) noexcept {
  if (buffer == nullptr) return;
  if (written > keep) {
    const size_t from = std::min((keep + page_ - 1) / page_ * page_, slot_);
    const size_t to = std::min((written + page_ - 1) / page_ * page_, slot_);
    if (to > from) madvise(buffer + from, to - from, MADV_DONTNEED);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (base_ == nullptr || free_count_ >= count_) return;
  free_[free_count_++] = static_cast<uint32_t>(static_cast<size_t>(buffer - base_) / slot_);
}

size_t BufferSlab::lent() const noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  return next_ - free_count_;
}

}  // namespace mca::glue
