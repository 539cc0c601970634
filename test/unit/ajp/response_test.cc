#include "mca/ajp/response.h"

#include <cppunit/extensions/HelperMacros.h>

#include <deque>
#include <string>
#include <vector>

#include "mca/ajp/constants.h"
#include "test_util.h"

namespace mca::ajp {
namespace {

using test::Hex;
using test::ToHex;

class AjpResponseTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AjpResponseTest);
  CPPUNIT_TEST(TomcatSendHeadersWithCodedAndStringNames);
  CPPUNIT_TEST(EveryResponseHeaderCode);
  CPPUNIT_TEST(RepeatedSetCookieKeptInOrder);
  CPPUNIT_TEST(ZeroHeadersIsLegal);
  CPPUNIT_TEST(BodyChunkWithAndWithoutNul);
  CPPUNIT_TEST(FlushIsAnEmptyChunk);
  CPPUNIT_TEST(GetBodyChunkEndResponseCPong);
  CPPUNIT_TEST(EncodersProduceTomcatBytes);
  CPPUNIT_TEST(LargestChunkFitsOneMoreDoesNot);
  CPPUNIT_TEST(MalformedInputsNameTheOffset);
  CPPUNIT_TEST(EveryTruncationOfSendHeadersFails);
  CPPUNIT_TEST_SUITE_END();

  std::deque<std::vector<uint8_t>> kept_;

  Status Decode(const std::string& hex, ContainerMessage* m) {
    kept_.push_back(Hex(hex));
    const std::vector<uint8_t>& in = kept_.back();
    Frame f;
    Status s = ParseFrame(in.data(), in.size(), Direction::kFromContainer, 8192, &f);
    if (!s.ok()) return s;
    CPPUNIT_ASSERT_EQUAL(in.size(), f.size());
    return DecodeContainerMessage(f, m);
  }

  Status DecodeBytes(const std::vector<uint8_t>& in, ContainerMessage* m) {
    kept_.push_back(in);
    Frame f;
    Status s = ParseFrame(kept_.back().data(), in.size(), Direction::kFromContainer, 65536, &f);
    if (!s.ok()) return s;
    return DecodeContainerMessage(f, m);
  }

 public:
  void TomcatSendHeadersWithCodedAndStringNames() {
    // 200 "200", Set-Cookie (coded), X-Node: n1 (string), Content-Type (coded).
    ContainerMessage m;
    Status s = Decode(
        "41 42 00 3e 04 00 c8 00 03 32 30 30 00 00 03"
        "a0 07 00 12 4a 53 45 53 53 49 4f 4e 49 44 3d 41 2e 6e 6f 64 65 31 00"
        "00 06 58 2d 4e 6f 64 65 00 00 02 6e 31 00"
        "a0 01 00 09 74 65 78 74 2f 68 74 6d 6c 00",
        &m);
    CPPUNIT_ASSERT_MESSAGE(Describe(s), s.ok());
    CPPUNIT_ASSERT_EQUAL(int(JK_AJP13_SEND_HEADERS), int(m.type));
    CPPUNIT_ASSERT_EQUAL(uint16_t{200}, m.status);
    CPPUNIT_ASSERT_EQUAL(std::string("200"), std::string(m.reason));
    CPPUNIT_ASSERT_EQUAL(size_t{3}, m.headers.size());
    CPPUNIT_ASSERT_EQUAL(std::string("Set-Cookie"), std::string(m.headers[0].name));
    CPPUNIT_ASSERT_EQUAL(std::string("JSESSIONID=A.node1"), std::string(m.headers[0].value));
    CPPUNIT_ASSERT_EQUAL(std::string("X-Node"), std::string(m.headers[1].name));
    CPPUNIT_ASSERT_EQUAL(std::string("n1"), std::string(m.headers[1].value));
    CPPUNIT_ASSERT_EQUAL(std::string("Content-Type"), std::string(m.headers[2].name));
  }

  void EveryResponseHeaderCode() {
    const char* names[] = {"Content-Type",   "Content-Language", "Content-Length",  "Date",
                           "Last-Modified",  "Location",         "Set-Cookie",      "Set-Cookie2",
                           "Servlet-Engine", "Status",           "WWW-Authenticate"};
    for (int i = 0; i < 11; ++i) {
      std::vector<uint8_t> in =
          Hex("41 42 00 11 04 01 f4 00 03 35 30 30 00 00 01 a0 00 00 01 78 00");
      in[16] = static_cast<uint8_t>(i + 1);
      ContainerMessage m;
      Status s = DecodeBytes(in, &m);
      CPPUNIT_ASSERT_MESSAGE(Describe(s), s.ok());
      CPPUNIT_ASSERT_EQUAL(std::string(names[i]), std::string(m.headers[0].name));
      CPPUNIT_ASSERT_EQUAL(int(0xA001 + i), int(ResponseHeaderCode(names[i])));
    }
    CPPUNIT_ASSERT_EQUAL(0xA007, int(ResponseHeaderCode("set-cookie")));
    CPPUNIT_ASSERT_EQUAL(0, int(ResponseHeaderCode("X-Set-Cookie")));
  }

