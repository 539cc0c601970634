#include "glue/health.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "glue/backend.h"
#include "glue/config.h"
#include "glue/members.h"
#include "glue/shared.h"
#include "mca/ajp/constants.h"
#include "mca/ajp/request.h"
#include "mca/ajp/response.h"
#include "mca/ajp/stream.h"
#include "mca/balance/atomic.h"
#include "mca/balance/health.h"

namespace mca::glue {
namespace {

constexpr const char* kWatchdogName = "_mod_cluster_ajp_health_";
constexpr apr_interval_time_t kDefaultCheckTimeout = apr_time_from_sec(2);

// A member's check settings as the shared table has them now (httpd.conf's, or the manager's).
struct HcSettings {
  config::HcMethod method = config::HcMethod::kCping;
  int passes = 1;
  int fails = 1;
  apr_interval_time_t interval = 0;
  std::string uri;
};

HcSettings SettingsOf(const Balancer* b, const Member* m) {
  const balance::MemberSlot& slot = *m->slot;
  HcSettings hc;
  hc.method = balance::HcMethodOf(slot);
  hc.passes = static_cast<int>(balance::AtomicLoad(slot.hc_passes));
  hc.fails = static_cast<int>(balance::AtomicLoad(slot.hc_fails));
  hc.interval = std::max<apr_interval_time_t>(balance::AtomicLoad(slot.hc_interval),
                                              config::kMinHcInterval.count());
  BalancerLock lock(b);
  hc.uri = std::string(balance::FieldOf(slot.hc_uri, sizeof slot.hc_uri));
  return hc;
}

bool AppCheck(config::HcMethod method) {
  return method == config::HcMethod::kGet || method == config::HcMethod::kHead ||
         method == config::HcMethod::kOptions;
}

struct CheckResult {
  bool ok = false;
  std::string reason;  // why it failed: "connection refused", "no CPong in 2 s", ...
};

std::string AprReason(apr_status_t rv) {
  char buf[120];
  apr_strerror(rv, buf, sizeof buf);
  std::string s(buf);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string Seconds(apr_interval_time_t t) {
  if (t % apr_time_from_sec(1) == 0) return std::to_string(apr_time_sec(t)) + " s";
  return std::to_string(apr_time_as_msec(t)) + " ms";
}

apr_interval_time_t CheckTimeout(const Member* m) {
  const config::MemberConfig& c = m->cfg;
  if (c.hc_timeout_set) return c.hc_timeout.count();
  if (c.ping.count() > 0) return c.ping.count();
  if (c.connection_timeout_set) return c.connection_timeout.count();
  return kDefaultCheckTimeout;
}

// One connection for one check, closed with its pool.
class Probe {
 public:
  Probe(apr_pool_t* parent, const Member* m, const HcSettings& hc)
      : member_(m),
        hc_(hc),
        timeout_(CheckTimeout(m)),
        stream_(ajp::Direction::kFromContainer, 65536) {
    apr_pool_create(&pool_, parent);
  }
  ~Probe() { apr_pool_destroy(pool_); }
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  CheckResult Run() {
    CheckResult res = Connect();
    if (!res.ok) return res;
    switch (hc_.method) {
      case config::HcMethod::kTcp:
      case config::HcMethod::kNone:
        return res;
      case config::HcMethod::kCping:
        return CPing();
      case config::HcMethod::kGet:
      case config::HcMethod::kHead:
      case config::HcMethod::kOptions:
        return Request();
    }
    return res;
  }

 private:
  CheckResult Fail(std::string why) {
    CheckResult r;
    r.reason = std::move(why);
    return r;
  }

  CheckResult Connect() {
    const PoolSettings& ps = member_->pool_settings;
    apr_sockaddr_t* addr = nullptr;
    apr_status_t rv = apr_sockaddr_info_get(&addr, ps.host.c_str(), APR_UNSPEC, ps.port, 0, pool_);
    if (rv != APR_SUCCESS) return Fail("cannot resolve " + ps.host + ": " + AprReason(rv));
    rv = apr_socket_create(&socket_, addr->family, SOCK_STREAM, APR_PROTO_TCP, pool_);
    if (rv != APR_SUCCESS) return Fail(AprReason(rv));
    apr_socket_opt_set(socket_, APR_TCP_NODELAY, 1);
    apr_socket_timeout_set(socket_, timeout_);
    rv = apr_socket_connect(socket_, addr);
    if (APR_STATUS_IS_TIMEUP(rv)) return Fail("no connection in " + Seconds(timeout_));
    if (rv != APR_SUCCESS) return Fail(AprReason(rv));
    CheckResult ok;
    ok.ok = true;
    return ok;
  }

  // The next container message; false (with *why) on a timeout, a close or bad bytes.
  bool Next(ajp::ContainerMessage* m, const std::string& waiting_for, std::string* why) {
    for (;;) {
      const Status st = stream_.NextMessage(m);
      if (st.ok()) return true;
      if (st.code != Errc::kNeedMore) {
        *why = "protocol error: " + Describe(st);
        return false;
      }
      apr_size_t len = stream_.WriteCapacity();
      const apr_status_t rv =
          apr_socket_recv(socket_, reinterpret_cast<char*>(stream_.WriteSpace()), &len);
      stream_.Commit(len);
      if (len > 0) continue;
      if (APR_STATUS_IS_TIMEUP(rv)) {
        *why = "no " + waiting_for + " in " + Seconds(timeout_);
      } else {
        *why = "connection closed before the " + waiting_for +
               (rv == APR_EOF ? "" : " (" + AprReason(rv) + ")");
      }
      return false;
    }
  }

  CheckResult CPing() {
    apr_status_t rv = SendAll(socket_, ajp::kCPingFrame, sizeof ajp::kCPingFrame);
    if (rv != APR_SUCCESS) return Fail("sending the CPing failed: " + AprReason(rv));
    ajp::ContainerMessage m;
    std::string why;
    if (!Next(&m, "CPong", &why)) return Fail(why);
    if (m.type != ajp::JK_AJP13_CPONG_REPLY) {
      return Fail("answered the CPing with message type " + std::to_string(m.type));
    }
    CheckResult ok;
    ok.ok = true;
    return ok;
  }

  CheckResult Request() {
    const config::MemberConfig& c = member_->cfg;
    const char* method = hc_.method == config::HcMethod::kGet    ? "GET"
                         : hc_.method == config::HcMethod::kHead ? "HEAD"
                                                                 : "OPTIONS";
    const std::string uri = hc_.uri.empty() ? "/" : hc_.uri;
    const std::string what = std::string(method) + " " + uri;
    ajp::ForwardRequest f;
    f.method = method;
    f.protocol = "HTTP/1.1";
    f.uri = uri;
    f.remote_addr = "127.0.0.1";
    f.server_name = member_->pool_settings.host;
    f.server_port = member_->pool_settings.port;
    const std::string host = member_->pool_settings.host;
    f.headers.push_back({"Host", host});
    f.headers.push_back({"User-Agent", "mod_cluster_ajp health check"});
    if (c.secret_set && !c.secret.empty()) f.secret = c.secret;
    if (!c.route.empty()) f.route = c.route;
    std::string buf(member_->pool_settings.packet_size, '\0');
    size_t n = 0;
    const Status st =
        ajp::EncodeForwardRequest(f, reinterpret_cast<uint8_t*>(buf.data()), buf.size(), &n);
    if (!st.ok()) return Fail(what + ": cannot be encoded: " + Describe(st));
    const apr_status_t rv = SendAll(socket_, reinterpret_cast<const uint8_t*>(buf.data()), n);
    if (rv != APR_SUCCESS) return Fail(what + ": sending failed: " + AprReason(rv));
    ajp::ContainerMessage m;
    std::string why;
    for (;;) {
      if (!Next(&m, "answer to " + what, &why)) return Fail(why);
      if (m.type == ajp::JK_AJP13_SEND_HEADERS) break;
      if (m.type == ajp::JK_AJP13_GET_BODY_CHUNK) continue;  // no body: it will not insist
      return Fail(what + ": unexpected message type " + std::to_string(m.type));
    }
    if (m.status >= 200 && m.status < 400) {
      CheckResult ok;
      ok.ok = true;
      return ok;
    }
    return Fail(what + " \u2192 " + std::to_string(m.status));
  }

  const Member* member_;
  HcSettings hc_;
  apr_interval_time_t timeout_;
  apr_pool_t* pool_ = nullptr;
  apr_socket_t* socket_ = nullptr;
  ajp::FrameStream stream_;
};

void Record(server_rec* s, const Balancer* b, Member* m, const HcSettings& hc,
            const CheckResult& res) {
  balance::MemberSlot& slot = *m->slot;
  const apr_time_t now = apr_time_now();
  balance::HealthCounters h;
  h.healthy = balance::AtomicLoad(slot.healthy) != 0;
  h.passes = balance::AtomicLoad(slot.check_passes);
  h.fails = balance::AtomicLoad(slot.check_fails);
  const balance::Transition t = balance::RecordCheck(res.ok, hc.passes, hc.fails, &h);
  {
    BalancerLock lock(b);
    balance::SetField(slot.check_reason, sizeof slot.check_reason,
                      res.reason.substr(0, balance::kReasonSize - 1));
  }
  balance::AtomicStore(slot.check_passes, h.passes);
  balance::AtomicStore(slot.check_fails, h.fails);
  balance::AtomicStore(slot.last_check, static_cast<int64_t>(now));
  constexpr uint32_t kC = config::kStatusHealthFailed;
  if (t == balance::Transition::kBecameUnhealthy) {
    balance::AtomicOr(slot.state.status, kC);
    balance::AtomicStore(slot.healthy, 0u);
    balance::AtomicStore(slot.state_since, static_cast<int64_t>(now));
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                 "MCA0501: health check: member %s of balancer %s is unhealthy: %s",
                 m->name.c_str(), b->name.c_str(), res.reason.c_str());
  } else if (t == balance::Transition::kBecameHealthy) {
    balance::AtomicAndNot(slot.state.status, kC);
    balance::AtomicStore(slot.healthy, 1u);
    balance::AtomicStore(slot.state_since, static_cast<int64_t>(now));
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                 "MCA0502: health check: member %s of balancer %s is healthy again",
                 m->name.c_str(), b->name.c_str());
  }
  // A passing check ends an error it disproves: a connection that works ends a connection
  // error; an application-level check (GET/HEAD/OPTIONS) ends any error. A member that came
  // back therefore takes requests at once, not after `retry`.
  if (res.ok && balance::AtomicLoad(slot.state.error_until) > now) {
    if (AppCheck(hc.method) || balance::AtomicLoad(slot.error_kind) == balance::kErrorConnection) {
      balance::AtomicStore(slot.state.error_until, int64_t{0});
      balance::AtomicStore(slot.state_since, static_cast<int64_t>(now));
      ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                   "MCA0503: health check: member %s of balancer %s answers again; back in "
                   "rotation",
                   m->name.c_str(), b->name.c_str());
    }
  }
}

