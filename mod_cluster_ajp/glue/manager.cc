#include "glue/manager.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "glue/config.h"
#include "glue/members.h"
#include "glue/pool_memory.h"
#include "glue/shared.h"
#include "mca/balance/atomic.h"
#include "mca/manager/form.h"
#include "mca/manager/render.h"
#include "mca/manager/snapshot.h"
#include "mca/version.h"

namespace mca::glue {
namespace {

constexpr const char* kManagerHandler = "balancer-manager";

// A refusal: status, and a one-line text body that says why.
struct Refusal {
  int status = 0;
  std::string why;
};

int Plain(request_rec* r, int status, const std::string& text) {
  r->status = status;
  ap_set_content_type(r, "text/plain; charset=utf-8");
  apr_table_setn(r->headers_out, "Cache-Control", "no-store");
  if (!r->header_only) {
    ap_rwrite(text.data(), static_cast<int>(text.size()), r);
    ap_rputs("\n", r);
  }
  return kHttpdOk;
}

// The form of a POST (application/x-www-form-urlencoded, at most kMaxFormBytes): its fields are
// appended to `fields`, or *err says why they do not parse.
Refusal ReadForm(request_rec* r, manager::Fields* fields, config::Error* err) {
  const char* type = apr_table_get(r->headers_in, "Content-Type");
  if (type != nullptr && strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0) {
    return {HTTP_UNSUPPORTED_MEDIA_TYPE, "the manager takes application/x-www-form-urlencoded"};
  }
  if (ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK) != kHttpdOk) {
    return {HTTP_BAD_REQUEST, "unreadable request body"};
  }
  if (!ap_should_client_block(r)) return {};
  std::string body;
  constexpr size_t kPiece = 4096;
  char* buf = static_cast<char*>(apr_palloc(r->pool, kPiece));  // not on the thread's stack
  for (;;) {
    const long n = ap_get_client_block(r, buf, kPiece);
    if (n < 0) return {HTTP_BAD_REQUEST, "unreadable request body"};
    if (n == 0) break;
    if (body.size() + static_cast<size_t>(n) > manager::kMaxFormBytes) {
      return {HTTP_REQUEST_ENTITY_TOO_LARGE, "form larger than 64 KiB"};
    }
    body.append(buf, static_cast<size_t>(n));
  }
  manager::Fields posted(fields->get_allocator().resource());
  *err = manager::ParseForm(body, &posted);
  fields->insert(fields->end(), posted.begin(), posted.end());
  return {};
}

// In `memory` (the request pool), like everything the page needs.
manager::Snapshot TakeSnapshot(const ServerConfig& conf, std::pmr::memory_resource* memory) {
  manager::Snapshot snap(memory);
  snap.now_us = apr_time_now();
  snap.balancers.reserve(conf.balancers.size());
  for (Balancer* b : conf.balancers) {
    if (b->implicit || b->slot == nullptr) continue;
    const MemberSet& set = *LiveMembers(b);
    const balance::BalancerSlot& bs = *b->slot;
    manager::BalancerView bv(memory);
    bv.name = b->name;
    bv.sticky_session = balance::FieldOf(bs.sticky_session, sizeof bs.sticky_session);
    bv.lb_method = balance::LbMethodOf(bs);
    bv.nonce = balance::FieldOf(bs.nonce, sizeof bs.nonce);
    const int32_t max_attempts = balance::AtomicLoad(bs.max_attempts);
    bv.max_attempts = max_attempts >= 0 ? max_attempts : static_cast<int>(set.members.size()) - 1;
    bv.nofailover = balance::AtomicLoad(bs.sticky_force) != 0;
    bv.timeout_us = balance::AtomicLoad(bs.timeout);
    bv.members.reserve(set.members.size());
    BalancerLock lock(b);  // route and redirect are written under it
    for (const Member* m : set.members) {
      const balance::MemberSlot& ms = *m->slot;
      manager::MemberView mv(memory);
      mv.url = m->name;
      mv.added = balance::AtomicLoad(ms.added) != 0;
      mv.route = balance::RouteOf(ms.state);
      mv.redirect = balance::RedirectOf(ms.state);
      mv.load_factor = ms.state.load_factor;
      mv.lbset = ms.state.lbset;
      mv.status = balance::AtomicLoad(ms.state.status);
      mv.error_until_us = balance::AtomicLoad(ms.state.error_until);
      mv.in_error = mv.error_until_us > snap.now_us;
      if (!mv.in_error) mv.error_until_us = 0;
      mv.healthy = balance::AtomicLoad(ms.healthy) != 0;
      mv.last_check_us = balance::AtomicLoad(ms.last_check);
      mv.check_reason = balance::FieldOf(ms.check_reason, sizeof ms.check_reason);
      mv.elected = balance::AtomicLoad(ms.elected);
      mv.busy = balance::AtomicLoad(ms.state.busy);
      mv.errors = balance::AtomicLoad(ms.errors);
      mv.bytes_sent = balance::AtomicLoad(ms.bytes_sent);
      mv.bytes_received = balance::AtomicLoad(ms.bytes_received);
      mv.connections = balance::AtomicLoad(ms.connections);
      mv.hardmax = ms.hardmax;
      mv.hc_method = balance::HcMethodOf(ms);
      mv.hc_interval_us = balance::AtomicLoad(ms.hc_interval);
      mv.hc_passes = static_cast<int>(balance::AtomicLoad(ms.hc_passes));
      mv.hc_fails = static_cast<int>(balance::AtomicLoad(ms.hc_fails));
      mv.hc_uri = balance::FieldOf(ms.hc_uri, sizeof ms.hc_uri);
      mv.min = m->cfg.min;
      mv.max = m->pool_settings.max;
      mv.smax = m->pool_settings.smax;
      mv.ttl_us = m->cfg.ttl.count();
      mv.retry_us = m->cfg.retry.count();
      mv.lbstatus = ms.state.current_weight;
      bv.members.push_back(std::move(mv));
    }
    snap.balancers.push_back(std::move(bv));
  }
  return snap;
}

Balancer* FindBalancer(const ServerConfig& conf, const std::string& name) {
  for (Balancer* b : conf.balancers) {
    if (!b->implicit && b->name == name && b->slot != nullptr) return b;
  }
  return nullptr;
}

// Applies an edit under the balancer's lock. A field counts as edited (and then keeps its value
// over restarts instead of following httpd.conf) only when the edit changes it: the HTML form
// sends every field, changed or not.
void ApplyMemberEdit(Balancer* b, Member* m, const manager::MemberEdit& e) {
  balance::MemberSlot& slot = *m->slot;
  balance::MemberState& st = slot.state;
  BalancerLock lock(b);
  uint32_t edited = slot.edited;
  if (e.load_factor && *e.load_factor != st.load_factor) {
    st.load_factor = *e.load_factor;
    edited |= balance::kEditedLoadFactor;
  }
  if (e.lbset && *e.lbset != st.lbset) {
    st.lbset = *e.lbset;
    edited |= balance::kEditedLbset;
  }
  if (e.route && *e.route != balance::RouteOf(st)) {
    balance::SetRoute(&st, *e.route);
    edited |= balance::kEditedRoute;
  }
  if (e.redirect && *e.redirect != balance::RedirectOf(st)) {
    balance::SetRedirect(&st, *e.redirect);
    edited |= balance::kEditedRedirect;
  }
  const uint32_t before = balance::AtomicLoad(st.status);
  const uint32_t admin = ((before | e.set_flags) & ~e.clear_flags) & config::kAdminStatusFlags;
  if (admin != (before & config::kAdminStatusFlags)) {
    balance::AtomicOr(st.status, admin);
    balance::AtomicAndNot(st.status, config::kAdminStatusFlags & ~admin);
    edited |= balance::kEditedStatus;
  }
  // C and E are runtime state: set or cleared, not remembered as edits.
  if ((e.set_flags & config::kStatusHealthFailed) != 0) {
    balance::AtomicOr(st.status, static_cast<uint32_t>(config::kStatusHealthFailed));
  }
  if ((e.clear_flags & config::kStatusHealthFailed) != 0) {
    balance::AtomicAndNot(st.status, static_cast<uint32_t>(config::kStatusHealthFailed));
  }
  if (e.hc_fields != 0) {
    bool changed = false;
    const auto set32 = [&changed](uint32_t& field, uint32_t value) {
      if (balance::AtomicLoad(field) == value) return;
      balance::AtomicStore(field, value);
      changed = true;
    };
    if ((e.hc_fields & manager::kHcMethod) != 0) {
      set32(slot.hc_method, static_cast<uint32_t>(e.hc.hc_method));
    }
    if ((e.hc_fields & manager::kHcPasses) != 0) {
      set32(slot.hc_passes, static_cast<uint32_t>(std::max(e.hc.hc_passes, 1)));
    }
    if ((e.hc_fields & manager::kHcFails) != 0) {
      set32(slot.hc_fails, static_cast<uint32_t>(std::max(e.hc.hc_fails, 1)));
    }
    if ((e.hc_fields & manager::kHcInterval) != 0 &&
        balance::AtomicLoad(slot.hc_interval) != e.hc.hc_interval.count()) {
      balance::AtomicStore(slot.hc_interval, static_cast<int64_t>(e.hc.hc_interval.count()));
      changed = true;
    }
    if ((e.hc_fields & manager::kHcUri) != 0 &&
        balance::FieldOf(slot.hc_uri, sizeof slot.hc_uri) != e.hc.hc_uri) {
      balance::SetField(slot.hc_uri, sizeof slot.hc_uri, e.hc.hc_uri);
      changed = true;
    }
    if (changed) edited |= balance::kEditedHealthCheck;
  }
  if ((e.set_flags & config::kStatusInError) != 0) {
    balance::AtomicStore(st.error_until, apr_time_now() + m->retry());
  }
  if ((e.clear_flags & config::kStatusInError) != 0) {
    balance::AtomicStore(st.error_until, int64_t{0});
  }
  slot.edited = edited;
  BumpGeneration(b);  // every process rebuilds its member set, whose schedule follows the edit
}

// As for members, only the fields an edit changes count as edited.
std::string ApplyBalancerEdit(Balancer* b, const manager::BalancerEdit& e) {
  balance::BalancerSlot& slot = *b->slot;
  {
    BalancerLock lock(b);
    const auto set = [&slot](auto& field, auto value, uint32_t bit) {
      if (balance::AtomicLoad(field) == value) return;
      balance::AtomicStore(field, value);
      slot.edited |= bit;
    };
    if (e.lb_method) {
      set(slot.lb_method, static_cast<uint32_t>(*e.lb_method), balance::kEditedLbMethod);
    }
    if (e.timeout_us) set(slot.timeout, *e.timeout_us, balance::kEditedTimeout);
    if (e.max_attempts) {
      set(slot.max_attempts, static_cast<int32_t>(*e.max_attempts), balance::kEditedMaxAttempts);
    }
    if (e.sticky_force) {
      set(slot.sticky_force, *e.sticky_force ? 1u : 0u, balance::kEditedNofailover);
    }
  }
  std::string err;
  if (e.sticky_session) err = SetStickySession(b, *e.sticky_session);
  if (err.empty() && e.add_member) err = AddMember(b, *e.add_member);
  return err;
}

// Checks and applies a command that changes something. Empty `why` on success.
Refusal Apply(request_rec* r, const ServerConfig& conf, const manager::Command& cmd) {
  if (r->method_number != M_POST) {
    return {HTTP_FORBIDDEN, "changes are made with POST only; nothing was changed"};
  }
  Balancer* b = FindBalancer(conf, cmd.balancer);
  if (b == nullptr) return {HTTP_BAD_REQUEST, "no balancer://" + cmd.balancer + " here"};
  const std::string_view nonce = balance::FieldOf(b->slot->nonce, sizeof b->slot->nonce);
  if (!nonce.empty() && (!cmd.has_nonce || !manager::ConstantTimeEquals(nonce, cmd.nonce))) {
    return {HTTP_FORBIDDEN, "missing or wrong nonce for balancer://" + cmd.balancer +
                                "; reload the manager page; nothing was changed"};
  }
  std::string err;
  if (!cmd.member.empty()) {
    Member* m = FindLiveMember(b, cmd.member);
    if (m == nullptr) {
      return {HTTP_BAD_REQUEST, "balancer://" + cmd.balancer + " has no member " + cmd.member};
    }
    if (cmd.remove_member) {
      err = RemoveMember(b, m->name);
    } else {
      ApplyMemberEdit(b, m, cmd.member_edit);
    }
  } else {
    err = ApplyBalancerEdit(b, cmd.balancer_edit);
  }
  if (!err.empty()) return {HTTP_BAD_REQUEST, err + "; nothing more was changed"};
  ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "MCA0401: balancer-manager: %s%s%s%s by %s from %s",
                cmd.balancer.c_str(), cmd.member.empty() ? "" : " member ", cmd.member.c_str(),
                cmd.remove_member ? " removed"
                : cmd.balancer_edit.add_member
                    ? apr_pstrcat(r->pool, ": member ",
                                  cmd.balancer_edit.add_member->Name().c_str(), " added", nullptr)
                    : " changed",
                r->user != nullptr ? r->user : "-", r->useragent_ip);
  return {};
}