  void RepeatedSetCookieKeptInOrder() {
    std::vector<uint8_t> buf(8192);
    size_t n = 0;
    std::vector<Header> headers = {{"Set-Cookie", "a=1"}, {"X-A", "1"}, {"set-cookie", "b=2"}};
    CPPUNIT_ASSERT(EncodeSendHeaders(200, "200", headers, buf.data(), 8192, &n).ok());
    buf.resize(n);
    ContainerMessage m;
    CPPUNIT_ASSERT(DecodeBytes(buf, &m).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{3}, m.headers.size());
    CPPUNIT_ASSERT_EQUAL(std::string("a=1"), std::string(m.headers[0].value));
    CPPUNIT_ASSERT_EQUAL(std::string("Set-Cookie"), std::string(m.headers[2].name));
    CPPUNIT_ASSERT_EQUAL(std::string("b=2"), std::string(m.headers[2].value));
  }

  void ZeroHeadersIsLegal() {
    ContainerMessage m;
    CPPUNIT_ASSERT(Decode("41 42 00 0b 04 00 c8 00 03 32 30 30 00 00 00", &m).ok());
    CPPUNIT_ASSERT(m.headers.empty());
    // A null reason string is read as empty.
    CPPUNIT_ASSERT(Decode("41 42 00 07 04 01 30 ff ff 00 00", &m).ok());
    CPPUNIT_ASSERT_EQUAL(uint16_t{304}, m.status);
    CPPUNIT_ASSERT(m.reason.empty());
  }

