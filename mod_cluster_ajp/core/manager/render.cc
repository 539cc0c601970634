// JSON, XML and Prometheus views of a manager Snapshot (RenderJson, RenderXml,
// RenderPrometheus).
//
// Each format has one string escaper, and all three share one UTF-8 decoder (text_util.h, also
// used by the HTML page in html.cc): a byte that does not start a valid, shortest-form UTF-8
// sequence of a scalar value (no surrogates, at most U+10FFFF) becomes U+FFFD and decoding goes
// on at the next byte. Numbers are formatted from integers (hundredths, microseconds), never
// through floating point, so the output is exact and locale-free.
//
// Must not depend on: httpd, APR, <locale> or printf-style formatting, anything outside the
// C++17 standard library and the core.
#include "mca/manager/render.h"

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "mca/config/params.h"
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

constexpr char kHexLower[] = "0123456789abcdef";
constexpr int64_t kMicrosPerSecond = 1000000;

// ---- numbers --------------------------------------------------------------------------------

// Floor division, for times before 1970.
int64_t FloorDiv(int64_t a, int64_t b, int64_t* remainder) noexcept {
  int64_t q = a / b;
  int64_t r = a % b;
  if (r < 0) {
    q -= 1;
    r += b;
  }
  *remainder = r;
  return q;
}

NumberText Count(uint64_t value) { return NumberText(value); }
NumberText Gauge(int64_t value) { return NumberText(value < 0 ? 0 : value); }
const char* Bool(bool value) { return value ? "true" : "false"; }

// ---- JSON -----------------------------------------------------------------------------------

void AppendJsonEscape(Out* out, uint32_t cp) {
  *out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHexLower[(cp >> shift) & 0xFu]);
}

void AppendJsonString(Out* out, std::string_view s) {
  out->push_back('"');
  ForEachCodePoint(s, out, "\\ufffd", [out](uint32_t cp, std::string_view text) {
    switch (cp) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '<':
      case '>':
      case '&':
      case 0x7F:
      case 0x2028:
      case 0x2029:
        AppendJsonEscape(out, cp);
        break;
      default:
        if (cp < 0x20) {
          AppendJsonEscape(out, cp);
        } else {
          out->append(text);
        }
    }
  });
  out->push_back('"');
}

void AppendJsonMember(Out* out, const MemberView& m, int64_t now_us) {
  *out += "{\"url\":";
  AppendJsonString(out, m.url);
  *out += ",\"route\":";
  AppendJsonString(out, m.route);
  *out += ",\"redirect\":";
  AppendJsonString(out, m.redirect);
  *out += ",\"loadfactor\":";
  AppendDecimal(out, m.load_factor, 2, true);
  *out += ",\"lbset\":";
  *out += NumberText(m.lbset);
  *out += ",\"state\":\"";
  *out += MemberStateName(m.status);
  *out += "\",\"standby\":";
  *out += Bool((m.status & (config::kStatusHotStandby | config::kStatusHotSpare)) != 0);
  *out += ",\"healthy\":";
  *out += Bool(MemberHealthy(m, now_us));
  *out += ",\"last_check\":";
  char when[kIsoTimeSize];
  const size_t when_size = m.last_check_us == 0 ? 0 : IsoTime(m.last_check_us, when);
  if (when_size == 0) {
    *out += "null";
  } else {
    AppendJsonString(out, std::string_view(when, when_size));
  }
  *out += ",\"check_reason\":";
  AppendJsonString(out, m.check_reason);
  *out += ",\"elected\":";
  *out += Count(m.elected);
  *out += ",\"busy\":";
  *out += Gauge(m.busy);
  *out += ",\"errors\":";
  *out += Count(m.errors);
  *out += ",\"bytes_sent\":";
  *out += Count(m.bytes_sent);
  *out += ",\"bytes_received\":";
  *out += Count(m.bytes_received);
  *out += ",\"connections\":";
  *out += Gauge(m.connections);
  // Fields after those of the published shape.
  *out += ",\"flags\":";
  AppendJsonString(out, config::StatusLetters(m.status));
  *out += ",\"in_error\":";
  *out += Bool(MemberInError(m, now_us));
  *out += ",\"hardmax\":";
  *out += NumberText(m.hardmax);
  *out += ",\"hcmethod\":";
  AppendJsonString(out, config::HcMethodName(m.hc_method));
  *out += ",\"hcinterval\":";
  AppendDecimal(out, m.hc_interval_us, 6, true);
  *out += ",\"hcpasses\":";
  *out += NumberText(m.hc_passes);
  *out += ",\"hcfails\":";
  *out += NumberText(m.hc_fails);
  *out += ",\"hcuri\":";
  AppendJsonString(out, m.hc_uri);
  *out += m.added ? ",\"added\":true" : ",\"added\":false";
  out->push_back('}');
}