// The format asked for: format=, else xml=1 (mod_proxy_balancer's), else the HTML page.
std::string_view PageFormat(const manager::Command& cmd) {
  if (!cmd.format.empty()) return cmd.format;
  return cmd.xml ? "xml" : "html";
}

// Applies the command's changes. An answer already made (a refusal, or the redirect after an
// HTML form), or nullopt: the page follows. Out of line: the page's GET path does not reserve
// stack for what a change needs.
[[gnu::noinline]] std::optional<int> ApplyChanges(request_rec* r, const ServerConfig& conf,
                                                  const manager::Command& cmd) {
  const Refusal refusal = Apply(r, conf, cmd);
  if (refusal.status != 0) {
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "MCA0402: balancer-manager: %s",
                  refusal.why.c_str());
    return Plain(r, refusal.status, refusal.why);
  }
  if (PageFormat(cmd) == "html") {
    // Post/redirect/get: reloading the page does not send the form again.
    apr_table_setn(r->headers_out, "Location", apr_pstrcat(r->pool, r->uri, "?saved=1", nullptr));
    return HTTP_SEE_OTHER;
  }
  return std::nullopt;
}

// The page, built in `memory` (the request pool): the snapshot, the text and every piece of it.
int Render(request_rec* r, const ServerConfig& conf, const manager::Command& cmd,
           const manager::Fields& fields, std::string_view message,
           std::pmr::memory_resource* memory) {
  const manager::Snapshot snap = TakeSnapshot(conf, memory);
  std::pmr::string out(memory);
  const std::string_view format = PageFormat(cmd);
  if (format == "json") {
    ap_set_content_type(r, "application/json");
    manager::RenderJson(snap, &out);
  } else if (format == "xml") {
    ap_set_content_type(r, "text/xml; charset=utf-8");
    manager::RenderXml(snap, &out);
  } else if (format == "prometheus") {
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    manager::RenderPrometheus(snap, &out);
  } else {
    ap_set_content_type(r, "text/html; charset=utf-8");
    manager::HtmlOptions options;
    options.action = r->uri;
    options.message = message;
    options.server_version = kVersion;
    if (manager::Find(fields, "saved") != nullptr) options.message = "Saved.";
    if (const std::string* refresh = manager::Find(fields, "refresh")) {
      const long seconds = strtol(refresh->c_str(), nullptr, 10);
      options.refresh_seconds = seconds > 0 && seconds <= 3600 ? static_cast<int>(seconds) : 0;
    }
    manager::RenderHtml(snap, options, &out);
  }
  apr_table_setn(r->headers_out, "Cache-Control", "no-store");
  if (!r->header_only) ap_rwrite(out.data(), static_cast<int>(out.size()), r);
  return kHttpdOk;
}

}  // namespace

