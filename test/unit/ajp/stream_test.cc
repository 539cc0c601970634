#include "mca/ajp/stream.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

#include "mca/ajp/constants.h"
#include "test_util.h"

namespace mca::ajp {
namespace {

using test::Hex;

// One line per message, so sequences compare as text.
std::string Show(const ContainerMessage& m) {
  std::string out = std::to_string(m.type) + ":";
  switch (m.type) {
    case JK_AJP13_SEND_HEADERS:
      out += std::to_string(m.status) + " " + std::string(m.reason);
      for (const Header& h : m.headers)
        out += "|" + std::string(h.name) + "=" + std::string(h.value);
      break;
    case JK_AJP13_SEND_BODY_CHUNK:
      out += std::to_string(m.chunk.size()) + ":" + std::string(m.chunk.substr(0, 16));
      break;
    case JK_AJP13_GET_BODY_CHUNK:
      out += std::to_string(m.requested);
      break;
    case JK_AJP13_END_RESPONSE:
      out += m.reuse ? "reuse" : "close";
      break;
    default:
      break;
  }
  return out + "\n";
}

std::vector<uint8_t> Append(std::vector<uint8_t> a, const uint8_t* b, size_t n) {
  a.insert(a.end(), b, b + n);
  return a;
}

// A whole response as Tomcat sends it: headers, a request for body, a flush, a full-size body
// chunk, a small one, and END_RESPONSE.
std::vector<uint8_t> Response(size_t packet_size) {
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(packet_size);
  size_t n = 0;
  EncodeSendHeaders(200, "200",
                    {{"Content-Type", "text/plain"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}},
                    buf.data(), packet_size, &n);
  out = Append(out, buf.data(), n);
  EncodeGetBodyChunk(static_cast<uint16_t>(packet_size - 6), buf.data(), packet_size, &n);
  out = Append(out, buf.data(), n);
  EncodeSendBodyChunk("", buf.data(), packet_size, &n);
  out = Append(out, buf.data(), n);
  std::string big(MaxResponseChunkData(packet_size), 'B');
  big[0] = 'x';
  EncodeSendBodyChunk(big, buf.data(), packet_size, &n);
  out = Append(out, buf.data(), n);
  EncodeSendBodyChunk("tail", buf.data(), packet_size, &n);
  out = Append(out, buf.data(), n);
  EncodeEndResponse(true, buf.data(), packet_size, &n);
  return Append(out, buf.data(), n);
}

// Drains every complete message; returns false on an error.
bool Drain(FrameStream* s, std::string* log) {
  for (;;) {
    ContainerMessage m;
    Status st = s->NextMessage(&m);
    if (st.code == Errc::kNeedMore) return true;
    if (!st.ok()) return false;
    *log += Show(m);
  }
}

// Feeds `bytes` in pieces whose sizes come from `sizes` (cycled).
std::string FeedInPieces(const std::vector<uint8_t>& bytes, const std::vector<size_t>& sizes,
                         size_t packet_size) {
  FrameStream s(Direction::kFromContainer, packet_size);
  std::string log;
  size_t pos = 0;
  size_t i = 0;
  while (pos < bytes.size()) {
    size_t want = sizes[i++ % sizes.size()];
    if (want > bytes.size() - pos) want = bytes.size() - pos;
    // Copy into an exact-size block so ASan sees any over-read of the input.
    std::vector<uint8_t> piece(bytes.begin() + static_cast<long>(pos),
                               bytes.begin() + static_cast<long>(pos + want));
    size_t done = 0;
    while (done < piece.size()) {
      done += s.Feed(piece.data() + done, piece.size() - done);
      if (!Drain(&s, &log)) return log + "ERROR\n";
    }
    pos += want;
  }
  if (s.buffered() != 0) log += "LEFTOVER\n";
  return log;
}

class AjpStreamTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(AjpStreamTest);
  CPPUNIT_TEST(WholeResponseAtOnce);
  CPPUNIT_TEST(EverySplitPointGivesTheSameMessages);
  CPPUNIT_TEST(ByteByByte);
  CPPUNIT_TEST(UnevenPiecesAndLargePacketSize);
  CPPUNIT_TEST(ReadStraightIntoTheBuffer);
  CPPUNIT_TEST(WorksInTheCallersStorage);
  CPPUNIT_TEST(LentStorageComesAndGoes);
  CPPUNIT_TEST(ErrorOffsetCountsFromStreamStart);
  CPPUNIT_TEST(ErrorsAreSticky);
  CPPUNIT_TEST(OversizedFrameIsAnErrorBeforeItsBytesArrive);
  CPPUNIT_TEST(ResetStartsAfresh);
  CPPUNIT_TEST_SUITE_END();