// ---- XML ------------------------------------------------------------------------------------

void AppendXmlText(Out* out, std::string_view s) {
  ForEachCodePoint(s, out, kReplacement, [out](uint32_t cp, std::string_view text) {
    if (AppendMarkupEntity(cp, out)) return;
    switch (cp) {
      case '\t':
        out->append("&#9;");
        break;
      case '\n':
        out->append("&#10;");
        break;
      case '\r':
        out->append("&#13;");  // a raw CR would be read back as LF
        break;
      case 0x7F:
        out->append("&#127;");
        break;
      default:
        // XML 1.0 has no way to write the other C0 controls, U+FFFE or U+FFFF.
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) {
          out->append(kReplacement);
        } else {
          out->append(text);
        }
    }
  });
}

void AppendXmlElement(Out* out, const char* indent, const char* name, std::string_view text) {
  *out += indent;
  *out += "<httpd:";
  *out += name;
  *out += '>';
  AppendXmlText(out, text);
  *out += "</httpd:";
  *out += name;
  *out += ">\n";
}

// mod_proxy's ap_proxy_parse_wstatus: "Init ", the names of the flags set, "Ok " when usable.
Out XmlStatus(const MemberView& m, int64_t now_us, const Out::allocator_type& memory) {
  const bool in_error = MemberInError(m, now_us);
  const bool hc_failed = !m.healthy || (m.status & config::kStatusHealthFailed) != 0;
  Out out("Init ", memory);
  if ((m.status & config::kStatusIgnoreErrors) != 0) out += "Ign ";
  if ((m.status & config::kStatusDraining) != 0) out += "Drn ";
  if ((m.status & config::kStatusDisabled) != 0) out += "Dis ";
  if ((m.status & config::kStatusStopped) != 0) out += "Stop ";
  if (in_error) out += "Err ";
  if ((m.status & config::kStatusHotStandby) != 0) out += "Stby ";
  if ((m.status & config::kStatusHotSpare) != 0) out += "Spar ";
  if (hc_failed) out += "HcFl ";
  const uint32_t unusable = config::kStatusDisabled | config::kStatusStopped;
  if ((m.status & unusable) == 0 && !in_error && !hc_failed) out += "Ok ";
  return out;
}

// Host (IPv6 without brackets) and port of a member's name, "ajp://host:port"
// (config::MemberUrl::Name()), read in place; false for anything else.
bool HostAndPort(std::string_view url, std::string_view* host, uint16_t* port) {
  constexpr std::string_view kScheme = "ajp://";
  if (url.substr(0, kScheme.size()) != kScheme) return false;
  url.remove_prefix(kScheme.size());
  url = url.substr(0, url.find('/'));
  size_t colon = 0;
  if (!url.empty() && url.front() == '[') {
    const size_t close = url.find(']');
    if (close == std::string_view::npos || close + 1 >= url.size() || url[close + 1] != ':') {
      return false;
    }
    *host = url.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = url.rfind(':');
    if (colon == std::string_view::npos) return false;
    *host = url.substr(0, colon);
  }
  const std::string_view digits = url.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (host->empty() || digits.empty() || ec != std::errc() ||
      end != digits.data() + digits.size() || value == 0 || value > 65535) {
    return false;
  }
  *port = static_cast<uint16_t>(value);
  return true;
}

