#include "mca/ajp/request.h"

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

// GET /app/x?a=1 over TLS, Host h, one custom header, secret s, remote port attribute: the frame
// a Tomcat 10.1 node was seen to accept (see the AJP reference, 1.4).
const char kGoldenForward[] =
    "12 34 00 63 02 02 00 08 48 54 54 50 2f 31 2e 31 00 00 06 2f 61 70 70 2f 78 00 00 08 31 30"
    "2e 30 2e 30 2e 37 00 ff ff 00 01 68 00 01 bb 01 00 02 a0 0b 00 01 68 00 00 03 58 2d 41 00"
    "00 01 62 00 0c 00 01 73 00 05 00 03 61 3d 31 00 0a 00 0f 41 4a 50 5f 52 45 4d 4f 54 45 5f"
    "50 4f 52 54 00 00 04 35 30 30 30 00 ff";

ForwardRequest GoldenRequest() {
  ForwardRequest r;
  r.method = "GET";
  r.protocol = "HTTP/1.1";
  r.uri = "/app/x";
  r.remote_addr = "10.0.0.7";
  r.server_name = "h";
  r.server_port = 443;
  r.is_ssl = true;
  r.headers = {{"Host", "h"}, {"X-A", "b"}};
  r.secret = "s";
  r.query_string = "a=1";
  r.attributes = {{"AJP_REMOTE_PORT", "5000"}};
  return r;
}

std::vector<uint8_t> Encode(const ForwardRequest& r, size_t packet_size = kDefaultPacketSize) {
  std::vector<uint8_t> buf(packet_size);
  size_t n = 0;
  Status s = EncodeForwardRequest(r, buf.data(), packet_size, &n);
  CPPUNIT_ASSERT_MESSAGE(Describe(s), s.ok());
  buf.resize(n);
  return buf;
}

Status EncodeStatus(const ForwardRequest& r, size_t packet_size = kDefaultPacketSize) {
  std::vector<uint8_t> buf(packet_size);
  size_t n = 99;
  Status s = EncodeForwardRequest(r, buf.data(), packet_size, &n);
  if (!s.ok()) CPPUNIT_ASSERT_EQUAL(size_t{0}, n);
  return s;
}

Status Decode(const std::vector<uint8_t>& bytes, ForwardRequest* out) {
  Frame frame;
  Status s =
      ParseFrame(bytes.data(), bytes.size(), Direction::kToContainer, kMaxPacketSize, &frame);
  if (!s.ok()) return s;
  CPPUNIT_ASSERT_EQUAL(bytes.size(), frame.size());
  return DecodeForwardRequest(frame, out);
}

class AjpRequestTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AjpRequestTest);
  CPPUNIT_TEST(GoldenFrameMatchesTomcatVerifiedBytes);
  CPPUNIT_TEST(GoldenFrameDecodes);
  CPPUNIT_TEST(EveryMethodHasItsCode);
  CPPUNIT_TEST(UnknownMethodTravelsAsStoredMethod);
  CPPUNIT_TEST(MethodsAreCaseSensitive);
  CPPUNIT_TEST(CodedHeaderNamesAreCaseInsensitive);
  CPPUNIT_TEST(AllAttributesInMaskOrder);
  CPPUNIT_TEST(RemoteHostPresentIsAString);
  CPPUNIT_TEST(RepeatedHeadersKeepOrder);
  CPPUNIT_TEST(ControlCharactersAreRefused);
  CPPUNIT_TEST(PemCertificateMayHaveNewlines);
  CPPUNIT_TEST(BadHeaderNamesAreRefused);
  CPPUNIT_TEST(ExactlyFullPacketFitsOneMoreByteDoesNot);
  CPPUNIT_TEST(LargerPacketSizeAllowsLargerRequests);
  CPPUNIT_TEST(InvalidPacketSizeIsRefused);
  CPPUNIT_TEST(BodyHeaders);
  CPPUNIT_TEST(BodyPacketsDecode);
  CPPUNIT_TEST(CPingBytes);
  CPPUNIT_TEST(DecodeRejectsUnknownAttribute);
  CPPUNIT_TEST(DecodeRejectsBadHeaderCode);
  CPPUNIT_TEST(DecodeRejectsHeaderCountPastData);
  CPPUNIT_TEST(DecodeRejectsMissingTerminator);
  CPPUNIT_TEST(DecodeRejectsEveryTruncation);
  CPPUNIT_TEST_SUITE_END();

  // Decoded views point into the frame, so frames are kept for the length of a test.
  std::deque<std::vector<uint8_t>> kept_;
  const std::vector<uint8_t>& Keep(std::vector<uint8_t> bytes) {
    kept_.push_back(std::move(bytes));
    return kept_.back();
  }

 public:
  void GoldenFrameMatchesTomcatVerifiedBytes() {
    CPPUNIT_ASSERT_EQUAL(ToHex(Hex(kGoldenForward)), ToHex(Encode(GoldenRequest())));
  }

  void GoldenFrameDecodes() {
    ForwardRequest r;
    const std::vector<uint8_t> bytes = Hex(kGoldenForward);
    Status s = Decode(bytes, &r);
    CPPUNIT_ASSERT_MESSAGE(Describe(s), s.ok());
    CPPUNIT_ASSERT_EQUAL(std::string("GET"), std::string(r.method));
    CPPUNIT_ASSERT_EQUAL(std::string("/app/x"), std::string(r.uri));
    CPPUNIT_ASSERT_EQUAL(std::string("10.0.0.7"), std::string(r.remote_addr));
    CPPUNIT_ASSERT(!r.remote_host);
    CPPUNIT_ASSERT_EQUAL(uint16_t{443}, r.server_port);
    CPPUNIT_ASSERT(r.is_ssl);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, r.headers.size());
    CPPUNIT_ASSERT_EQUAL(std::string("host"), std::string(r.headers[0].name));
    CPPUNIT_ASSERT_EQUAL(std::string("X-A"), std::string(r.headers[1].name));
    CPPUNIT_ASSERT_EQUAL(std::string("b"), std::string(r.headers[1].value));
    CPPUNIT_ASSERT_EQUAL(std::string("s"), std::string(*r.secret));
    CPPUNIT_ASSERT_EQUAL(std::string("a=1"), std::string(*r.query_string));
    CPPUNIT_ASSERT_EQUAL(size_t{1}, r.attributes.size());
    CPPUNIT_ASSERT_EQUAL(std::string("5000"), std::string(r.attributes[0].value));
  }

  void EveryMethodHasItsCode() {
    const char* methods[] = {"OPTIONS",
                             "GET",
                             "HEAD",
                             "POST",
                             "PUT",
                             "DELETE",
                             "TRACE",
                             "PROPFIND",
                             "PROPPATCH",
                             "MKCOL",
                             "COPY",
                             "MOVE",
                             "LOCK",
                             "UNLOCK",
                             "ACL",
                             "REPORT",
                             "VERSION-CONTROL",
                             "CHECKIN",
                             "CHECKOUT",
                             "UNCHECKOUT",
                             "SEARCH",
                             "MKWORKSPACE",
                             "UPDATE",
                             "LABEL",
                             "MERGE",
                             "BASELINE-CONTROL",
                             "MKACTIVITY"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; ++i) {
      ForwardRequest r = GoldenRequest();
      r.method = methods[i];
      const std::vector<uint8_t> bytes = Encode(r);
      CPPUNIT_ASSERT_EQUAL(int(i + 1), int(bytes[5]));  // method byte follows the prefix
      ForwardRequest back;
      CPPUNIT_ASSERT(Decode(bytes, &back).ok());
      CPPUNIT_ASSERT_EQUAL(std::string(methods[i]), std::string(back.method));
    }
  }

  void UnknownMethodTravelsAsStoredMethod() {
    ForwardRequest r;
    r.method = "PATCH";
    r.remote_addr = "1.2.3.4";
    r.server_name = "s";
    const std::vector<uint8_t> bytes = Encode(r);
    CPPUNIT_ASSERT_EQUAL(0xFF, int(bytes[5]));
    // ... 0d 00 05 "PATCH" 00 ff at the end.
    const std::vector<uint8_t> tail = Hex("0d 00 05 50 41 54 43 48 00 ff");
    CPPUNIT_ASSERT(bytes.size() > tail.size());
    CPPUNIT_ASSERT_EQUAL(ToHex(tail),
                         ToHex(bytes.data() + bytes.size() - tail.size(), tail.size()));
    ForwardRequest back;
    CPPUNIT_ASSERT(Decode(bytes, &back).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("PATCH"), std::string(back.method));
  }

  void MethodsAreCaseSensitive() {
    CPPUNIT_ASSERT_EQUAL(int(SC_M_JK_STORED), int(MethodCode("get")));
    CPPUNIT_ASSERT_EQUAL(2, int(MethodCode("GET")));
    CPPUNIT_ASSERT_EQUAL(std::string(), std::string(MethodName(0)));
    CPPUNIT_ASSERT_EQUAL(std::string(), std::string(MethodName(28)));
    CPPUNIT_ASSERT_EQUAL(std::string("MKACTIVITY"), std::string(MethodName(27)));
  }

  void CodedHeaderNamesAreCaseInsensitive() {
    const char* names[] = {
        "accept",     "accept-charset", "accept-encoding", "accept-language", "authorization",
        "connection", "content-type",   "content-length",  "cookie",          "cookie2",
        "host",       "pragma",         "referer",         "user-agent"};
    for (size_t i = 0; i < 14; ++i) {
      CPPUNIT_ASSERT_EQUAL(int(0xA001 + i), int(RequestHeaderCode(names[i])));
    }
    CPPUNIT_ASSERT_EQUAL(0xA009, int(RequestHeaderCode("COOKIE")));
    CPPUNIT_ASSERT_EQUAL(0xA00E, int(RequestHeaderCode("User-Agent")));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("X-Cookie")));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("cookie ")));
    CPPUNIT_ASSERT_EQUAL(0xA00A, int(RequestHeaderCode("CoOkIe2")));
    CPPUNIT_ASSERT_EQUAL(0xA007, int(RequestHeaderCode("CONTENT-TYPE")));
    // Bytes that become a coded name's byte when bit 0x20 is set, without being that byte in
    // either case: control bytes, '@' (for '`'), '[' (for '{'), digits in place of letters.
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("content\rtype")));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode(std::string_view("cookie\x12", 7))));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("@ost")));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("h0st")));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("")));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("accept-encodings")));
    // Every name of a length also held by coded names is compared with each of them.
    CPPUNIT_ASSERT_EQUAL(0xA004, int(RequestHeaderCode("Accept-Language")));
    CPPUNIT_ASSERT_EQUAL(0xA003, int(RequestHeaderCode("Accept-Encoding")));
    CPPUNIT_ASSERT_EQUAL(0, int(RequestHeaderCode("Accept-Languagf")));
  }

  void AllAttributesInMaskOrder() {
    ForwardRequest r;
    r.method = "POST";
    r.protocol = "HTTP/1.0";
    r.uri = "/";
    r.remote_addr = "a";
    r.server_name = "n";
    r.server_port = 8080;
    r.secret = "S";
    r.remote_user = "U";
    r.auth_type = "B";
    r.query_string = "Q";
    r.route = "R";
    r.ssl_cert = "C";
    r.ssl_cipher = "X";
    r.ssl_session = "I";
    r.ssl_key_size = 256;
    r.attributes = {{"AJP_LOCAL_ADDR", "1"}, {"AJP_SSL_PROTOCOL", "TLSv1.3"}};
    const std::vector<uint8_t> expected = Hex(
        "12 34 00 80 02 04 00 08 48 54 54 50 2f 31 2e 30 00 00 01 2f 00 00 01 61 00"
        "ff ff 00 01 6e 00 1f 90 00 00 00"
        "0c 00 01 53 00 03 00 01 55 00 04 00 01 42 00 05 00 01 51 00 06 00 01 52 00"
        "07 00 01 43 00 08 00 01 58 00 09 00 01 49 00 0b 01 00"
        "0a 00 0e 41 4a 50 5f 4c 4f 43 41 4c 5f 41 44 44 52 00 00 01 31 00"
        "0a 00 10 41 4a 50 5f 53 53 4c 5f 50 52 4f 54 4f 43 4f 4c 00 00 07 54 4c 53 76 31 2e 33 00"
        "ff");
    CPPUNIT_ASSERT_EQUAL(ToHex(expected), ToHex(Encode(r)));
    ForwardRequest back;
    CPPUNIT_ASSERT(Decode(expected, &back).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("U"), std::string(*back.remote_user));
    CPPUNIT_ASSERT_EQUAL(std::string("B"), std::string(*back.auth_type));
    CPPUNIT_ASSERT_EQUAL(std::string("R"), std::string(*back.route));
    CPPUNIT_ASSERT_EQUAL(std::string("C"), std::string(*back.ssl_cert));
    CPPUNIT_ASSERT_EQUAL(std::string("X"), std::string(*back.ssl_cipher));
    CPPUNIT_ASSERT_EQUAL(std::string("I"), std::string(*back.ssl_session));
    CPPUNIT_ASSERT_EQUAL(uint16_t{256}, *back.ssl_key_size);
    CPPUNIT_ASSERT_EQUAL(std::string("AJP_SSL_PROTOCOL"), std::string(back.attributes[1].name));
  }

  void RemoteHostPresentIsAString() {
    ForwardRequest r = GoldenRequest();
    r.remote_host = "client.example";
    ForwardRequest back;
    CPPUNIT_ASSERT(Decode(Keep(Encode(r)), &back).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("client.example"), std::string(*back.remote_host));
    r.remote_host = "";
    CPPUNIT_ASSERT(Decode(Keep(Encode(r)), &back).ok());
    CPPUNIT_ASSERT(back.remote_host.has_value());
    CPPUNIT_ASSERT(back.remote_host->empty());
  }

  void RepeatedHeadersKeepOrder() {
    ForwardRequest r = GoldenRequest();
    r.headers = {{"Cookie", "a=1"}, {"X-Y", "1"}, {"cookie", "b=2"}, {"X-Y", "2"}};
    ForwardRequest back;
    CPPUNIT_ASSERT(Decode(Keep(Encode(r)), &back).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{4}, back.headers.size());
    CPPUNIT_ASSERT_EQUAL(std::string("a=1"), std::string(back.headers[0].value));
    CPPUNIT_ASSERT_EQUAL(std::string("1"), std::string(back.headers[1].value));
    CPPUNIT_ASSERT_EQUAL(std::string("b=2"), std::string(back.headers[2].value));
    CPPUNIT_ASSERT_EQUAL(std::string("2"), std::string(back.headers[3].value));
  }

  void ControlCharactersAreRefused() {
    ForwardRequest r = GoldenRequest();
    r.headers = {{"X-A", "a\r\nInjected: 1"}};
    Status s = EncodeStatus(r);
    CPPUNIT_ASSERT(s.code == Errc::kBadValue);
    CPPUNIT_ASSERT_EQUAL(std::string("header value"), std::string(s.field));
    r = GoldenRequest();
    r.headers = {{"X-A", "tab\tis fine"}};
    CPPUNIT_ASSERT(EncodeStatus(r).ok());
    r = GoldenRequest();
    r.uri = std::string_view("/a\0b", 4);
    CPPUNIT_ASSERT_EQUAL(std::string("req_uri"), std::string(EncodeStatus(r).field));
    r = GoldenRequest();
    r.query_string = "a=1\x7f";
    CPPUNIT_ASSERT_EQUAL(std::string("query_string"), std::string(EncodeStatus(r).field));
    r = GoldenRequest();
    r.attributes = {{"AJP_REMOTE_PORT", "1\n"}};
    CPPUNIT_ASSERT_EQUAL(std::string("req_attribute value"), std::string(EncodeStatus(r).field));
    r = GoldenRequest();
    r.secret = "s\n";
    CPPUNIT_ASSERT_EQUAL(std::string("secret"), std::string(EncodeStatus(r).field));
  }

  void PemCertificateMayHaveNewlines() {
    ForwardRequest r = GoldenRequest();
    r.ssl_cert = "-----BEGIN CERTIFICATE-----\nMIIB\r\n-----END CERTIFICATE-----\n";
    ForwardRequest back;
    CPPUNIT_ASSERT(Decode(Keep(Encode(r)), &back).ok());
    CPPUNIT_ASSERT_EQUAL(std::string(*r.ssl_cert), std::string(*back.ssl_cert));
    r.ssl_cert = std::string_view("x\0y", 3);
    CPPUNIT_ASSERT(EncodeStatus(r).code == Errc::kBadValue);
  }

  void BadHeaderNamesAreRefused() {
    const char* bad[] = {"", "X A", "X:A", "X\tA", "X(A)"};
    for (const char* name : bad) {
      ForwardRequest r = GoldenRequest();
      r.headers = {{name, "v"}};
      Status s = EncodeStatus(r);
      CPPUNIT_ASSERT_MESSAGE(name, s.code == Errc::kBadValue);
      CPPUNIT_ASSERT_EQUAL(std::string("header name"), std::string(s.field));
    }
    ForwardRequest r = GoldenRequest();
    r.method = "GE T";
    CPPUNIT_ASSERT_EQUAL(std::string("method"), std::string(EncodeStatus(r).field));
    r.method = "";
    CPPUNIT_ASSERT_EQUAL(std::string("method"), std::string(EncodeStatus(r).field));
  }

  void ExactlyFullPacketFitsOneMoreByteDoesNot() {
    ForwardRequest r = GoldenRequest();
    const size_t base = Encode(r).size();
    // Grow one header value until the frame is exactly 8192 bytes.
    std::string value(kDefaultPacketSize - base + 1, 'v');  // "b" becomes value
    r.headers[1].value = value;
    const std::vector<uint8_t> full = Encode(r);
    CPPUNIT_ASSERT_EQUAL(kDefaultPacketSize, full.size());
    CPPUNIT_ASSERT_EQUAL(0x1f, int(full[2]));  // payload 8188 = 0x1ffc
    CPPUNIT_ASSERT_EQUAL(0xfc, int(full[3]));
    value += 'v';
    r.headers[1].value = value;
    Status s = EncodeStatus(r);
    CPPUNIT_ASSERT(s.code == Errc::kDoesNotFit);
  }

  void LargerPacketSizeAllowsLargerRequests() {
    ForwardRequest r = GoldenRequest();
    std::string value(20000, 'c');
    r.headers[1].value = value;
    CPPUNIT_ASSERT(EncodeStatus(r).code == Errc::kDoesNotFit);
    const std::vector<uint8_t> bytes = Encode(r, 65536);
    ForwardRequest back;
    CPPUNIT_ASSERT(Decode(bytes, &back).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{20000}, back.headers[1].value.size());
    std::string huge(65530, 'c');
    r.headers[1].value = huge;
    CPPUNIT_ASSERT(EncodeStatus(r, 65536).code == Errc::kDoesNotFit);
  }

  void InvalidPacketSizeIsRefused() {
    CPPUNIT_ASSERT(EncodeStatus(GoldenRequest(), 8191).code == Errc::kBadValue);
    CPPUNIT_ASSERT(EncodeStatus(GoldenRequest(), 65537).code == Errc::kBadValue);
    CPPUNIT_ASSERT(EncodeStatus(GoldenRequest(), 65536).ok());
  }

  void BodyHeaders() {
    uint8_t h[6];
    size_t n = 0;
    CPPUNIT_ASSERT(EncodeBodyHeader(5, kDefaultPacketSize, h, &n).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("12 34 00 07 00 05"), ToHex(h, n));
    CPPUNIT_ASSERT(EncodeBodyHeader(0, kDefaultPacketSize, h, &n).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("12 34 00 00"), ToHex(h, n));
    CPPUNIT_ASSERT(EncodeBodyHeader(8186, kDefaultPacketSize, h, &n).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("12 34 1f fc 1f fa"), ToHex(h, n));
    CPPUNIT_ASSERT(EncodeBodyHeader(8187, kDefaultPacketSize, h, &n).code == Errc::kDoesNotFit);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, n);
    CPPUNIT_ASSERT(EncodeBodyHeader(65530, 65536, h, &n).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("12 34 ff fc ff fa"), ToHex(h, n));
  }

  void BodyPacketsDecode() {
    const std::vector<uint8_t> hello = Hex("12 34 00 07 00 05 68 65 6c 6c 6f");
    Frame f;
    CPPUNIT_ASSERT(
        ParseFrame(hello.data(), hello.size(), Direction::kToContainer, kDefaultPacketSize, &f)
            .ok());
    std::string_view data;
    CPPUNIT_ASSERT(DecodeBodyPacket(f, &data).ok());
    CPPUNIT_ASSERT_EQUAL(std::string("hello"), std::string(data));
    const std::vector<uint8_t> end = Hex("12 34 00 00");
    CPPUNIT_ASSERT(
        ParseFrame(end.data(), end.size(), Direction::kToContainer, kDefaultPacketSize, &f).ok());
    CPPUNIT_ASSERT(DecodeBodyPacket(f, &data).ok());
    CPPUNIT_ASSERT(data.empty());
    const std::vector<uint8_t> lying = Hex("12 34 00 04 00 05 68 65");
    CPPUNIT_ASSERT(
        ParseFrame(lying.data(), lying.size(), Direction::kToContainer, kDefaultPacketSize, &f)
            .ok());
    Status s = DecodeBodyPacket(f, &data);
    CPPUNIT_ASSERT(s.code == Errc::kTruncated);
    CPPUNIT_ASSERT_EQUAL(size_t{4}, s.offset);
  }

  void CPingBytes() { CPPUNIT_ASSERT_EQUAL(std::string("12 34 00 01 0a"), ToHex(kCPingFrame, 5)); }

  void DecodeRejectsUnknownAttribute() {
    std::vector<uint8_t> bytes = Hex(kGoldenForward);
    // Replace the final 0xFF terminator by an unknown attribute code 0x0E + terminator.
    bytes.back() = 0x0E;
    bytes.push_back(0xFF);
    bytes[3] = static_cast<uint8_t>(bytes[3] + 1);
    ForwardRequest r;
    Status s = Decode(bytes, &r);
    CPPUNIT_ASSERT(s.code == Errc::kBadAttribute);
    CPPUNIT_ASSERT_EQUAL(bytes.size() - 2, s.offset);
  }

  void DecodeRejectsBadHeaderCode() {
    std::vector<uint8_t> bytes = Hex(kGoldenForward);
    // The first header is coded a0 0b at offset 0x30; a00f is not a request header code.
    CPPUNIT_ASSERT_EQUAL(0xa0, int(bytes[0x30]));
    bytes[0x31] = 0x0f;
    ForwardRequest r;
    Status s = Decode(bytes, &r);
    CPPUNIT_ASSERT(s.code == Errc::kBadHeaderCode);
    CPPUNIT_ASSERT_EQUAL(size_t{0x30}, s.offset);
  }

  void DecodeRejectsHeaderCountPastData() {
    std::vector<uint8_t> bytes = Hex(kGoldenForward);
    bytes[0x2f] = 0x7f;  // num_headers 2 -> 127
    ForwardRequest r;
    Status s = Decode(bytes, &r);
    CPPUNIT_ASSERT(s.code == Errc::kTruncated);
    CPPUNIT_ASSERT_EQUAL(size_t{0x2e}, s.offset);
  }

  void DecodeRejectsMissingTerminator() {
    std::vector<uint8_t> bytes = Hex(kGoldenForward);
    bytes.pop_back();
    bytes[3] = static_cast<uint8_t>(bytes[3] - 1);
    ForwardRequest r;
    Status s = Decode(bytes, &r);
    CPPUNIT_ASSERT(s.code == Errc::kTruncated);
    CPPUNIT_ASSERT_EQUAL(bytes.size(), s.offset);
  }

  // Cutting the payload anywhere (and fixing the frame length) never decodes and never reads
  // past the shorter payload (ASan would say so).
  void DecodeRejectsEveryTruncation() {
    const std::vector<uint8_t> bytes = Hex(kGoldenForward);
    for (size_t cut = 4; cut < bytes.size(); ++cut) {
      std::vector<uint8_t> part(bytes.begin(), bytes.begin() + static_cast<long>(cut));
      part[2] = static_cast<uint8_t>((cut - 4) >> 8);
      part[3] = static_cast<uint8_t>((cut - 4) & 0xFF);
      std::vector<uint8_t> exact(part);  // heap copy of exactly this size
      ForwardRequest r;
      Status s = Decode(exact, &r);
      CPPUNIT_ASSERT_MESSAGE(std::to_string(cut), !s.ok());
      CPPUNIT_ASSERT_MESSAGE(std::to_string(cut), s.offset <= cut);
    }
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AjpRequestTest);

}  // namespace
}  // namespace mca::ajp