  void BodyChunkWithAndWithoutNul() {
    ContainerMessage m;
    CPPUNIT_ASSERT(Decode("41 42 00 07 03 00 03 61 62 63 00", &m).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), std::string(m.chunk));
    CPPUNIT_ASSERT(Decode("41 42 00 06 03 00 03 61 62 63", &m).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("abc"), std::string(m.chunk));
    Status s = Decode("41 42 00 07 03 00 03 61 62 63 01", &m);
    CPPUNIT_ASSERT(s.code == Errc::kMissingNul);
    CPPUNIT_ASSERT_EQUAL(size_t{10}, s.offset);
    s = Decode("41 42 00 08 03 00 03 61 62 63 00 00", &m);
    CPPUNIT_ASSERT(s.code == Errc::kTrailingBytes);
    CPPUNIT_ASSERT_EQUAL(size_t{11}, s.offset);
    // Chunk length past the payload.
    s = Decode("41 42 00 07 03 00 09 61 62 63 00", &m);
    CPPUNIT_ASSERT(s.code == Errc::kTruncated);
    CPPUNIT_ASSERT_EQUAL(size_t{7}, s.offset);
  }

  void FlushIsAnEmptyChunk() {
    ContainerMessage m;
    CPPUNIT_ASSERT(Decode("41 42 00 04 03 00 00 00", &m).ok());
    CPPUNIT_ASSERT_EQUAL(int(JK_AJP13_SEND_BODY_CHUNK), int(m.type));
    CPPUNIT_ASSERT(m.chunk.empty());
  }

  void GetBodyChunkEndResponseCPong() {
    ContainerMessage m;
    CPPUNIT_ASSERT(Decode("41 42 00 03 06 1f fa", &m).ok());
    CPPUNIT_ASSERT_EQUAL(int(JK_AJP13_GET_BODY_CHUNK), int(m.type));
    CPPUNIT_ASSERT_EQUAL(uint16_t{8186}, m.requested);
    CPPUNIT_ASSERT(Decode("41 42 00 02 05 01", &m).ok());
    CPPUNIT_ASSERT(m.reuse);
    CPPUNIT_ASSERT(Decode("41 42 00 02 05 00", &m).ok());
    CPPUNIT_ASSERT(!m.reuse);
    CPPUNIT_ASSERT(Decode("41 42 00 01 09", &m).ok());
    CPPUNIT_ASSERT_EQUAL(int(JK_AJP13_CPONG_REPLY), int(m.type));
    CPPUNIT_ASSERT_EQUAL(std::string("41 42 00 01 09"), ToHex(kCPongFrame, 5));
  }

  void EncodersProduceTomcatBytes() {
    std::vector<uint8_t> buf(8192);
    size_t n = 0;
    CPPUNIT_ASSERT(EncodeEndResponse(true, buf.data(), 8192, &n).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("41 42 00 02 05 01"), ToHex(buf.data(), n));
    CPPUNIT_ASSERT(EncodeGetBodyChunk(8186, buf.data(), 8192, &n).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("41 42 00 03 06 1f fa"), ToHex(buf.data(), n));
    CPPUNIT_ASSERT(EncodeSendBodyChunk("abc", buf.data(), 8192, &n).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("41 42 00 07 03 00 03 61 62 63 00"), ToHex(buf.data(), n));
    CPPUNIT_ASSERT(
        EncodeSendHeaders(404, "404", {{"Content-Length", "0"}}, buf.data(), 8192, &n).ok());
    CPPUNIT_ASSERT_EQUAL(
        std::string("41 42 00 11 04 01 94 00 03 34 30 34 00 00 01 a0 03 00 01 30 00"),
        ToHex(buf.data(), n));
  }

  void LargestChunkFitsOneMoreDoesNot() {
    std::vector<uint8_t> buf(8192);
    size_t n = 0;
    std::string data(8184, 'x');
    CPPUNIT_ASSERT(EncodeSendBodyChunk(data, buf.data(), 8192, &n).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{8192}, n);
    ContainerMessage m;
    CPPUNIT_ASSERT(DecodeBytes(buf, &m).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{8184}, m.chunk.size());
    data += 'x';
    CPPUNIT_ASSERT(EncodeSendBodyChunk(data, buf.data(), 8192, &n).code == Errc::kDoesNotFit);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, n);
  }

  void MalformedInputsNameTheOffset() {
    struct Case {
      const char* hex;
      Errc code;
      size_t offset;
    };
    const Case cases[] = {
        {"41 42 00 00", Errc::kTruncated, 4},                   // no type byte
        {"41 42 00 01 02", Errc::kUnknownType, 4},              // FORWARD_REQUEST from a container
        {"41 42 00 01 63", Errc::kUnknownType, 4},              // unknown type
        {"41 42 00 02 09 00", Errc::kTrailingBytes, 5},         // CPONG with junk
        {"41 42 00 02 05 02", Errc::kBadValue, 5},              // reuse not 0/1
        {"41 42 00 03 05 01 00", Errc::kTrailingBytes, 6},      // END_RESPONSE length 3
        {"41 42 00 02 06 1f", Errc::kTruncated, 5},             // GET_BODY_CHUNK short
        {"41 42 00 06 04 00 63 ff ff 00", Errc::kBadValue, 5},  // status 99
        {"41 42 00 06 04 02 58 ff ff 00", Errc::kBadValue, 5},  // status 600
        {"41 42 00 09 04 00 c8 00 03 32 30 30", Errc::kMissingNul, 12},   // reason without NUL
        {"41 42 00 09 04 00 c8 00 05 32 30 30 00", Errc::kTruncated, 9},  // reason past payload
        {"41 42 00 0b 04 00 c8 00 00 00 00 01 a0 0c 00 01 78 00", Errc::kBadHeaderCode,
         12},                                                                    // code 0xA00C
        {"41 42 00 0b 04 00 c8 00 00 00 00 05 a0 01 00", Errc::kTruncated, 10},  // count past data
        {"41 42 00 0c 04 00 c8 00 00 00 00 01 a0 01 00 00", Errc::kMissingNul, 16},
        {"41 42 00 10 04 00 c8 00 00 00 00 01 a0 01 00 01 0a 00", Errc::kBadValue, 14},  // LF
        {"41 42 00 10 04 00 c8 00 00 00 00 01 00 01 20 00 00 00 00", Errc::kBadValue,
         12},  // name " "
        {"41 42 00 0e 04 00 c8 00 00 00 00 00 00", Errc::kTrailingBytes, 12},
    };
    for (const Case& c : cases) {
      ContainerMessage m;
      std::vector<uint8_t> in = Hex(c.hex);
      // Fix the frame length so each case tests the message, not the frame.
      in[2] = static_cast<uint8_t>((in.size() - 4) >> 8);
      in[3] = static_cast<uint8_t>((in.size() - 4) & 0xFF);
      Status s = DecodeBytes(in, &m);
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.hex, std::string(ErrcName(c.code)),
                                   std::string(ErrcName(s.code)));
      CPPUNIT_ASSERT_EQUAL_MESSAGE(c.hex, c.offset, s.offset);
    }
  }

  void EveryTruncationOfSendHeadersFails() {
    std::vector<uint8_t> buf(8192);
    size_t n = 0;
    CPPUNIT_ASSERT(
        EncodeSendHeaders(302, "302", {{"Location", "/x"}, {"X-Y", "z"}}, buf.data(), 8192, &n)
            .ok());
    for (size_t cut = 4; cut < n; ++cut) {
      std::vector<uint8_t> part(buf.begin(), buf.begin() + static_cast<long>(cut));
      part[2] = static_cast<uint8_t>((cut - 4) >> 8);
      part[3] = static_cast<uint8_t>((cut - 4) & 0xFF);
      ContainerMessage m;
      Status s = DecodeBytes(part, &m);
      CPPUNIT_ASSERT_MESSAGE(std::to_string(cut), !s.ok());
      CPPUNIT_ASSERT_MESSAGE(std::to_string(cut), s.offset <= cut);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AjpResponseTest);

}  // namespace
}  // namespace mca::ajp
