#include "glue/directives.h"

#include <cstring>
#include <string>
#include <vector>

#include "glue/config.h"
#include "mca/config/params.h"

namespace mca::glue {
namespace {

constexpr const char* kBalancerScheme = "balancer://";

std::vector<std::string> Words(apr_pool_t* p, const char* args) {
  std::vector<std::string> out;
  while (*args != '\0') {
    const char* w = ap_getword_conf(p, &args);
    if (*w == '\0') break;
    out.emplace_back(w);
  }
  return out;
}

const char* Error(cmd_parms* cmd, const std::string& text) {
  const char* name = cmd->cmd->name;
  return apr_pstrcat(cmd->pool, name, name[0] == '<' ? ">" : "", ": ", text.c_str(), nullptr);
}

// "balancer://NAME[/path]" -> NAME (lower case); empty when the URL is not a balancer URL.
// `*err` is set when it is one but malformed.
std::string BalancerName(const std::string& url, std::string* path = nullptr,
                         std::string* err = nullptr) {
  if (!config::IsBalancerUrl(url)) return {};
  config::BalancerUrl parsed;
  config::Error e = config::ParseBalancerUrl(url, &parsed);
  if (!e.empty()) {
    if (err != nullptr) *err = e;
    return {};
  }
  if (path != nullptr) *path = parsed.path;
  return parsed.name;
}

Balancer* FindOrCreateBalancer(cmd_parms* cmd, ServerConfig* conf, const std::string& name) {
  if (Balancer* b = conf->FindBalancer(name)) return b;
  Balancer* b = PoolNew<Balancer>(cmd->pool);
  b->name = name;
  conf->balancers.push_back(b);
  return b;
}

// Applies key=value words to a balancer and/or a member (ProxyPass to a single backend takes
// both kinds).
const char* ApplyParams(cmd_parms* cmd, const std::vector<std::string>& words, size_t first,
                        Balancer* b, Member* m) {
  for (size_t i = first; i < words.size(); ++i) {
    std::string_view key;
    std::string_view value;
    config::Error err = config::SplitParam(words[i], &key, &value);
    if (err.empty()) {
      if (m != nullptr && (b == nullptr || config::IsMemberParam(key))) {
        err = config::ApplyMemberParam(key, value, &m->cfg);
      } else if (b != nullptr) {
        err = config::ApplyBalancerParam(key, value, &b->cfg);
      }
    }
    if (!err.empty()) return Error(cmd, err);
  }
  return nullptr;
}

Member* NewMember(cmd_parms* cmd, const std::string& url, std::string* path, std::string* err) {
  config::MemberUrl parsed;
  *err = config::ParseMemberUrl(url, &parsed);
  if (!err->empty()) return nullptr;
  Member* m = PoolNew<Member>(cmd->pool);
  m->name = parsed.Name();
  m->pool_settings.host = parsed.host;
  m->pool_settings.port = parsed.port;
  *path = parsed.path;
  return m;
}

// The balancer named by the enclosing <Proxy balancer://NAME> section, if any.
std::string EnclosingBalancer(cmd_parms* cmd) {
  if (cmd->path == nullptr) return {};
  return BalancerName(cmd->path);
}

const char* CmdProxySection(cmd_parms* cmd, void* /*dconf*/, const char* arg) {
  const char* err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
  if (err != nullptr) return err;
  const char* end = strrchr(arg, '>');
  if (end == nullptr) return "<Proxy> section has no closing '>'";
  std::vector<std::string> words =
      Words(cmd->temp_pool, apr_pstrndup(cmd->temp_pool, arg, end - arg));
  if (words.empty()) return "<Proxy> needs a balancer://NAME argument";
  std::string berr;
  const std::string name = BalancerName(words[0], nullptr, &berr);
  if (!berr.empty()) return apr_pstrcat(cmd->pool, "<Proxy ", berr.c_str(), ">", nullptr);
  if (name.empty()) {
    return apr_pstrcat(cmd->pool, "<Proxy ", words[0].c_str(),
                       ">: only <Proxy balancer://NAME> sections are supported by "
                       "mod_cluster_ajp; put access control in <Location>",
                       nullptr);
  }
  ServerConfig* conf = GetServerConfig(cmd->server);
  Balancer* b = FindOrCreateBalancer(cmd, conf, name);
  err = ApplyParams(cmd, words, 1, b, nullptr);
  if (err != nullptr) return err;
  // Only our directives may appear inside: anything else would silently not apply.
  for (ap_directive_t* d = cmd->directive->first_child; d != nullptr; d = d->next) {
    if (strcasecmp(d->directive, "BalancerMember") != 0 &&
        strcasecmp(d->directive, "ProxySet") != 0) {
      return apr_psprintf(cmd->pool,
                          "%s (%s:%d) inside <Proxy %s> is not supported: only BalancerMember "
                          "and ProxySet may appear there; put access control in <Location>",
                          d->directive, d->filename, d->line_num, words[0].c_str());
    }
  }
  char* old_path = cmd->path;
  cmd->path = apr_pstrcat(cmd->pool, kBalancerScheme, name.c_str(), nullptr);
  err = ap_walk_config(cmd->directive->first_child, cmd, cmd->context);
  cmd->path = old_path;
  return err;
}

const char* CmdBalancerMember(cmd_parms* cmd, void* /*dconf*/, const char* args) {
  std::vector<std::string> words = Words(cmd->temp_pool, args);
  std::string name = EnclosingBalancer(cmd);
  size_t first = 0;
  if (name.empty()) {
    std::string berr;
    if (!words.empty()) name = BalancerName(words[0], nullptr, &berr);
    if (!berr.empty()) return Error(cmd, berr);
    if (name.empty()) {
      return Error(cmd,
                   "outside <Proxy balancer://NAME> the first argument must be "
                   "balancer://NAME");
    }
    first = 1;
  }
  if (words.size() <= first) return Error(cmd, "needs a member URL (ajp://host:port)");
  std::string err;
  std::string path;
  Member* m = NewMember(cmd, words[first], &path, &err);
  if (m == nullptr) return Error(cmd, err);
  const char* perr = ApplyParams(cmd, words, first + 1, nullptr, m);
  if (perr != nullptr) return perr;
  Balancer* b = FindOrCreateBalancer(cmd, GetServerConfig(cmd->server), name);
  for (const Member* other : b->members) {
    if (other->name == m->name) return Error(cmd, m->name + " is already a member of " + name);
  }
  b->members.push_back(m);
  return nullptr;
}

const char* CmdProxySet(cmd_parms* cmd, void* /*dconf*/, const char* args) {
  std::vector<std::string> words = Words(cmd->temp_pool, args);
  std::string name = EnclosingBalancer(cmd);
  size_t first = 0;
  if (!words.empty() && words[0].find('=') == std::string::npos) {
    // ProxySet ajp://host:port key=value: member parameters of the members defined above with
    // that URL (in the enclosing balancer, else in every balancer of this server).
    config::MemberUrl url;
    if (config::ParseMemberUrl(words[0], &url).empty()) {
      const std::string member = url.Name();
      bool found = false;
      for (Balancer* b : GetServerConfig(cmd->server)->balancers) {
        if (!name.empty() && b->name != name) continue;
        for (Member* m : b->members) {
          if (m->name != member) continue;
          found = true;
          if (const char* err = ApplyParams(cmd, words, 1, nullptr, m)) return err;
        }
      }
      if (!found) {
        return Error(
            cmd, "'" + words[0] + "': no BalancerMember with this URL is defined above this line");
      }
      return nullptr;
    }
    name = BalancerName(words[0]);
    if (name.empty()) {
      return Error(cmd, "'" + words[0] +
                            "': expected balancer://NAME or the ajp:// URL of a BalancerMember");
    }
    first = 1;
  }
  if (name.empty()) return Error(cmd, "needs balancer://NAME outside <Proxy>");
  return ApplyParams(cmd, words, first,
                     FindOrCreateBalancer(cmd, GetServerConfig(cmd->server), name), nullptr);
}

const char* AddMapping(cmd_parms* cmd, const std::string& path, std::vector<std::string> words,
                       size_t target_index) {
  ServerConfig* conf = GetServerConfig(cmd->server);
  Mapping map;
  map.path = path;
  if (path.empty() || path[0] != '/')
    return Error(cmd, "the path '" + path + "' must start with /");
  const std::string& target = words[target_index];
  if (target == "!") {
    map.exclude = true;
    conf->mappings.push_back(map);
    return nullptr;
  }
  std::string berr;
  std::string name = BalancerName(target, &map.backend_path, &berr);
  if (!berr.empty()) return Error(cmd, berr);
  Balancer* b = nullptr;
  Member* m = nullptr;
  if (!name.empty()) {
    b = FindOrCreateBalancer(cmd, conf, name);
  } else {
    std::string err;
    m = NewMember(cmd, target, &map.backend_path, &err);
    if (m == nullptr) return Error(cmd, err);
    name = m->name + map.backend_path;  // one implicit balancer per backend URL
    b = FindOrCreateBalancer(cmd, conf, name);
    b->implicit = true;
    if (b->members.empty()) {
      b->members.push_back(m);
    } else {
      m = b->members.front();  // the same backend named again: its parameters add up
    }
  }
  const char* err = ApplyParams(cmd, words, target_index + 1, b, m);
  if (err != nullptr) return err;
  map.balancer_name = name;
  conf->mappings.push_back(map);
  return nullptr;
}

const char* CmdProxyPass(cmd_parms* cmd, void* /*dconf*/, const char* args) {
  std::vector<std::string> words = Words(cmd->temp_pool, args);
  if (cmd->path != nullptr) {  // inside <Location PATH>: ProxyPass URL [params]
    if (cmd->directive->parent != nullptr &&
        strcasecmp(cmd->directive->parent->directive, "<Location") != 0) {
      return Error(cmd, "inside a section, ProxyPass is only supported in <Location>");
    }
    if (words.empty()) return Error(cmd, "needs a target URL inside <Location>");
    return AddMapping(cmd, cmd->path, words, 0);
  }
  if (words.size() < 2)
    return Error(cmd, "usage: ProxyPass PATH URL [key=value ...] or ProxyPass PATH !");
  return AddMapping(cmd, words[0], words, 1);
}

const char* CmdProxyPassReverse(cmd_parms* cmd, void* /*dconf*/, const char* args) {
  std::vector<std::string> words = Words(cmd->temp_pool, args);
  proxy::ReverseRule rule;
  if (cmd->path != nullptr && words.size() == 1) {
    rule.public_path = cmd->path;
    rule.backend = words[0];
  } else if (words.size() == 2) {
    rule.public_path = words[0];
    rule.backend = words[1];
  } else {
    return Error(cmd, "usage: ProxyPassReverse PATH URL");
  }
  GetServerConfig(cmd->server)->reverse.push_back(rule);
  return nullptr;
}

const char* CmdCookiePath(cmd_parms* cmd, void* /*dconf*/, const char* from, const char* to) {
  GetServerConfig(cmd->server)->cookie_paths.emplace_back(from, to);
  return nullptr;
}

const char* CmdCookieDomain(cmd_parms* cmd, void* /*dconf*/, const char* from, const char* to) {
  GetServerConfig(cmd->server)->cookie_domains.emplace_back(from, to);
  return nullptr;
}

const char* CmdProxyTimeout(cmd_parms* cmd, void* /*dconf*/, const char* arg) {
  apr_interval_time_t t = 0;
  if (ap_timeout_parameter_parse(arg, &t, "s") != APR_SUCCESS || t < apr_time_from_sec(1)) {
    return Error(cmd, std::string("'") + arg + "': must be a time of at least 1 second");
  }
  GetServerConfig(cmd->server)->timeout = t;
  return nullptr;
}

const char* CmdIoBufferSize(cmd_parms* cmd, void* /*dconf*/, const char* arg) {
  char* end = nullptr;
  const long v = strtol(arg, &end, 10);
  if (end == arg || *end != '\0' || v < 8192 || v > 65536) {
    return Error(cmd, std::string("'") + arg +
                          "': the AJP packet size must be a number from 8192 to 65536 (and "
                          "equal Tomcat's packetSize)");
  }
  GetServerConfig(cmd->server)->io_buffer_size = static_cast<size_t>(v);
  return nullptr;
}

const char* CmdProxyRequests(cmd_parms* cmd, void* /*dconf*/, int on) {
  if (on) return Error(cmd, "On: mod_cluster_ajp is a reverse proxy only; use ProxyRequests Off");
  return nullptr;
}

const char* CmdAccepted(cmd_parms*, void*, int) { return nullptr; }

// No exception may cross into httpd: every directive handler runs behind this guard.
template <typename... Args>
struct Guarded {
  template <const char* (*F)(cmd_parms*, void*, Args...)>
  static const char* Call(cmd_parms* cmd, void* dconf, Args... args) noexcept {
    try {
      return F(cmd, dconf, args...);
    } catch (...) {
      return "out of memory while reading the configuration";
    }
  }
};
using Guard1 = Guarded<const char*>;
using Guard2 = Guarded<const char*, const char*>;
using GuardFlag = Guarded<int>;

// httpd's table takes untyped function pointers; going through void(*)() says so explicitly.
template <typename F>
cmd_func Fn(F f) {
  return reinterpret_cast<cmd_func>(reinterpret_cast<void (*)()>(f));
}

}  // namespace

const command_rec kCommands[] = {
    AP_INIT_RAW_ARGS("<Proxy", Fn(Guard1::Call<CmdProxySection>), nullptr, RSRC_CONF,
                     "<Proxy balancer://NAME [key=value ...]> with BalancerMember lines"),
    AP_INIT_RAW_ARGS("BalancerMember", Fn(Guard1::Call<CmdBalancerMember>), nullptr, RSRC_CONF,
                     "[balancer://NAME] ajp://host:port[/path] [key=value ...]"),
    AP_INIT_RAW_ARGS("ProxySet", Fn(Guard1::Call<CmdProxySet>), nullptr, RSRC_CONF,
                     "[balancer://NAME] key=value ..."),
    AP_INIT_RAW_ARGS("ProxyPass", Fn(Guard1::Call<CmdProxyPass>), nullptr, RSRC_CONF | ACCESS_CONF,
                     "PATH URL [key=value ...] | PATH !"),
    AP_INIT_RAW_ARGS("ProxyPassReverse", Fn(Guard1::Call<CmdProxyPassReverse>), nullptr,
                     RSRC_CONF | ACCESS_CONF, "PATH URL"),
    AP_INIT_TAKE2("ProxyPassReverseCookiePath", Fn(Guard2::Call<CmdCookiePath>), nullptr,
                  RSRC_CONF | ACCESS_CONF, "internal-path public-path"),
    AP_INIT_TAKE2("ProxyPassReverseCookieDomain", Fn(Guard2::Call<CmdCookieDomain>), nullptr,
                  RSRC_CONF | ACCESS_CONF, "internal-domain public-domain"),
    AP_INIT_TAKE1("ProxyTimeout", Fn(Guard1::Call<CmdProxyTimeout>), nullptr, RSRC_CONF,
                  "seconds to wait for a backend's answer"),
    AP_INIT_TAKE1("ProxyIOBufferSize", Fn(Guard1::Call<CmdIoBufferSize>), nullptr, RSRC_CONF,
                  "AJP packet size, 8192..65536"),
    AP_INIT_FLAG("ProxyRequests", Fn(GuardFlag::Call<CmdProxyRequests>), nullptr, RSRC_CONF,
                 "Off (forward proxying is not supported)"),
    AP_INIT_FLAG("ProxyPreserveHost", Fn(GuardFlag::Call<CmdAccepted>), nullptr,
                 RSRC_CONF | ACCESS_CONF,
                 "accepted for compatibility: AJP always forwards the client's Host header"),
    {nullptr, nullptr, nullptr, 0, RAW_ARGS, nullptr},
};

}  // namespace mca::glue
