// Configuration values of the cluster: the URLs that BalancerMember and ProxyPass take, and the
// `key=value` parameters of BalancerMember, ProxySet and ProxyPass, checked and turned into plain
// value types that the glue copies into its per-server configuration.
//
// Names, defaults and ranges are those of httpd 2.4's mod_proxy (set_worker_param and
// set_balancer_param in mod_proxy.c, mod_proxy_hcheck.c for the hc* keys), so that a working
// mod_proxy configuration keeps its meaning. We are stricter where mod_proxy is lenient by
// accident: it reads numbers with atoi/atof, so `max=10x` is 10, `timeout=abc` is 0 and an
// overflow wraps; here every number must be all digits and inside its range, and every error is
// reported. Differences on purpose:
//   - members are ajp:// only (we are not a general proxy);
//   - iobuffersize is the AJP packet size, so a nonzero value is also at most 65536;
//   - hardmax is ours: a cap on a member's connections summed over all child processes;
//   - replaybuffer is ours (balancer): how much request body is kept for failover;
//   - health checks default to hcmethod=CPING every 2 s (mod_proxy_hcheck: NONE, 30 s): a CPing
//     is a 5-byte AJP message, cheap enough to run by default;
//   - mod_proxy parameters that mean nothing for AJP (upgrade, flusher, addressttl, ...) are
//     refused with a message that says so, not silently ignored.
//
// Errors: every function returns an Error, a std::string that is empty on success and otherwise
// a one-line message naming the parameter, the value given and what is allowed, e.g.
//   loadfactor=abc: must be a number from 1 to 100
// Values in messages are cut after 64 bytes and control bytes are escaped (EscapeForLog), so a
// message is always one line of printable ASCII. On error the output is left unchanged. Nothing
// throws except std::bad_alloc; nothing asserts on input.
//
// Must not depend on: httpd, APR (times are std::chrono, not apr_interval_time_t), anything
// outside the C++17 standard library and the core.
#ifndef MCA_CONFIG_PARAMS_H_
#define MCA_CONFIG_PARAMS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mca/sticky/route.h"

namespace mca::config {

// Microseconds, the unit of apr_interval_time_t, so the glue converts with .count() and no
// rounding.
using Duration = std::chrono::microseconds;

// Empty on success; otherwise the message (see above).
using Error = std::string;

inline constexpr uint16_t kDefaultAjpPort = 8009;
// route, redirect, hcuri: mod_proxy keeps them in char[64] (PROXY_WORKER_MAX_ROUTE_SIZE).
inline constexpr size_t kMaxRouteLength = 63;
inline constexpr size_t kMaxSecretLength = 63;  // PROXY_WORKER_MAX_SECRET_SIZE - 1
inline constexpr size_t kMaxStickyLength = 63;  // PROXY_BALANCER_MAX_STICKY_SIZE - 1
inline constexpr size_t kMaxNonceLength = 36;   // a formatted UUID, as mod_proxy_balancer's
// "balancer://NAME" fits mod_proxy's char[96] (PROXY_BALANCER_MAX_NAME_SIZE) with its NUL.
inline constexpr size_t kMaxBalancerNameLength = 84;
inline constexpr size_t kMaxHostLength = 255;
// Upper bound of counts and of times given in whole seconds: mod_proxy reads them into an int.
inline constexpr int64_t kMaxInt = 2147483647;
inline constexpr uint32_t kMinBufferSize = 512;
inline constexpr uint32_t kDefaultIoBufferSize = 8192;  // AJP's default packet size
inline constexpr uint32_t kMaxIoBufferSize = 65536;     // AJP's largest packet size
inline constexpr uint32_t kDefaultReplayBuffer = 65536;
inline constexpr int64_t kMaxReplayBuffer = int64_t{16} * 1024 * 1024;
inline constexpr Duration kDefaultRetry = std::chrono::seconds(60);
inline constexpr Duration kDefaultFlushWait = std::chrono::milliseconds(10);
inline constexpr Duration kDefaultHcInterval = std::chrono::seconds(2);
inline constexpr Duration kMinHcInterval = std::chrono::milliseconds(100);  // watchdog tick
// Largest time any parameter takes: INT_MAX seconds, about 68 years.
inline constexpr Duration kMaxDuration = std::chrono::seconds(kMaxInt);

// ---- URLs -----------------------------------------------------------------------------------

// `ajp://host[:port][/path]`. The scheme is matched case-insensitively; host is a DNS name
// (letters, digits, '-', '.', '_'), a dotted IPv4 address or a bracketed IPv6 address.
struct MemberUrl {
  std::string host;  // lower case, IPv6 without its brackets: "127.0.0.1", "::1", "node1.lan"
  bool ipv6 = false;
  uint16_t port = kDefaultAjpPort;
  bool port_set = false;  // the URL named a port (even 8009)
  std::string path;       // "" or starting with '/', as written (still %-encoded)

