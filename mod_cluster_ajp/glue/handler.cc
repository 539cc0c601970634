#include "glue/handler.h"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <string>
#include <vector>

#include "glue/config.h"
#include "glue/forward.h"
#include "glue/members.h"
#include "glue/pool_memory.h"
#include "glue/shared.h"
#include "mca/ajp/constants.h"
#include "mca/balance/atomic.h"
#include "mca/balance/selector.h"
#include "mca/proxy/path.h"
#include "mca/sticky/route.h"
#include "mca/text.h"

namespace mca::glue {
namespace {

constexpr const char* kHandlerName = "cluster-ajp";

// The path as the client sent it: httpd normalises r->parsed_uri.path in place (2.4.49+), so
// take it from the request line when that has the usual origin form.
std::string_view RawPath(request_rec* r) {
  const char* raw = r->unparsed_uri;
  if (raw != nullptr && raw[0] == '/') {
    std::string_view v(raw);
    return v.substr(0, text::PathLength(v));
  }
  return r->parsed_uri.path != nullptr ? r->parsed_uri.path : r->uri;
}

// The session's routes, extracted once per request. The routes are views into `input`, which
// views request memory; the list of Cookie headers is in request memory too.
struct SessionRoutes {
  explicit SessionRoutes(std::pmr::memory_resource* memory)
      : input{{}, {}, std::pmr::vector<std::string_view>(memory)} {}
  sticky::RouteInput input;
  sticky::Candidates candidates;
};

void ExtractRoutes(request_rec* r, const MemberSet& set, std::string_view raw_path,
                   SessionRoutes* out) {
  if (!set.sticky_set) return;
  out->input.path = raw_path;
  out->input.query = r->args != nullptr ? r->args : "";
  apr_table_do(
      [](void* rec, const char*, const char* value) -> int {
        static_cast<sticky::RouteInput*>(rec)->cookie_headers.emplace_back(value);
        return 1;
      },
      &out->input, r->headers_in, "Cookie", nullptr);
  sticky::ExtractCandidates(out->input, set.sticky, &out->candidates);
}

// The O(1) path when it has an answer, else Select under the balancer's shared lock; the chosen
// member's `elected` counts it.
balance::Selection Choose(Balancer* b, const MemberSet& set, const balance::SelectRequest& rq) {
  balance::Selection sel;
  if (!set.schedule.TrySelect(rq, set.states.data(), set.states.size(), &b->slot->turns, &sel)) {
    BalancerLock lock(b);
    balance::Select(rq, set.states.data(), set.states.size(), &sel);
  }
  if (sel.index >= 0) {
    balance::AtomicAdd(set.members[static_cast<size_t>(sel.index)]->slot->elected, uint64_t{1});
  }
  return sel;
}

// Whether some member other than `current` and those in `tried` could take a request now (for
// deciding to drop a failonstatus response in favour of another member).
bool AnotherCanServe(const MemberSet& set, const std::bitset<balance::kMaxMembers>& tried,
                     size_t current, apr_time_t now) {
  constexpr uint32_t kOut = config::kStatusDisabled | config::kStatusStopped |
                            config::kStatusHealthFailed | config::kStatusDraining;
  for (size_t i = 0; i < set.states.size() && i < tried.size(); ++i) {
    const balance::MemberState& m = *set.states[i];
    const uint32_t status = balance::AtomicLoad(m.status);
    if (i == current || tried[i] || (status & kOut) != 0) continue;
    if ((status & config::kStatusIgnoreErrors) != 0 || balance::AtomicLoad(m.error_until) <= now) {
      return true;
    }
  }
  return false;
}

// `again`: a later attempt of the request, whose earlier attempt set some of these.
void SetBalancerEnv(request_rec* r, const Balancer* b, const MemberSet& set, const Member* m,
                    const balance::Selection& sel, bool again) {
  apr_table_t* env = r->subprocess_env;
  // The names live as long as the configuration (or the child, for added members): no copies.
  apr_table_setn(env, "BALANCER_NAME", b->url.c_str());
  apr_table_setn(env, "BALANCER_WORKER_NAME", m->name.c_str());
  const std::string_view route = balance::RouteOf(m->slot->state);
  apr_table_setn(env, "BALANCER_WORKER_ROUTE", apr_pstrmemdup(r->pool, route.data(), route.size()));
  if (!sel.route.empty()) {
    apr_table_setn(env, "BALANCER_SESSION_ROUTE",
                   apr_pstrmemdup(r->pool, sel.route.data(), sel.route.size()));
    apr_table_setn(env, "BALANCER_SESSION_STICKY", set.sticky.cookie_name.c_str());
  } else if (again) {
    apr_table_unset(env, "BALANCER_SESSION_ROUTE");
    apr_table_unset(env, "BALANCER_SESSION_STICKY");
  }
  if (sel.route_changed) {
    apr_table_setn(env, "BALANCER_ROUTE_CHANGED", "1");
  } else if (again) {
    apr_table_unset(env, "BALANCER_ROUTE_CHANGED");
  }
}

void MarkInError(request_rec* r, const Balancer* b, Member* m, const std::string& why,
                 uint32_t kind = balance::kErrorApplication) {
  balance::MemberSlot& slot = *m->slot;
  const bool ignore = (balance::AtomicLoad(slot.state.status) & config::kStatusIgnoreErrors) != 0;
  balance::AtomicAdd(slot.errors, uint64_t{1});
  if (!ignore) {
    balance::AtomicStore(slot.error_kind, kind);
    balance::AtomicStore(slot.state.error_until, apr_time_now() + m->retry());
  }
  ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "MCA0302: member %s of balancer %s failed: %s; %s",
                m->name.c_str(), b->name.c_str(), why.c_str(),
                ignore ? "kept in rotation (status I)"
                       : apr_psprintf(r->pool, "out of rotation for %d s",
                                      static_cast<int>(apr_time_sec(m->retry()))));
}

// Counts the request in the member's busy figure (bybusyness) while it is in flight.
class BusyGuard {
 public:
  explicit BusyGuard(Member* m) : slot_(m->slot) {
    balance::AtomicAdd(slot_->state.busy, int64_t{1});
  }
  ~BusyGuard() { balance::AtomicAdd(slot_->state.busy, int64_t{-1}); }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  balance::MemberSlot* slot_;
};

AttemptResult Attempt(request_rec* r, const ServerConfig& conf, Balancer* b, Member* m,
                      ClientRequest* req, const AttemptOptions& options) {
  BusyGuard busy(m);
  AttemptResult res = ForwardToMember(r, conf, b, m, req, false, options);
  if (res.outcome == Outcome::kRetrySameMember && !req->Replayable()) {
    res.outcome = Outcome::kNoAnswer;  // the body cannot be sent again, not even here
  } else if (res.outcome == Outcome::kRetrySameMember) {
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "MCA0303: %s; retrying %s on a new connection",
                  res.why.c_str(), m->name.c_str());
    res = ForwardToMember(r, conf, b, m, req, true, options);
    if (res.outcome == Outcome::kRetrySameMember) {
      res.outcome = Outcome::kMemberDown;
      res.connection_failed = true;
    }
  }
  return res;
}

