// The balancer manager's machine-readable views of a Snapshot: JSON (for our page's script and
// for tools), XML (mod_proxy_balancer's ?xml=1 document, element for element), and the
// Prometheus text exposition format 0.0.4. The HTML page is the glue's (it needs httpd's
// escaping and the request's URL).
//
// Rules shared by the three:
//   - Every string from the snapshot is escaped for its format; bytes that are not valid UTF-8
//     (and, in XML, characters XML 1.0 forbids) become U+FFFD, so the output is always valid
//     UTF-8 and well-formed whatever the table holds.
//   - Load factors are shown as numbers: 100 hundredths is 1, 150 is 1.5 (XML: "1.50", as
//     mod_proxy_balancer's %.2f).
//   - busy and connections below 0 (counters settling) are shown as 0.
//   - "healthy" is MemberHealthy (snapshot.h): health checks pass and the member is not in error.
//   - The nonce appears only in JSON (our page needs it to post edits); Prometheus scrapes must
//     not carry it, and mod_proxy_balancer's XML never did.
// Output is deterministic: balancers and members in snapshot order, no clock read.
//
// Must not depend on: httpd, APR (no ap_escape_html, no apr_rfc822_date), anything outside the
// C++17 standard library and the core.
#ifndef MCA_MANAGER_RENDER_H_
#define MCA_MANAGER_RENDER_H_

#include <cstdint>
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

// mod_proxy_balancer's XML (balancer_display_page with usexml), same elements in the same order,
// filled from the snapshot: per balancer name (balancer://NAME), stickysession and nofailover
// (when sticky sessions are on), timeout (seconds), maxattempts, lbmethod; per worker name,
// scheme, hostname, loadfactor, port, min, smax, max, ttl (seconds), status (mod_proxy's words:
// "Init Ign Drn Dis Stop Err Stby Spar HcFl Ok "), retries, lbstatus, loadfactor, transferred,
// read, elected, route, redirect, busy, lbset, retry (seconds).
std::string RenderXml(const Snapshot& snapshot);

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

// "1", "1.5", "1.25", "-0.05": value / 10^decimals with trailing zeros dropped. Exposed for
// the glue's HTML page and for tests. decimals is 0..18.
std::string FormatDecimal(int64_t value, int decimals);

// "2026-11-24T10:00:00.123Z" (UTC, milliseconds, truncated), or "" when the time lies outside the
// years 0000..9999.
std::string FormatIsoTime(int64_t unix_us);

}  // namespace mca::manager

#endif  // MCA_MANAGER_RENDER_H_
