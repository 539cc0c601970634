#include "mca/ajp/frame.h"

#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <vector>

#include "mca/ajp/constants.h"
#include "test_util.h"

namespace mca::ajp {
namespace {

using test::Hex;

// Copies `bytes` into a heap block of exactly that size, so ASan flags any read past it.
std::unique_ptr<uint8_t[]> Exact(const std::vector<uint8_t>& bytes, size_t n) {
  std::unique_ptr<uint8_t[]> p(new uint8_t[n ? n : 1]);
  for (size_t i = 0; i < n; ++i) p[i] = bytes[i];
  return p;
}

class AjpFrameTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AjpFrameTest);
  CPPUNIT_TEST(CompleteFrame);
  CPPUNIT_TEST(EveryPrefixNeedsMore);
  CPPUNIT_TEST(BadMagicIsSeenAtTheFirstWrongByte);
  CPPUNIT_TEST(DirectionPicksTheMagic);
  CPPUNIT_TEST(LengthLimitIsPacketSizeMinusFour);
  CPPUNIT_TEST(EmptyPayloadIsAFrame);
  CPPUNIT_TEST_SUITE_END();

 public:
  void CompleteFrame() {
    const std::vector<uint8_t> in = Hex("41 42 00 02 05 01 41 42");  // END_RESPONSE + next frame
    Frame f;
    CPPUNIT_ASSERT(ParseFrame(in.data(), in.size(), Direction::kFromContainer, 8192, &f).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{2}, f.length);
    CPPUNIT_ASSERT_EQUAL(size_t{6}, f.size());
    CPPUNIT_ASSERT(f.payload == in.data() + 4);
  }

  void EveryPrefixNeedsMore() {
    const std::vector<uint8_t> in = Hex("41 42 00 03 06 1f fa");
    for (size_t n = 0; n < in.size(); ++n) {
      auto exact = Exact(in, n);
      Frame f;
      Status s = ParseFrame(exact.get(), n, Direction::kFromContainer, 8192, &f);
      CPPUNIT_ASSERT_MESSAGE(std::to_string(n), s.code == Errc::kNeedMore);
    }
  }

  void BadMagicIsSeenAtTheFirstWrongByte() {
    const std::vector<uint8_t> first = Hex("48");  // "H" of an HTTP response
    Frame f;
    Status s = ParseFrame(first.data(), 1, Direction::kFromContainer, 8192, &f);
    CPPUNIT_ASSERT(s.code == Errc::kBadMagic);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, s.offset);
    const std::vector<uint8_t> second = Hex("41 43 00 01 09");
    s = ParseFrame(second.data(), second.size(), Direction::kFromContainer, 8192, &f);
    CPPUNIT_ASSERT(s.code == Errc::kBadMagic);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, s.offset);
  }

  void DirectionPicksTheMagic() {
    const std::vector<uint8_t> cping = Hex("12 34 00 01 0a");
    Frame f;
    CPPUNIT_ASSERT(ParseFrame(cping.data(), cping.size(), Direction::kToContainer, 8192, &f).ok());
    CPPUNIT_ASSERT(
        ParseFrame(cping.data(), cping.size(), Direction::kFromContainer, 8192, &f).code ==
        Errc::kBadMagic);
  }

  void LengthLimitIsPacketSizeMinusFour() {
    Frame f;
    // 8188 = 0x1ffc is the largest payload of an 8 KiB packet; 8189 is refused at once, before
    // its bytes arrive (a reader that waited would wait for bytes it must never buffer).
    const std::vector<uint8_t> ok = Hex("41 42 1f fc");
    CPPUNIT_ASSERT(ParseFrame(ok.data(), ok.size(), Direction::kFromContainer, 8192, &f).code ==
                   Errc::kNeedMore);
    const std::vector<uint8_t> big = Hex("41 42 1f fd");
    Status s = ParseFrame(big.data(), big.size(), Direction::kFromContainer, 8192, &f);
    CPPUNIT_ASSERT(s.code == Errc::kFrameTooLarge);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, s.offset);
    CPPUNIT_ASSERT(ParseFrame(big.data(), big.size(), Direction::kFromContainer, 16384, &f).code ==
                   Errc::kNeedMore);
    const std::vector<uint8_t> max = Hex("41 42 ff fc");
    CPPUNIT_ASSERT(ParseFrame(max.data(), max.size(), Direction::kFromContainer, 65536, &f).code ==
                   Errc::kNeedMore);
    const std::vector<uint8_t> over = Hex("41 42 ff fd");
    CPPUNIT_ASSERT(
        ParseFrame(over.data(), over.size(), Direction::kFromContainer, 65536, &f).code ==
        Errc::kFrameTooLarge);
  }

  void EmptyPayloadIsAFrame() {
    const std::vector<uint8_t> in = Hex("12 34 00 00");
    auto exact = Exact(in, in.size());
    Frame f;
    CPPUNIT_ASSERT(ParseFrame(exact.get(), 4, Direction::kToContainer, 8192, &f).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, f.length);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AjpFrameTest);

}  // namespace
}  // namespace mca::ajp
