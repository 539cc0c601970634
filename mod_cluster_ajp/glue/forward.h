// One proxied request over one AJP connection: sends FORWARD_REQUEST and the request body,
// streams the response to the client. The rules of the exchange are the core's (ajp::Exchange);
// this file moves bytes between sockets, httpd's filters and the core.
#ifndef MCA_GLUE_FORWARD_H_
#define MCA_GLUE_FORWARD_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "glue/config.h"
#include "glue/httpd_includes.h"
#include "mca/ajp/request.h"

namespace mca::glue {

// What the caller must do after one attempt on one member.
enum class Outcome {
  kDone,             // the response went to the client (whatever its status)
  kMemberDown,       // connect/CPing failed or the secret was refused: mark, try another member
  kRetrySameMember,  // a pooled connection turned out stale before any response byte
  kTimeout,          // no answer in time (504 unless something was sent)
  kBadGateway,       // protocol error before anything was sent (502)
  kClientError,      // the client's request could not be forwarded (status in http_status)
};

struct AttemptResult {
  Outcome outcome = Outcome::kDone;
  int http_status = 0;  // for kClientError / kDone of a response the module generated
  std::string why;      // for the log line
};

// Everything about the client request that does not depend on the member.
struct ClientRequest {
  ajp::ForwardRequest forward;    // views into request memory
  std::deque<std::string> owned;  // backing store for computed strings (never moves them)
  int64_t content_length = 0;     // ajp::kUnknownLength for chunked
  std::string initial_body;       // first body packet, read before any attempt (replayable)
  bool client_body_done = false;  // the client's body was read to its end
  bool body_streamed = false;     // body beyond the first packet went to a member
};

// Reads what the request needs before the first attempt (headers, first body packet).
// Returns OK or an HTTP error status for the client.
int PrepareClientRequest(request_rec* r, const std::string& backend_path, ClientRequest* req);

// Reads the first body packet (Content-Length > 0) so every attempt can send it.
int ReadInitialBody(request_rec* r, ClientRequest* req, size_t packet_size);

// One attempt on `member`. `stale_retry` is true on the retry after a stale pooled connection.
AttemptResult ForwardToMember(request_rec* r, const ServerConfig& conf, Balancer* balancer,
                              Member* member, ClientRequest* request, bool fresh_connection);

}  // namespace mca::glue

#endif  // MCA_GLUE_FORWARD_H_
