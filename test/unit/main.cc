// CppUnit runner for the core's unit tests. Prints one line per failure and a closing
// "unit: N passed, M failed" line that scripts/run-tests adds up. Exit status 1 on any failure.
//
// Usage: unit_tests [name-substring ...]   run only the tests whose names contain a substring.
#include <cppunit/Exception.h>
#include <cppunit/SourceLine.h>
#include <cppunit/Test.h>
#include <cppunit/TestFailure.h>
#include <cppunit/TestListener.h>
#include <cppunit/TestResult.h>
#include <cppunit/extensions/TestFactoryRegistry.h>
#include <cppunit/ui/text/TestRunner.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

class CountingListener : public CppUnit::TestListener {
 public:
  void startTest(CppUnit::Test*) override { failed_current_ = false; }
  void addFailure(const CppUnit::TestFailure& failure) override {
    failed_current_ = true;
    const CppUnit::SourceLine line = failure.sourceLine();
    std::printf("FAIL %s (%s:%d)\n  %s\n", failure.failedTestName().c_str(),
                line.fileName().c_str(), line.lineNumber(),
                failure.thrownException()->message().details().c_str());
  }
  void endTest(CppUnit::Test*) override { failed_current_ ? ++failed_ : ++passed_; }

  int passed_ = 0;
  int failed_ = 0;

 private:
  bool failed_current_ = false;
};

void Collect(CppUnit::Test* test, const std::vector<std::string>& filters,
             std::vector<CppUnit::Test*>* out) {
  if (test->getChildTestCount() == 0) {
    if (filters.empty()) {
      out->push_back(test);
      return;
    }
    for (const std::string& f : filters) {
      if (test->getName().find(f) != std::string::npos) {
        out->push_back(test);
        return;
      }
    }
    return;
  }
  for (int i = 0; i < test->getChildTestCount(); ++i)
    Collect(test->getChildTestAt(i), filters, out);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> filters(argv + 1, argv + argc);
  CppUnit::Test* all = CppUnit::TestFactoryRegistry::getRegistry().makeTest();
  std::vector<CppUnit::Test*> tests;
  Collect(all, filters, &tests);

  CppUnit::TestResult result;
  CountingListener listener;
  result.addListener(&listener);
  for (CppUnit::Test* t : tests) t->run(&result);

  std::printf("unit: %d passed, %d failed\n", listener.passed_, listener.failed_);
  delete all;
  return listener.failed_ == 0 && listener.passed_ > 0 ? 0 : 1;
}
