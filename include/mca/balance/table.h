// The shared member table: every balancer's and member's runtime state, in one block of memory
// that the glue places in shared memory before httpd forks its children, so that an error seen
// by one child, a manager edit or a counter is the same for all of them.
//
// Layout: a TableHeader, then `balancer_capacity` BalancerSlots, then `member_capacity`
// MemberSlots. Everything is plain, trivially copyable data with no pointers, so the block can
// be formatted, checked, and copied into a larger block like any bytes. A slot is identified by
// its key: a balancer's key is its name ("testcluster", or "testcluster#2" for a second
// balancer of the same name in another virtual host); a member's key is its balancer's key, a
// '|' and the member's name ("testcluster|ajp://127.0.0.1:8009").
//
// Lifetime (the glue's part): the block outlives configuration cycles. At every configuration
// (start-up and each restart) Assign gives each configured balancer and member its slot: the
// slot that already has its key when there is one, so its counters and runtime state carry over
// a graceful restart, else a free slot, zeroed. Slots whose key is no longer configured are
// released. Children that are still finishing requests from before a graceful restart keep
// writing into the slots they knew; Assign therefore hands out never-used slots before released
// ones. When the configuration needs more slots than the block has, the glue formats a larger
// block and CopyInto carries every slot over (except the in-flight figures: see CopyInto).
//
// Concurrency: fields that several processes write at any time (counters, error_until, busy,
// traffic, the health fields) are accessed only through atomic.h. Fields that change only on a
// configuration or a manager edit (route, redirect, load factor, lbset, admin flags, keys) are
// written under the balancer's lock, which lives in BalancerSlot::lock (storage only: the glue
// puts a process-shared mutex there). Assign and CopyInto run in the parent process while it
// configures, when no lock is held by anyone it could conflict with for the fields they write.
//
// Must not depend on: httpd, APR, anything outside the C++17 standard library and the core.
#ifndef MCA_BALANCE_TABLE_H_
#define MCA_BALANCE_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mca/balance/atomic.h"
#include "mca/balance/selector.h"

