#include "mca/manager/state_file.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

namespace mca::manager {
namespace {

SavedState Sample() {
  SavedState s;
  SavedBalancer b;
  b.key = "testcluster";
  b.edited = 1u << 8;
  b.lb_method = 1;
  b.max_attempts = 2;
  b.timeout_us = 5000000;
  b.nofailover = true;
  b.sticky_session = "JSESSIONID|jsessionid";
  s.balancers.push_back(b);
  SavedMember m;
  m.key = "testcluster|ajp://127.0.0.1:8009";
  m.edited = 1 | 4 | 16;
  m.load_factor = 300;
  m.lbset = 1;
  m.route = "node<1> 100%";
  m.redirect = "";
  m.status = config::kStatusDisabled | config::kStatusDraining;
  s.members.push_back(m);
  SavedMember hc;
  hc.key = "other|ajp://[::1]:8009";
  hc.edited = 32;
  hc.hc_method = 4;
  hc.hc_uri = "/health check";
  hc.hc_interval_us = 500000;
  hc.hc_passes = 2;
  hc.hc_fails = 3;
  hc.added = true;
  s.members.push_back(hc);
  return s;
}

class StateFileTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(StateFileTest);
  CPPUNIT_TEST(RoundTrip);
  CPPUNIT_TEST(ExactText);
  CPPUNIT_TEST(Errors);
  CPPUNIT_TEST(ReadsVersionOne);
  CPPUNIT_TEST_SUITE_END();

 public:
  void RoundTrip() {
    const SavedState s = Sample();
    SavedState back;
    CPPUNIT_ASSERT_EQUAL(std::string(), ParseState(FormatState(s), &back));
    CPPUNIT_ASSERT(back.balancers.size() == 1 && back.balancers[0] == s.balancers[0]);
    CPPUNIT_ASSERT(back.members.size() == 2 && back.members[0] == s.members[0] &&
                   back.members[1] == s.members[1]);
    CPPUNIT_ASSERT_EQUAL(std::string("/health check"), back.members[1].hc_uri);
    SavedState empty;
    CPPUNIT_ASSERT_EQUAL(std::string(), ParseState(FormatState(SavedState()), &empty));
    CPPUNIT_ASSERT(empty.members.empty() && empty.balancers.empty());
  }

  void ExactText() {
    CPPUNIT_ASSERT_EQUAL(
        std::string("mod_cluster_ajp-state 2\n"
                    "balancer testcluster edited=256 lbmethod=1 maxattempts=2 timeout=5000000 "
                    "nofailover=1 stickysession=JSESSIONID|jsessionid\n"
                    "member testcluster|ajp://127.0.0.1:8009 edited=21 loadfactor=300 lbset=1 "
                    "route=node<1>%20100%25 redirect= status=33 hcmethod=5 hcinterval=2000000 "
                    "hcpasses=1 hcfails=1 hcuri= added=0\n"
                    "member other|ajp://[::1]:8009 edited=32 loadfactor=100 lbset=0 route= "
                    "redirect= status=0 hcmethod=4 hcinterval=500000 hcpasses=2 hcfails=3 "
                    "hcuri=/health%20check added=1\n"),
        FormatState(Sample()));
  }