void AppendXmlWorker(Out* out, const MemberView& m, int64_t now_us) {
  constexpr const char* kIn = "          ";
  std::string_view host;
  uint16_t port = 0;
  if (!HostAndPort(m.url, &host, &port)) {
    host = {};
    port = 0;
  }
  Out lf(out->get_allocator());
  AppendDecimal(&lf, m.load_factor, 2, false);
  *out += "        <httpd:worker>\n";
  AppendXmlElement(out, kIn, "name", m.url);
  AppendXmlElement(out, kIn, "scheme", "ajp");
  AppendXmlElement(out, kIn, "hostname", host);
  AppendXmlElement(out, kIn, "loadfactor", lf);
  AppendXmlElement(out, kIn, "port", NumberText(port));
  AppendXmlElement(out, kIn, "min", NumberText(m.min));
  AppendXmlElement(out, kIn, "smax", NumberText(m.smax));
  AppendXmlElement(out, kIn, "max", NumberText(m.max));
  AppendXmlElement(out, kIn, "ttl", NumberText(m.ttl_us / kMicrosPerSecond));
  AppendXmlElement(out, kIn, "status", XmlStatus(m, now_us, out->get_allocator()));
  AppendXmlElement(out, kIn, "retries", NumberText(m.retries));
  AppendXmlElement(out, kIn, "lbstatus", NumberText(m.lbstatus));
  AppendXmlElement(out, kIn, "loadfactor", lf);
  AppendXmlElement(out, kIn, "transferred", Count(m.bytes_sent));
  AppendXmlElement(out, kIn, "read", Count(m.bytes_received));
  AppendXmlElement(out, kIn, "elected", Count(m.elected));
  AppendXmlElement(out, kIn, "route", m.route);
  AppendXmlElement(out, kIn, "redirect", m.redirect);
  AppendXmlElement(out, kIn, "busy", Gauge(m.busy));
  AppendXmlElement(out, kIn, "lbset", NumberText(m.lbset));
  AppendXmlElement(out, kIn, "retry", NumberText(m.retry_us / kMicrosPerSecond));
  *out += "        </httpd:worker>\n";
}

// ---- Prometheus -----------------------------------------------------------------------------

void AppendLabelValue(Out* out, std::string_view s) {
  out->push_back('"');
  ForEachCodePoint(s, out, kReplacement, [out](uint32_t cp, std::string_view text) {
    if (cp == '\\') {
      out->append("\\\\");
    } else if (cp == '"') {
      out->append("\\\"");
    } else if (cp == '\n') {
      out->append("\\n");
    } else {
      out->append(text);
    }
  });
  out->push_back('"');
}

// {balancer="..",member="..",route=".."} without the closing brace.
void AppendLabels(Out* out, const BalancerView& b, const MemberView& m) {
  *out += "{balancer=";
  AppendLabelValue(out, b.name);
  *out += ",member=";
  AppendLabelValue(out, m.url);
  *out += ",route=";
  AppendLabelValue(out, m.route);
}

using MetricValue = void (*)(Out* out, const MemberView& m, int64_t now_us);

struct Metric {
  const char* name;  // after mod_cluster_ajp_member_
  const char* type;
  const char* help;
  MetricValue value;
};

bool Up(const MemberView& m, int64_t now_us) {
  return MemberHealthy(m, now_us) &&
         (m.status & (config::kStatusDisabled | config::kStatusStopped)) == 0;
}

void Flag(Out* out, bool value) { out->push_back(value ? '1' : '0'); }

using MV = const MemberView&;

