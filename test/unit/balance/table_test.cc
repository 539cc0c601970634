#include "mca/balance/table.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstring>
#include <string>
#include <vector>

#include "mca/balance/atomic.h"

namespace mca::balance {
namespace {

// An 8-byte aligned block of `bytes`.
struct Block {
  explicit Block(size_t bytes) : words((bytes + 7) / 8, 0xA5A5A5A5A5A5A5A5u), size(bytes) {}
  void* data() { return words.data(); }
  std::vector<uint64_t> words;
  size_t size;
};

LayoutBalancer B(std::string key, std::vector<std::string> members) {
  return LayoutBalancer{std::move(key), std::move(members)};
}

std::string KeyOf(const MemberSlot& m) { return std::string(FieldOf(m.key, sizeof m.key)); }

class TableTest : public CppUnit::TestFixture {
  CPPUNIT_TEST_SUITE(TableTest);
  CPPUNIT_TEST(FormatAndOpen);
  CPPUNIT_TEST(OpenRefusesForeignBytes);
  CPPUNIT_TEST(AssignGivesZeroedSlots);
  CPPUNIT_TEST(ReassignKeepsRuntimeState);
  CPPUNIT_TEST(RemovedMembersAreReleasedAndNeverUsedSlotsGoFirst);
  CPPUNIT_TEST(AssignRefusesBadLayouts);
  CPPUNIT_TEST(NotEnoughSlotsChangesNothing);
  CPPUNIT_TEST(CopyIntoLargerTable);
  CPPUNIT_TEST(CapacityLeavesRoom);
  CPPUNIT_TEST(AddAndRemoveMembersAtRuntime);
  CPPUNIT_TEST(Fields);
  CPPUNIT_TEST(AtomicHelpers);
  CPPUNIT_TEST_SUITE_END();

 public:
  void AddAndRemoveMembersAtRuntime() {
    const size_t bytes = Table::BytesFor(2, 4);
    Block mem(bytes);
    Table t = Table::Format(mem.data(), bytes, 2, 4);
    Placement p;
    CPPUNIT_ASSERT_EQUAL(std::string(), t.Assign({B("lb", {"ajp://a:1"}), B("lb2", {})}, &p));
    // A released slot (from a restart) is taken only after the never-used ones.
    CPPUNIT_ASSERT_EQUAL(std::string(), t.Assign({B("lb", {"ajp://a:1", "ajp://gone:1"})}, &p));
    const uint32_t gone = p.members[0][1];
    CPPUNIT_ASSERT_EQUAL(std::string(), t.Assign({B("lb", {"ajp://a:1"}), B("lb2", {})}, &p));
    t.member(gone).elected = 7;

    const int x = t.AddMember("lb|ajp://x:1");
    CPPUNIT_ASSERT(x >= 0 && static_cast<uint32_t>(x) != gone);
    const MemberSlot& sx = t.member(static_cast<uint32_t>(x));
    CPPUNIT_ASSERT_EQUAL(1u, sx.added);
    CPPUNIT_ASSERT_EQUAL(1u, sx.healthy);
    CPPUNIT_ASSERT_EQUAL(uint64_t{0}, sx.elected);
    CPPUNIT_ASSERT_EQUAL(100, sx.state.load_factor);
    CPPUNIT_ASSERT_EQUAL(x, t.FindMember("lb|ajp://x:1"));
    // The same key twice, an empty or too long key: no slot.
    CPPUNIT_ASSERT_EQUAL(-1, t.AddMember("lb|ajp://x:1"));
    CPPUNIT_ASSERT_EQUAL(-1, t.AddMember(""));
    CPPUNIT_ASSERT_EQUAL(-1, t.AddMember(std::string(kMemberKeySize, 'k')));
    const int y = t.AddMember("lb2|ajp://y:1");
    CPPUNIT_ASSERT(y >= 0 && static_cast<uint32_t>(y) != gone);
    // Only the released slot is left; it comes back zeroed.
    const int z = t.AddMember("lb|ajp://z:1");
    CPPUNIT_ASSERT_EQUAL(static_cast<int>(gone), z);
    CPPUNIT_ASSERT_EQUAL(uint64_t{0}, t.member(gone).elected);
    CPPUNIT_ASSERT_EQUAL(-1, t.AddMember("lb|ajp://full:1"));
    CPPUNIT_ASSERT_EQUAL(0u, t.FreeMembers());

    const std::vector<uint32_t> of_lb = t.MembersOf("lb");
    CPPUNIT_ASSERT_EQUAL(size_t{3}, of_lb.size());
    for (const uint32_t i : of_lb) CPPUNIT_ASSERT(KeyOf(t.member(i)).rfind("lb|", 0) == 0);
    CPPUNIT_ASSERT_EQUAL(size_t{1}, t.MembersOf("lb2").size());
    CPPUNIT_ASSERT(t.MembersOf("l").empty());  // a prefix of a key is not a balancer
    CPPUNIT_ASSERT(t.MembersOf("").empty());

    t.RemoveMember(static_cast<uint32_t>(x));
    CPPUNIT_ASSERT_EQUAL(-1, t.FindMember("lb|ajp://x:1"));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, t.MembersOf("lb").size());
    CPPUNIT_ASSERT_EQUAL(1u, t.FreeMembers());
    t.RemoveMember(99);  // out of range: ignored
    // A restart keeps a member added at runtime when the layout names it.
    CPPUNIT_ASSERT_EQUAL(std::string(),
                         t.Assign({B("lb", {"ajp://a:1", "ajp://z:1"}), B("lb2", {})}, &p));
    CPPUNIT_ASSERT_EQUAL(gone, p.members[0][1]);
    CPPUNIT_ASSERT(!p.member_fresh[0][1]);
    CPPUNIT_ASSERT_EQUAL(1u, t.member(gone).added);
  }

