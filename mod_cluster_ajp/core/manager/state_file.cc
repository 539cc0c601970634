// The manager's state file (include/mca/manager/state_file.h).
#include "mca/manager/state_file.h"

#include <charconv>
#include <limits>

namespace mca::manager {
namespace {

constexpr std::string_view kHeader = "mod_cluster_ajp-state 2";
constexpr std::string_view kHeaderV1 = "mod_cluster_ajp-state 1";  // read; no sticky, no added
constexpr size_t kMaxKey = 383;
constexpr size_t kMaxText = 63;

bool Plain(unsigned char c) { return c > 0x20 && c < 0x7F && c != '%' && c != '='; }

void Encode(std::string_view in, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (Plain(c)) {
      out->push_back(ch);
    } else {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool Decode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      if (!Plain(static_cast<unsigned char>(in[i]))) return false;
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]);
    const int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

template <typename T>
bool Number(std::string_view s, T lo, T hi, T* out) {
  if (s.empty()) return false;
  T v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

std::vector<std::string_view> Split(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= line.size()) {
    const size_t sp = line.find(' ', start);
    const size_t end = sp == std::string_view::npos ? line.size() : sp;
    out.push_back(line.substr(start, end - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

// "name=value" with the expected name.
bool Field(std::string_view token, std::string_view name, std::string_view* value) {
  if (token.size() <= name.size() || token.compare(0, name.size(), name) != 0 ||
      token[name.size()] != '=') {
    return false;
  }
  *value = token.substr(name.size() + 1);
  return true;
}

config::Error ParseBalancer(const std::vector<std::string_view>& t, int version, SavedBalancer* b) {
  std::string_view v;
  const size_t fields = version == 1 ? 7 : 8;
  if (t.size() != fields) return "a balancer record has " + std::to_string(fields) + " fields";
  if (!Decode(t[1], &b->key) || b->key.empty() || b->key.size() > kMaxKey) return "bad key";
  if (!Field(t[2], "edited", &v) || !Number<uint32_t>(v, 0, UINT32_MAX, &b->edited)) {
    return "bad edited=";
  }
  if (!Field(t[3], "lbmethod", &v) || !Number<uint32_t>(v, 0, 2, &b->lb_method)) {
    return "bad lbmethod=";
  }
  if (!Field(t[4], "maxattempts", &v) ||
      !Number<int32_t>(v, -1, std::numeric_limits<int32_t>::max(), &b->max_attempts)) {
    return "bad maxattempts=";
  }
  if (!Field(t[5], "timeout", &v) ||
      !Number<int64_t>(v, 0, std::numeric_limits<int64_t>::max(), &b->timeout_us)) {
    return "bad timeout=";
  }
  uint32_t nf = 0;
  if (!Field(t[6], "nofailover", &v) || !Number<uint32_t>(v, 0, 1, &nf)) {
    return "bad nofailover=";
  }
  b->nofailover = nf != 0;
  if (version > 1 &&
      (t[7].substr(0, 14) != "stickysession=" || !Decode(t[7].substr(14), &b->sticky_session) ||
       b->sticky_session.size() > config::kMaxStickyLength)) {
    return "bad stickysession=";
  }
  return "";
}

config::Error ParseMember(const std::vector<std::string_view>& t, int version, SavedMember* m) {
  std::string_view v;
  const size_t fields = version == 1 ? 13 : 14;
  if (t.size() != fields) return "a member record has " + std::to_string(fields) + " fields";
  if (!Decode(t[1], &m->key) || m->key.empty() || m->key.size() > kMaxKey) return "bad key";
  if (!Field(t[2], "edited", &v) || !Number<uint32_t>(v, 0, UINT32_MAX, &m->edited)) {
    return "bad edited=";
  }
  if (!Field(t[3], "loadfactor", &v) || !Number<int32_t>(v, 1, 10000, &m->load_factor)) {
    return "bad loadfactor=";
  }
  if (!Field(t[4], "lbset", &v) || !Number<int32_t>(v, 0, 99, &m->lbset)) return "bad lbset=";
  std::string_view route;
  std::string_view redirect;
  // Field() needs a value; an empty route is written "route=" and taken here by hand.
  if (t[5].substr(0, 6) != "route=") return "bad route=";
  route = t[5].substr(6);
  if (t[6].substr(0, 9) != "redirect=") return "bad redirect=";
  redirect = t[6].substr(9);
  if (!Decode(route, &m->route) || m->route.size() > kMaxText) return "bad route=";
  if (!Decode(redirect, &m->redirect) || m->redirect.size() > kMaxText) return "bad redirect=";
  if (!Field(t[7], "status", &v) ||
      !Number<uint32_t>(v, 0, config::kAdminStatusFlags, &m->status) ||
      (m->status & ~config::kAdminStatusFlags) != 0) {
    return "bad status=";
  }
  if (!Field(t[8], "hcmethod", &v) || !Number<uint32_t>(v, 0, 5, &m->hc_method)) {
    return "bad hcmethod=";
  }
  if (!Field(t[9], "hcinterval", &v) ||
      !Number<int64_t>(v, config::kMinHcInterval.count(), config::kMaxDuration.count(),
                       &m->hc_interval_us)) {
    return "bad hcinterval=";
  }
  if (!Field(t[10], "hcpasses", &v) || !Number<uint32_t>(v, 1, INT32_MAX, &m->hc_passes)) {
    return "bad hcpasses=";
  }
  if (!Field(t[11], "hcfails", &v) || !Number<uint32_t>(v, 1, INT32_MAX, &m->hc_fails)) {
    return "bad hcfails=";
  }
  if (t[12].substr(0, 6) != "hcuri=" || !Decode(t[12].substr(6), &m->hc_uri) ||
      m->hc_uri.size() > kMaxText) {
    return "bad hcuri=";
  }
  uint32_t added = 0;
  if (version > 1 && (!Field(t[13], "added", &v) || !Number<uint32_t>(v, 0, 1, &added))) {
    return "bad added=";
  }
  m->added = added != 0;
  return "";
}

}  // namespace

bool SavedBalancer::operator==(const SavedBalancer& o) const {
  return key == o.key && edited == o.edited && lb_method == o.lb_method &&
         max_attempts == o.max_attempts && timeout_us == o.timeout_us &&
         nofailover == o.nofailover && sticky_session == o.sticky_session;
}

bool SavedMember::operator==(const SavedMember& o) const {
  return key == o.key && edited == o.edited && load_factor == o.load_factor && lbset == o.lbset &&
         route == o.route && redirect == o.redirect && status == o.status &&
         hc_method == o.hc_method && hc_passes == o.hc_passes && hc_fails == o.hc_fails &&
         hc_interval_us == o.hc_interval_us && hc_uri == o.hc_uri && added == o.added;
}

std::string FormatState(const SavedState& state) {
  std::string out(kHeader);
  out += '\n';
  for (const SavedBalancer& b : state.balancers) {
    out += "balancer ";
    Encode(b.key, &out);
    out += " edited=" + std::to_string(b.edited) + " lbmethod=" + std::to_string(b.lb_method) +
           " maxattempts=" + std::to_string(b.max_attempts) +
           " timeout=" + std::to_string(b.timeout_us) + " nofailover=" + (b.nofailover ? "1" : "0");
    out += " stickysession=";
    Encode(b.sticky_session, &out);
    out += '\n';
  }
  for (const SavedMember& m : state.members) {
    out += "member ";
    Encode(m.key, &out);
    out += " edited=" + std::to_string(m.edited) + " loadfactor=" + std::to_string(m.load_factor) +
           " lbset=" + std::to_string(m.lbset) + " route=";
    Encode(m.route, &out);
    out += " redirect=";
    Encode(m.redirect, &out);
    out += " status=" + std::to_string(m.status);
    out += " hcmethod=" + std::to_string(m.hc_method) +
           " hcinterval=" + std::to_string(m.hc_interval_us) +
           " hcpasses=" + std::to_string(m.hc_passes) + " hcfails=" + std::to_string(m.hc_fails) +
           " hcuri=";
    Encode(m.hc_uri, &out);
    out += m.added ? " added=1" : " added=0";
    out += '\n';
  }
  return out;
}

config::Error ParseState(std::string_view text, SavedState* out) {
  if (text.size() > kMaxStateFileBytes) return "state file larger than 4 MiB";
  SavedState st;
  size_t line_no = 0;
  size_t pos = 0;
  int version = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return "line " + std::to_string(line_no + 1) + ": no end";
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    if (version == 0) {
      if (line == kHeader) {
        version = 2;
      } else if (line == kHeaderV1) {
        version = 1;
      } else {
        return where + "not a mod_cluster_ajp state file (version 1 or 2)";
      }
      continue;
    }
    const std::vector<std::string_view> t = Split(line);
    config::Error err;
    if (t[0] == "balancer") {
      SavedBalancer b;
      err = ParseBalancer(t, version, &b);
      if (err.empty()) st.balancers.push_back(std::move(b));
    } else if (t[0] == "member") {
      SavedMember m;
      err = ParseMember(t, version, &m);
      if (err.empty()) st.members.push_back(std::move(m));
    } else {
      err = "unknown record";
    }
    if (!err.empty()) return where + err;
  }
  if (version == 0) return "empty state file";
  *out = std::move(st);
  return "";
}

}  // namespace mca::manager