  std::string expected_;

 public:
  void setUp() override { expected_ = FeedInPieces(Response(8192), {1u << 30}, 8192); }

  void WholeResponseAtOnce() {
    CPPUNIT_ASSERT_EQUAL(std::string("4:200 200|Content-Type=text/plain|Set-Cookie=a=1|"
                                     "Set-Cookie=b=2\n6:8186\n3:0:\n3:8184:xBBBBBBBBBBBBBBB\n"
                                     "3:4:tail\n5:reuse\n"),
                         expected_);
  }

  void EverySplitPointGivesTheSameMessages() {
    const std::vector<uint8_t> bytes = Response(8192);
    for (size_t k = 1; k < bytes.size(); ++k) {
      CPPUNIT_ASSERT_EQUAL_MESSAGE(std::to_string(k), expected_,
                                   FeedInPieces(bytes, {k, bytes.size()}, 8192));
    }
  }

  void ByteByByte() { CPPUNIT_ASSERT_EQUAL(expected_, FeedInPieces(Response(8192), {1}, 8192)); }

  void UnevenPiecesAndLargePacketSize() {
    const std::vector<uint8_t> bytes = Response(65536);
    const std::string whole = FeedInPieces(bytes, {1u << 30}, 65536);
    CPPUNIT_ASSERT(whole.find("3:65528:x") != std::string::npos);
    CPPUNIT_ASSERT_EQUAL(whole, FeedInPieces(bytes, {3, 7, 4096, 1, 65535, 13}, 65536));
  }

  void ReadStraightIntoTheBuffer() {
    const std::vector<uint8_t> bytes = Response(8192);
    FrameStream s(Direction::kFromContainer, 8192);
    std::string log;
    size_t pos = 0;
    while (pos < bytes.size()) {
      const size_t room = s.WriteCapacity();
      CPPUNIT_ASSERT(room > 0);
      size_t n = std::min<size_t>({room, bytes.size() - pos, 5000});
      std::copy(bytes.begin() + static_cast<long>(pos), bytes.begin() + static_cast<long>(pos + n),
                s.WriteSpace());
      s.Commit(n);
      pos += n;
      CPPUNIT_ASSERT(Drain(&s, &log));
    }
    CPPUNIT_ASSERT_EQUAL(expected_, log);
  }

  void WorksInTheCallersStorage() {
    // A guard byte on each side: the stream must stay within its packet.
    std::vector<uint8_t> storage(8192 + 2, 0xee);
    FrameStream s(Direction::kFromContainer, 8192, storage.data() + 1);
    CPPUNIT_ASSERT_EQUAL(size_t{8192}, FrameStream::StorageSize(8192));
    CPPUNIT_ASSERT_EQUAL(kDefaultPacketSize, FrameStream::StorageSize(17));
    CPPUNIT_ASSERT(s.WriteSpace() == storage.data() + 1);
    CPPUNIT_ASSERT_EQUAL(size_t{8192}, s.WriteCapacity());
    const std::vector<uint8_t> bytes = Response(8192);
    std::string log;
    size_t pos = 0;
    while (pos < bytes.size()) {
      const size_t room = s.WriteCapacity();
      CPPUNIT_ASSERT(room > 0);
      uint8_t* space = s.WriteSpace();
      CPPUNIT_ASSERT(space > storage.data() && space + room <= storage.data() + 8193);
      const size_t n = std::min<size_t>({room, bytes.size() - pos, 3000});
      std::copy(bytes.begin() + static_cast<long>(pos), bytes.begin() + static_cast<long>(pos + n),
                space);
      s.Commit(n);
      pos += n;
      CPPUNIT_ASSERT(Drain(&s, &log));
    }
    CPPUNIT_ASSERT_EQUAL(expected_, log);
    CPPUNIT_ASSERT_EQUAL(uint8_t{0xee}, storage.front());
    CPPUNIT_ASSERT_EQUAL(uint8_t{0xee}, storage.back());
  }

