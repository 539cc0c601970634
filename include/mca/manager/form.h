// The balancer manager's input: an application/x-www-form-urlencoded body (or query string)
// decoded into fields (ParseForm), and the fields turned into one checked edit command
// (ParseCommand) that the glue applies to the shared member table.
//
// The field names are mod_proxy_balancer's (httpd 2.4, balancer_handler and
// balancer_process_balancer_worker), so scripts written for its balancer-manager keep working:
//   b            balancer name ("testcluster" or "balancer://testcluster")
//   w            member URL ("ajp://127.0.0.1:8009"); selects the member to edit
//   nonce        the balancer's nonce; the glue compares it with ConstantTimeEquals
//   xml          present: answer in XML, as mod_proxy_balancer's ?xml=1 (ours also: format=)
//   w_lf w_ls w_wr w_rr w_status_[INDHRSCE] w_hi w_hp w_hf w_hm w_hu w_remove   member edits
//   b_lbm b_tmo b_max b_sforce b_ss b_nwrkr b_wyes                             balancer edits
// Unknown fields are ignored, as mod_proxy_balancer ignores them. Member edits are read only
// when `w` is given, balancer edits only when it is not (the others are ignored), and neither
// without `b`.
//
// Where mod_proxy_balancer reads numbers with atoi/atof and silently keeps the old value when
// one is out of range, every value here is checked by the same code as the configuration
// (config::ApplyMemberParam / ApplyBalancerParam) and a bad one is an error naming the field, the
// value and what is allowed, e.g.
//   w_lf=abc: must be a number from 1 to 100
// Deliberate differences from the configuration keys, for compatibility with mod_proxy_balancer's
// own form (which sends the current values back):
//   - w_hi without a unit is milliseconds (the form shows the interval in ms; hcinterval= in the
//     configuration is seconds);
//   - b_tmo=0 means "do not wait" (the form shows 0 by default; timeout= must be at least 1);
//   - b_ss="-" clears the sticky session name, an empty b_ss changes nothing.
// Ours, not mod_proxy_balancer's: w_status_E (1 puts the member in error, 0 takes it out: the
// glue also clears its error time), w_remove=1 (remove member w; other member edits are then
// moot), format=json|xml|prometheus|html.
// Values are decoded once (mod_proxy_balancer decodes twice because its own page escapes names
// before the browser encodes them again; our page does not).
//
// A field the command reads may appear more than once only with the same value each time: two
// different nonces or load factors in one request are refused, not resolved by position.
//
// Errors are config::Error: empty on success, otherwise one line of printable ASCII (values go
// through config::EscapeForLog). On error the output is unchanged. Nothing throws except
// std::bad_alloc.
//
// Must not depend on: httpd, APR (apr_table_t, ap_unescape_url), anything outside the C++17
// standard library and the core.
#ifndef MCA_MANAGER_FORM_H_
#define MCA_MANAGER_FORM_H_

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mca/config/params.h"

namespace mca::manager {

// Limits of ParseForm. A real form has about 20 fields of a few bytes each.
inline constexpr size_t kMaxFormBytes = size_t{64} * 1024;  // the encoded input
inline constexpr size_t kMaxFormFields = 64;
inline constexpr size_t kMaxFieldNameBytes = 64;     // decoded
inline constexpr size_t kMaxFieldValueBytes = 1024;  // decoded

// Decoded (key, value) pairs in the order given; keys may repeat.
using Fields = std::pmr::vector<std::pair<std::string, std::string>>;

// application/x-www-form-urlencoded: pieces separated by '&' (empty pieces are skipped), each
// split at its first '=' into key and value (no '=': the value is ""), '+' is a space and %XX
// (hex digits in any case) a byte. Errors: a '%' not followed by two hex digits, a NUL byte (raw
// or %00), more than kMaxFormFields pieces, a decoded key or value over its limit, input over
// kMaxFormBytes.
// An empty key ("=x") is kept as a field named "" (and so ignored by ParseCommand).
config::Error ParseForm(std::string_view encoded, Fields* out);

// The first value given for `key` (exact, case-sensitive), or nullptr.
const std::string* Find(const Fields& fields, std::string_view key);

// Bits of MemberEdit::hc_fields: which health check settings the form gave.
enum HcField : uint32_t {
  kHcInterval = 1u << 0,  // w_hi -> hc.hc_interval
  kHcPasses = 1u << 1,    // w_hp -> hc.hc_passes
  kHcFails = 1u << 2,     // w_hf -> hc.hc_fails
  kHcMethod = 1u << 3,    // w_hm -> hc.hc_method
  kHcUri = 1u << 4,       // w_hu -> hc.hc_uri
};

// Changes to one member (fields w_*). Each optional is set when its field was given.
struct MemberEdit {
  std::optional<int> load_factor;       // w_lf, hundredths: 100..10000 (loadfactor 1..100)
  std::optional<int> lbset;             // w_ls, 0..99
  std::optional<std::string> route;     // w_wr; "" clears it
  std::optional<std::string> redirect;  // w_rr; "" clears it
  uint32_t set_flags = 0;               // config::kStatus* bits to set (w_status_X=1)
  uint32_t clear_flags = 0;             // ... and to clear (w_status_X=0); disjoint from set
  config::MemberConfig hc;              // health check settings, valid where hc_fields says
  uint32_t hc_fields = 0;               // HcField bits

  bool empty() const;  // nothing to change
};

// Changes to one balancer (fields b_*).
struct BalancerEdit {
  std::optional<config::LbMethod> lb_method;    // b_lbm
  std::optional<int64_t> timeout_us;            // b_tmo, whole seconds; 0: do not wait
  std::optional<int> max_attempts;              // b_max
  std::optional<bool> sticky_force;             // b_sforce: nofailover
  std::optional<std::string> sticky_session;    // b_ss; "" (from "-"): no sticky sessions
  std::optional<config::MemberUrl> add_member;  // b_nwrkr, when b_wyes is non-empty

  bool empty() const;  // nothing to change
};

// One request to the manager.
struct Command {
  std::string balancer;  // b: lower case, without "balancer://"; "" when absent
  std::string member;    // w: config::MemberUrl::Name() ("ajp://host:port"); "" when absent
  std::string nonce;     // as given; "" when absent
  bool has_nonce = false;
  MemberEdit member_edit;      // only when `member` is set
  BalancerEdit balancer_edit;  // only when `balancer` is set and `member` is not
  bool remove_member = false;  // w_remove=1 (ours; w_remove=0 is accepted and changes nothing)
  bool xml = false;            // field xml present (any value)
  std::string format;          // "", "json", "xml", "prometheus" or "html" (any case given)

  // Whether the command asks for a change (an edit or a removal); only then is a nonce needed.
  bool HasChanges() const;
};

// Reads the fields above from `fields` into `*out`, which must be a default Command (it is filled
// in place; after an error it may be partly filled). Errors: an invalid value of a field that is
// read, `w` without `b`, and a field that is read given twice with different values.
config::Error ParseCommand(const Fields& fields, Command* out);

// a == b, in a time that depends on the lengths only (not on where the first difference is), so
// a nonce cannot be guessed byte by byte from response times.
bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept;

}  // namespace mca::manager

#endif  // MCA_MANAGER_FORM_H_
