#include "mca/ajp/exchange.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

#include "mca/ajp/constants.h"

namespace mca::ajp {
namespace {

ContainerMessage Headers(uint16_t status) {
  ContainerMessage m;
  m.type = JK_AJP13_SEND_HEADERS;
  m.status = status;
  m.reason = "x";
  return m;
}
ContainerMessage Chunk(std::string_view data) {
  ContainerMessage m;
  m.type = JK_AJP13_SEND_BODY_CHUNK;
  m.chunk = data;
  return m;
}
ContainerMessage GetBody(uint16_t n) {
  ContainerMessage m;
  m.type = JK_AJP13_GET_BODY_CHUNK;
  m.requested = n;
  return m;
}
ContainerMessage End(bool reuse) {
  ContainerMessage m;
  m.type = JK_AJP13_END_RESPONSE;
  m.reuse = reuse;
  return m;
}
ContainerMessage CPong() {
  ContainerMessage m;
  m.type = JK_AJP13_CPONG_REPLY;
  return m;
}

ExchangeSettings Settings(int64_t content_length, bool head = false, size_t packet = 8192) {
  ExchangeSettings s;
  s.content_length = content_length;
  s.head = head;
  s.packet_size = packet;
  return s;
}

#define ASSERT_KIND(expected, action) \
  CPPUNIT_ASSERT_EQUAL(static_cast<int>(ActionKind::expected), static_cast<int>((action).kind))

class AjpExchangeTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AjpExchangeTest);
  CPPUNIT_TEST(GetWithoutBody);
  CPPUNIT_TEST(SmallContentLengthGoesUnsolicitedThenEmptyPacket);
  CPPUNIT_TEST(LargeContentLengthFollowsTomcatsRequests);
  CPPUNIT_TEST(ChunkedBodyIsSentOnlyWhenAsked);
  CPPUNIT_TEST(UnreadBodyStillAllowsReuse);
  CPPUNIT_TEST(OwedPacketForbidsReuse);
  CPPUNIT_TEST(CloseWhenTomcatSaysSo);
  CPPUNIT_TEST(HeadAndNoBodyStatusesDropBody);
  CPPUNIT_TEST(FlushBeforeHeadersIsIgnoredDataIsNot);
  CPPUNIT_TEST(ProtocolErrors);
  CPPUNIT_TEST(BodyPacketsBeyondTheRulesAreRefused);
  CPPUNIT_TEST(LargePacketSize);
  CPPUNIT_TEST_SUITE_END();