  void FormatAndOpen() {
    const size_t bytes = Table::BytesFor(2, 8);
    Block mem(bytes);
    CPPUNIT_ASSERT(!Table::Format(mem.data(), bytes - 1, 2, 8).valid());
    Table t = Table::Format(mem.data(), bytes, 2, 8);
    CPPUNIT_ASSERT(t.valid());
    CPPUNIT_ASSERT_EQUAL(2u, t.balancer_capacity());
    CPPUNIT_ASSERT_EQUAL(8u, t.member_capacity());
    CPPUNIT_ASSERT_EQUAL(8u, t.FreeMembers());
    CPPUNIT_ASSERT_EQUAL(2u, t.FreeBalancers());
    // The last slot lies inside the block.
    const auto* end = reinterpret_cast<const unsigned char*>(&t.member(7) + 1);
    CPPUNIT_ASSERT(end <= static_cast<unsigned char*>(mem.data()) + bytes);
    Table again = Table::Open(mem.data(), bytes);
    CPPUNIT_ASSERT(again.valid());
    CPPUNIT_ASSERT_EQUAL(&t.member(3), &again.member(3));
    CPPUNIT_ASSERT(!Table::Open(mem.data(), bytes - 65).valid());
  }

  void OpenRefusesForeignBytes() {
    Block mem(4096);
    CPPUNIT_ASSERT(!Table::Open(mem.data(), mem.size).valid());
    CPPUNIT_ASSERT(!Table::Open(nullptr, mem.size).valid());
    Table t = Table::Format(mem.data(), mem.size, 1, 1);
    CPPUNIT_ASSERT(t.valid());
    auto* h = reinterpret_cast<TableHeader*>(&t.balancer(0)) - 1;
    CPPUNIT_ASSERT_EQUAL(kTableMagic, h->magic);
    h->version = kTableVersion + 1;
    CPPUNIT_ASSERT(!Table::Open(mem.data(), mem.size).valid());
    h->version = kTableVersion;
    h->slot_size += 8;
    CPPUNIT_ASSERT(!Table::Open(mem.data(), mem.size).valid());
    h->slot_size -= 8;
    h->member_capacity = 1000;  // would reach past the block
    CPPUNIT_ASSERT(!Table::Open(mem.data(), mem.size).valid());
    // A block that starts off a 64-byte boundary (as APR's shared memory does) still holds a
    // table, aligned inside it, and Open finds it again.
    char* odd = static_cast<char*>(mem.data()) + 8;
    Table u = Table::Format(odd, Table::BytesFor(1, 1), 1, 1);
    CPPUNIT_ASSERT(u.valid());
    CPPUNIT_ASSERT_EQUAL(uintptr_t{0}, reinterpret_cast<uintptr_t>(&u.balancer(0)) % 64);
    CPPUNIT_ASSERT(Table::Open(odd, Table::BytesFor(1, 1)).valid());
    CPPUNIT_ASSERT(!Table::Format(odd, Table::BytesFor(1, 1) - 1, 1, 1).valid());
  }