constexpr Metric kMetrics[] = {
    {"up", "gauge",
     "1 when the balancer may send requests to the member: healthy, not in error, not disabled "
     "or stopped (a draining member still serves its sessions).",
     [](Out* out, MV m, int64_t now) { Flag(out, Up(m, now)); }},
    {"healthy", "gauge", "1 when the member's health checks pass and it is not in error.",
     [](Out* out, MV m, int64_t now) { Flag(out, MemberHealthy(m, now)); }},
    {"in_error", "gauge", "1 while the member is in error after failed requests.",
     [](Out* out, MV m, int64_t now) { Flag(out, MemberInError(m, now)); }},
    {"standby", "gauge", "1 when the member is a hot standby (H) or hot spare (R).",
     [](Out* out, MV m, int64_t) {
       Flag(out, (m.status & (config::kStatusHotStandby | config::kStatusHotSpare)) != 0);
     }},
    {"loadfactor", "gauge", "Load factor of the member (1 to 100).",
     [](Out* out, MV m, int64_t) { AppendDecimal(out, m.load_factor, 2, true); }},
    {"lbset", "gauge", "Load balancer set of the member (0 to 99).",
     [](Out* out, MV m, int64_t) { *out += NumberText(m.lbset); }},
    {"busy", "gauge", "Requests in flight to the member.",
     [](Out* out, MV m, int64_t) { *out += Gauge(m.busy); }},
    {"connections", "gauge", "Open connections to the member, all httpd child processes.",
     [](Out* out, MV m, int64_t) { *out += Gauge(m.connections); }},
    {"elected_total", "counter", "Requests the balancer sent to the member.",
     [](Out* out, MV m, int64_t) { *out += Count(m.elected); }},
    {"errors_total", "counter", "Requests to the member that failed.",
     [](Out* out, MV m, int64_t) { *out += Count(m.errors); }},
    {"bytes_sent_total", "counter", "Bytes sent to the member.",
     [](Out* out, MV m, int64_t) { *out += Count(m.bytes_sent); }},
    {"bytes_received_total", "counter", "Bytes received from the member.",
     [](Out* out, MV m, int64_t) { *out += Count(m.bytes_received); }},
    {"last_check_timestamp_seconds", "gauge",
     "Unix time of the member's last health check; 0 when never checked.",
     [](Out* out, MV m, int64_t) { AppendDecimal(out, m.last_check_us, 6, true); }},
};

constexpr const char* kStates[] = {"active", "draining", "disabled", "stopped"};

void AppendFamilyHeader(Out* out, const char* name, const char* type, const char* help) {
  *out += "# HELP mod_cluster_ajp_member_";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE mod_cluster_ajp_member_";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

}  // namespace

namespace internal {

void AppendDecimal(Out* out, int64_t value, int decimals, bool trim) {
  if (decimals < 0) decimals = 0;
  if (decimals > 18) decimals = 18;
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  // The magnitude in unsigned arithmetic, so INT64_MIN does not overflow.
  const uint64_t magnitude =
      value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  if (value < 0) out->push_back('-');
  *out += NumberText(magnitude / scale);
  char fraction[18];
  uint64_t rest = magnitude % scale;
  for (int i = decimals - 1; i >= 0; --i) {
    fraction[i] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  auto size = static_cast<size_t>(decimals);
  if (trim) {
    while (size > 0 && fraction[size - 1] == '0') --size;
  }
  if (size > 0) {
    out->push_back('.');
    out->append(fraction, size);
  }
}

size_t IsoTime(int64_t unix_us, char* buf) noexcept {
  int64_t micros = 0;
  const int64_t seconds = FloorDiv(unix_us, kMicrosPerSecond, &micros);
  int64_t second_of_day = 0;
  const int64_t days = FloorDiv(seconds, 86400, &second_of_day);
  // Howard Hinnant's civil_from_days (proleptic Gregorian calendar).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return 0;
  char* p = buf;
  // Every field fits its width (year 0..9999, the rest by construction).
  const auto put = [&p](int64_t value, int width, char after) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    p += width;
    if (after != '\0') *p++ = after;
  };
  put(year, 4, '-');
  put(month, 2, '-');
  put(day, 2, 'T');
  put(second_of_day / 3600, 2, ':');
  put(second_of_day / 60 % 60, 2, ':');
  put(second_of_day % 60, 2, '.');
  put(micros / 1000, 3, 'Z');
  return static_cast<size_t>(p - buf);
}

}  // namespace internal

std::string FormatDecimal(int64_t value, int decimals) {
  Out out;
  AppendDecimal(&out, value, decimals, true);
  return std::string(out);
}

std::string FormatIsoTime(int64_t unix_us) {
  char buf[kIsoTimeSize];
  return std::string(buf, IsoTime(unix_us, buf));
}

