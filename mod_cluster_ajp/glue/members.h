// The members a balancer serves with right now. httpd.conf names some; the balancer manager can
// add and remove members and change the sticky session name at runtime, in any child. Such a
// change bumps the generation of the balancer's shared slot; every process then builds a new
// MemberSet from the shared table the next time it looks (one atomic load per request when
// nothing changed) and publishes it. A set is never changed or freed while the configuration
// lives, so a request keeps the one it started with.
#ifndef MCA_GLUE_MEMBERS_H_
#define MCA_GLUE_MEMBERS_H_

#include <string>

#include "glue/config.h"
#include "glue/httpd_includes.h"
#include "mca/config/params.h"

namespace mca::glue {

// The current set (built first if the shared generation moved on). Never null once the
// balancer is attached to the shared table.
const MemberSet* LiveMembers(Balancer* b);

// Builds and publishes the set for the current generation (post_config, after the shared table
// is attached).
void PublishMembers(Balancer* b);

// Manager operations; each returns "" or why nothing was changed. The caller checked the nonce.
// AddMember takes a free slot of the shared table (at most `growth` added members per balancer,
// default 16); a member of httpd.conf that was removed comes back with its httpd.conf settings.
std::string AddMember(Balancer* b, const config::MemberUrl& url);
std::string RemoveMember(Balancer* b, const std::string& name);
// "" turns sticky sessions off.
std::string SetStickySession(Balancer* b, const std::string& sticky_session);

// Makes every process build a new member set (the caller holds the balancer's lock): after the
// manager changed the members, the sticky name, or a member's load factor, lbset, route or flags
// (which the set's schedule is built from).
void BumpGeneration(Balancer* b);

// The member of the current set named `name` ("ajp://host:port"), or null.
Member* FindLiveMember(Balancer* b, const std::string& name);

}  // namespace mca::glue

#endif  // MCA_GLUE_MEMBERS_H_