  void AssignGivesZeroedSlots() {
    Block mem(Table::BytesFor(4, 8));
    Table t = Table::Format(mem.data(), mem.size, 4, 8);
    Placement p;
    CPPUNIT_ASSERT_EQUAL(
        std::string(),
        t.Assign({B("tc", {"ajp://a:1", "ajp://b:2"}), B("other", {"ajp://a:1"})}, &p));
    CPPUNIT_ASSERT_EQUAL(size_t{2}, p.balancers.size());
    CPPUNIT_ASSERT(p.balancer_fresh[0] && p.balancer_fresh[1]);
    CPPUNIT_ASSERT_EQUAL(size_t{2}, p.members[0].size());
    CPPUNIT_ASSERT_EQUAL(size_t{1}, p.members[1].size());
    const MemberSlot& a = t.member(p.members[0][0]);
    CPPUNIT_ASSERT_EQUAL(std::string("tc|ajp://a:1"), KeyOf(a));
    CPPUNIT_ASSERT_EQUAL(1u, a.in_use);
    CPPUNIT_ASSERT_EQUAL(1u, a.healthy);
    CPPUNIT_ASSERT_EQUAL(100, a.state.load_factor);
    CPPUNIT_ASSERT_EQUAL(uint64_t{0}, a.elected);
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, a.connections);
    CPPUNIT_ASSERT_EQUAL(std::string("other|ajp://a:1"), KeyOf(t.member(p.members[1][0])));
    CPPUNIT_ASSERT(p.members[0][0] != p.members[1][0]);
    CPPUNIT_ASSERT_EQUAL(5u, t.FreeMembers());
    CPPUNIT_ASSERT_EQUAL(1, static_cast<int>(t.generation()));
    CPPUNIT_ASSERT_EQUAL(static_cast<int>(p.members[0][1]), t.FindMember("tc|ajp://b:2"));
    CPPUNIT_ASSERT_EQUAL(-1, t.FindMember("tc|ajp://c:3"));
    CPPUNIT_ASSERT_EQUAL(static_cast<int>(p.balancers[1]), t.FindBalancer("other"));
  }

  void ReassignKeepsRuntimeState() {
    Block mem(Table::BytesFor(4, 8));
    Table t = Table::Format(mem.data(), mem.size, 4, 8);
    Placement p;
    CPPUNIT_ASSERT(t.Assign({B("tc", {"ajp://a:1", "ajp://b:2"})}, &p).empty());
    MemberSlot& b = t.member(p.members[0][1]);
    b.elected = 41;
    b.errors = 2;
    b.state.busy = 3;
    b.state.error_until = 99;
    b.edited = kEditedLoadFactor;
    std::memcpy(t.balancer(p.balancers[0]).nonce, "n1", 3);
    // A restart: same balancer, member b kept, member c added, a removed, order changed.
    Placement q;
    CPPUNIT_ASSERT(t.Assign({B("tc", {"ajp://c:3", "ajp://b:2"})}, &q).empty());
    CPPUNIT_ASSERT_EQUAL(p.balancers[0], q.balancers[0]);
    CPPUNIT_ASSERT(!q.balancer_fresh[0]);
    CPPUNIT_ASSERT_EQUAL(p.members[0][1], q.members[0][1]);
    CPPUNIT_ASSERT(!q.member_fresh[0][1]);
    CPPUNIT_ASSERT(q.member_fresh[0][0]);
    const MemberSlot& kept = t.member(q.members[0][1]);
    CPPUNIT_ASSERT_EQUAL(uint64_t{41}, kept.elected);
    CPPUNIT_ASSERT_EQUAL(uint64_t{2}, kept.errors);
    CPPUNIT_ASSERT_EQUAL(int64_t{3}, kept.state.busy);
    CPPUNIT_ASSERT_EQUAL(int64_t{99}, kept.state.error_until);
    CPPUNIT_ASSERT_EQUAL(static_cast<uint32_t>(kEditedLoadFactor), kept.edited);
    CPPUNIT_ASSERT_EQUAL(std::string("n1"),
                         std::string(FieldOf(t.balancer(q.balancers[0]).nonce, kNonceSize)));
    CPPUNIT_ASSERT_EQUAL(-1, t.FindMember("tc|ajp://a:1"));
    CPPUNIT_ASSERT_EQUAL(6u, t.FreeMembers());
  }