 public:
  void GetWithoutBody() {
    Exchange x(Settings(0));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, x.InitialBodyBytes());
    CPPUNIT_ASSERT(x.body_finished());
    ASSERT_KIND(kHeaders, x.OnMessage(Headers(200)));
    Action a = x.OnMessage(Chunk("hello"));
    ASSERT_KIND(kBody, a);
    CPPUNIT_ASSERT_EQUAL(std::string("hello"), std::string(a.data));
    ASSERT_KIND(kFlush, x.OnMessage(Chunk("")));
    a = x.OnMessage(End(true));
    ASSERT_KIND(kDone, a);
    CPPUNIT_ASSERT(a.reuse);
    CPPUNIT_ASSERT(x.done());
    CPPUNIT_ASSERT_EQUAL(uint16_t{200}, x.status());
  }

  void SmallContentLengthGoesUnsolicitedThenEmptyPacket() {
    Exchange x(Settings(10));
    CPPUNIT_ASSERT_EQUAL(size_t{10}, x.InitialBodyBytes());
    CPPUNIT_ASSERT(!x.body_finished());
    CPPUNIT_ASSERT(x.BodySent(10));
    CPPUNIT_ASSERT(x.body_finished());
    // Tomcat still asks once more and expects the empty packet.
    Action a = x.OnMessage(GetBody(8186));
    ASSERT_KIND(kSendBody, a);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, a.size);
    CPPUNIT_ASSERT(x.BodySent(0));
    ASSERT_KIND(kHeaders, x.OnMessage(Headers(200)));
    CPPUNIT_ASSERT(x.OnMessage(End(true)).reuse);
  }

  // CL=20000 as seen live: 8186 unsolicited, then requests answered 8186, 3628, 0.
  void LargeContentLengthFollowsTomcatsRequests() {
    Exchange x(Settings(20000));
    CPPUNIT_ASSERT_EQUAL(size_t{8186}, x.InitialBodyBytes());
    CPPUNIT_ASSERT(x.BodySent(8186));
    Action a = x.OnMessage(GetBody(8186));
    CPPUNIT_ASSERT_EQUAL(size_t{8186}, a.size);
    CPPUNIT_ASSERT(x.BodySent(8186));
    a = x.OnMessage(GetBody(8186));
    CPPUNIT_ASSERT_EQUAL(size_t{3628}, a.size);
    CPPUNIT_ASSERT(x.BodySent(3628));
    CPPUNIT_ASSERT(x.body_finished());
    a = x.OnMessage(GetBody(8186));
    ASSERT_KIND(kSendBody, a);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, a.size);
    CPPUNIT_ASSERT(x.BodySent(0));
    CPPUNIT_ASSERT_EQUAL(uint64_t{20000}, x.body_bytes_sent());
    ASSERT_KIND(kError, x.OnMessage(GetBody(8186)));
  }

  void ChunkedBodyIsSentOnlyWhenAsked() {
    Exchange x(Settings(kUnknownLength));
    CPPUNIT_ASSERT_EQUAL(size_t{0}, x.InitialBodyBytes());
    CPPUNIT_ASSERT(!x.BodySent(5));  // nothing was asked for: refused
    Exchange y(Settings(kUnknownLength));
    Action a = y.OnMessage(GetBody(8186));
    CPPUNIT_ASSERT_EQUAL(size_t{8186}, a.size);
    CPPUNIT_ASSERT(y.BodySent(8186));
    a = y.OnMessage(GetBody(100));  // a smaller request is honoured
    CPPUNIT_ASSERT_EQUAL(size_t{100}, a.size);
    CPPUNIT_ASSERT(y.BodySent(40));  // the client had only 40 more
    CPPUNIT_ASSERT(!y.body_finished());
    y.OnMessage(GetBody(8186));
    CPPUNIT_ASSERT(y.BodySent(0));
    CPPUNIT_ASSERT(y.body_finished());
    ASSERT_KIND(kHeaders, y.OnMessage(Headers(201)));
    CPPUNIT_ASSERT(y.OnMessage(End(true)).reuse);
  }

  void UnreadBodyStillAllowsReuse() {
    Exchange x(Settings(20000));
    CPPUNIT_ASSERT(x.BodySent(8186));
    ASSERT_KIND(kHeaders, x.OnMessage(Headers(200)));
    Action a = x.OnMessage(End(true));
    CPPUNIT_ASSERT(a.reuse);  // Tomcat swallowed the one packet it was sent
    CPPUNIT_ASSERT(!x.body_finished());
  }

  void OwedPacketForbidsReuse() {
    Exchange x(Settings(kUnknownLength));
    x.OnMessage(GetBody(8186));
    ASSERT_KIND(kHeaders, x.OnMessage(Headers(200)));
    Action a = x.OnMessage(End(true));
    ASSERT_KIND(kDone, a);
    CPPUNIT_ASSERT(!a.reuse);
  }

  void CloseWhenTomcatSaysSo() {
    Exchange x(Settings(0));
    x.OnMessage(Headers(403));
    Action a = x.OnMessage(End(false));
    ASSERT_KIND(kDone, a);
    CPPUNIT_ASSERT(!a.reuse);
  }

  void HeadAndNoBodyStatusesDropBody() {
    Exchange head(Settings(0, /*head=*/true));
    head.OnMessage(Headers(200));
    ASSERT_KIND(kNothing, head.OnMessage(Chunk("body of a GET")));
    const uint16_t statuses[] = {204, 304};
    for (uint16_t status : statuses) {
      Exchange x(Settings(0));
      x.OnMessage(Headers(status));
      ASSERT_KIND(kNothing, x.OnMessage(Chunk("swallowed")));
      CPPUNIT_ASSERT(x.OnMessage(End(true)).reuse);
    }
    Exchange ok(Settings(0));
    ok.OnMessage(Headers(404));
    ASSERT_KIND(kBody, ok.OnMessage(Chunk("not found page")));
  }

  void FlushBeforeHeadersIsIgnoredDataIsNot() {
    Exchange x(Settings(0));
    ASSERT_KIND(kNothing, x.OnMessage(Chunk("")));
    Action a = x.OnMessage(Chunk("left over"));
    ASSERT_KIND(kError, a);
    CPPUNIT_ASSERT_EQUAL(std::string("SEND_BODY_CHUNK before SEND_HEADERS"), std::string(a.why));
    CPPUNIT_ASSERT(x.failed());
  }

  void ProtocolErrors() {
    {
      Exchange x(Settings(0));
      x.OnMessage(Headers(200));
      Action a = x.OnMessage(Headers(200));
      ASSERT_KIND(kError, a);
      CPPUNIT_ASSERT_EQUAL(std::string("second SEND_HEADERS"), std::string(a.why));
      ASSERT_KIND(kError, x.OnMessage(End(true)));  // nothing works after an error
    }
    {
      Exchange x(Settings(0));
      ASSERT_KIND(kError, x.OnMessage(End(true)));
    }
    {
      Exchange x(Settings(0));
      ASSERT_KIND(kError, x.OnMessage(CPong()));
    }
    {
      Exchange x(Settings(0));
      x.OnMessage(Headers(200));
      x.OnMessage(End(true));
      ASSERT_KIND(kError, x.OnMessage(Chunk("late")));
    }
    {
      Exchange x(Settings(10));  // the unsolicited packet is still owed
      ASSERT_KIND(kError, x.OnMessage(GetBody(8186)));
    }
    {
      Exchange x(Settings(kUnknownLength));
      ASSERT_KIND(kError, x.OnMessage(GetBody(0)));
    }
  }

  void BodyPacketsBeyondTheRulesAreRefused() {
    Exchange x(Settings(100));
    CPPUNIT_ASSERT(!x.BodySent(101));
    CPPUNIT_ASSERT(x.failed());
    Exchange y(Settings(kUnknownLength));
    y.OnMessage(GetBody(50));
    CPPUNIT_ASSERT(!y.BodySent(51));
    Exchange z(Settings(100));
    CPPUNIT_ASSERT(z.BodySent(60));  // less than Content-Length is allowed per packet
    z.OnMessage(GetBody(8186));
    CPPUNIT_ASSERT(!z.BodySent(41));  // but never past it
  }

  void LargePacketSize() {
    Exchange x(Settings(1 << 20, false, 65536));
    CPPUNIT_ASSERT_EQUAL(size_t{65530}, x.InitialBodyBytes());
    CPPUNIT_ASSERT(x.BodySent(65530));
    Action a = x.OnMessage(GetBody(65530));
    CPPUNIT_ASSERT_EQUAL(size_t{65530}, a.size);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AjpExchangeTest);

}  // namespace
}  // namespace mca::ajp