// Slow start: a member back from unhealthy (or from an error a check disproved) gets a share of
// its load factor that grows with the time since, up to the whole of it after `slowstart`.
// Updated every watchdog tick (100 ms).
void Ramp(Member* m, apr_time_t now) {
  const apr_interval_time_t window = m->cfg.slow_start.count();
  if (window <= 0) return;
  balance::MemberSlot& slot = *m->slot;
  const int64_t since = balance::AtomicLoad(slot.state_since);
  uint32_t ramp = 0;
  if (since > 0 && balance::AtomicLoad(slot.healthy) != 0 && now - since < window) {
    ramp = static_cast<uint32_t>(std::max<int64_t>(1, (now - since) * 1000 / window));
  }
  if (balance::AtomicLoad(slot.state.ramp) != ramp) balance::AtomicStore(slot.state.ramp, ramp);
}

void RunDueChecks(server_rec* main, apr_pool_t* pool) {
  // Only the watchdog's thread runs this; the vector keeps its room from tick to tick.
  static std::vector<const Balancer*> seen;
  seen.clear();
  for (server_rec* v = main; v != nullptr; v = v->next) {
    for (Balancer* b : GetServerConfig(v)->balancers) {
      if (std::find(seen.begin(), seen.end(), b) != seen.end() || b->slot == nullptr) continue;
      seen.push_back(b);
      for (Member* m : LiveMembers(b)->members) {
        if (m->slot == nullptr) continue;
        const apr_time_t now = apr_time_now();
        Ramp(m, now);
        if (now < m->next_check) continue;
        const HcSettings hc = SettingsOf(b, m);
        m->next_check = now + hc.interval;
        if (hc.method == config::HcMethod::kNone) {
          // Checks turned off (httpd.conf or the manager): a member they had failed is no
          // longer judged by them.
          if (balance::AtomicLoad(m->slot->healthy) == 0) {
            balance::AtomicAndNot(m->slot->state.status,
                                  static_cast<uint32_t>(config::kStatusHealthFailed));
            balance::AtomicStore(m->slot->healthy, 1u);
            balance::AtomicStore(m->slot->check_fails, 0u);
          }
          continue;
        }
        Probe probe(pool, m, hc);
        Record(main, b, m, hc, probe.Run());
      }
    }
  }
}

