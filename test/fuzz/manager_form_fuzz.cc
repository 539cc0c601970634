// libFuzzer target for the balancer manager (core/manager: form.cc, render.cc, html.cc,
// snapshot.cc).
//
// Input: a form body. It goes through ParseForm, then ParseCommand on the fields. The same bytes
// also build a Snapshot (see BuildSnapshot: the decoded field values become balancer names,
// member URLs, routes, ... and their bytes drive the numbers and flags), which is rendered as
// JSON, XML, Prometheus text and the HTML page (with HtmlOptions also from the fields).
//
// Checks, besides ASan/UBSan:
//   - ParseForm: on error the message is one line of printable ASCII and the output untouched;
//     on success there are at most kMaxFormFields fields within their limits, no NUL byte, and a
//     body without '%' and '+' decodes to exactly its pieces;
//   - ParseCommand: the same error rules; on success the balancer and member names parse back
//     (config::ParseBalancerUrl / ParseMemberUrl) to themselves, every value of an edit is in
//     its configuration range, set and clear flags are disjoint and inside kAllStatusFlags, and
//     edits of the other kind are empty;
//   - ConstantTimeEquals agrees with ==;
//   - RenderJson is valid JSON (a strict checker: balanced brackets and quotes, valid UTF-8, no
//     raw control character); XML and Prometheus output are valid UTF-8, and every Prometheus
//     line is a comment or one sample line;
//   - RenderHtml is valid UTF-8 with no "<script" anywhere, and escapes every string: the page
//     of a copy of the snapshot whose strings have each of < > " ' replaced by 'x' (same lengths,
//     same emptiness, so the same elements) has exactly as many '<', '>', '"' and '\'': any
//     of them that came through from a snapshot string unescaped would add to the count.
//
// Must not depend on: httpd, APR.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../unit/manager/json_check.h"
#include "mca/config/params.h"
#include "mca/manager/form.h"
#include "mca/manager/render.h"
#include "mca/manager/snapshot.h"