  void RemovedMembersAreReleasedAndNeverUsedSlotsGoFirst() {
    Block mem(Table::BytesFor(2, 4));
    Table t = Table::Format(mem.data(), mem.size, 2, 4);
    Placement p;
    CPPUNIT_ASSERT(t.Assign({B("tc", {"ajp://a:1", "ajp://b:2"})}, &p).empty());
    const uint32_t a_slot = p.members[0][0];
    t.member(a_slot).state.busy = 1;  // an old child still finishing a request on a
    Placement q;
    CPPUNIT_ASSERT(t.Assign({B("tc", {"ajp://b:2", "ajp://c:3"})}, &q).empty());
    // c did not get a's released slot while never-used slots remain.
    CPPUNIT_ASSERT(q.members[0][1] != a_slot);
    CPPUNIT_ASSERT_EQUAL(0u, t.member(a_slot).in_use);
    // With every never-used slot taken, a released one is reused, zeroed.
    Placement r;
    CPPUNIT_ASSERT(
        t.Assign({B("tc", {"ajp://b:2", "ajp://c:3", "ajp://d:4", "ajp://e:5"})}, &r).empty());
    CPPUNIT_ASSERT_EQUAL(0u, t.FreeMembers());
    bool reused = false;
    for (uint32_t s : r.members[0]) {
      if (s == a_slot) {
        reused = true;
        CPPUNIT_ASSERT_EQUAL(int64_t{0}, t.member(s).state.busy);
      }
    }
    CPPUNIT_ASSERT(reused);
  }

  void AssignRefusesBadLayouts() {
    Block mem(Table::BytesFor(4, 8));
    Table t = Table::Format(mem.data(), mem.size, 4, 8);
    Placement p;
    CPPUNIT_ASSERT(!t.Assign({B("", {})}, &p).empty());
    CPPUNIT_ASSERT(!t.Assign({B(std::string(kBalancerKeySize, 'x'), {})}, &p).empty());
    CPPUNIT_ASSERT(!t.Assign({B("a", {}), B("a", {})}, &p).empty());
    CPPUNIT_ASSERT(!t.Assign({B("a", {"ajp://x:1", "ajp://x:1"})}, &p).empty());
    CPPUNIT_ASSERT(!t.Assign({B("a", {""})}, &p).empty());
    CPPUNIT_ASSERT(!t.Assign({B("a", {std::string(kMemberKeySize, 'm')})}, &p).empty());
    CPPUNIT_ASSERT(!t.Assign({B(std::string("a\0b", 3), {})}, &p).empty());
    CPPUNIT_ASSERT_EQUAL(8u, t.FreeMembers());
    CPPUNIT_ASSERT_EQUAL(4u, t.FreeBalancers());
    // The same member name in two balancers is two members.
    CPPUNIT_ASSERT(t.Assign({B("a", {"ajp://x:1"}), B("b", {"ajp://x:1"})}, &p).empty());
  }

  void NotEnoughSlotsChangesNothing() {
    Block mem(Table::BytesFor(1, 2));
    Table t = Table::Format(mem.data(), mem.size, 1, 2);
    Placement p;
    CPPUNIT_ASSERT(t.Assign({B("tc", {"ajp://a:1"})}, &p).empty());
    t.member(p.members[0][0]).elected = 7;
    Placement q;
    const std::string err = t.Assign({B("tc", {"ajp://a:1", "ajp://b:2", "ajp://c:3"})}, &q);
    CPPUNIT_ASSERT(err.find("member slots") != std::string::npos);
    CPPUNIT_ASSERT(t.Assign({B("tc", {"ajp://a:1"}), B("x", {})}, &q).find("balancer") !=
                   std::string::npos);
    CPPUNIT_ASSERT_EQUAL(1u, t.FreeMembers());
    CPPUNIT_ASSERT_EQUAL(uint64_t{7}, t.member(p.members[0][0]).elected);
  }