  // "ajp://host:port", with brackets around IPv6 and the port always written: the member's name
  // in logs and in the manager, and the key that finds duplicate members.
  std::string Name() const;
};

// Parses a member URL. Refuses any other scheme (or none) with "only ajp:// members are
// supported", and user information, a query, a fragment, an empty host, a port outside
// 1..65535, unbalanced brackets, spaces, control or non-ASCII bytes, and malformed %-escapes.
Error ParseMemberUrl(std::string_view url, MemberUrl* out);

// `balancer://NAME[/path]`, as ProxyPass and BalancerMember outside <Proxy> take it.
struct BalancerUrl {
  std::string name;  // lower case (httpd compares balancer names without case)
  std::string path;  // "" or starting with '/'

  std::string Name() const;  // "balancer://name"
};

// True when `url` starts with "balancer://" in any case (whether or not the rest is valid).
bool IsBalancerUrl(std::string_view url) noexcept;

// NAME is 1..kMaxBalancerNameLength of letters, digits, '-', '.', '_'; path as in MemberUrl.
Error ParseBalancerUrl(std::string_view url, BalancerUrl* out);

// ---- member parameters ----------------------------------------------------------------------

// Admin status flags (`status=+H-D`), one bit per mod_proxy letter.
enum MemberStatus : uint32_t {
  kStatusDisabled = 1u << 0,      // D
  kStatusStopped = 1u << 1,       // S
  kStatusIgnoreErrors = 1u << 2,  // I
  kStatusHotStandby = 1u << 3,    // H
  kStatusHotSpare = 1u << 4,      // R
  kStatusDraining = 1u << 5,      // N
  kStatusInError = 1u << 6,       // E
  kStatusHealthFailed = 1u << 7,  // C
};
inline constexpr uint32_t kAllStatusFlags = 0xFF;
// The administrative flags (D S I H R N): set by httpd.conf or the manager. E and C are runtime
// state (errors, health checks).
inline constexpr uint32_t kAdminStatusFlags = kStatusDisabled | kStatusStopped |
                                              kStatusIgnoreErrors | kStatusHotStandby |
                                              kStatusHotSpare | kStatusDraining;

// The letters of the flags set in `status`, in the order D S I H R N E C ("" when none).
std::string StatusLetters(uint32_t status);

enum class FlushPackets : uint8_t { kOff, kOn, kAuto };

// Health check methods (hcmethod=). CPING is AJP's own; the others as mod_proxy_hcheck.
enum class HcMethod : uint8_t { kNone, kTcp, kOptions, kHead, kGet, kCping };

// "NONE", "TCP", "OPTIONS", "HEAD", "GET", "CPING" (never null).
const char* HcMethodName(HcMethod method) noexcept;

// One BalancerMember's parameters. A `*_set` flag records that the parameter was given, so the
// glue can inherit the server's value (ProxyTimeout, ProxyIOBufferSize, ...) when it was not.
struct MemberConfig {
  // Connection pool, per child process (mod_proxy's min, hmax, smax, ttl, acquire).
  int min = 0;
  int max = 0;          // 0: ThreadsPerChild
  int smax = -1;        // -1: not set (= max)
  int hardmax = 0;      // ours: connections over all children; 0: no limit
  Duration ttl{0};      // idle connections above smax close after this; 0: never
  Duration acquire{0};  // wait for a free pooled connection
  bool acquire_set = false;

  // Timeouts.
  Duration timeout{0};  // socket I/O; not set: ProxyTimeout, then Timeout
  bool timeout_set = false;
  Duration connection_timeout{0};  // connect(); not set: timeout
  bool connection_timeout_set = false;
  Duration ping{0};  // CPing/CPong before reusing a connection; 0: none
  bool ping_set = false;
  Duration retry = kDefaultRetry;  // how long a member in error is left alone
  bool retry_set = false;

  // Balancing.
  int load_factor = 100;  // hundredths: loadfactor=1.5 is 150; 100..10000
  int lbset = 0;          // 0..99
  std::string route;      // jvmRoute of the Tomcat node
  std::string redirect;   // route to send this member's sessions to instead
  uint32_t status = 0;    // MemberStatus bits