int HandleManager(request_rec* r) noexcept {
  if (r->handler == nullptr || strcmp(r->handler, kManagerHandler) != 0) return kHttpdDeclined;
  try {
    r->allowed |= (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
    if (r->method_number != M_GET && r->method_number != M_POST) return HTTP_METHOD_NOT_ALLOWED;
    const ServerConfig& conf = *GetServerConfig(r->server);
    PoolMemory memory(r->pool);
    manager::Fields fields(&memory);
    config::Error err = manager::ParseForm(r->args != nullptr ? r->args : "", &fields);
    if (err.empty() && r->method_number == M_POST) {
      const Refusal read = ReadForm(r, &fields, &err);
      if (read.status != 0) return Plain(r, read.status, read.why);
    }
    InPool<manager::Command> command(r->pool);  // large: kept off the thread's stack
    const manager::Command& cmd = *command;
    if (err.empty()) err = manager::ParseCommand(fields, command.get());
    if (!err.empty()) return Plain(r, HTTP_BAD_REQUEST, err);
    std::string_view message;
    if (cmd.HasChanges()) {
      if (const std::optional<int> answered = ApplyChanges(r, conf, cmd)) return *answered;
      message = "Saved.";
    }
    return Render(r, conf, cmd, fields, message, &memory);
  } catch (...) {
    ap_log_rerror(APLOG_MARK, APLOG_CRIT, 0, r, "MCA0003: unexpected failure in the manager");
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

}  // namespace mca::glue
