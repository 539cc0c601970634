#include "glue/buffer_slab.h"

#include <cppunit/extensions/HelperMacros.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

namespace mca::glue {
namespace {

size_t Page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

// How many of the pages of [p, p + size) are resident.
size_t ResidentPages(const uint8_t* p, size_t size) {
  std::vector<unsigned char> vec((size + Page() - 1) / Page());
  if (mincore(const_cast<uint8_t*>(p), size, vec.data()) != 0) return SIZE_MAX;
  size_t n = 0;
  for (unsigned char v : vec) n += v & 1;
  return n;
}

class BufferSlabTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(BufferSlabTest);
  CPPUNIT_TEST(BuffersArePageAlignedAndApart);
  CPPUNIT_TEST(NoMoreThanCount);
  CPPUNIT_TEST(LastGivenBackComesFirst);
  CPPUNIT_TEST(OnlyWrittenPagesAreResident);
  CPPUNIT_TEST(PagesWrittenPastKeepGoBack);
  CPPUNIT_TEST(ThreadsNeverShareABuffer);
  CPPUNIT_TEST(EmptySlabTakesNothing);
  CPPUNIT_TEST_SUITE_END();

 public:
  void BuffersArePageAlignedAndApart() {
    BufferSlab slab(8192 + 1, 4);
    CPPUNIT_ASSERT_EQUAL(size_t{8193}, slab.size());
    CPPUNIT_ASSERT_EQUAL(8192 + Page(), slab.slot_size());
    std::set<uintptr_t> seen;
    for (int i = 0; i < 4; ++i) {
      uint8_t* b = slab.Take();
      CPPUNIT_ASSERT(b != nullptr);
      CPPUNIT_ASSERT_EQUAL(uintptr_t{0}, reinterpret_cast<uintptr_t>(b) % Page());
      std::memset(b, i + 1, slab.size());  // the whole size is writable
      for (uintptr_t other : seen) {
        const uintptr_t p = reinterpret_cast<uintptr_t>(b);
        CPPUNIT_ASSERT(p + slab.slot_size() <= other || other + slab.slot_size() <= p);
      }
      seen.insert(reinterpret_cast<uintptr_t>(b));
    }
    CPPUNIT_ASSERT_EQUAL(size_t{4}, slab.lent());
  }

  void NoMoreThanCount() {
    BufferSlab slab(8192, 2);
    uint8_t* a = slab.Take();
    uint8_t* b = slab.Take();
    CPPUNIT_ASSERT(a != nullptr && b != nullptr && a != b);
    CPPUNIT_ASSERT(slab.Take() == nullptr);
    slab.Give(a);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, slab.lent());
    CPPUNIT_ASSERT(slab.Take() == a);
    CPPUNIT_ASSERT(slab.Take() == nullptr);
  }

  void LastGivenBackComesFirst() {
    BufferSlab slab(4096, 8);
    uint8_t* a = slab.Take();
    uint8_t* b = slab.Take();
    uint8_t* c = slab.Take();
    slab.Give(a);
    slab.Give(c);
    CPPUNIT_ASSERT(slab.Take() == c);
    CPPUNIT_ASSERT(slab.Take() == a);
    uint8_t* d = slab.Take();  // a slot never used before
    CPPUNIT_ASSERT(d != a && d != b && d != c);
    CPPUNIT_ASSERT_EQUAL(size_t{4}, slab.lent());
  }

  void OnlyWrittenPagesAreResident() {
    BufferSlab slab(4 * Page(), 16);
    uint8_t* b = slab.Take();
    CPPUNIT_ASSERT(b != nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, ResidentPages(b, slab.slot_size()));
    b[0] = 1;  // a small answer: one page
    CPPUNIT_ASSERT_EQUAL(size_t{1}, ResidentPages(b, slab.slot_size()));
    // The slots never taken stay out of memory.
    CPPUNIT_ASSERT_EQUAL(size_t{0}, ResidentPages(b + slab.slot_size(), 15 * slab.slot_size()));
  }

  void PagesWrittenPastKeepGoBack() {
    BufferSlab slab(16 * Page(), 2);
    uint8_t* b = slab.Take();
    std::memset(b, 0xab, 10 * Page());  // a large answer: ten pages
    CPPUNIT_ASSERT_EQUAL(size_t{10}, ResidentPages(b, slab.slot_size()));
    slab.Give(b, 10 * Page(), 2 * Page());  // its usual use is two pages
    CPPUNIT_ASSERT_EQUAL(size_t{2}, ResidentPages(b, slab.slot_size()));
    uint8_t* again = slab.Take();
    CPPUNIT_ASSERT(again == b);
    CPPUNIT_ASSERT_EQUAL(uint8_t{0xab}, again[2 * Page() - 1]);  // kept
    // Written no further than `keep` (rounded up to a page): nothing is given back.
    std::memset(again, 0xcd, Page() + 1);
    slab.Give(again, Page() + 1, Page() + 1);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, ResidentPages(b, slab.slot_size()));
    // `keep` inside a page keeps that whole page.
    uint8_t* third = slab.Take();
    std::memset(third, 0xef, 3 * Page());
    slab.Give(third, 3 * Page(), Page() + 10);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, ResidentPages(third, slab.slot_size()));
    // Pages given back read as zeros (last: reading maps the zero page, which mincore counts).
    CPPUNIT_ASSERT_EQUAL(uint8_t{0}, third[2 * Page()]);
    CPPUNIT_ASSERT_EQUAL(uint8_t{0}, third[10 * Page() - 1]);
  }

  void ThreadsNeverShareABuffer() {
    constexpr int kThreads = 4;
    constexpr int kRounds = 2000;
    BufferSlab slab(4096, kThreads);
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&slab, &bad, t] {
        for (int i = 0; i < kRounds; ++i) {
          uint8_t* b = slab.Take();  // never null: as many buffers as threads
          if (b == nullptr) {
            ++bad;
            continue;
          }
          std::memset(b, t, 64);
          std::this_thread::yield();
          for (int k = 0; k < 64; ++k) {
            if (b[k] != t) ++bad;  // another thread wrote into it
          }
          slab.Give(b);
        }
      });
    }
    for (std::thread& th : threads) th.join();
    CPPUNIT_ASSERT_EQUAL(0, bad.load());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, slab.lent());
  }

  void EmptySlabTakesNothing() {
    BufferSlab slab(8192, 0);
    CPPUNIT_ASSERT(slab.Take() == nullptr);
    slab.Give(nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, slab.lent());
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BufferSlabTest);

}  // namespace
}  // namespace mca::glue