apr_status_t Callback(int state, void* data, apr_pool_t* pool) {
  auto* s = static_cast<server_rec*>(data);
  try {
    if (state == AP_WATCHDOG_STATE_STARTING) {
      ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, "MCA0504: health checks start in pid %d",
                   static_cast<int>(getpid()));
    } else if (state == AP_WATCHDOG_STATE_RUNNING) {
      RunDueChecks(s, pool);
    }
  } catch (...) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "MCA0505: health check round failed");
  }
  return APR_SUCCESS;
}

bool AnyChecks(server_rec* s) {
  for (server_rec* v = s; v != nullptr; v = v->next) {
    for (const Balancer* b : GetServerConfig(v)->balancers) {
      // Checks can be turned on and members added in the manager, so any balancer starts the
      // thread.
      if (!b->members.empty() || !b->implicit) return true;
    }
  }
  return false;
}

}  // namespace

int HealthPostConfig(apr_pool_t* pconf, apr_pool_t* /*plog*/, apr_pool_t* /*ptemp*/,
                     server_rec* s) noexcept {
  try {
    if (!AnyChecks(s)) return kHttpdOk;
    auto* get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    auto* register_callback = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback);
    if (get_instance == nullptr || register_callback == nullptr) {
      ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                   "MCA0506: mod_watchdog is not loaded: no health checks run (members are "
                   "judged by requests only)");
      return kHttpdOk;
    }
    ap_watchdog_t* watchdog = nullptr;
    apr_status_t rv = get_instance(&watchdog, kWatchdogName, 0, 1, pconf);
    if (rv == APR_SUCCESS) rv = register_callback(watchdog, AP_WD_TM_SLICE, s, Callback);
    if (rv != APR_SUCCESS) {
      ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "MCA0507: cannot start the health checks");
      return HTTP_INTERNAL_SERVER_ERROR;
    }
    return kHttpdOk;
  } catch (...) {
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

}  // namespace mca::glue
