// Form decoding and manager commands (ParseForm, ParseCommand).
//
// Every value goes through the configuration's own setters (config::ApplyMemberParam /
// ApplyBalancerParam) on a scratch config, so the manager accepts exactly what httpd.conf
// accepts; their messages name the configuration key, which is swapped for the form field.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#include "mca/manager/form.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "mca/config/params.h"
#include "mca/text.h"

namespace mca::manager {
namespace {

using config::Error;

int HexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes `in`, which starts at byte `offset` of the whole input (for messages), into `out`.
Error Decode(std::string_view in, size_t offset, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\0') {
      return "form: NUL byte at byte " + std::to_string(offset + i) + ": not allowed";
    }
    if (c == '+') {
      *out += ' ';
    } else if (c != '%') {
      *out += c;
    } else {
      const int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      const int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return "form: bad %-escape at byte " + std::to_string(offset + i) +
               ": '%' must be followed by two hex digits";
      }
      if (hi == 0 && lo == 0) {
        return "form: %00 at byte " + std::to_string(offset + i) + ": NUL bytes are not allowed";
      }
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return {};
}

// "KEY=VALUE: allowed", the value escaped for one log line.
Error Bad(std::string_view key, std::string_view value, std::string_view allowed) {
  std::string out = config::EscapeForLog(key);
  out += '=';
  out += config::EscapeForLog(value);
  out += ": ";
  out += allowed;
  return out;
}

// A configuration setter's message names its key ("loadfactor=abc: ..."); name the field.
Error Rename(Error err, std::string_view config_key, std::string_view field) {
  if (err.compare(0, config_key.size(), config_key) == 0 && err.size() > config_key.size() &&
      err[config_key.size()] == '=') {
    err.replace(0, config_key.size(), field);
  }
  return err;
}

// Reads the fields of one request, refusing a field given twice with different values.
class Reader {
 public:
  explicit Reader(const Fields& fields) : fields_(fields) {}

  // The value of `key`, or nullptr; sets *err when it is given twice with different values.
  const std::string* Get(std::string_view key, Error* err) const {
    const std::string* first = nullptr;
    for (const auto& [k, v] : fields_) {
      if (k != key) continue;
      if (first == nullptr) {
        first = &v;
      } else if (v != *first && err->empty()) {
        *err = "field '" + config::EscapeForLog(key) + "' is given twice with different values ('" +
               config::EscapeForLog(*first) + "', '" + config::EscapeForLog(v) + "')";
      }
    }
    return first;
  }

