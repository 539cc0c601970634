#include "mca/byte_io.h"

#include <cppunit/extensions/HelperMacros.h>

#include <vector>

namespace mca {
namespace {

class ByteIoTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(ByteIoTest);
  CPPUNIT_TEST(ReadsBigEndianAndStrings);
  CPPUNIT_TEST(NullStringHasNoBytes);
  CPPUNIT_TEST(StringPastEndIsTruncatedAtLengthOffset);
  CPPUNIT_TEST(StringWithoutNulIsAnError);
  CPPUNIT_TEST(FirstErrorSticks);
  CPPUNIT_TEST(WriterNeverTruncates);
  CPPUNIT_TEST(WriterRejectsStringOf0xFFFF);
  CPPUNIT_TEST_SUITE_END();

 public:
  void ReadsBigEndianAndStrings() {
    const uint8_t in[] = {0x12, 0x34, 0x00, 0x02, 'h', 'i', 0x00, 0x7f};
    ByteReader r(in, sizeof in);
    uint16_t v = 0;
    CPPUNIT_ASSERT(r.ReadU16(&v, "v"));
    CPPUNIT_ASSERT_EQUAL(uint16_t{0x1234}, v);
    std::string_view s;
    bool is_null = true;
    CPPUNIT_ASSERT(r.ReadString(&s, &is_null, "s"));
    CPPUNIT_ASSERT(!is_null);
    CPPUNIT_ASSERT_EQUAL(std::string("hi"), std::string(s));
    uint8_t b = 0;
    CPPUNIT_ASSERT(r.ReadU8(&b, "b"));
    CPPUNIT_ASSERT_EQUAL(uint8_t{0x7f}, b);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, r.remaining());
    CPPUNIT_ASSERT(!r.ReadU8(&b, "past end"));
    CPPUNIT_ASSERT(r.status().code == Errc::kTruncated);
    CPPUNIT_ASSERT_EQUAL(size_t{8}, r.status().offset);
  }

  void NullStringHasNoBytes() {
    const uint8_t in[] = {0xFF, 0xFF, 0x00, 0x00, 0x00};
    ByteReader r(in, sizeof in);
    std::string_view s = "x";
    bool is_null = false;
    CPPUNIT_ASSERT(r.ReadString(&s, &is_null, "s"));
    CPPUNIT_ASSERT(is_null);
    CPPUNIT_ASSERT(s.empty());
    CPPUNIT_ASSERT(r.ReadString(&s, &is_null, "empty"));
    CPPUNIT_ASSERT(!is_null);
    CPPUNIT_ASSERT(s.empty());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, r.remaining());
  }

  void StringPastEndIsTruncatedAtLengthOffset() {
    const uint8_t in[] = {0x00, 0x05, 'a', 'b'};
    ByteReader r(in, sizeof in, 10);
    std::string_view s;
    bool is_null = false;
    CPPUNIT_ASSERT(!r.ReadString(&s, &is_null, "name"));
    CPPUNIT_ASSERT(r.status().code == Errc::kTruncated);
    CPPUNIT_ASSERT_EQUAL(size_t{12}, r.status().offset);
    CPPUNIT_ASSERT_EQUAL(std::string("name"), std::string(r.status().field));
  }

  void StringWithoutNulIsAnError() {
    const uint8_t in[] = {0x00, 0x02, 'a', 'b', 'c'};
    ByteReader r(in, sizeof in);
    std::string_view s;
    bool is_null = false;
    CPPUNIT_ASSERT(!r.ReadString(&s, &is_null, "s"));
    CPPUNIT_ASSERT(r.status().code == Errc::kMissingNul);
    CPPUNIT_ASSERT_EQUAL(size_t{4}, r.status().offset);
    // Exactly at the end: the NUL is missing, not the string.
    const uint8_t in2[] = {0x00, 0x02, 'a', 'b'};
    ByteReader r2(in2, sizeof in2);
    CPPUNIT_ASSERT(!r2.ReadString(&s, &is_null, "s"));
    CPPUNIT_ASSERT(r2.status().code == Errc::kMissingNul);
  }

  void FirstErrorSticks() {
    const uint8_t in[] = {0x01};
    ByteReader r(in, sizeof in);
    uint16_t v = 0;
    CPPUNIT_ASSERT(!r.ReadU16(&v, "first"));
    uint8_t b = 0;
    CPPUNIT_ASSERT(!r.ReadU8(&b, "second"));
    CPPUNIT_ASSERT_EQUAL(std::string("first"), std::string(r.status().field));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, r.status().offset);
  }

  void WriterNeverTruncates() {
    uint8_t buf[6] = {};
    ByteWriter w(buf, sizeof buf);
    CPPUNIT_ASSERT(w.WriteU16(0x1234, "magic"));
    CPPUNIT_ASSERT(!w.WriteString("abcd", "s"));  // needs 7 bytes, 4 left
    CPPUNIT_ASSERT(w.status().code == Errc::kDoesNotFit);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, w.size());
    CPPUNIT_ASSERT(!w.WriteU8(1, "later"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, w.size());
  }

  void WriterRejectsStringOf0xFFFF() {
    std::vector<uint8_t> buf(70000);
    ByteWriter w(buf.data(), buf.size());
    std::string big(0xFFFF, 'a');
    CPPUNIT_ASSERT(!w.WriteString(big, "big"));
    CPPUNIT_ASSERT(w.status().code == Errc::kDoesNotFit);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ByteIoTest);

}  // namespace
}  // namespace mca