namespace mca::balance {

inline constexpr size_t kBalancerKeySize = 96;  // up to 95 bytes and a NUL
inline constexpr size_t kMemberKeySize = 384;   // balancer key, '|', "ajp://[host]:port"
inline constexpr size_t kReasonSize = 128;      // health check reason, NUL-terminated
inline constexpr size_t kNonceSize = 40;        // a UUID and a NUL
inline constexpr size_t kLockSize = 64;         // room for a pthread_mutex_t
inline constexpr uint64_t kTableMagic = 0x31746a63616d6361;  // "acamcajt1" little-endian
inline constexpr uint32_t kTableVersion = 5;

// Why a member was last put in error. A passing CPing or TCP check proves the connection works,
// so it ends a kConnection error at once; a passing GET/HEAD/OPTIONS check ends either kind.
enum ErrorKind : uint32_t {
  kErrorNone = 0,
  kErrorConnection = 1,   // connect failed, no CPong
  kErrorApplication = 2,  // secret refused, failonstatus, failontimeout, manager
};

// Bits of MemberSlot::edited / BalancerSlot::edited: fields changed at runtime (the manager),
// which a new configuration does not overwrite.
enum EditedField : uint32_t {
  kEditedLoadFactor = 1u << 0,
  kEditedLbset = 1u << 1,
  kEditedRoute = 1u << 2,
  kEditedRedirect = 1u << 3,
  kEditedStatus = 1u << 4,  // the admin flags D S I H R N
  kEditedHealthCheck = 1u << 5,
  kEditedRemoved = 1u << 6,  // a member of httpd.conf removed in the manager: out until added again
  kEditedLbMethod = 1u << 8,
  kEditedMaxAttempts = 1u << 9,
  kEditedTimeout = 1u << 10,
  kEditedStickySession = 1u << 11,
  kEditedNofailover = 1u << 12,
};

struct MemberSlot {
  MemberState state;  // what Select reads; busy and traffic are counted here
  char key[kMemberKeySize];
  uint32_t in_use;          // 1 while a configured (or manager-added) member holds the slot
  uint32_t edited;          // EditedField bits
  int32_t hardmax;          // connections over all children; 0: no limit
  uint32_t healthy;         // 1 unless the health checks found the member failing
  uint64_t elected;         // times chosen for a request (each failover attempt counts)
  uint64_t errors;          // times put in error (a failed connect, no CPong, failonstatus, ...)
  uint64_t bytes_sent;      // to the member: request headers and bodies
  uint64_t bytes_received;  // from the member: response headers and bodies
  int64_t connections;      // sockets open to the member, all children
  int64_t waiters;          // requests waiting for a connection under hardmax
  int64_t last_check;       // health check: when (microseconds since the epoch); 0: never
  int64_t state_since;      // when `healthy` last changed
  uint32_t check_passes;    // health checks passed in a row
  uint32_t check_fails;     // health checks failed in a row
  char check_reason[kReasonSize];  // why the last check failed; "" when it passed
  uint32_t error_kind;             // ErrorKind of the last time it was put in error
  // Health-check settings: from httpd.conf, or edited in the manager (kEditedHealthCheck). The
  // check thread reads them from here, so an edit in any child steers it.
  uint32_t hc_method;  // config::HcMethod
  uint32_t hc_passes;
  uint32_t hc_fails;
  int64_t hc_interval;  // microseconds
  char hc_uri[config::kMaxRouteLength + 1];
  uint32_t added;  // 1: added in the manager (AddMember), not named in httpd.conf
  uint32_t reserved32;
  uint64_t reserved[2];
};
static_assert(std::is_trivially_copyable_v<MemberSlot>);
static_assert(std::is_standard_layout_v<MemberSlot>);
static_assert(sizeof(MemberSlot) % 8 == 0);

struct BalancerSlot {
  char key[kBalancerKeySize];
  uint32_t in_use;
  uint32_t edited;      // EditedField bits (kEditedLbMethod ...)
  uint32_t generation;  // changes when the manager adds or removes a member or edits the
                        // sticky session name: each child then rebuilds its view (atomic.h)
  uint32_t lb_method;   // config::LbMethod
  int32_t max_attempts;
  uint32_t sticky_force;  // nofailover
  int64_t timeout;        // microseconds
  uint64_t turns;         // byrequests turns taken from the schedule (schedule.h), all children
  char nonce[kNonceSize];
  char sticky_session[config::kMaxStickyLength + 1];
  alignas(64) unsigned char lock[kLockSize];  // storage for the glue's process-shared mutex
};
static_assert(std::is_trivially_copyable_v<BalancerSlot>);
static_assert(std::is_standard_layout_v<BalancerSlot>);

struct TableHeader {
  uint64_t magic;
  uint32_t version;
  uint32_t balancer_capacity;
  uint32_t member_capacity;
  uint32_t slot_size;   // sizeof(MemberSlot), so a block from another build is not misread
  uint64_t generation;  // incremented by every Assign
  uint64_t reserved[4];
};
static_assert(std::is_trivially_copyable_v<TableHeader>);

// What a configuration asks of the table: its balancers, each with its members' names.
struct LayoutBalancer {
  std::string key;                   // see above; at most kBalancerKeySize - 1 bytes
  std::vector<std::string> members;  // member names, in configuration order
};

// The slots Assign gave, in the order of the layout.
struct Placement {
  std::vector<uint32_t> balancers;              // slot index per LayoutBalancer
  std::vector<std::vector<uint32_t>> members;   // slot index per member
  std::vector<bool> balancer_fresh;             // the slot was free (its lock must be set up)
  std::vector<std::vector<bool>> member_fresh;  // the slot was free (no runtime state)
};

class Table {
 public:
  // Bytes a block must have for a table of these capacities (the table starts at the block's
  // first 64-byte boundary, so the block itself may start anywhere).
  static size_t BytesFor(uint32_t balancers, uint32_t members) noexcept;
  // Capacities for a configuration: what it has, plus `growth` members, plus as many spare
  // member slots as fit in the rest of the block's last `unit` bytes (the system's page: the
  // block takes whole pages anyway), counting `overhead` bytes the allocator puts before the
  // table. The spare slots let a restart that adds a member or two reuse the block.
  static void CapacityFor(size_t balancers, size_t members, size_t growth, size_t unit,
                          size_t overhead, uint32_t* balancer_capacity,
                          uint32_t* member_capacity) noexcept;

