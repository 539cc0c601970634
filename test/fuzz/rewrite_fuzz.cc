// libFuzzer target for response header rewriting (core/proxy/rewrite.cc).
//
// Input layout, split on '\n':
//   line 0   a Set-Cookie value
//   line 1   a Location value
//   line 2   the request's Host
//   line 3   flags: first byte odd = is_ssl
//   line 4+  rules "first<TAB>second", used as (internal, public) cookie path and domain rules
//            and as ReverseRule{public_path = second, backend = first}
//
// Checks, besides ASan/UBSan:
//   RewriteSetCookie  a result differs from the input only inside the values of Path and Domain
//                     attributes: same ';'-separated parts, the cookie itself and every other
//                     part byte for byte, the name, '=' and the whitespace around the value kept;
//                     new values have no control character, ';' or ','.
//   RewriteLocation   a result differs from the value; keeps the value's query and fragment as
//                     its suffix; a rewritten path stays a path starting with exactly one '/';
//                     a control character in the result was in the value (never from Host).
//
// Must not depend on: httpd, APR.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mca/proxy/rewrite.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<std::string_view> Split(std::string_view s, char delim) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == delim) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

bool IsControl(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c < 0x20 || c == 0x7F;
}

bool HasControl(std::string_view s) {
  for (char c : s) {
    if (IsControl(c)) return true;
  }
  return false;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// name '=' OWS value OWS → (everything up to the value, value, trailing OWS).
struct Attr {
  std::string_view head;
  std::string_view value;
  std::string_view tail;
};

bool SplitAttr(std::string_view part, Attr* out) {
  const size_t eq = part.find('=');
  if (eq == std::string_view::npos) return false;
  size_t vb = eq + 1;
  size_t ve = part.size();
  while (vb < ve && IsOws(part[vb])) ++vb;
  while (ve > vb && IsOws(part[ve - 1])) --ve;
  out->head = part.substr(0, vb);
  out->value = part.substr(vb, ve - vb);
  out->tail = part.substr(ve);
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

void CheckCookie(std::string_view in, const std::optional<std::string>& out) {
  if (!out) return;
  Check(*out != in);
  const auto a = Split(in, ';');
  const auto b = Split(*out, ';');
  Check(a.size() == b.size());
  Check(a[0] == b[0]);
  for (size_t i = 1; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    Attr x;
    Attr y;
    Check(SplitAttr(a[i], &x) && SplitAttr(b[i], &y));
    Check(x.head == y.head && x.tail == y.tail);
    const std::string name = Lower(TrimOws(x.head.substr(0, x.head.find('='))));
    Check(name == "path" || name == "domain");
    Check(!y.value.empty() && !HasControl(y.value) && y.value.find(',') == std::string_view::npos);
    if (name == "path") Check(y.value[0] == '/');
  }
}

void CheckLocation(std::string_view value, const std::optional<std::string>& out) {
  if (!out) return;
  Check(*out != value);
  Check(!out->empty());
  const bool is_path =
      value.size() >= 1 && value[0] == '/' && (value.size() == 1 || value[1] != '/');
  size_t tail_start = 0;
  if (!is_path) {
    const size_t scheme_end = value.find("://");
    Check(scheme_end != std::string_view::npos);
    tail_start = scheme_end + 3;
    const size_t auth_end = value.find_first_of("/?#", tail_start);
    tail_start = auth_end == std::string_view::npos ? value.size() : auth_end;
  }
  const size_t q = value.find_first_of("?#", tail_start);
  if (q != std::string_view::npos) {
    const std::string_view suffix = value.substr(q);
    Check(out->size() >= suffix.size() &&
          out->compare(out->size() - suffix.size(), suffix.size(), suffix) == 0);
  }
  if (is_path) Check((*out)[0] == '/' && (out->size() == 1 || (*out)[1] != '/'));
  // A relative result (from a path, or without a usable Host) is never a network-path reference.
  if ((*out)[0] == '/') Check(out->size() == 1 || (*out)[1] != '/');
  if (HasControl(*out)) Check(HasControl(value));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const auto lines = Split(all, '\n');
  const std::string_view cookie = lines[0];
  const std::string_view location = lines.size() > 1 ? lines[1] : std::string_view();
  const std::string_view host = lines.size() > 2 ? lines[2] : std::string_view();
  const bool is_ssl = lines.size() > 3 && !lines[3].empty() && (lines[3][0] & 1) != 0;

  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<mca::proxy::ReverseRule> rules;
  for (size_t i = 4; i < lines.size() && pairs.size() < 16; ++i) {
    const size_t tab = lines[i].find('\t');
    const std::string_view first = lines[i].substr(0, tab);
    const std::string_view second =
        tab == std::string_view::npos ? std::string_view() : lines[i].substr(tab + 1);
    pairs.emplace_back(std::string(first), std::string(second));
    rules.push_back(mca::proxy::ReverseRule{std::string(second), std::string(first)});
  }

  CheckCookie(cookie, mca::proxy::RewriteSetCookie(cookie, pairs, pairs));
  CheckCookie(cookie, mca::proxy::RewriteSetCookie(cookie, pairs, {}));
  CheckCookie(cookie, mca::proxy::RewriteSetCookie(cookie, {}, pairs));
  CheckLocation(location, mca::proxy::RewriteLocation(location, rules, host, is_ssl));
  // The cookie line as a Location too: more shapes for the same rules.
  CheckLocation(cookie, mca::proxy::RewriteLocation(cookie, rules, host, !is_ssl));
  return 0;
}
