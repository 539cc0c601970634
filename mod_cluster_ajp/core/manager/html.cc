// The balancer manager's HTML page (RenderHtml) and the byte counts it shows (FormatBytes).
//
// One escaper (AppendEscaped) writes every string that comes from the snapshot or the options,
// in text and in attribute values alike (all attribute values are double-quoted): & < > " ' become
// entities, invalid UTF-8 and the control characters HTML cannot carry become U+FFFD (text_util.h
// decodes, as for the other formats). Everything else on the page is a literal of this file. The
// nonce is written only as the value of the hidden `nonce` input of each form.
//
// The page needs no script: each balancer's settings and each member are edited by a plain form
// posting mod_proxy_balancer's field names (form.h reads them). The style sheet is inline, so the
// page works without any other request (a manager behind strict access rules, or offline).
// Output is deterministic: balancers and members in snapshot order, no clock read.
//
// Must not depend on: httpd, APR (no ap_escape_html), <locale> or printf-style formatting,
// anything outside the C++17 standard library and the core.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>

#include "mca/config/params.h"
#include "mca/manager/render.h"
#include "mca/manager/snapshot.h"
#include "text_util.h"

namespace mca::manager {
namespace {

using internal::AppendDecimal;
using internal::AppendMarkupEntity;
using internal::ForEachCodePoint;
using internal::IsoTime;
using internal::kIsoTimeSize;
using internal::kReplacement;
using internal::NumberText;
using internal::Out;
using Memory = Out::allocator_type;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr const char* kMemberColumns = "13";  // colspan of the edit row: the member columns

// Light, dense and readable; no external font or image. Colours follow the usual traffic lights.
constexpr const char kStyle[] = R"css(
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #fff; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1.5rem;
  padding: .75rem 1.5rem; background: #24292f; color: #fff; }
header h1 { margin: 0; font-size: 1.15rem; font-weight: 600; }
header nav a { color: #d1d9e0; margin-right: .9rem; text-decoration: none; }
header nav a:hover { color: #fff; text-decoration: underline; }
main { padding: 1rem 1.5rem; }
.message { margin: 1rem 1.5rem 0; padding: .6rem .9rem; border: 1px solid; border-radius: 6px; }
.message-ok { background: #dafbe1; border-color: #4ac26b; color: #116329; }
.message-error { background: #ffebe9; border-color: #ff8182; color: #82071e; }
.balancer { background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
  padding: 1rem 1.25rem; margin-bottom: 1.5rem; }
.balancer h2 { margin: 0 0 .5rem; font-size: 1.1rem; }
.summary { margin-left: .75rem; color: var(--muted); font-size: .85rem; font-weight: normal; }
.mono, .url, .flags { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
dl.settings { display: flex; flex-wrap: wrap; gap: .25rem 1.75rem; margin: 0 0 .75rem; }
dl.settings div { display: flex; gap: .4rem; }
dt { color: var(--muted); }
dd { margin: 0; font-weight: 600; }
form.edit { display: flex; flex-wrap: wrap; align-items: flex-end; gap: .5rem .9rem; margin: 0; }
form.edit label { display: flex; flex-direction: column; gap: .1rem; color: var(--muted);
  font-size: .75rem; }
input, select { font: inherit; font-size: .85rem; color: var(--fg); background: #fff;
  padding: .2rem .4rem; border: 1px solid var(--line); border-radius: 4px; }
input[type=submit] { background: #1f883d; border-color: #1a7f37; color: #fff; font-weight: 600;
  padding: .25rem 1rem; cursor: pointer; }
input[type=submit]:hover { background: #1a7f37; }
.scroll { overflow-x: auto; margin-top: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .4rem .6rem; text-align: left; vertical-align: top; white-space: nowrap; }
th { background: var(--bg); color: var(--muted); font-size: .75rem; font-weight: 600;
  border-bottom: 1px solid var(--line); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.member td { border-top: 1px solid var(--line); }
tr.edit-row td { padding-top: 0; padding-bottom: .75rem; }
tr.edit-row form.edit { opacity: .9; }
form.remove { margin: .4rem 0 0; }
form.remove input[type=submit] { background: #fff; border-color: #cf222e; color: #cf222e; }
form.remove input[type=submit]:hover { background: #ffebe9; }
form[id^=add-] { margin-top: .8rem; }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 999px; color: #fff;
  font-size: .75rem; font-weight: 600; }
.badge-ok { background: #1f883d; }
.badge-err { background: #cf222e; }
.badge-off { background: #818b98; }
.badge-warn { background: #bf8700; }
.sub { display: block; color: var(--muted); font-size: .75rem; }
.reason { white-space: normal; max-width: 22rem; }
.flags { margin-left: .4rem; padding: 0 .3rem; border-radius: 3px; background: #eff2f5;
  font-size: .75rem; }
.none { color: var(--muted); }
footer { padding: 0 1.5rem 1.5rem; color: var(--muted); font-size: .75rem; }
)css";

// ---- escaping -------------------------------------------------------------------------------

// Text and (double-quoted) attribute values. Tab and line feed stay; the other C0 controls, DEL
// and the C1 controls are parse errors in HTML and become U+FFFD, as invalid UTF-8 does.
void AppendEscaped(Out* out, std::string_view s) {
  ForEachCodePoint(s, out, kReplacement, [out](uint32_t cp, std::string_view text) {
    if (AppendMarkupEntity(cp, out)) return;
    if (cp == '\t' || cp == '\n') {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      out->append(kReplacement);
    } else {
      out->append(text);
    }
  });
}

Out Escaped(std::string_view s, const Memory& memory) {
  Out out(memory);
  AppendEscaped(&out, s);
  return out;
}

// ---- small pieces ---------------------------------------------------------------------------

NumberText Gauge(int64_t value) { return NumberText(value < 0 ? 0 : value); }

// <a href="ACTION?QUERY">TEXT</a>
void AppendLink(Out* out, std::string_view action, const char* query, const char* text) {
  *out += "<a href=\"";
  AppendEscaped(out, action);
  *out += query;
  *out += "\">";
  *out += text;
  *out += "</a>";
}

void AppendHidden(Out* out, const char* name, std::string_view value) {
  *out += "<input type=\"hidden\" name=\"";
  *out += name;
  *out += "\" value=\"";
  AppendEscaped(out, value);
  *out += "\">";
}

// <label>LABEL <input type="text" name=NAME value=VALUE ...></label>; `inputmode` may be null.
void AppendTextInput(Out* out, const char* label, const char* name, std::string_view value,
                     const char* inputmode, int size) {
  *out += "<label>";
  *out += label;
  *out += " <input type=\"text\" name=\"";
  *out += name;
  *out += "\" value=\"";
  AppendEscaped(out, value);
  *out += "\" size=\"";
  *out += NumberText(size);
  *out += '"';
  if (inputmode != nullptr) {
    *out += " inputmode=\"";
    *out += inputmode;
    *out += "\"";
  }
  *out += "></label>";
}

struct Choice {
  const char* value;
  const char* text;
};

// A <select> with the option whose value is `selected` marked (none when no value matches).
void AppendSelect(Out* out, const char* label, const char* name,
                  std::initializer_list<Choice> choices, std::string_view selected) {
  *out += "<label>";
  *out += label;
  *out += " <select name=\"";
  *out += name;
  *out += "\">";
  for (const Choice& c : choices) {
    *out += "<option value=\"";
    *out += c.value;
    *out += selected == c.value ? "\" selected>" : "\">";
    *out += c.text;
    *out += "</option>";
  }
  *out += "</select></label>";
}

void AppendOnOff(Out* out, const char* label, const char* name, bool on) {
  AppendSelect(out, label, name, {{"0", "Off"}, {"1", "On"}}, on ? "1" : "0");
}

// <form class="edit" id=ID method="post" action=ACTION> with the hidden b (and w) and nonce.
void AppendFormStart(Out* out, std::string_view id, std::string_view action, const BalancerView& b,
                     const MemberView* member) {
  *out += "<form class=\"edit\" id=\"";
  AppendEscaped(out, id);
  *out += "\" method=\"post\" action=\"";
  AppendEscaped(out, action);
  *out += "\">";
  AppendHidden(out, "b", b.name);
  if (member != nullptr) AppendHidden(out, "w", member->url);
  AppendHidden(out, "nonce", b.nonce);
  *out += '\n';
}

void AppendFormEnd(Out* out) {
  *out += "\n<input type=\"submit\" name=\"save\" value=\"Save\">\n</form>";
}

// ---- health ---------------------------------------------------------------------------------

struct Health {
  const char* badge;  // class after "badge "
  const char* data;   // data-health
  const char* text;
};

// Administratively off first (the balancer will not use the member whatever its health), then
// errors, then failed health checks, then the amber states of a healthy member.
Health HealthOf(const MemberView& m, int64_t now_us) {
  if ((m.status & config::kStatusStopped) != 0) return {"badge-off", "off", "stopped"};
  if ((m.status & config::kStatusDisabled) != 0) return {"badge-off", "off", "disabled"};
  if (MemberInError(m, now_us)) return {"badge-err", "error", "in error"};
  if (!MemberHealthy(m, now_us)) return {"badge-err", "unhealthy", "unhealthy"};
  if ((m.status & config::kStatusDraining) != 0) return {"badge-warn", "healthy", "draining"};
  if ((m.status & (config::kStatusHotStandby | config::kStatusHotSpare)) != 0) {
    return {"badge-warn", "healthy", "standby"};
  }
  return {"badge-ok", "healthy", "healthy"};
}

// ---- page parts -----------------------------------------------------------------------------

void AppendHead(Out* out, const HtmlOptions& options) {
  *out +=
      "<!DOCTYPE html>\n"
      "<html lang=\"en\">\n"
      "<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<link rel=\"icon\" href=\"data:,\">\n";
  if (options.refresh_seconds > 0) {
    *out += "<meta http-equiv=\"refresh\" content=\"";
    *out += NumberText(options.refresh_seconds);
    *out += "\">\n";
  }
  *out += "<title>Balancer Manager</title>\n<style>";
  *out += kStyle;
  *out += "</style>\n</head>\n<body>\n<header>\n<h1>Balancer Manager</h1>\n<nav>";
  AppendLink(out, options.action, "", "Reload");
  *out += ' ';
  if (options.refresh_seconds > 0) {
    AppendLink(out, options.action, "", "Stop auto-refresh");
  } else {
    AppendLink(out, options.action, "?refresh=5", "Auto-refresh (5 s)");
  }
  *out += ' ';
  AppendLink(out, options.action, "?format=json", "JSON");
  *out += ' ';
  AppendLink(out, options.action, "?xml=1", "XML");
  *out += ' ';
  AppendLink(out, options.action, "?format=prometheus", "Prometheus");
  *out += "</nav>\n</header>\n";
  if (!options.message.empty()) {
    *out += options.message_is_error
                ? "<p id=\"message\" class=\"message message-error\" role=\"alert\">"
                : "<p id=\"message\" class=\"message message-ok\" role=\"status\">";
    AppendEscaped(out, options.message);
    *out += "</p>\n";
  }
}

void AppendSetting(Out* out, const char* name, std::string_view value) {
  *out += "<div><dt>";
  *out += name;
  *out += "</dt><dd>";
  if (value.empty()) {
    *out += "<span class=\"none\">none</span>";
  } else {
    AppendEscaped(out, value);
  }
  *out += "</dd></div>\n";
}

void AppendBalancerSettings(Out* out, const BalancerView& b, std::string_view action) {
  const std::string_view lbmethod = config::LbMethodName(b.lb_method);
  *out += "<dl class=\"settings\">\n";
  AppendSetting(out, "Sticky session", b.sticky_session);
  AppendSetting(out, "LB method", lbmethod);
  AppendSetting(out, "Max attempts", NumberText(b.max_attempts));
  AppendSetting(out, "No failover", b.nofailover ? "On" : "Off");
  Out timeout(out->get_allocator());
  if (b.timeout_us > 0) {
    AppendDecimal(&timeout, b.timeout_us, 6, true);
    timeout += " s";
  } else {
    timeout += "none (503 at once)";
  }
  AppendSetting(out, "Timeout", timeout);
  *out += "</dl>\n";

  // The form sends the current values back, as mod_proxy_balancer's does; b_tmo is whole seconds.
  Out id("settings-", out->get_allocator());
  id += b.name;
  AppendFormStart(out, id, action, b, nullptr);
  const char* byrequests = config::LbMethodName(config::LbMethod::kByRequests);
  const char* bybusyness = config::LbMethodName(config::LbMethod::kByBusyness);
  const char* bytraffic = config::LbMethodName(config::LbMethod::kByTraffic);
  AppendSelect(out, "LB method", "b_lbm",
               {{byrequests, byrequests}, {bybusyness, bybusyness}, {bytraffic, bytraffic}},
               lbmethod);
  AppendTextInput(out, "Timeout (s)", "b_tmo",
                  NumberText(b.timeout_us < 0 ? 0 : b.timeout_us / kMicrosPerSecond), "numeric", 6);
  AppendTextInput(out, "Max attempts", "b_max", NumberText(b.max_attempts), "numeric", 4);
  AppendOnOff(out, "No failover", "b_sforce", b.nofailover);
  // b_ss: an empty value changes nothing, "-" turns sticky sessions off.
  AppendTextInput(out, "Sticky session (- for none)", "b_ss", b.sticky_session, nullptr, 14);
  AppendFormEnd(out);
  *out += '\n';
}

void AppendCell(Out* out, const char* cls, std::string_view escaped_html) {
  if (cls == nullptr) {
    *out += "<td>";
  } else {
    *out += "<td class=\"";
    *out += cls;
    *out += "\">";
  }
  *out += escaped_html;
  *out += "</td>";
}

// FormatBytes, appended.
void AppendBytes(Out* out, uint64_t bytes) {
  if (bytes < 1024) {
    *out += NumberText(bytes);
    *out += " B";
    return;
  }
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  constexpr size_t kLast = std::size(kUnits) - 1;
  size_t unit = 0;
  uint64_t divisor = 1024;
  while (unit < kLast && bytes / divisor >= 1024) {
    divisor *= 1024;
    ++unit;
  }
  uint64_t whole = bytes / divisor;
  // remainder * 10 < 10 * 2^60 even for EiB, so this cannot overflow.
  uint64_t tenths = ((bytes % divisor) * 10 + divisor / 2) / divisor;
  if (tenths == 10) {
    whole += 1;
    tenths = 0;
  }
  if (whole == 1024 && unit < kLast) {
    whole = 1;
    ++unit;
  }
  *out += NumberText(whole);
  *out += '.';
  *out += NumberText(tenths);
  *out += ' ';
  *out += kUnits[unit];
}

// <span title="20000 bytes">19.5 KiB</span>
Out Bytes(uint64_t bytes, const Memory& memory) {
  Out out("<span title=\"", memory);
  out += NumberText(bytes);
  out += " bytes\">";
  AppendBytes(&out, bytes);
  out += "</span>";
  return out;
}

void AppendMemberRow(Out* out, const MemberView& m, std::string_view id, int64_t now_us) {
  *out += "<tr class=\"member\" id=\"";
  AppendEscaped(out, id);
  *out += "\" data-state=\"";
  *out += MemberStateName(m.status);
  *out += "\">\n";
  const Memory memory = out->get_allocator();
  Out url = Escaped(m.url, memory);
  if (m.added) url += "<span class=\"sub\">added in the manager</span>";
  AppendCell(out, "url", url);
  AppendCell(out, "mono", Escaped(m.route, memory));
  AppendCell(out, "mono", Escaped(m.redirect, memory));
  Out load_factor(memory);
  AppendDecimal(&load_factor, m.load_factor, 2, true);
  AppendCell(out, "num", load_factor);
  AppendCell(out, "num", NumberText(m.lbset));

  Out state(MemberStateName(m.status), memory);
  const std::string letters = config::StatusLetters(m.status);
  if (!letters.empty()) {
    state += "<span class=\"flags\" title=\"status flags\">";
    AppendEscaped(&state, letters);
    state += "</span>";
  }
  AppendCell(out, nullptr, state);

  const Health health = HealthOf(m, now_us);
  Out cell("<span class=\"badge ", memory);
  cell += health.badge;
  cell += "\" data-health=\"";
  cell += health.data;
  cell += "\">";
  cell += health.text;
  cell += "</span><span class=\"sub checked\">last check: ";
  char when_text[kIsoTimeSize];
  const std::string_view when(when_text,
                              m.last_check_us == 0 ? 0 : IsoTime(m.last_check_us, when_text));
  if (when.empty()) {
    cell += "never";
  } else {
    cell += "<time datetime=\"";
    cell += when;
    cell += "\">";
    cell += when;
    cell += "</time>";
  }
  cell += "</span>";
  if (!m.check_reason.empty()) {
    cell += "<span class=\"sub reason\">";
    AppendEscaped(&cell, m.check_reason);
    cell += "</span>";
  }
  AppendCell(out, nullptr, cell);

  AppendCell(out, "num", NumberText(m.elected));
  AppendCell(out, "num", Gauge(m.busy));
  AppendCell(out, "num", NumberText(m.errors));
  AppendCell(out, "num", Bytes(m.bytes_sent, memory));
  AppendCell(out, "num", Bytes(m.bytes_received, memory));
  Out connections(Gauge(m.connections), memory);
  if (m.hardmax > 0) {
    connections += " / ";
    connections += NumberText(m.hardmax);
  }
  AppendCell(out, "num", connections);
  *out += "\n</tr>\n";
}

void AppendMemberEdit(Out* out, const BalancerView& b, const MemberView& m,
                      std::string_view form_id, std::string_view action) {
  *out += "<tr class=\"edit-row\"><td colspan=\"";
  *out += kMemberColumns;
  *out += "\">\n";
  AppendFormStart(out, form_id, action, b, &m);
  Out load_factor(out->get_allocator());
  AppendDecimal(&load_factor, m.load_factor, 2, true);
  AppendTextInput(out, "Load factor", "w_lf", load_factor, "decimal", 5);
  AppendTextInput(out, "LB set", "w_ls", NumberText(m.lbset), "numeric", 3);
  AppendTextInput(out, "Route", "w_wr", m.route, nullptr, 12);
  AppendTextInput(out, "Redirect", "w_rr", m.redirect, nullptr, 12);
  const auto on = [&m](uint32_t flag) { return (m.status & flag) != 0; };
  AppendOnOff(out, "Disabled", "w_status_D", on(config::kStatusDisabled));
  AppendOnOff(out, "Draining", "w_status_N", on(config::kStatusDraining));
  AppendOnOff(out, "Stopped", "w_status_S", on(config::kStatusStopped));
  AppendOnOff(out, "Hot standby", "w_status_H", on(config::kStatusHotStandby));
  AppendOnOff(out, "Hot spare", "w_status_R", on(config::kStatusHotSpare));
  AppendOnOff(out, "Ignore errors", "w_status_I", on(config::kStatusIgnoreErrors));
  AppendSelect(out, "Health check", "w_hm",
               {{"CPING", "CPING"},
                {"TCP", "TCP"},
                {"GET", "GET"},
                {"HEAD", "HEAD"},
                {"OPTIONS", "OPTIONS"},
                {"NONE", "none"}},
               config::HcMethodName(m.hc_method));
  AppendTextInput(out, "Check URI", "w_hu", m.hc_uri, nullptr, 12);
  AppendTextInput(out, "Every (ms)", "w_hi", NumberText(m.hc_interval_us / 1000), "numeric", 6);
  AppendTextInput(out, "Passes", "w_hp", NumberText(m.hc_passes), "numeric", 3);
  AppendTextInput(out, "Fails", "w_hf", NumberText(m.hc_fails), "numeric", 3);
  AppendFormEnd(out);
  // Removing is a form of its own, so that saving the fields above never removes the member.
  *out += "\n<form class=\"remove\" id=\"remove";
  AppendEscaped(out, form_id.substr(form_id.find('-')));
  *out += "\" method=\"post\" action=\"";
  AppendEscaped(out, action);
  *out += "\">";
  AppendHidden(out, "b", b.name);
  AppendHidden(out, "w", m.url);
  AppendHidden(out, "nonce", b.nonce);
  AppendHidden(out, "w_remove", "1");
  *out += "<input type=\"submit\" name=\"remove\" value=\"Remove member\"></form>";
  *out += "\n</td></tr>\n";
}

// The form that adds a member (mod_proxy_balancer's b_wyes and b_nwrkr).
void AppendAddMember(Out* out, const BalancerView& b, std::string_view action) {
  Out id("add-", out->get_allocator());
  id += b.name;
  AppendFormStart(out, id, action, b, nullptr);
  AppendHidden(out, "b_wyes", "1");
  *out +=
      "<label>Add a member <input type=\"text\" name=\"b_nwrkr\" value=\"\" size=\"28\" "
      "placeholder=\"ajp://127.0.0.1:8009\"></label>";
  *out += "\n<input type=\"submit\" name=\"add\" value=\"Add\">\n</form>\n";
}

void AppendBalancer(Out* out, const BalancerView& b, const HtmlOptions& options, int64_t now_us) {
  size_t healthy = 0;
  for (const MemberView& m : b.members) healthy += MemberHealthy(m, now_us) ? 1u : 0u;
  *out += "<section class=\"balancer\" id=\"balancer-";
  AppendEscaped(out, b.name);
  *out += "\">\n<h2><span class=\"mono\">balancer://";
  AppendEscaped(out, b.name);
  *out += "</span><span class=\"summary\">";
  *out += NumberText(b.members.size());
  *out += b.members.size() == 1 ? " member, " : " members, ";
  *out += NumberText(healthy);
  *out += " healthy</span></h2>\n";
  AppendBalancerSettings(out, b, options.action);

  *out +=
      "<div class=\"scroll\"><table class=\"members\">\n<thead><tr><th>Member</th><th>Route</th>"
      "<th>Redirect</th><th class=\"num\">Load factor</th><th class=\"num\">LB set</th>"
      "<th>State</th><th>Health</th><th class=\"num\">Elected</th><th class=\"num\">Busy</th>"
      "<th class=\"num\">Errors</th><th class=\"num\">To</th><th class=\"num\">From</th>"
      "<th class=\"num\">Connections</th></tr></thead>\n<tbody>\n";
  if (b.members.empty()) {
    *out += "<tr><td class=\"none\" colspan=\"";
    *out += kMemberColumns;
    *out += "\">No members.</td></tr>\n";
  }
  for (size_t i = 0; i < b.members.size(); ++i) {
    Out id("member-", out->get_allocator());
    id += b.name;
    id += '-';
    id += NumberText(i);
    AppendMemberRow(out, b.members[i], id, now_us);
    id.replace(0, 6, "edit");  // "member-NAME-I" -> "edit-NAME-I"
    AppendMemberEdit(out, b, b.members[i], id, options.action);
  }
  *out += "</tbody>\n</table></div>\n";
  AppendAddMember(out, b, options.action);
  *out += "</section>\n";
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  Out out;
  AppendBytes(&out, bytes);
  return std::string(out);
}

void RenderHtml(const Snapshot& snapshot, const HtmlOptions& options, Out* out_text) {
  Out& out = *out_text;
  out.reserve(out.size() + 8192 + 4096 * snapshot.balancers.size());
  AppendHead(&out, options);
  out += "<main>\n";
  if (snapshot.balancers.empty()) out += "<p class=\"none\">No balancers are configured.</p>\n";
  for (const BalancerView& b : snapshot.balancers)
    AppendBalancer(&out, b, options, snapshot.now_us);
  out += "</main>\n<footer>mod_cluster_ajp";
  if (!options.server_version.empty()) {
    out += " &middot; ";
    AppendEscaped(&out, options.server_version);
  }
  char when[kIsoTimeSize];
  const size_t when_size = IsoTime(snapshot.now_us, when);
  if (when_size > 0) {
    out += " &middot; snapshot taken ";
    out.append(when, when_size);
  }
  out += "</footer>\n</body>\n</html>\n";
}

std::string RenderHtml(const Snapshot& snapshot, const HtmlOptions& options) {
  Out out;
  RenderHtml(snapshot, options, &out);
  return std::string(out);
}

}  // namespace mca::manager
