#include "mca/text.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <string>

namespace mca::text {
namespace {

class TextTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TextTest);
  CPPUNIT_TEST(PathLengthStopsAtQueryOrFragment);
  CPPUNIT_TEST(ParseLengthTakesDigitsOnly);
  CPPUNIT_TEST_SUITE_END();

 public:
  void PathLengthStopsAtQueryOrFragment() {
    CPPUNIT_ASSERT_EQUAL(size_t{9}, PathLength("/bench/17"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, PathLength("/a?b#c"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, PathLength("/a#b?c"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, PathLength("?x"));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, PathLength(""));
    CPPUNIT_ASSERT_EQUAL(size_t{14}, PathLength("/a;jsessionid=?"));
  }

  void ParseLengthTakesDigitsOnly() {
    int64_t v = -1;
    CPPUNIT_ASSERT(ParseLength("17", &v));
    CPPUNIT_ASSERT_EQUAL(int64_t{17}, v);
    CPPUNIT_ASSERT(ParseLength("0", &v));
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, v);
    CPPUNIT_ASSERT(ParseLength("007", &v));
    CPPUNIT_ASSERT_EQUAL(int64_t{7}, v);
    CPPUNIT_ASSERT(ParseLength("9223372036854775807", &v));
    CPPUNIT_ASSERT_EQUAL(INT64_MAX, v);
    v = 5;
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1a", "0x10", "9223372036854775808",
                            "99999999999999999999", "1,2"}) {
      CPPUNIT_ASSERT_MESSAGE(bad, !ParseLength(bad, &v));
      CPPUNIT_ASSERT_EQUAL(int64_t{5}, v);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TextTest);

}  // namespace
}  // namespace mca::text