void RenderJson(const Snapshot& snapshot, Out* out_text) {
  Out& out = *out_text;
  out += "{\"balancers\":[";
  bool first_balancer = true;
  for (const BalancerView& b : snapshot.balancers) {
    if (!first_balancer) out.push_back(',');
    first_balancer = false;
    out += "{\"name\":";
    AppendJsonString(&out, b.name);
    out += ",\"stickysession\":";
    AppendJsonString(&out, b.sticky_session);
    out += ",\"lbmethod\":\"";
    out += config::LbMethodName(b.lb_method);
    out += "\",\"nonce\":";
    AppendJsonString(&out, b.nonce);
    out += ",\"members\":[";
    bool first_member = true;
    for (const MemberView& m : b.members) {
      if (!first_member) out.push_back(',');
      first_member = false;
      AppendJsonMember(&out, m, snapshot.now_us);
    }
    out += "],\"maxattempts\":";
    out += NumberText(b.max_attempts);
    out += ",\"nofailover\":";
    out += Bool(b.nofailover);
    out += ",\"timeout\":";
    AppendDecimal(&out, b.timeout_us, 6, true);
    out.push_back('}');
  }
  out += "]}";
}

void RenderXml(const Snapshot& snapshot, Out* out_text) {
  constexpr const char* kIn = "      ";
  Out& out = *out_text;
  out +=
      "<?xml version='1.0' encoding='UTF-8' ?>\n"
      "<httpd:manager xmlns:httpd='http://httpd.apache.org'>\n"
      "  <httpd:balancers>\n";
  for (const BalancerView& b : snapshot.balancers) {
    out += "    <httpd:balancer>\n";
    Out name("balancer://", out.get_allocator());
    name += b.name;
    AppendXmlElement(&out, kIn, "name", name);
    if (!b.sticky_session.empty()) {
      AppendXmlElement(&out, kIn, "stickysession", b.sticky_session);
      AppendXmlElement(&out, kIn, "nofailover", b.nofailover ? "On" : "Off");
    }
    AppendXmlElement(&out, kIn, "timeout", NumberText(b.timeout_us / kMicrosPerSecond));
    AppendXmlElement(&out, kIn, "maxattempts", NumberText(b.max_attempts));
    AppendXmlElement(&out, kIn, "lbmethod", config::LbMethodName(b.lb_method));
    out += "      <httpd:workers>\n";
    for (const MemberView& m : b.members) AppendXmlWorker(&out, m, snapshot.now_us);
    out += "      </httpd:workers>\n";
    out += "    </httpd:balancer>\n";
  }
  out += "  </httpd:balancers>\n</httpd:manager>\n";
}

void RenderPrometheus(const Snapshot& snapshot, Out* out_text) {
  Out& out = *out_text;
  for (const Metric& metric : kMetrics) {
    AppendFamilyHeader(&out, metric.name, metric.type, metric.help);
    for (const BalancerView& b : snapshot.balancers) {
      for (const MemberView& m : b.members) {
        out += "mod_cluster_ajp_member_";
        out += metric.name;
        AppendLabels(&out, b, m);
        out += "} ";
        metric.value(&out, m, snapshot.now_us);
        out += '\n';
      }
    }
  }
  AppendFamilyHeader(&out, "state", "gauge",
                     "Administrative state of the member: 1 for the current one of active, "
                     "draining, disabled, stopped.");
  for (const BalancerView& b : snapshot.balancers) {
    for (const MemberView& m : b.members) {
      const std::string_view current = MemberStateName(m.status);
      for (const char* state : kStates) {
        out += "mod_cluster_ajp_member_state";
        AppendLabels(&out, b, m);
        out += ",state=\"";
        out += state;
        out += "\"} ";
        out += current == state ? '1' : '0';
        out += '\n';
      }
    }
  }
}

std::string RenderJson(const Snapshot& snapshot) {
  Out out;
  RenderJson(snapshot, &out);
  return std::string(out);
}

std::string RenderXml(const Snapshot& snapshot) {
  Out out;
  RenderXml(snapshot, &out);
  return std::string(out);
}

std::string RenderPrometheus(const Snapshot& snapshot) {
  Out out;
  RenderPrometheus(snapshot, &out);
  return std::string(out);
}

}  // namespace mca::manager