  // Formats `size` bytes at `mem` as an empty table. Invalid when too small.
  static Table Format(void* mem, size_t size, uint32_t balancers, uint32_t members) noexcept;
  // Views a formatted block; invalid when it is not one (magic, version, slot size, capacities
  // that do not fit `size`).
  static Table Open(void* mem, size_t size) noexcept;

  Table() = default;
  bool valid() const noexcept { return header_ != nullptr; }
  uint32_t balancer_capacity() const noexcept { return header_->balancer_capacity; }
  uint32_t member_capacity() const noexcept { return header_->member_capacity; }
  uint64_t generation() const noexcept { return header_->generation; }
  BalancerSlot& balancer(uint32_t i) const noexcept { return balancers_[i]; }
  MemberSlot& member(uint32_t i) const noexcept { return members_[i]; }

  // Slot holding `key` (in use), or -1.
  int FindBalancer(std::string_view key) const noexcept;
  int FindMember(std::string_view key) const noexcept;
  // Free slots.
  uint32_t FreeBalancers() const noexcept;
  uint32_t FreeMembers() const noexcept;

  // Gives every balancer and member of `layout` a slot (see the file comment) and releases the
  // slots of keys the layout no longer has. Errors (the table unchanged): a key too long or
  // repeated, or not enough slots ("needs N member slots, the table has M": format a larger
  // table, CopyInto it, and Assign again).
  std::string Assign(const std::vector<LayoutBalancer>& layout, Placement* out) noexcept;

  // A slot for a member added at runtime (the manager), taken from any process: never-used
  // slots first, claimed atomically so that two processes adding at once get different slots.
  // The slot is zeroed, healthy, keyed `key`, in use and marked `added`. -1 when no slot is free,
  // or `key` is empty, too long or already in use. The caller holds the balancer's lock (which
  // orders it with the readers of that balancer's slots).
  int AddMember(std::string_view key) noexcept;
  // Gives back a slot of a member added at runtime (AddMember or a restart that kept it).
  void RemoveMember(uint32_t index) noexcept;
  // The in-use member slots of balancer `balancer_key` (keys "balancer_key|..."), in index
  // order.
  std::vector<uint32_t> MembersOf(std::string_view balancer_key) const;

  // Copies every in-use slot of `from` into this (freshly formatted) table at the same index.
  // busy, connections and waiters start at 0: the processes that counted them keep counting in
  // `from`. Lock storage is not copied (the glue sets up a new lock per balancer). False (and
  // nothing copied) when a capacity of this table is smaller than `from`'s.
  bool CopyInto(const Table& from) noexcept;

  static std::string MemberKey(std::string_view balancer_key, std::string_view member_name);

 private:
  TableHeader* header_ = nullptr;
  BalancerSlot* balancers_ = nullptr;
  MemberSlot* members_ = nullptr;
};

// The methods the table keeps as integers; a value out of range (a damaged block) reads as the
// default (byrequests, CPING).
inline config::LbMethod LbMethodOf(const BalancerSlot& slot) noexcept {
  const uint32_t m = AtomicLoad(slot.lb_method);
  return m <= static_cast<uint32_t>(config::LbMethod::kByTraffic) ? static_cast<config::LbMethod>(m)
                                                                  : config::LbMethod::kByRequests;
}
inline config::HcMethod HcMethodOf(const MemberSlot& slot) noexcept {
  const uint32_t m = AtomicLoad(slot.hc_method);
  return m <= static_cast<uint32_t>(config::HcMethod::kCping) ? static_cast<config::HcMethod>(m)
                                                              : config::HcMethod::kCping;
}

// NUL-terminated fixed fields.
std::string_view FieldOf(const char* field, size_t size) noexcept;
bool SetField(char* field, size_t size, std::string_view value) noexcept;

}  // namespace mca::balance

#endif  // MCA_BALANCE_TABLE_H_