  void LentStorageComesAndGoes() {
    std::vector<uint8_t> a(8192), b(8192);
    FrameStream s(Direction::kFromContainer, 8192, nullptr);
    CPPUNIT_ASSERT(!s.attached());
    CPPUNIT_ASSERT(s.WriteSpace() == nullptr);
    CPPUNIT_ASSERT_EQUAL(size_t{0}, s.WriteCapacity());
    const std::vector<uint8_t> cpong = Hex("41 42 00 01 09");
    CPPUNIT_ASSERT_EQUAL(size_t{0}, s.Feed(cpong.data(), cpong.size()));
    ContainerMessage m;
    CPPUNIT_ASSERT(s.NextMessage(&m).code == Errc::kNeedMore);
    s.Attach(a.data());
    CPPUNIT_ASSERT(s.attached());
    // A partial frame, then the storage goes back: what was buffered is forgotten.
    CPPUNIT_ASSERT_EQUAL(size_t{3}, s.Feed(cpong.data(), 3));
    CPPUNIT_ASSERT(s.Detach() == a.data());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, s.buffered());
    s.Attach(b.data());
    CPPUNIT_ASSERT(s.WriteSpace() == b.data());
    CPPUNIT_ASSERT_EQUAL(size_t{5}, s.Feed(cpong.data(), cpong.size()));
    CPPUNIT_ASSERT(s.NextMessage(&m).ok());
    CPPUNIT_ASSERT_EQUAL(int(JK_AJP13_CPONG_REPLY), int(m.type));
    CPPUNIT_ASSERT(s.Detach() == b.data());
    // A buffer larger than a packet: reads may take several packets at once, or stop at one.
    std::vector<uint8_t> big(4 * 8192);
    s.Attach(big.data(), big.size());
    CPPUNIT_ASSERT_EQUAL(big.size(), s.capacity());
    CPPUNIT_ASSERT_EQUAL(size_t{8192}, s.WriteCapacity(/*within_packet=*/true));
    CPPUNIT_ASSERT_EQUAL(big.size(), s.WriteCapacity());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, s.high_water());
    std::vector<uint8_t> three;
    for (int i = 0; i < 3; ++i) three.insert(three.end(), cpong.begin(), cpong.end());
    three.insert(three.end(), cpong.begin(), cpong.begin() + 2);  // and a partial frame
    CPPUNIT_ASSERT_EQUAL(three.size(), s.Feed(three.data(), three.size()));
    CPPUNIT_ASSERT_EQUAL(size_t{17}, s.high_water());
    for (int i = 0; i < 3; ++i) CPPUNIT_ASSERT(s.NextMessage(&m).ok());
    CPPUNIT_ASSERT(s.NextMessage(&m).code == Errc::kNeedMore);
    // The partial frame moves to the front; the room counts from there.
    CPPUNIT_ASSERT(s.WriteSpace() == big.data() + 2);
    CPPUNIT_ASSERT_EQUAL(size_t{8190}, s.WriteCapacity(true));
    CPPUNIT_ASSERT_EQUAL(size_t{3}, s.Feed(cpong.data() + 2, 3));
    CPPUNIT_ASSERT(s.NextMessage(&m).ok());
    CPPUNIT_ASSERT_EQUAL(size_t{17}, s.high_water());  // the most ever written
    CPPUNIT_ASSERT(s.Detach() == big.data());
    CPPUNIT_ASSERT_EQUAL(size_t{8192}, s.capacity());
    // A capacity under a packet is a packet.
    s.Attach(a.data(), 100);
    CPPUNIT_ASSERT_EQUAL(size_t{8192}, s.capacity());
    CPPUNIT_ASSERT_EQUAL(size_t{0}, s.high_water());
    s.Detach();
    // A stream that owns its buffer keeps it.
    FrameStream owner(Direction::kFromContainer, 8192);
    CPPUNIT_ASSERT(owner.Detach() == nullptr);
    CPPUNIT_ASSERT(owner.attached());
    CPPUNIT_ASSERT_EQUAL(size_t{5}, owner.Feed(cpong.data(), cpong.size()));
  }

  void ErrorOffsetCountsFromStreamStart() {
    std::vector<uint8_t> bytes = Hex("41 42 00 02 05 01 41 42 00 01 09 41 43 00 01 09");
    FrameStream s(Direction::kFromContainer, 8192);
    s.Feed(bytes.data(), bytes.size());
    ContainerMessage m;
    CPPUNIT_ASSERT(s.NextMessage(&m).ok());
    CPPUNIT_ASSERT(s.NextMessage(&m).ok());
    CPPUNIT_ASSERT_EQUAL(uint64_t{6}, s.frame_offset());
    Status st = s.NextMessage(&m);
    CPPUNIT_ASSERT(st.code == Errc::kBadMagic);
    CPPUNIT_ASSERT_EQUAL(size_t{12}, st.offset);
    // A message-level error inside a later frame also counts from the stream start.
    FrameStream t(Direction::kFromContainer, 8192);
    bytes = Hex("41 42 00 01 09 41 42 00 02 05 07");
    t.Feed(bytes.data(), bytes.size());
    CPPUNIT_ASSERT(t.NextMessage(&m).ok());
    st = t.NextMessage(&m);
    CPPUNIT_ASSERT(st.code == Errc::kBadValue);
    CPPUNIT_ASSERT_EQUAL(size_t{10}, st.offset);
  }

  void ErrorsAreSticky() {
    const std::vector<uint8_t> bytes = Hex("48 54 54 50");  // "HTTP": not an AJP peer
    FrameStream s(Direction::kFromContainer, 8192);
    s.Feed(bytes.data(), bytes.size());
    ContainerMessage m;
    CPPUNIT_ASSERT(s.NextMessage(&m).code == Errc::kBadMagic);
    const std::vector<uint8_t> good = Hex("41 42 00 01 09");
    s.Feed(good.data(), good.size());
    CPPUNIT_ASSERT(s.NextMessage(&m).code == Errc::kBadMagic);
  }

  void OversizedFrameIsAnErrorBeforeItsBytesArrive() {
    const std::vector<uint8_t> bytes = Hex("41 42 00 01 09 41 42 1f fd");
    FrameStream s(Direction::kFromContainer, 8192);
    s.Feed(bytes.data(), bytes.size());
    ContainerMessage m;
    CPPUNIT_ASSERT(s.NextMessage(&m).ok());
    Status st = s.NextMessage(&m);
    CPPUNIT_ASSERT(st.code == Errc::kFrameTooLarge);
    CPPUNIT_ASSERT_EQUAL(size_t{7}, st.offset);
  }

  void ResetStartsAfresh() {
    FrameStream s(Direction::kFromContainer, 8192);
    const std::vector<uint8_t> bad = Hex("00");
    s.Feed(bad.data(), bad.size());
    ContainerMessage m;
    CPPUNIT_ASSERT(!s.NextMessage(&m).ok());
    s.Reset();
    const std::vector<uint8_t> good = Hex("41 42 00 01 09");
    s.Feed(good.data(), good.size());
    CPPUNIT_ASSERT(s.NextMessage(&m).ok());
    CPPUNIT_ASSERT_EQUAL(int(JK_AJP13_CPONG_REPLY), int(m.type));
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AjpStreamTest);

}  // namespace
}  // namespace mca::ajp
