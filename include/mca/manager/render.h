// The balancer manager's views of a Snapshot: JSON (for scripts and tools), XML
// (mod_proxy_balancer's ?xml=1 document, element for element), the Prometheus text exposition
// format 0.0.4, and the HTML page people use (RenderHtml: the tables and the edit forms; the glue
// passes in the request's URL and the notice to show, the core escapes everything).
//
// Rules shared by the four:
//   - Every string from the snapshot is escaped for its format; bytes that are not valid UTF-8
//     (and, in XML, characters XML 1.0 forbids) become U+FFFD, so the output is always valid
//     UTF-8 and well-formed whatever the table holds.
//   - Load factors are shown as numbers: 100 hundredths is 1, 150 is 1.5 (XML: "1.50", as
//     mod_proxy_balancer's %.2f).
//   - busy and connections below 0 (counters settling) are shown as 0.
//   - "healthy" is MemberHealthy (snapshot.h): health checks pass and the member is not in error.
//   - The nonce appears only in JSON and in the HTML page's hidden nonce inputs (both are for
//     posting edits); Prometheus scrapes must not carry it, and mod_proxy_balancer's XML never
//     did.
// Output is deterministic: balancers and members in snapshot order, no clock read.
// Each renderer also appends to a std::pmr::string and then allocates from that string's memory
// only (the glue passes the request pool, so the manager's page takes nothing from malloc).
//
// Must not depend on: httpd, APR (no ap_escape_html, no apr_rfc822_date), anything outside the
// C++17 standard library and the core.
#ifndef MCA_MANAGER_RENDER_H_
#define MCA_MANAGER_RENDER_H_

#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>

#include "mca/manager/snapshot.h"

