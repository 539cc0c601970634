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

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mca/config/params.h"
#include "mca/manager/snapshot.h"
#include "text_util.h"

namespace mca::manager {
namespace {

using internal::AppendMarkupEntity;
using internal::ForEachCodePoint;
using internal::kReplacement;

constexpr char kHexLower[] = "0123456789abcdef";
constexpr int64_t kMicrosPerSecond = 1000000;

// ---- numbers --------------------------------------------------------------------------------

void AppendPadded(std::string* out, uint64_t value, size_t width) {
  const std::string digits = std::to_string(value);
  if (digits.size() < width) out->append(width - digits.size(), '0');
  *out += digits;
}

// value / 10^decimals with exactly `decimals` digits after the point, or with trailing zeros
// (and then the point) dropped when `trim`.
std::string Decimal(int64_t value, int decimals, bool trim) {
  if (decimals < 0) decimals = 0;
  if (decimals > 18) decimals = 18;
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  // The magnitude in unsigned arithmetic, so INT64_MIN does not overflow.
  const uint64_t magnitude =
      value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string out = value < 0 ? "-" : "";
  out += std::to_string(magnitude / scale);
  if (decimals == 0) return out;
  std::string fraction;
  AppendPadded(&fraction, magnitude % scale, static_cast<size_t>(decimals));
  if (trim) {
    const size_t last = fraction.find_last_not_of('0');
    fraction.resize(last == std::string::npos ? 0 : last + 1);
  }
  if (!fraction.empty()) {
    out += '.';
    out += fraction;
  }
  return out;
}

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

std::string Count(uint64_t value) { return std::to_string(value); }
std::string Gauge(int64_t value) { return std::to_string(value < 0 ? 0 : value); }
const char* Bool(bool value) { return value ? "true" : "false"; }

// ---- JSON -----------------------------------------------------------------------------------

void AppendJsonEscape(std::string* out, uint32_t cp) {
  *out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHexLower[(cp >> shift) & 0xFu]);
}

void AppendJsonString(std::string* out, std::string_view s) {
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

void AppendJsonMember(std::string* out, const MemberView& m, int64_t now_us) {
  *out += "{\"url\":";
  AppendJsonString(out, m.url);
  *out += ",\"route\":";
  AppendJsonString(out, m.route);
  *out += ",\"redirect\":";
  AppendJsonString(out, m.redirect);
  *out += ",\"loadfactor\":" + FormatDecimal(m.load_factor, 2);
  *out += ",\"lbset\":" + std::to_string(m.lbset);
  *out += ",\"state\":\"";
  *out += MemberStateName(m.status);
  *out += "\",\"standby\":";
  *out += Bool((m.status & (config::kStatusHotStandby | config::kStatusHotSpare)) != 0);
  *out += ",\"healthy\":";
  *out += Bool(MemberHealthy(m, now_us));
  *out += ",\"last_check\":";
  const std::string when = m.last_check_us == 0 ? std::string() : FormatIsoTime(m.last_check_us);
  if (when.empty()) {
    *out += "null";
  } else {
    AppendJsonString(out, when);
  }
  *out += ",\"check_reason\":";
  AppendJsonString(out, m.check_reason);
  *out += ",\"elected\":" + Count(m.elected);
  *out += ",\"busy\":" + Gauge(m.busy);
  *out += ",\"errors\":" + Count(m.errors);
  *out += ",\"bytes_sent\":" + Count(m.bytes_sent);
  *out += ",\"bytes_received\":" + Count(m.bytes_received);
  *out += ",\"connections\":" + Gauge(m.connections);
  // Fields after those of the published shape.
  *out += ",\"flags\":";
  AppendJsonString(out, config::StatusLetters(m.status));
  *out += ",\"in_error\":";
  *out += Bool(MemberInError(m, now_us));
  *out += ",\"hardmax\":" + std::to_string(m.hardmax);
  *out += ",\"hcmethod\":";
  AppendJsonString(out, config::HcMethodName(m.hc_method));
  *out += ",\"hcinterval\":" + FormatDecimal(m.hc_interval_us, 6);
  *out += ",\"hcpasses\":" + std::to_string(m.hc_passes);
  *out += ",\"hcfails\":" + std::to_string(m.hc_fails);
  *out += ",\"hcuri\":";
  AppendJsonString(out, m.hc_uri);
  *out += m.added ? ",\"added\":true" : ",\"added\":false";
  out->push_back('}');
}

// ---- XML ------------------------------------------------------------------------------------

void AppendXmlText(std::string* out, std::string_view s) {
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

void AppendXmlElement(std::string* out, const char* indent, const char* name,
                      std::string_view text) {
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
std::string XmlStatus(const MemberView& m, int64_t now_us) {
  const bool in_error = MemberInError(m, now_us);
  const bool hc_failed = !m.healthy || (m.status & config::kStatusHealthFailed) != 0;
  std::string out = "Init ";
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

void AppendXmlWorker(std::string* out, const MemberView& m, int64_t now_us) {
  constexpr const char* kIn = "          ";
  config::MemberUrl url;
  std::string scheme = "ajp";
  std::string host;
  uint16_t port = 0;
  if (config::ParseMemberUrl(m.url, &url).empty()) {
    host = url.host;
    port = url.port;
  }
  const std::string lf = Decimal(m.load_factor, 2, false);
  *out += "        <httpd:worker>\n";
  AppendXmlElement(out, kIn, "name", m.url);
  AppendXmlElement(out, kIn, "scheme", scheme);
  AppendXmlElement(out, kIn, "hostname", host);
  AppendXmlElement(out, kIn, "loadfactor", lf);
  AppendXmlElement(out, kIn, "port", std::to_string(port));
  AppendXmlElement(out, kIn, "min", std::to_string(m.min));
  AppendXmlElement(out, kIn, "smax", std::to_string(m.smax));
  AppendXmlElement(out, kIn, "max", std::to_string(m.max));
  AppendXmlElement(out, kIn, "ttl", std::to_string(m.ttl_us / kMicrosPerSecond));
  AppendXmlElement(out, kIn, "status", XmlStatus(m, now_us));
  AppendXmlElement(out, kIn, "retries", std::to_string(m.retries));
  AppendXmlElement(out, kIn, "lbstatus", std::to_string(m.lbstatus));
  AppendXmlElement(out, kIn, "loadfactor", lf);
  AppendXmlElement(out, kIn, "transferred", Count(m.bytes_sent));
  AppendXmlElement(out, kIn, "read", Count(m.bytes_received));
  AppendXmlElement(out, kIn, "elected", Count(m.elected));
  AppendXmlElement(out, kIn, "route", m.route);
  AppendXmlElement(out, kIn, "redirect", m.redirect);
  AppendXmlElement(out, kIn, "busy", Gauge(m.busy));
  AppendXmlElement(out, kIn, "lbset", std::to_string(m.lbset));
  AppendXmlElement(out, kIn, "retry", std::to_string(m.retry_us / kMicrosPerSecond));
  *out += "        </httpd:worker>\n";
}

// ---- Prometheus -----------------------------------------------------------------------------

void AppendLabelValue(std::string* out, std::string_view s) {
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
void AppendLabels(std::string* out, const BalancerView& b, const MemberView& m) {
  *out += "{balancer=";
  AppendLabelValue(out, b.name);
  *out += ",member=";
  AppendLabelValue(out, m.url);
  *out += ",route=";
  AppendLabelValue(out, m.route);
}

using MetricValue = std::string (*)(const MemberView& m, int64_t now_us);

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

std::string Flag(bool value) { return value ? "1" : "0"; }

using MV = const MemberView&;

constexpr Metric kMetrics[] = {
    {"up", "gauge",
     "1 when the balancer may send requests to the member: healthy, not in error, not disabled "
     "or stopped (a draining member still serves its sessions).",
     [](MV m, int64_t now) { return Flag(Up(m, now)); }},
    {"healthy", "gauge", "1 when the member's health checks pass and it is not in error.",
     [](MV m, int64_t now) { return Flag(MemberHealthy(m, now)); }},
    {"in_error", "gauge", "1 while the member is in error after failed requests.",
     [](MV m, int64_t now) { return Flag(MemberInError(m, now)); }},
    {"standby", "gauge", "1 when the member is a hot standby (H) or hot spare (R).",
     [](MV m, int64_t) {
       return Flag((m.status & (config::kStatusHotStandby | config::kStatusHotSpare)) != 0);
     }},
    {"loadfactor", "gauge", "Load factor of the member (1 to 100).",
     [](MV m, int64_t) { return FormatDecimal(m.load_factor, 2); }},
    {"lbset", "gauge", "Load balancer set of the member (0 to 99).",
     [](MV m, int64_t) { return std::to_string(m.lbset); }},
    {"busy", "gauge", "Requests in flight to the member.",
     [](MV m, int64_t) { return Gauge(m.busy); }},
    {"connections", "gauge", "Open connections to the member, all httpd child processes.",
     [](MV m, int64_t) { return Gauge(m.connections); }},
    {"elected_total", "counter", "Requests the balancer sent to the member.",
     [](MV m, int64_t) { return Count(m.elected); }},
    {"errors_total", "counter", "Requests to the member that failed.",
     [](MV m, int64_t) { return Count(m.errors); }},
    {"bytes_sent_total", "counter", "Bytes sent to the member.",
     [](MV m, int64_t) { return Count(m.bytes_sent); }},
    {"bytes_received_total", "counter", "Bytes received from the member.",
     [](MV m, int64_t) { return Count(m.bytes_received); }},
    {"last_check_timestamp_seconds", "gauge",
     "Unix time of the member's last health check; 0 when never checked.",
     [](MV m, int64_t) { return FormatDecimal(m.last_check_us, 6); }},
};

constexpr const char* kStates[] = {"active", "draining", "disabled", "stopped"};

void AppendFamilyHeader(std::string* out, const char* name, const char* type, const char* help) {
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

std::string FormatDecimal(int64_t value, int decimals) { return Decimal(value, decimals, true); }

std::string FormatIsoTime(int64_t unix_us) {
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
  if (year < 0 || year > 9999) return {};
  std::string out;
  out.reserve(24);
  const auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  AppendPadded(&out, u(year), 4);
  out += '-';
  AppendPadded(&out, u(month), 2);
  out += '-';
  AppendPadded(&out, u(day), 2);
  out += 'T';
  AppendPadded(&out, u(second_of_day / 3600), 2);
  out += ':';
  AppendPadded(&out, u(second_of_day / 60 % 60), 2);
  out += ':';
  AppendPadded(&out, u(second_of_day % 60), 2);
  out += '.';
  AppendPadded(&out, u(micros / 1000), 3);
  out += 'Z';
  return out;
}

std::string RenderJson(const Snapshot& snapshot) {
  std::string out = "{\"balancers\":[";
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
    out += "],\"maxattempts\":" + std::to_string(b.max_attempts);
    out += ",\"nofailover\":";
    out += Bool(b.nofailover);
    out += ",\"timeout\":" + FormatDecimal(b.timeout_us, 6);
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::string RenderXml(const Snapshot& snapshot) {
  constexpr const char* kIn = "      ";
  std::string out =
      "<?xml version='1.0' encoding='UTF-8' ?>\n"
      "<httpd:manager xmlns:httpd='http://httpd.apache.org'>\n"
      "  <httpd:balancers>\n";
  for (const BalancerView& b : snapshot.balancers) {
    out += "    <httpd:balancer>\n";
    AppendXmlElement(&out, kIn, "name", "balancer://" + b.name);
    if (!b.sticky_session.empty()) {
      AppendXmlElement(&out, kIn, "stickysession", b.sticky_session);
      AppendXmlElement(&out, kIn, "nofailover", b.nofailover ? "On" : "Off");
    }
    AppendXmlElement(&out, kIn, "timeout", std::to_string(b.timeout_us / kMicrosPerSecond));
    AppendXmlElement(&out, kIn, "maxattempts", std::to_string(b.max_attempts));
    AppendXmlElement(&out, kIn, "lbmethod", config::LbMethodName(b.lb_method));
    out += "      <httpd:workers>\n";
    for (const MemberView& m : b.members) AppendXmlWorker(&out, m, snapshot.now_us);
    out += "      </httpd:workers>\n";
    out += "    </httpd:balancer>\n";
  }
  out += "  </httpd:balancers>\n</httpd:manager>\n";
  return out;
}

std::string RenderPrometheus(const Snapshot& snapshot) {
  std::string out;
  for (const Metric& metric : kMetrics) {
    AppendFamilyHeader(&out, metric.name, metric.type, metric.help);
    for (const BalancerView& b : snapshot.balancers) {
      for (const MemberView& m : b.members) {
        out += "mod_cluster_ajp_member_";
        out += metric.name;
        AppendLabels(&out, b, m);
        out += "} ";
        out += metric.value(m, snapshot.now_us);
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
  return out;
}

}  // namespace mca::manager