bool Idempotent(const request_rec* r) {
  switch (r->method_number) {
    case M_GET:  // and HEAD
    case M_PUT:
    case M_DELETE:
    case M_OPTIONS:
    case M_TRACE:
      return true;
    default:
      return false;
  }
}

constexpr apr_interval_time_t kBalancerWaitStep = apr_time_from_msec(100);

int ServeFromBalancer(request_rec* r, const ServerConfig& conf, Balancer* b, const MemberSet& set,
                      ClientRequest* req) {
  InPool<SessionRoutes> routes(r->pool, req->memory);
  ExtractRoutes(r, set, req->raw_path, routes.get());
  InPool<balance::SelectRequest> request(r->pool);
  balance::SelectRequest& rq = *request;
  rq.lb_method = balance::LbMethodOf(*b->slot);
  rq.AddRoutes(routes->candidates);
  rq.nofailover = balance::AtomicLoad(b->slot->sticky_force) != 0;
  rq.force_recovery = b->cfg.force_recovery;
  const int32_t configured_attempts = balance::AtomicLoad(b->slot->max_attempts);
  const int max_attempts =
      configured_attempts >= 0 ? configured_attempts : static_cast<int>(set.members.size()) - 1;
  // balancer timeout=: wait that long for a member to come back before answering 503.
  const apr_interval_time_t wait = balance::AtomicLoad(b->slot->timeout);
  const apr_time_t deadline = apr_time_now() + (wait > 0 ? wait : 0);
  int failures = 0;
  for (;;) {
    rq.now = apr_time_now();
    const balance::Selection sel = Choose(b, set, rq);
    if (sel.index < 0) {
      if (sel.reason == balance::Reason::kAllDown && rq.now < deadline) {
        apr_sleep(std::min(kBalancerWaitStep, deadline - rq.now));
        continue;
      }
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                    "MCA0301: no member of balancer %s can serve %s: %s", b->name.c_str(), r->uri,
                    balance::ReasonName(sel.reason));
      return HTTP_SERVICE_UNAVAILABLE;
    }
    const auto index = static_cast<size_t>(sel.index);
    Member* m = set.members[index];
    SetBalancerEnv(r, b, set, m, sel, failures > 0);
    if (sel.forced_recovery) {
      ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                    "MCA0307: every member of balancer %s is in error; trying %s anyway "
                    "(forcerecovery)",
                    b->name.c_str(), m->name.c_str());
    }
    AttemptOptions options;
    options.may_fail_over = req->Replayable() && failures < max_attempts &&
                            AnotherCanServe(set, rq.tried, index, rq.now);
    const AttemptResult res = Attempt(r, conf, b, m, req, options);
    switch (res.outcome) {
      case Outcome::kDone:
        if (res.mark_error) MarkInError(r, b, m, res.why);
        return kHttpdOk;
      case Outcome::kClientError:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "MCA0304: %s", res.why.c_str());
        return res.http_status;
      case Outcome::kTimeout:
        if (b->cfg.fail_on_timeout) MarkInError(r, b, m, res.why);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "MCA0305: %s", res.why.c_str());
        return HTTP_GATEWAY_TIME_OUT;
      case Outcome::kBadGateway:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "MCA0306: %s", res.why.c_str());
        return HTTP_BAD_GATEWAY;
      case Outcome::kMemberDown:
      case Outcome::kRetrySameMember:
      case Outcome::kFailStatus:
        MarkInError(r, b, m, res.why,
                    res.connection_failed || res.outcome == Outcome::kRetrySameMember
                        ? balance::kErrorConnection
                        : balance::kErrorApplication);
        break;
      case Outcome::kNoAnswer:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "MCA0308: %s", res.why.c_str());
        break;
      case Outcome::kCutBeforeClient:
        // The member had begun to answer, so it saw the request: only a request that may be
        // repeated (RFC 9110 9.2.2) goes to another member.
        if (!Idempotent(r)) {
          ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "MCA0306: %s", res.why.c_str());
          return HTTP_BAD_GATEWAY;
        }
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "MCA0308: %s; nothing reached the client",
                      res.why.c_str());
        break;
    }
    rq.tried.set(index);
    ++failures;
    if (!req->Replayable() || failures > max_attempts) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                    "MCA0301: no member of balancer %s could serve %s: %s", b->name.c_str(), r->uri,
                    !req->Replayable()
                        ? "the request body was larger than replaybuffer, so it cannot be sent "
                          "to another member"
                        : apr_psprintf(r->pool,
                                       "the %d member(s) tried are down or failed (maxattempts "
                                       "is %d)",
                                       failures, max_attempts));
      return res.outcome == Outcome::kNoAnswer || res.outcome == Outcome::kCutBeforeClient
                 ? HTTP_BAD_GATEWAY
                 : HTTP_SERVICE_UNAVAILABLE;
    }
  }
}

}  // namespace