  void Errors() {
    SavedState out = Sample();
    const std::string h = "mod_cluster_ajp-state 1\n";
    const char* bad[] = {
        "",
        "mod_cluster_ajp-state 3\n",
        "mod_cluster_ajp-state 1",  // no newline
        "mod_cluster_ajp-state 2\nbalancer b edited=1 lbmethod=0 maxattempts=0 timeout=0 "
        "nofailover=0\n",  // version 2 without stickysession=
        "mod_cluster_ajp-state 2\nmember k edited=1 loadfactor=100 lbset=0 route= redirect= "
        "status=0 hcmethod=5 hcinterval=2000000 hcpasses=1 hcfails=1 hcuri= added=2\n",
        "x\n",
        "unknown x\n",
        "member k edited=1 loadfactor=0 lbset=0 route= redirect= status=0 hcmethod=5 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
        "member k edited=1 loadfactor=100 lbset=100 route= redirect= status=0 hcmethod=5 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
        "member k edited=1 loadfactor=100 lbset=0 route=%4 redirect= status=0 hcmethod=5 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
        "member k edited=1 loadfactor=100 lbset=0 route=%zz redirect= status=0 hcmethod=5 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
        "member k edited=1 loadfactor=100 lbset=0 route= redirect= status=64 hcmethod=5 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
        "member k edited=1 loadfactor=100 lbset=0 route= redirect= status=0 hcmethod=5 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri= extra=1\n",
        "member k edited=1 loadfactor=100 lbset=0 route= redirect= status=0 hcmethod=6 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
        "member k edited=1 loadfactor=100 lbset=0 route= redirect= status=0 hcmethod=5 "
        "hcinterval=99999 hcpasses=1 hcfails=1 hcuri=\n",
        "member k edited=1 loadfactor=100 lbset=0 route= redirect= status=0 hcmethod=5 "
        "hcinterval=2000000 hcpasses=0 hcfails=1 hcuri=\n",
        "member  edited=1 loadfactor=100 lbset=0 route= redirect= status=0 hcmethod=5 "
        "hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
        "balancer b edited=1 lbmethod=3 maxattempts=0 timeout=0 nofailover=0\n",
        "balancer b edited=1 lbmethod=0 maxattempts=-2 timeout=0 nofailover=0\n",
        "balancer b edited=1 lbmethod=0 maxattempts=0 timeout=-1 nofailover=0\n",
        "balancer b edited=x lbmethod=0 maxattempts=0 timeout=0 nofailover=0\n",
    };
    for (const char* b : bad) {
      const std::string text =
          std::string(b).rfind("mod_cluster", 0) == 0 || *b == '\0' || std::string(b) == "x\n"
              ? std::string(b)
              : h + b;
      CPPUNIT_ASSERT_MESSAGE(text, !ParseState(text, &out).empty());
      CPPUNIT_ASSERT(out.members.size() == 2);  // unchanged
    }
    CPPUNIT_ASSERT(ParseState(h + "unknown x\n", &out).find("line 2") != std::string::npos);
    CPPUNIT_ASSERT(!ParseState("mod_cluster_ajp-state 2\nbalancer b edited=1 lbmethod=0 "
                               "maxattempts=0 timeout=0 nofailover=0 stickysession=" +
                                   std::string(64, 's') + "\n",
                               &out)
                        .empty());
    const std::string long_route(64, 'r');
    CPPUNIT_ASSERT(!ParseState(h + "member k edited=1 loadfactor=100 lbset=0 route=" + long_route +
                                   " redirect= status=0 hcmethod=5 hcinterval=2000000 "
                                   "hcpasses=1 hcfails=1 hcuri=\n",
                               &out)
                        .empty());
  }

  // Files written before stickysession= and added= existed still restore their edits.
  void ReadsVersionOne() {
    SavedState out;
    CPPUNIT_ASSERT_EQUAL(
        std::string(),
        ParseState("mod_cluster_ajp-state 1\n"
                   "balancer b edited=256 lbmethod=1 maxattempts=2 timeout=0 nofailover=1\n"
                   "member b|ajp://h:1 edited=1 loadfactor=300 lbset=0 route= redirect= "
                   "status=0 hcmethod=5 hcinterval=2000000 hcpasses=1 hcfails=1 hcuri=\n",
                   &out));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, out.balancers.size());
    CPPUNIT_ASSERT_EQUAL(std::string(), out.balancers[0].sticky_session);
    CPPUNIT_ASSERT_EQUAL(300, out.members[0].load_factor);
    CPPUNIT_ASSERT(!out.members[0].added);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StateFileTest);

}  // namespace
}  // namespace mca::manager