namespace {

namespace cfg = mca::config;
namespace mgr = mca::manager;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckError(const cfg::Error& err) {
  Check(!err.empty() && err.size() <= 2048);
  for (char c : err) Check(c >= 0x20 && c < 0x7F);
}

bool IsLower(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

void CheckCommand(const mgr::Command& c) {
  if (!c.balancer.empty()) {
    cfg::BalancerUrl b;
    Check(cfg::ParseBalancerUrl("balancer://" + c.balancer, &b).empty());
    Check(b.name == c.balancer && b.path.empty() && IsLower(c.balancer));
  }
  if (!c.member.empty()) {
    Check(!c.balancer.empty());
    cfg::MemberUrl m;
    Check(cfg::ParseMemberUrl(c.member, &m).empty() && m.Name() == c.member && m.path.empty());
  } else {
    Check(c.member_edit.empty() && !c.remove_member);
  }
  if (c.balancer.empty() || !c.member.empty()) Check(c.balancer_edit.empty());
  Check(c.has_nonce || c.nonce.empty());
  Check(c.format.empty() || c.format == "json" || c.format == "xml" || c.format == "prometheus" ||
        c.format == "html");

  const mgr::MemberEdit& e = c.member_edit;
  if (e.load_factor) Check(*e.load_factor >= 100 && *e.load_factor <= 10000);
  if (e.lbset) Check(*e.lbset >= 0 && *e.lbset <= 99);
  if (e.route) Check(e.route->size() <= cfg::kMaxRouteLength);
  if (e.redirect) Check(e.redirect->size() <= cfg::kMaxRouteLength);
  Check((e.set_flags & e.clear_flags) == 0);
  Check(((e.set_flags | e.clear_flags) & ~cfg::kAllStatusFlags) == 0);
  Check((e.hc_fields & ~uint32_t{0x1F}) == 0);
  Check(e.hc.hc_interval >= cfg::kMinHcInterval && e.hc.hc_interval <= cfg::kMaxDuration);
  Check(e.hc.hc_passes >= 0 && e.hc.hc_fails >= 0);

  const mgr::BalancerEdit& b = c.balancer_edit;
  if (b.timeout_us) Check(*b.timeout_us >= 0 && *b.timeout_us % 1000000 == 0);
  if (b.max_attempts) Check(*b.max_attempts >= 0);
  if (b.sticky_session) Check(b.sticky_session->size() <= cfg::kMaxStickyLength);
  if (b.add_member) Check(!b.add_member->host.empty() && b.add_member->port >= 1);
}

// A reader over the fuzz bytes for numbers (zero when they run out).
class Bytes {
 public:
  explicit Bytes(std::string_view s) : s_(s) {}
  uint64_t Next(int n) {
    uint64_t v = 0;
    for (int k = 0; k < n; ++k) {
      v = (v << 8) | (i_ < s_.size() ? static_cast<unsigned char>(s_[i_++]) : 0u);
    }
    return v;
  }
  int64_t Signed(int n) { return static_cast<int64_t>(Next(n)); }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// Up to 3 balancers of up to 4 members; strings from the field values, numbers from the bytes.
mgr::Snapshot BuildSnapshot(const mgr::Fields& fields, std::string_view raw) {
  Bytes bytes(raw);
  size_t next = 0;
  auto text = [&]() -> std::string {
    if (fields.empty()) return std::string(raw.substr(0, 16));
    const auto& f = fields[next++ % fields.size()];
    return next % 2 == 0 ? f.first : f.second;
  };
  mgr::Snapshot s;
  s.now_us = bytes.Signed(8);
  const uint64_t balancers = bytes.Next(1) % 4;
  for (uint64_t i = 0; i < balancers; ++i) {
    mgr::BalancerView b;
    b.name = text();
    b.sticky_session = text();
    b.nonce = text();
    b.lb_method = static_cast<cfg::LbMethod>(bytes.Next(1) % 3);
    b.max_attempts = static_cast<int>(bytes.Signed(4));
    b.nofailover = (bytes.Next(1) & 1) != 0;
    b.timeout_us = bytes.Signed(8);
    const uint64_t members = bytes.Next(1) % 5;
    for (uint64_t j = 0; j < members; ++j) {
      mgr::MemberView m;
      m.url = text();
      m.route = text();
      m.redirect = text();
      m.check_reason = text();
      m.load_factor = static_cast<int>(bytes.Signed(4));
      m.lbset = static_cast<int>(bytes.Signed(4));
      m.status = static_cast<uint32_t>(bytes.Next(4));
      m.in_error = (bytes.Next(1) & 1) != 0;
      m.error_until_us = bytes.Signed(8);
      m.healthy = (bytes.Next(1) & 1) != 0;
      m.last_check_us = bytes.Signed(8);
      m.elected = bytes.Next(8);
      m.busy = bytes.Signed(8);
      m.errors = bytes.Next(8);
      m.bytes_sent = bytes.Next(8);
      m.bytes_received = bytes.Next(8);
      m.connections = bytes.Signed(8);
      m.hardmax = static_cast<int>(bytes.Signed(4));
      m.smax = static_cast<int>(bytes.Signed(4));
      m.ttl_us = bytes.Signed(8);
      m.retry_us = bytes.Signed(8);
      m.lbstatus = bytes.Signed(8);
      b.members.push_back(std::move(m));
    }
    s.balancers.push_back(std::move(b));
  }
  return s;
}

// The options view strings of `fields`.
mgr::HtmlOptions BuildOptions(const mgr::Fields& fields, std::string_view raw) {
  mgr::HtmlOptions o;
  const auto value = [&fields](size_t i) {
    return fields.empty() ? std::string_view() : std::string_view(fields[i % fields.size()].second);
  };
  o.action = value(0);
  o.message = value(1);
  o.server_version = value(2);
  o.message_is_error = !raw.empty() && (raw.back() & 1) != 0;
  o.refresh_seconds = raw.size() > 1 ? static_cast<signed char>(raw[raw.size() - 2]) : 0;
  return o;
}

// Each of < > " ' becomes 'x'.
template <typename String>
void Defuse(String* s) {
  for (char& c : *s) {
    if (c == '<' || c == '>' || c == '"' || c == '\'') c = 'x';
  }
}

void CheckHtml(mgr::Snapshot snapshot, mgr::HtmlOptions options) {
  const std::string html = mgr::RenderHtml(snapshot, options);
  Check(mca::manager::test::IsValidUtf8(html));
  Check(html.find("<script") == std::string::npos);
  Check(html.rfind("<!DOCTYPE html>\n", 0) == 0);
  for (mgr::BalancerView& b : snapshot.balancers) {
    Defuse(&b.name);
    Defuse(&b.sticky_session);
    Defuse(&b.nonce);
    for (mgr::MemberView& m : b.members) {
      Defuse(&m.url);
      Defuse(&m.route);
      Defuse(&m.redirect);
      Defuse(&m.check_reason);
    }
  }
  std::string action(options.action);
  std::string message(options.message);
  std::string server_version(options.server_version);
  Defuse(&action);
  Defuse(&message);
  Defuse(&server_version);
  options.action = action;
  options.message = message;
  options.server_version = server_version;
  const std::string plain = mgr::RenderHtml(snapshot, options);
  for (char c : {'<', '>', '"', '\''}) {
    Check(std::count(html.begin(), html.end(), c) == std::count(plain.begin(), plain.end(), c));
  }
}

void CheckPrometheus(const std::string& text) {
  Check(mca::manager::test::IsValidUtf8(text));
  Check(!text.empty() && text.back() == '\n');
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    Check(line.rfind("mod_cluster_ajp_member_", 0) == 0);
    // name{labels} value: the labels close at the last "} ", the value is a plain number.
    const size_t close = line.rfind("} ");
    Check(close != std::string_view::npos);
    const std::string_view value = line.substr(close + 2);
    Check(!value.empty());
    for (char c : value) Check((c >= '0' && c <= '9') || c == '.' || c == '-');
    // Inside the labels every '"' that is not escaped opens or closes a value: an even count.
    int quotes = 0;
    for (size_t i = line.find('{'); i < close; ++i) {
      if (line[i] == '\\') {
        ++i;
      } else if (line[i] == '"') {
        ++quotes;
      }
    }
    Check(quotes % 2 == 0 && quotes >= 6);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  mgr::Fields fields = {{"sentinel", "x"}};
  const cfg::Error err = mgr::ParseForm(in, &fields);
  if (!err.empty()) {
    CheckError(err);
    Check(fields.size() == 1 && fields[0].first == "sentinel" && fields[0].second == "x");
    fields.clear();
  } else {
    Check(fields.size() <= mgr::kMaxFormFields);
    for (const auto& [k, v] : fields) {
      Check(k.size() <= mgr::kMaxFieldNameBytes && v.size() <= mgr::kMaxFieldValueBytes);
      Check(k.find('\0') == std::string::npos && v.find('\0') == std::string::npos);
      Check(mgr::Find(fields, k) != nullptr);
    }
    if (in.find_first_of("%+") == std::string_view::npos) {
      // Without escapes the fields are the pieces themselves.
      std::string joined;
      for (const auto& [k, v] : fields) {
        if (!joined.empty()) joined += '&';
        joined += k;
        joined += '=';
        joined += v;
      }
      std::string pieces;
      size_t start = 0;
      while (start <= in.size()) {
        size_t end = in.find('&', start);
        if (end == std::string_view::npos) end = in.size();
        std::string piece(in.substr(start, end - start));
        start = end + 1;
        if (piece.empty()) continue;
        if (piece.find('=') == std::string::npos) piece += '=';
        if (!pieces.empty()) pieces += '&';
        pieces += piece;
      }
      Check(joined == pieces);
    }

    mgr::Command cmd;
    const cfg::Error cerr = mgr::ParseCommand(fields, &cmd);
    if (cerr.empty()) {
      CheckCommand(cmd);
      Check(mgr::ConstantTimeEquals(cmd.nonce, cmd.nonce));
    } else {
      CheckError(cerr);
    }
  }
  if (fields.size() >= 2) {
    const std::string& a = fields[0].second;
    const std::string& b = fields[1].second;
    Check(mgr::ConstantTimeEquals(a, b) == (a == b));
  }

  const mgr::Snapshot snapshot = BuildSnapshot(fields, in);
  const std::string json = mgr::RenderJson(snapshot);
  Check(mca::manager::test::IsValidJson(json));
  const std::string xml = mgr::RenderXml(snapshot);
  Check(mca::manager::test::IsValidUtf8(xml));
  Check(xml.find('\r') == std::string::npos);
  CheckPrometheus(mgr::RenderPrometheus(snapshot));
  CheckHtml(snapshot, BuildOptions(fields, in));
  return 0;
}