 private:
  const Fields& fields_;
};

Error ZeroOrOne(std::string_view field, const std::string& value, bool* out) {
  if (value == "0" || value == "1") {
    *out = value == "1";
    return {};
  }
  return Bad(field, value, "must be 0 or 1");
}

// ---- member edits ---------------------------------------------------------------------------

struct StatusField {
  const char* field;
  uint32_t bit;
};

constexpr StatusField kStatusFields[] = {
    {"w_status_I", config::kStatusIgnoreErrors}, {"w_status_N", config::kStatusDraining},
    {"w_status_D", config::kStatusDisabled},     {"w_status_H", config::kStatusHotStandby},
    {"w_status_R", config::kStatusHotSpare},     {"w_status_S", config::kStatusStopped},
    {"w_status_C", config::kStatusHealthFailed}, {"w_status_E", config::kStatusInError},
};

struct HcFieldName {
  const char* field;
  const char* config_key;
  uint32_t bit;
};

constexpr HcFieldName kHcFields[] = {
    {"w_hi", "hcinterval", kHcInterval}, {"w_hp", "hcpasses", kHcPasses},
    {"w_hf", "hcfails", kHcFails},       {"w_hm", "hcmethod", kHcMethod},
    {"w_hu", "hcuri", kHcUri},
};

bool AllDigits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// One member field through the configuration setter of `config_key`, on `scratch`.
Error ApplyMember(std::string_view field, std::string_view config_key, const std::string& value,
                  config::MemberConfig* scratch) {
  return Rename(config::ApplyMemberParam(config_key, value, scratch), config_key, field);
}

Error ParseMemberEdit(const Reader& in, MemberEdit* out, bool* remove) {
  Error err;
  config::MemberConfig scratch;
  if (const std::string* v = in.Get("w_lf", &err)) {
    if (err.empty()) err = ApplyMember("w_lf", "loadfactor", *v, &scratch);
    if (err.empty()) out->load_factor = scratch.load_factor;
  }
  if (const std::string* v = in.Get("w_ls", &err)) {
    if (err.empty()) err = ApplyMember("w_ls", "lbset", *v, &scratch);
    if (err.empty()) out->lbset = scratch.lbset;
  }
  if (const std::string* v = in.Get("w_wr", &err)) {
    if (err.empty()) err = ApplyMember("w_wr", "route", *v, &scratch);
    if (err.empty()) out->route = scratch.route;
  }
  if (const std::string* v = in.Get("w_rr", &err)) {
    if (err.empty()) err = ApplyMember("w_rr", "redirect", *v, &scratch);
    if (err.empty()) out->redirect = scratch.redirect;
  }
  for (const StatusField& s : kStatusFields) {
    if (!err.empty()) break;
    const std::string* v = in.Get(s.field, &err);
    bool on = false;
    if (v != nullptr && err.empty()) err = ZeroOrOne(s.field, *v, &on);
    if (v != nullptr && err.empty()) (on ? out->set_flags : out->clear_flags) |= s.bit;
  }
  for (const HcFieldName& h : kHcFields) {
    if (!err.empty()) break;
    const std::string* v = in.Get(h.field, &err);
    if (v == nullptr || !err.empty()) continue;
    if (h.bit == kHcInterval) {
      // mod_proxy_balancer's form: a bare number is milliseconds.
      const std::string with_unit = AllDigits(*v) ? *v + "ms" : *v;
      if (!config::ApplyMemberParam(h.config_key, with_unit, &out->hc).empty()) {
        err = Bad(h.field, *v,
                  "must be a time from 100ms to 2147483647s: a whole number, then ms, s, mi "
                  "(minutes) or h; no unit means ms");
      }
    } else {
      err = ApplyMember(h.field, h.config_key, *v, &out->hc);
    }
    if (err.empty()) out->hc_fields |= h.bit;
  }
  if (const std::string* v = in.Get("w_remove", &err)) {
    if (err.empty()) err = ZeroOrOne("w_remove", *v, remove);
  }
  return err;
}

// ---- balancer edits -------------------------------------------------------------------------

Error ApplyBalancer(std::string_view field, std::string_view config_key, const std::string& value,
                    config::BalancerConfig* scratch) {
  return Rename(config::ApplyBalancerParam(config_key, value, scratch), config_key, field);
}

Error ParseBalancerEdit(const Reader& in, BalancerEdit* out) {
  Error err;
  config::BalancerConfig scratch;
  if (const std::string* v = in.Get("b_lbm", &err)) {
    if (err.empty()) err = ApplyBalancer("b_lbm", "lbmethod", *v, &scratch);
    if (err.empty()) out->lb_method = scratch.lb_method;
  }
  if (const std::string* v = in.Get("b_tmo", &err)) {
    if (err.empty() && *v == "0") {
      out->timeout_us = 0;  // mod_proxy_balancer's default, which its form sends back
    } else if (err.empty()) {
      if (config::ApplyBalancerParam("timeout", *v, &scratch).empty()) {
        out->timeout_us = scratch.timeout.count();
      } else {
        err = Bad("b_tmo", *v,
                  "must be 0 (do not wait) or a whole number of seconds from 1 to 2147483647");
      }
    }
  }
  if (const std::string* v = in.Get("b_max", &err)) {
    if (err.empty()) err = ApplyBalancer("b_max", "maxattempts", *v, &scratch);
    if (err.empty()) out->max_attempts = scratch.max_attempts;
  }
  if (const std::string* v = in.Get("b_sforce", &err)) {
    bool on = false;
    if (err.empty()) err = ZeroOrOne("b_sforce", *v, &on);
    if (err.empty()) out->sticky_force = on;
  }
  if (const std::string* v = in.Get("b_ss", &err); v != nullptr && !v->empty()) {
    if (err.empty() && *v == "-") {
      out->sticky_session = std::string();
    } else if (err.empty()) {
      err = ApplyBalancer("b_ss", "stickysession", *v, &scratch);
      if (err.empty()) out->sticky_session = scratch.sticky_session;
    }
  }
  const std::string* yes = in.Get("b_wyes", &err);
  const std::string* url = in.Get("b_nwrkr", &err);
  if (err.empty() && yes != nullptr && !yes->empty()) {
    config::MemberUrl member;
    if (url == nullptr || url->empty()) {
      err = "b_wyes=" + config::EscapeForLog(*yes) +
            ": b_nwrkr (the URL of the member to add, ajp://host:port) is missing";
    } else if (const Error url_err = config::ParseMemberUrl(*url, &member); !url_err.empty()) {
      err = Bad("b_nwrkr", *url, "must be a member URL ajp://host[:port] (" + url_err + ")");
    } else {
      out->add_member = std::move(member);
    }
  }
  return err;
}

// ---- selection ------------------------------------------------------------------------------

Error ParseBalancerName(const std::string& value, std::string* name) {
  constexpr std::string_view kPrefix = "balancer://";
  std::string url(kPrefix);
  url += config::IsBalancerUrl(value) ? std::string_view(value).substr(kPrefix.size()) : value;
  config::BalancerUrl parsed;
  if (!config::ParseBalancerUrl(url, &parsed).empty() || !parsed.path.empty()) {
    return Bad("b", value,
               "must be a balancer name of 1 to 84 letters, digits, '-', '.' or '_', with or "
               "without balancer://");
  }
  *name = std::move(parsed.name);
  return {};
}

Error ParseMemberName(const std::string& value, std::string* name) {
  config::MemberUrl parsed;
  Error err = config::ParseMemberUrl(value, &parsed);
  if (err.empty() && !parsed.path.empty()) err = "a path is not allowed here";
  if (!err.empty()) {
    return Bad("w", value, "must be a member URL ajp://host[:port] (" + err + ")");
  }
  *name = parsed.Name();
  return {};
}

constexpr const char* kFormats[] = {"json", "xml", "prometheus", "html"};

Error ParseFormat(const std::string& value, std::string* format) {
  if (value.empty()) {
    format->clear();
    return {};
  }
  for (const char* f : kFormats) {
    if (text::EqualsIgnoreAsciiCase(value, f)) {
      *format = f;
      return {};
    }
  }
  return Bad("format", value, "must be one of json, xml, prometheus, html");
}

}  // namespace