namespace mca::manager {

// One JSON object, no whitespace:
// {"balancers":[{"name":"testcluster","stickysession":"JSESSIONID","lbmethod":"byrequests",
//   "nonce":"...","members":[{"url":"ajp://127.0.0.1:8009","route":"node1","redirect":"",
//   "loadfactor":1,"lbset":0,"state":"active","standby":false,"healthy":true,
//   "last_check":"2026-11-24T10:00:00.123Z","check_reason":"","elected":0,"busy":0,"errors":0,
//   "bytes_sent":0,"bytes_received":0,"connections":0,"flags":"","in_error":false,"hardmax":0}],
//   "maxattempts":0,"nofailover":false,"timeout":0}]}
// state is MemberStateName; standby is flag H or R; last_check is UTC with milliseconds, or null
// when never checked (or outside the years 0000..9999); timeout is in seconds; in_error is
// MemberInError. Strings escape '"', '\\', control characters (\n, \t, ... or \u00XX),
// and also '<', '>', '&', U+2028 and U+2029 (as \u003c ...), so the text can be placed in an
// HTML <script> element as is. New fields are only ever added at the end of an object.
std::string RenderJson(const Snapshot& snapshot);
void RenderJson(const Snapshot& snapshot, std::pmr::string* out);  // appends

// mod_proxy_balancer's XML (balancer_display_page with usexml), same elements in the same order,
// filled from the snapshot: per balancer name (balancer://NAME), stickysession and nofailover
// (when sticky sessions are on), timeout (seconds), maxattempts, lbmethod; per worker name,
// scheme, hostname, loadfactor, port, min, smax, max, ttl (seconds), status (mod_proxy's words:
// "Init Ign Drn Dis Stop Err Stby Spar HcFl Ok "), retries, lbstatus, loadfactor, transferred,
// read, elected, route, redirect, busy, lbset, retry (seconds).
std::string RenderXml(const Snapshot& snapshot);
void RenderXml(const Snapshot& snapshot, std::pmr::string* out);  // appends

// Prometheus text format 0.0.4 (Content-Type: text/plain; version=0.0.4). One family per
// metric, each with # HELP and # TYPE, samples labelled
//   {balancer="testcluster",member="ajp://127.0.0.1:8009",route="node1"}
// (state also has state="active|draining|disabled|stopped", one sample each, 1 for the current
// one). Families, all prefixed mod_cluster_ajp_member_:
//   up (gauge: 1 when the balancer may send the member requests: healthy, not in error, not
//   disabled or stopped; draining counts as up, it still serves its sessions), healthy, in_error,
//   standby, loadfactor, lbset, busy, connections (gauges), elected_total, errors_total,
//   bytes_sent_total, bytes_received_total (counters), last_check_timestamp_seconds (gauge, with
//   microseconds; 0 when never checked), then state.
// Label values escape '\\', '"' and newline as the format requires.
std::string RenderPrometheus(const Snapshot& snapshot);
void RenderPrometheus(const Snapshot& snapshot, std::pmr::string* out);  // appends

// The HTML page (RenderHtml): a complete HTML5 document in UTF-8 with an inline style sheet, no
// script and no external resource. Every string from the snapshot or the options is escaped for
// text and attribute values alike (& < > " ' as entities; control characters other than tab and
// line feed, and invalid UTF-8, as U+FFFD).
//
// What a browser test may rely on (NAME is the balancer name, escaped; I is the member's index in
// its balancer, from 0):
//   links      ACTION?format=json, ACTION?xml=1, ACTION?format=prometheus, and ACTION?refresh=5
//              (while refresh_seconds > 0: a plain ACTION link, "Stop auto-refresh", instead)
//   #message   the notice, class "message message-ok" or "message message-error" (only when set)
//   #balancer-NAME          <section> of one balancer; heading "balancer://NAME"
//   #settings-NAME          its settings form: hidden b, nonce; b_lbm (select), b_tmo, b_max,
//                           b_sforce (select 0/1), b_ss; submit name="save"
//   #member-NAME-I          the member's <tr>, data-state="active|draining|disabled|stopped"
//     .badge               its health badge: class "badge badge-ok|badge-err|badge-off|badge-warn"
//                          and data-health="healthy|unhealthy|error|off" (off: disabled or
//                          stopped; amber badge-warn is a healthy member draining or on standby)
//   #edit-NAME-I            the member's form (in the <tr> after #member-NAME-I): hidden b, w,
//                           nonce; w_lf, w_ls, w_wr, w_rr; selects w_status_D/N/S/H/R/I with
//                           options 0 and 1 (the current one selected); submit name="save"
// Every form is method="post" with action ACTION.
// The strings are views: they must outlive the call that renders.
struct HtmlOptions {
  std::string_view action;          // the manager's URI without query, e.g. "/balancer-manager"
  int refresh_seconds = 0;          // > 0: <meta http-equiv="refresh" content="N">
  std::string_view message;         // a one-line notice at the top ("Saved.", an error); "": none
  bool message_is_error = false;    // shows the notice as an error
  std::string_view server_version;  // shown in the footer
};
std::string RenderHtml(const Snapshot& snapshot, const HtmlOptions& options);
void RenderHtml(const Snapshot& snapshot, const HtmlOptions& options,
                std::pmr::string* out);  // appends

// "1", "1.5", "1.25", "-0.05": value / 10^decimals with trailing zeros dropped. Exposed for
// the HTML page and for tests. decimals is 0..18.
std::string FormatDecimal(int64_t value, int decimals);

// "0 B", "1023 B", "1.0 KiB", "19.5 KiB", "1.2 MiB" ... "16.0 EiB": binary units, one decimal
// rounded half up (a value that rounds to 1024.0 of a unit is shown in the next one).
std::string FormatBytes(uint64_t bytes);

// "2026-11-24T10:00:00.123Z" (UTC, milliseconds, truncated), or "" when the time lies outside the
// years 0000..9999.
std::string FormatIsoTime(int64_t unix_us);

}  // namespace mca::manager

#endif  // MCA_MANAGER_RENDER_H_
