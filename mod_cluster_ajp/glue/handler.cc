#include "glue/handler.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "glue/config.h"
#include "glue/forward.h"
#include "mca/ajp/constants.h"
#include "mca/proxy/path.h"
#include "mca/sticky/route.h"

namespace mca::glue {
namespace {

constexpr const char* kHandlerName = "cluster-ajp";
constexpr int kMaxRedirectHops = 3;

// The path as the client sent it: httpd normalises r->parsed_uri.path in place (2.4.49+), so
// take it from the request line when that has the usual origin form.
std::string_view RawPath(request_rec* r) {
  const char* raw = r->unparsed_uri;
  if (raw != nullptr && raw[0] == '/') {
    std::string_view v(raw);
    return v.substr(0, v.find_first_of("?#"));
  }
  return r->parsed_uri.path != nullptr ? r->parsed_uri.path : r->uri;
}

bool Usable(const Member* m, apr_time_t now) {
  if (m->Has(config::kStatusDisabled | config::kStatusStopped | config::kStatusHealthFailed)) {
    return false;
  }
  return m->error_until.load(std::memory_order_relaxed) <= now;
}

bool Tried(const std::vector<Member*>& tried, const Member* m) {
  for (const Member* t : tried) {
    if (t == m) return true;
  }
  return false;
}

Member* FindRoute(Balancer* b, std::string_view route) {
  if (route.empty()) return nullptr;
  for (Member* m : b->members) {
    if (m->cfg.route == route) return m;
  }
  return nullptr;
}

// The member a session's route names, following `redirect` while it cannot serve.
Member* StickyMember(Balancer* b, std::string_view route, const std::vector<Member*>& tried,
                     apr_time_t now, bool* route_known) {
  Member* m = FindRoute(b, route);
  *route_known = m != nullptr;
  for (int hop = 0; m != nullptr && hop <= kMaxRedirectHops; ++hop) {
    // Draining members keep serving the sessions they already have.
    const bool can = !Tried(tried, m) && m->error_until.load() <= now &&
                     !m->Has(config::kStatusDisabled | config::kStatusStopped);
    if (can) return m;
    m = FindRoute(b, m->cfg.redirect);
  }
  return nullptr;
}

// Smooth weighted round robin over the lowest lbset that has a usable member; hot standby
// members only when no other member can serve.
Member* Balance(Balancer* b, const std::vector<Member*>& tried, apr_time_t now) {
  for (int pass = 0; pass < 2; ++pass) {
    const bool standby = pass == 1;
    int best_set = -1;
    for (Member* m : b->members) {
      const bool is_standby = m->Has(config::kStatusHotStandby | config::kStatusHotSpare);
      if (is_standby != standby || m->Has(config::kStatusDraining) || !Usable(m, now) ||
          Tried(tried, m)) {
        continue;
      }
      if (best_set < 0 || m->cfg.lbset < best_set) best_set = m->cfg.lbset;
    }
    if (best_set < 0) continue;
    apr_thread_mutex_lock(b->lock);
    Member* best = nullptr;
    int64_t total = 0;
    for (Member* m : b->members) {
      const bool is_standby = m->Has(config::kStatusHotStandby | config::kStatusHotSpare);
      if (is_standby != standby || m->Has(config::kStatusDraining) || !Usable(m, now) ||
          Tried(tried, m) || m->cfg.lbset != best_set) {
        continue;
      }
      m->current_weight += m->cfg.load_factor;
      total += m->cfg.load_factor;
      if (best == nullptr || m->current_weight > best->current_weight) best = m;
    }
    if (best != nullptr) best->current_weight -= total;
    apr_thread_mutex_unlock(b->lock);
    if (best != nullptr) return best;
  }
  return nullptr;
}

struct Choice {
  Member* member = nullptr;
  bool sticky = false;
  std::string route;     // the session's route, if any
  bool refused = false;  // nofailover: the session's member cannot serve
};

Choice Select(request_rec* r, Balancer* b, const std::vector<Member*>& tried) {
  Choice c;
  const apr_time_t now = apr_time_now();
  if (b->cfg.sticky_session_set) {
    sticky::RouteInput in;
    in.path = RawPath(r);
    in.query = r->args != nullptr ? r->args : "";
    apr_table_do(
        [](void* rec, const char*, const char* value) -> int {
          static_cast<sticky::RouteInput*>(rec)->cookie_headers.emplace_back(value);
          return 1;
        },
        &in, r->headers_in, "Cookie", nullptr);
    const sticky::Candidates found = sticky::ExtractCandidates(in, b->cfg.sticky);
    for (const sticky::Candidate& cand : found) {
      bool known = false;
      Member* m = StickyMember(b, cand.route, tried, now, &known);
      if (!known) continue;
      c.route.assign(cand.route);
      if (m != nullptr) {
        c.member = m;
        c.sticky = true;
        return c;
      }
      if (b->cfg.nofailover) {
        c.refused = true;
        return c;
      }
      break;
    }
  }
  c.member = Balance(b, tried, now);
  return c;
}

void SetBalancerEnv(request_rec* r, Balancer* b, const Choice& c) {
  apr_table_setn(r->subprocess_env, "BALANCER_NAME",
                 apr_pstrcat(r->pool, "balancer://", b->name.c_str(), nullptr));
  apr_table_setn(r->subprocess_env, "BALANCER_WORKER_NAME",
                 apr_pstrdup(r->pool, c.member->name.c_str()));
  apr_table_setn(r->subprocess_env, "BALANCER_WORKER_ROUTE",
                 apr_pstrdup(r->pool, c.member->cfg.route.c_str()));
  if (!c.route.empty()) {
    apr_table_setn(r->subprocess_env, "BALANCER_SESSION_ROUTE",
                   apr_pstrdup(r->pool, c.route.c_str()));
    apr_table_setn(r->subprocess_env, "BALANCER_SESSION_STICKY",
                   apr_pstrdup(r->pool, b->cfg.sticky.cookie_name.c_str()));
  }
  if (!c.route.empty() && c.route != c.member->cfg.route) {
    apr_table_setn(r->subprocess_env, "BALANCER_ROUTE_CHANGED", "1");
  }
}

void MarkInError(request_rec* r, Balancer* b, Member* m, const std::string& why) {
  if (!m->Has(config::kStatusIgnoreErrors)) m->error_until.store(apr_time_now() + m->retry());
  ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                "MCA0302: member %s of balancer %s failed: %s; out of rotation for %d s",
                m->name.c_str(), b->name.c_str(), why.c_str(),
                static_cast<int>(apr_time_sec(m->retry())));
}

int ServeFromBalancer(request_rec* r, const ServerConfig& conf, Balancer* b, ClientRequest* req) {
  std::vector<Member*> tried;
  const int max_attempts =
      b->cfg.max_attempts_set ? b->cfg.max_attempts : static_cast<int>(b->members.size()) - 1;
  for (int attempt = 0;; ++attempt) {
    Choice c = Select(r, b, tried);
    if (c.member == nullptr) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                    "MCA0301: no member of balancer %s can serve %s: %s", b->name.c_str(), r->uri,
                    c.refused            ? "the session's member is down and nofailover is On"
                    : b->members.empty() ? "the balancer has no members"
                                         : "every member is down, disabled or was tried");
      return HTTP_SERVICE_UNAVAILABLE;
    }
    SetBalancerEnv(r, b, c);
    AttemptResult res = ForwardToMember(r, conf, b, c.member, req, false);
    if (res.outcome == Outcome::kRetrySameMember) {
      ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "MCA0303: %s; retrying %s on a new connection",
                    res.why.c_str(), c.member->name.c_str());
      res = ForwardToMember(r, conf, b, c.member, req, true);
      if (res.outcome == Outcome::kRetrySameMember) res.outcome = Outcome::kMemberDown;
    }
    switch (res.outcome) {
      case Outcome::kDone:
        return kHttpdOk;
      case Outcome::kClientError:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "MCA0304: %s", res.why.c_str());
        return res.http_status;
      case Outcome::kTimeout:
        if (b->cfg.fail_on_timeout) MarkInError(r, b, c.member, res.why);
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "MCA0305: %s", res.why.c_str());
        return HTTP_GATEWAY_TIME_OUT;
      case Outcome::kBadGateway:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "MCA0306: %s", res.why.c_str());
        return HTTP_BAD_GATEWAY;
      case Outcome::kMemberDown:
      case Outcome::kRetrySameMember:
        MarkInError(r, b, c.member, res.why);
        tried.push_back(c.member);
        if (req->body_streamed || attempt >= max_attempts) {
          ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                        "MCA0301: no member of balancer %s could serve %s: %s", b->name.c_str(),
                        r->uri,
                        req->body_streamed ? "the request body was already streamed to a member"
                                           : "every member tried failed (maxattempts reached)");
          return HTTP_SERVICE_UNAVAILABLE;
        }
        break;
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
    const proxy::BackendPath path =
        proxy::BuildBackendPath(RawPath(r), r->uri, map->path, map->backend_path);
    if (!path.ok) {
      ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "MCA0102: %s refused: %s", r->uri, path.why);
      return path.status;
    }
    ClientRequest req;
    int status = PrepareClientRequest(r, path.path, &req);
    if (status != kHttpdOk) return status;
    // The first body packet is replayed on failover, so it must fit every member's packet.
    size_t packet = ajp::kMaxPacketSize;
    for (const Member* m : map->balancer->members) {
      packet = std::min(packet, m->pool_settings.packet_size);
    }
    status = ReadInitialBody(r, &req, packet);
    if (status != kHttpdOk) return status;
    return ServeFromBalancer(r, conf, map->balancer, &req);
  } catch (const std::bad_alloc&) {
    ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, "MCA0002: out of memory");
    return HTTP_INTERNAL_SERVER_ERROR;
  } catch (...) {
    ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, "MCA0003: unexpected failure");
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

}  // namespace mca::glue