Error ParseForm(std::string_view encoded, Fields* out) {
  if (encoded.size() > kMaxFormBytes) {
    return "form: " + std::to_string(encoded.size()) + " bytes; at most " +
           std::to_string(kMaxFormBytes) + " are allowed";
  }
  Fields fields(out->get_allocator());  // the list in the caller's memory
  size_t start = 0;
  while (start <= encoded.size()) {
    size_t end = encoded.find('&', start);
    if (end == std::string_view::npos) end = encoded.size();
    const std::string_view piece = encoded.substr(start, end - start);
    const size_t piece_start = start;
    start = end + 1;
    if (piece.empty()) continue;
    if (fields.size() == kMaxFormFields) {
      return "form: more than " + std::to_string(kMaxFormFields) + " fields";
    }
    const size_t eq = piece.find('=');
    const std::string_view key = piece.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : piece.substr(eq + 1);
    std::pair<std::string, std::string> field;
    Error err = Decode(key, piece_start, &field.first);
    if (err.empty()) err = Decode(value, piece_start + eq + 1, &field.second);
    if (!err.empty()) return err;
    if (field.first.size() > kMaxFieldNameBytes) {
      return "form: field name '" + config::EscapeForLog(field.first) + "' is longer than " +
             std::to_string(kMaxFieldNameBytes) + " bytes";
    }
    if (field.second.size() > kMaxFieldValueBytes) {
      return "form: the value of '" + config::EscapeForLog(field.first) + "' is longer than " +
             std::to_string(kMaxFieldValueBytes) + " bytes";
    }
    fields.push_back(std::move(field));
  }
  *out = std::move(fields);
  return {};
}

const std::string* Find(const Fields& fields, std::string_view key) {
  for (const auto& [k, v] : fields) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool MemberEdit::empty() const {
  return !load_factor && !lbset && !route && !redirect && set_flags == 0 && clear_flags == 0 &&
         hc_fields == 0;
}

bool BalancerEdit::empty() const {
  return !lb_method && !timeout_us && !max_attempts && !sticky_force && !sticky_session &&
         !add_member;
}

bool Command::HasChanges() const {
  return !member_edit.empty() || !balancer_edit.empty() || remove_member;
}

Error ParseCommand(const Fields& fields, Command* out) {
  const Reader in(fields);
  Command& cmd = *out;  // filled in place: a Command is too large for a worker's stack frame
  Error err;
  if (const std::string* v = in.Get("format", &err); v != nullptr && err.empty()) {
    err = ParseFormat(*v, &cmd.format);
  }
  cmd.xml = in.Get("xml", &err) != nullptr;
  if (const std::string* v = in.Get("nonce", &err); v != nullptr && err.empty()) {
    cmd.nonce = *v;
    cmd.has_nonce = true;
  }
  const std::string* b = in.Get("b", &err);
  if (b != nullptr && err.empty()) err = ParseBalancerName(*b, &cmd.balancer);
  const std::string* w = in.Get("w", &err);
  if (w != nullptr && err.empty()) {
    err = b == nullptr ? Bad("w", *w, "needs b, the balancer the member belongs to")
                       : ParseMemberName(*w, &cmd.member);
  }
  if (err.empty() && b != nullptr) {
    err = w != nullptr ? ParseMemberEdit(in, &cmd.member_edit, &cmd.remove_member)
                       : ParseBalancerEdit(in, &cmd.balancer_edit);
  }
  return err;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept {
  // Every byte of `a` is compared (against b's bytes, cycling), whatever the contents.
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y =
        b.empty() ? static_cast<unsigned char>(~x) : static_cast<unsigned char>(b[i % b.size()]);
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

}  // namespace mca::manager