  void CopyIntoLargerTable() {
    Block small(Table::BytesFor(1, 2));
    Table t = Table::Format(small.data(), small.size, 1, 2);
    Placement p;
    CPPUNIT_ASSERT(t.Assign({B("tc", {"ajp://a:1", "ajp://b:2"})}, &p).empty());
    MemberSlot& a = t.member(p.members[0][0]);
    a.elected = 5;
    a.bytes_sent = 1234;
    a.state.busy = 2;
    a.connections = 3;
    a.waiters = 1;
    a.state.error_until = 77;
    SetRoute(&a.state, "node1");
    std::memset(t.balancer(0).lock, 0x5A, kLockSize);
    SetField(t.balancer(0).nonce, kNonceSize, "nonce");

    Block big(Table::BytesFor(2, 8));
    Table u = Table::Format(big.data(), big.size, 2, 8);
    CPPUNIT_ASSERT(!t.CopyInto(u));  // smaller target
    CPPUNIT_ASSERT(u.CopyInto(t));
    const MemberSlot& ca = u.member(p.members[0][0]);
    CPPUNIT_ASSERT_EQUAL(std::string("tc|ajp://a:1"), KeyOf(ca));
    CPPUNIT_ASSERT_EQUAL(uint64_t{5}, ca.elected);
    CPPUNIT_ASSERT_EQUAL(uint64_t{1234}, ca.bytes_sent);
    CPPUNIT_ASSERT_EQUAL(int64_t{77}, ca.state.error_until);
    CPPUNIT_ASSERT_EQUAL(std::string("node1"), std::string(RouteOf(ca.state)));
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, ca.state.busy);
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, ca.connections);
    CPPUNIT_ASSERT_EQUAL(int64_t{0}, ca.waiters);
    CPPUNIT_ASSERT_EQUAL(0, static_cast<int>(u.balancer(0).lock[0]));
    CPPUNIT_ASSERT_EQUAL(std::string("nonce"),
                         std::string(FieldOf(u.balancer(0).nonce, kNonceSize)));
    // The copy then takes the new layout.
    Placement q;
    CPPUNIT_ASSERT(u.Assign({B("tc", {"ajp://a:1", "ajp://b:2", "ajp://c:3"})}, &q).empty());
    CPPUNIT_ASSERT_EQUAL(p.members[0][0], q.members[0][0]);
    CPPUNIT_ASSERT(!q.member_fresh[0][0]);
    CPPUNIT_ASSERT(q.member_fresh[0][2]);
  }

  void CapacityLeavesRoom() {
    uint32_t b = 0;
    uint32_t m = 0;
    // No unit: exactly what the configuration asks for.
    Table::CapacityFor(1, 2, 8, 0, 0, &b, &m);
    CPPUNIT_ASSERT_EQUAL(1u, b);
    CPPUNIT_ASSERT_EQUAL(10u, m);
    // Pages: the members and the growth, and as many more as the last page holds.
    for (const size_t members : {0, 1, 2, 3, 10, 100}) {
      for (const size_t growth : {0, 8, 16}) {
        Table::CapacityFor(2, members, growth, 4096, 8, &b, &m);
        CPPUNIT_ASSERT_EQUAL(2u, b);
        CPPUNIT_ASSERT(m >= members + growth && m >= 1);
        const size_t pages = (Table::BytesFor(b, m) + 8 + 4095) / 4096;
        const size_t fewer = (Table::BytesFor(b, m - 1) + 8 + 4095) / 4096;
        if (m > members + growth && m > 1) CPPUNIT_ASSERT_EQUAL(pages, fewer);
        CPPUNIT_ASSERT(Table::BytesFor(b, m + 1) + 8 > pages * 4096);
      }
    }
    // The configuration of the README's example (one balancer, two members, growth 8) takes
    // three pages and has spare slots.
    Table::CapacityFor(1, 2, 8, 4096, 8, &b, &m);
    CPPUNIT_ASSERT_EQUAL(size_t{3}, (Table::BytesFor(b, m) + 8 + 4095) / 4096);
    CPPUNIT_ASSERT(m > 10);
  }

  void Fields() {
    char f[8];
    CPPUNIT_ASSERT(SetField(f, sizeof f, "1234567"));
    CPPUNIT_ASSERT_EQUAL(std::string("1234567"), std::string(FieldOf(f, sizeof f)));
    CPPUNIT_ASSERT(!SetField(f, sizeof f, "12345678"));
    CPPUNIT_ASSERT(!SetField(f, sizeof f, std::string("a\0b", 3)));
    CPPUNIT_ASSERT_EQUAL(std::string("1234567"), std::string(FieldOf(f, sizeof f)));
    std::memset(f, 'x', sizeof f);  // no NUL: the view stops one short of the end
    CPPUNIT_ASSERT_EQUAL(size_t{7}, FieldOf(f, sizeof f).size());
  }

  void AtomicHelpers() {
    int64_t v = 5;
    CPPUNIT_ASSERT_EQUAL(int64_t{3}, AtomicAdd(v, int64_t{-2}));
    AtomicStore(v, int64_t{10});
    CPPUNIT_ASSERT_EQUAL(int64_t{10}, AtomicLoad(v));
    int64_t expected = 9;
    CPPUNIT_ASSERT(!AtomicCompareExchange(v, expected, int64_t{11}));
    CPPUNIT_ASSERT_EQUAL(int64_t{10}, expected);
    CPPUNIT_ASSERT(AtomicCompareExchange(v, expected, int64_t{11}));
    CPPUNIT_ASSERT_EQUAL(int64_t{11}, v);
    uint32_t bits = 0;
    AtomicOr(bits, 5u);
    AtomicAndNot(bits, 1u);
    CPPUNIT_ASSERT_EQUAL(4u, bits);
  }
};

CPPUNIT_TEST_SUITE_REGISTRATION(TableTest);

}  // namespace
}  // namespace mca::balance
