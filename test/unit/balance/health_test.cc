#include "mca/balance/health.h"

#include <cppunit/extensions/HelperMacros.h>

namespace mca::balance {
namespace {

class HealthTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(HealthTest);
  CPPUNIT_TEST(OneFailureAndOnePassByDefault);
  CPPUNIT_TEST(FailsAndPassesInARow);
  CPPUNIT_TEST(ZeroCountsAsOne);
  CPPUNIT_TEST_SUITE_END();

 public:
  void OneFailureAndOnePassByDefault() {
    HealthCounters h;
    CPPUNIT_ASSERT(RecordCheck(true, 1, 1, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(false, 1, 1, &h) == Transition::kBecameUnhealthy);
    CPPUNIT_ASSERT(!h.healthy);
    CPPUNIT_ASSERT(RecordCheck(false, 1, 1, &h) == Transition::kNone);  // logged once
    CPPUNIT_ASSERT(RecordCheck(true, 1, 1, &h) == Transition::kBecameHealthy);
    CPPUNIT_ASSERT(h.healthy);
    CPPUNIT_ASSERT(RecordCheck(true, 1, 1, &h) == Transition::kNone);
  }

  void FailsAndPassesInARow() {
    HealthCounters h;
    CPPUNIT_ASSERT(RecordCheck(false, 2, 3, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(false, 2, 3, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(true, 2, 3, &h) == Transition::kNone);  // the run is broken
    CPPUNIT_ASSERT(RecordCheck(false, 2, 3, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(false, 2, 3, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(false, 2, 3, &h) == Transition::kBecameUnhealthy);
    CPPUNIT_ASSERT_EQUAL(3u, h.fails);
    CPPUNIT_ASSERT(RecordCheck(true, 2, 3, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(false, 2, 3, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(true, 2, 3, &h) == Transition::kNone);
    CPPUNIT_ASSERT(RecordCheck(true, 2, 3, &h) == Transition::kBecameHealthy);
    CPPUNIT_ASSERT_EQUAL(0u, h.fails);
  }

  void ZeroCountsAsOne() {
    HealthCounters h;
    CPPUNIT_ASSERT(RecordCheck(false, 0, 0, &h) == Transition::kBecameUnhealthy);
    CPPUNIT_ASSERT(RecordCheck(true, 0, -5, &h) == Transition::kBecameHealthy);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HealthTest);

}  // namespace
}  // namespace mca::balance
