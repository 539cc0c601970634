// Fuzz target: encode -> decode round trip of FORWARD_REQUEST and of the container messages.
// The input is cut at NUL bytes into the fields of a request. Whatever the encoder accepts must
// decode to exactly the same request; whatever it refuses must be refused with kBadValue or
// kDoesNotFit and no bytes written.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "mca/ajp/constants.h"
#include "mca/ajp/request.h"
#include "mca/ajp/response.h"
#include "mca/text.h"

namespace {

using namespace mca::ajp;

class Fields {
 public:
  Fields(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  std::string_view Next() {
    size_t nul = rest_.find('\0');
    std::string_view out = rest_.substr(0, nul);
    rest_ = nul == std::string_view::npos ? std::string_view() : rest_.substr(nul + 1);
    return out;
  }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void RoundTripRequest(const ForwardRequest& r, size_t packet_size) {
  std::vector<uint8_t> buf(packet_size);
  size_t n = 0;
  mca::Status s = EncodeForwardRequest(r, buf.data(), packet_size, &n);
  if (!s.ok()) {
    Check(n == 0);
    Check(s.code == mca::Errc::kBadValue || s.code == mca::Errc::kDoesNotFit);
    return;
  }
  Check(n <= packet_size);
  buf.resize(n);
  Frame f;
  Check(ParseFrame(buf.data(), n, Direction::kToContainer, packet_size, &f).ok());
  Check(f.size() == n);
  ForwardRequest d;
  Check(DecodeForwardRequest(f, &d).ok());
  Check(d.method == r.method && d.protocol == r.protocol && d.uri == r.uri);
  Check(d.remote_addr == r.remote_addr && d.remote_host == r.remote_host);
  Check(d.server_name == r.server_name && d.server_port == r.server_port);
  Check(d.is_ssl == r.is_ssl && d.headers.size() == r.headers.size());
  for (size_t i = 0; i < r.headers.size(); ++i) {
    Check(mca::text::EqualsIgnoreAsciiCase(d.headers[i].name, r.headers[i].name));
    Check(d.headers[i].value == r.headers[i].value);
  }
  Check(d.secret == r.secret && d.remote_user == r.remote_user && d.auth_type == r.auth_type);
  Check(d.query_string == r.query_string && d.route == r.route && d.ssl_cert == r.ssl_cert);
  Check(d.ssl_cipher == r.ssl_cipher && d.ssl_session == r.ssl_session);
  Check(d.ssl_key_size == r.ssl_key_size && d.attributes.size() == r.attributes.size());
  for (size_t i = 0; i < r.attributes.size(); ++i) {
    Check(d.attributes[i].name == r.attributes[i].name);
    Check(d.attributes[i].value == r.attributes[i].value);
  }
}

void RoundTripBody(std::string_view data, size_t packet_size) {
  std::vector<uint8_t> buf(packet_size);
  size_t n = 0;
  mca::Status s = EncodeSendBodyChunk(data, buf.data(), packet_size, &n);
  Check(s.ok() == (data.size() <= MaxResponseChunkData(packet_size)));
  if (!s.ok()) return;
  Frame f;
  Check(ParseFrame(buf.data(), n, Direction::kFromContainer, packet_size, &f).ok());
  ContainerMessage m;
  Check(DecodeContainerMessage(f, &m).ok());
  Check(m.type == JK_AJP13_SEND_BODY_CHUNK && m.chunk == data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint8_t flags = data[0];
  const uint8_t attrs = data[1];
  const uint16_t port = static_cast<uint16_t>((data[2] << 8) | data[3]);
  Fields f(data + 4, size - 4);
  ForwardRequest r;
  r.method = f.Next();
  r.protocol = f.Next();
  r.uri = f.Next();
  r.remote_addr = f.Next();
  if (flags & 1) r.remote_host = f.Next();
  r.server_name = f.Next();
  r.server_port = port;
  r.is_ssl = (flags & 2) != 0;
  std::optional<std::string_view>* optional[] = {&r.secret,       &r.remote_user, &r.auth_type,
                                                 &r.query_string, &r.route,       &r.ssl_cert,
                                                 &r.ssl_cipher,   &r.ssl_session};
  for (size_t i = 0; i < 8; ++i) {
    if (attrs & (1u << i)) *optional[i] = f.Next();
  }
  if (flags & 4) r.ssl_key_size = port;
  const size_t attribute_count = (flags >> 3) & 3;
  for (size_t i = 0; i < attribute_count && !f.empty(); ++i) {
    RequestAttribute a;
    a.name = f.Next();
    a.value = f.Next();
    r.attributes.push_back(a);
  }
  while (!f.empty()) {
    Header h;
    h.name = f.Next();
    h.value = f.Next();
    r.headers.push_back(h);
  }
  const size_t packet_size = (flags & 0x20) ? kMaxPacketSize : kDefaultPacketSize;
  RoundTripRequest(r, packet_size);
  RoundTripBody(std::string_view(reinterpret_cast<const char*>(data), size), packet_size);
  return 0;
}