  // Connection behaviour.
  bool keepalive = false;  // SO_KEEPALIVE on backend sockets
  bool keepalive_set = false;
  bool disable_reuse = false;  // disablereuse=On, or enablereuse=Off
  bool disable_reuse_set = false;
  FlushPackets flush_packets = FlushPackets::kOff;
  Duration flush_wait = kDefaultFlushWait;         // flushwait=0 also means the default
  uint32_t io_buffer_size = kDefaultIoBufferSize;  // AJP packet size; iobuffersize=0: default
  bool io_buffer_size_set = false;
  uint32_t receive_buffer_size = 0;  // SO_RCVBUF; 0: the system's default
  bool receive_buffer_size_set = false;
  std::string secret;  // AJP secret (Tomcat's `secret` attribute); empty: none sent
  bool secret_set = false;

  // Health checks (run by the watchdog thread).
  HcMethod hc_method = HcMethod::kCping;
  Duration hc_interval = kDefaultHcInterval;
  int hc_passes = 1;       // successes in a row that clear the health-failed flag
  int hc_fails = 1;        // failures in a row that set it
  std::string hc_uri;      // for GET/HEAD/OPTIONS; empty: the member's path
  Duration hc_timeout{0};  // not set: ping, then connection_timeout
  bool hc_timeout_set = false;
  // Ours: a member that becomes healthy again is ramped from a small share up to its full load
  // factor over this time; 0: off.
  Duration slow_start{0};
  bool slow_start_set = false;
};

// ---- balancer parameters --------------------------------------------------------------------

// Members the balancer manager may add to a balancer without growth=.
inline constexpr int kDefaultGrowth = 8;

enum class LbMethod : uint8_t { kByRequests, kByBusyness, kByTraffic };

// "byrequests", "bybusyness", "bytraffic" (never null).
const char* LbMethodName(LbMethod method) noexcept;

// One balancer's parameters (from <Proxy balancer://NAME k=v>, ProxySet, or ProxyPass).
struct BalancerConfig {
  // stickysession=NAME or COOKIE|urlparam, validated by sticky::ParseSettings. The separator and
  // scolonpathdelim live in `sticky` too. Without stickysession there are no sticky sessions.
  std::string sticky_session;  // as written
  bool sticky_session_set = false;
  sticky::Settings sticky;
  bool sticky_separator_set = false;
  bool scolon_path_delim_set = false;

  LbMethod lb_method = LbMethod::kByRequests;
  bool lb_method_set = false;
  int max_attempts = 0;  // failover attempts; not set: members - 1
  bool max_attempts_set = false;
  bool nofailover = false;  // a session whose member is down fails instead of moving
  bool nofailover_set = false;
  Duration timeout{0};  // wait this long for a usable member; 0: do not wait
  bool timeout_set = false;
  std::vector<uint16_t> fail_on_status;  // statuses that put the member in error
  bool fail_on_timeout = false;
  bool fail_on_timeout_set = false;
  bool force_recovery = true;
  bool force_recovery_set = false;
  int growth = 0;  // members the manager may add; not set: kDefaultGrowth
  bool growth_set = false;
  std::string nonce;  // manager nonce; set and empty: nonce=None (no nonce check)
  bool nonce_set = false;
  // Ours: request body bytes kept so that a request can be sent again to another member when
  // the first one failed before answering; 0: only bodiless requests fail over.
  uint32_t replay_buffer = kDefaultReplayBuffer;
  bool replay_buffer_set = false;
};

// ---- key=value tokens -----------------------------------------------------------------------

// Whether `key` (any case) is a parameter of BalancerMember / of a balancer. `timeout` is both.
bool IsMemberParam(std::string_view key) noexcept;
bool IsBalancerParam(std::string_view key) noexcept;

// Splits "key=value" at the first '='. The key must not be empty; the value may be.
Error SplitParam(std::string_view token, std::string_view* key, std::string_view* value);

// Applies one parameter (the key in any case). The token forms split with SplitParam first.
Error ApplyMemberParam(std::string_view token, MemberConfig* out);
Error ApplyMemberParam(std::string_view key, std::string_view value, MemberConfig* out);
Error ApplyBalancerParam(std::string_view token, BalancerConfig* out);
Error ApplyBalancerParam(std::string_view key, std::string_view value, BalancerConfig* out);

// `value` made safe for a one-line log: at most 64 bytes of it, then "..." if it was longer;
// bytes outside printable ASCII as \xHH, a backslash as "\\".
std::string EscapeForLog(std::string_view value);

}  // namespace mca::config

#endif  // MCA_CONFIG_PARAMS_H_
