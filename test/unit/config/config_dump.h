// Every field of MemberConfig / BalancerConfig in one comparable string, so a test can assert
// that a failed parameter left the configuration exactly as it was.
#ifndef MCA_TEST_UNIT_CONFIG_CONFIG_DUMP_H_
#define MCA_TEST_UNIT_CONFIG_CONFIG_DUMP_H_

#include <string>

#include "mca/config/params.h"

namespace mca::config::test {

inline std::string Us(Duration d) { return std::to_string(d.count()) + "us"; }

inline std::string Dump(const MemberConfig& m) {
  std::string o;
  auto add = [&o](const char* k, const std::string& v) { o += std::string(k) + "=" + v + " "; };
  add("min", std::to_string(m.min));
  add("max", std::to_string(m.max));
  add("smax", std::to_string(m.smax));
  add("hardmax", std::to_string(m.hardmax));
  add("ttl", Us(m.ttl));
  add("acquire", Us(m.acquire) + (m.acquire_set ? "*" : ""));
  add("timeout", Us(m.timeout) + (m.timeout_set ? "*" : ""));
  add("connectiontimeout", Us(m.connection_timeout) + (m.connection_timeout_set ? "*" : ""));
  add("ping", Us(m.ping) + (m.ping_set ? "*" : ""));
  add("retry", Us(m.retry) + (m.retry_set ? "*" : ""));
  add("loadfactor", std::to_string(m.load_factor));
  add("lbset", std::to_string(m.lbset));
  add("route", m.route);
  add("redirect", m.redirect);
  add("status", StatusLetters(m.status));
  add("keepalive", std::to_string(m.keepalive) + (m.keepalive_set ? "*" : ""));
  add("disablereuse", std::to_string(m.disable_reuse) + (m.disable_reuse_set ? "*" : ""));
  add("flushpackets", std::to_string(static_cast<int>(m.flush_packets)));
  add("flushwait", Us(m.flush_wait));
  add("iobuffersize", std::to_string(m.io_buffer_size) + (m.io_buffer_size_set ? "*" : ""));
  add("receivebuffersize",
      std::to_string(m.receive_buffer_size) + (m.receive_buffer_size_set ? "*" : ""));
  add("secret", m.secret + (m.secret_set ? "*" : ""));
  add("hcmethod", HcMethodName(m.hc_method));
  add("hcinterval", Us(m.hc_interval));
  add("hcpasses", std::to_string(m.hc_passes));
  add("hcfails", std::to_string(m.hc_fails));
  add("hcuri", m.hc_uri);
  add("hctimeout", Us(m.hc_timeout) + (m.hc_timeout_set ? "*" : ""));
  add("slowstart", Us(m.slow_start) + (m.slow_start_set ? "*" : ""));
  return o;
}

inline std::string Dump(const BalancerConfig& b) {
  std::string o;
  auto add = [&o](const char* k, const std::string& v) { o += std::string(k) + "=" + v + " "; };
  add("stickysession", b.sticky_session + (b.sticky_session_set ? "*" : ""));
  add("cookie", b.sticky.cookie_name);
  add("url", b.sticky.url_name + "|" + b.sticky.url_name_alt);
  add("sep", std::string(b.sticky.has_separator ? 1 : 0, b.sticky.separator) +
                 (b.sticky_separator_set ? "*" : ""));
  add("scolon", std::to_string(b.sticky.scolon_path_delim) + (b.scolon_path_delim_set ? "*" : ""));
  add("lbmethod", std::string(LbMethodName(b.lb_method)) + (b.lb_method_set ? "*" : ""));
  add("maxattempts", std::to_string(b.max_attempts) + (b.max_attempts_set ? "*" : ""));
  add("nofailover", std::to_string(b.nofailover) + (b.nofailover_set ? "*" : ""));
  add("timeout", Us(b.timeout) + (b.timeout_set ? "*" : ""));
  std::string codes;
  for (uint16_t c : b.fail_on_status) codes += std::to_string(c) + ",";
  add("failonstatus", codes);
  add("failontimeout", std::to_string(b.fail_on_timeout) + (b.fail_on_timeout_set ? "*" : ""));
  add("forcerecovery", std::to_string(b.force_recovery) + (b.force_recovery_set ? "*" : ""));
  add("growth", std::to_string(b.growth) + (b.growth_set ? "*" : ""));
  add("replaybuffer", std::to_string(b.replay_buffer) + (b.replay_buffer_set ? "*" : ""));
  add("nonce", b.nonce + (b.nonce_set ? "*" : ""));
  return o;
}

}  // namespace mca::config::test

#endif  // MCA_TEST_UNIT_CONFIG_CONFIG_DUMP_H_