int TranslateName(request_rec* r) noexcept {
  try {
    ServerConfig* conf = GetServerConfig(r->server);
    if (conf == nullptr || conf->mappings.empty() || r->uri == nullptr || r->uri[0] != '/') {
      return kHttpdDeclined;
    }
    const Mapping* best = nullptr;
    size_t best_len = 0;
    for (const Mapping& m : conf->mappings) {
      const size_t len = proxy::AliasMatch(r->uri, m.path);
      if (len > 0 && len != std::string_view::npos &&
          (best == nullptr || m.path.size() > best_len)) {
        best = &m;
        best_len = m.path.size();
      }
    }
    if (best == nullptr || best->exclude) return kHttpdDeclined;
    ap_set_module_config(r->request_config, &cluster_ajp_module, const_cast<Mapping*>(best));
    r->handler = kHandlerName;
    r->filename = apr_pstrcat(r->pool, "cluster-ajp:", r->uri, nullptr);
    return kHttpdOk;
  } catch (...) {
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

int MapToStorage(request_rec* r) noexcept {
  // Proxied URLs have no file behind them: skip the directory walk, keep <Location>.
  if (r->handler != nullptr && strcmp(r->handler, kHandlerName) == 0) return kHttpdOk;
  return kHttpdDeclined;
}

int Handle(request_rec* r) noexcept {
  if (r->handler == nullptr || strcmp(r->handler, kHandlerName) != 0) return kHttpdDeclined;
  auto* map = static_cast<Mapping*>(ap_get_module_config(r->request_config, &cluster_ajp_module));
  if (map == nullptr) return kHttpdDeclined;
  if (map->balancer == nullptr) return HTTP_SERVICE_UNAVAILABLE;
  try {
    const ServerConfig& conf = *GetServerConfig(r->server);
    const std::string_view raw_path = RawPath(r);
    PoolMemory memory(r->pool);  // what the request needs beyond httpd's own structures
    const proxy::BackendPath path =
        proxy::BuildBackendPath(raw_path, r->uri, map->path, map->backend_path, &memory);
    if (!path.ok) {
      ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "MCA0102: %s refused: %s", r->uri, path.why);
      return path.status;
    }
    InPool<ClientRequest> req(r->pool, &memory);
    req->raw_path = raw_path;
    int status = PrepareClientRequest(r, path.path, req.get());
    if (status != kHttpdOk) return status;
    // The members as of now: the manager may add or remove some while the request runs.
    const MemberSet& set = *LiveMembers(map->balancer);
    // The first body packet is replayed on failover, so it must fit every member's packet.
    req->replay_limit = map->balancer->cfg.replay_buffer;
    status = ReadInitialBody(r, req.get(), set.min_packet_size);
    if (status != kHttpdOk) return status;
    return ServeFromBalancer(r, conf, map->balancer, set, req.get());
  } catch (const std::bad_alloc&) {
    ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, "MCA0002: out of memory");
    return HTTP_INTERNAL_SERVER_ERROR;
  } catch (...) {
    ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, "MCA0003: unexpected failure");
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

}  // namespace mca::glue
