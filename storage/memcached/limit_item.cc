#include "storage/memcached/limit_item.h"

#include <algorithm>

namespace limitsd::storage::memcached {
namespace {

constexpr unsigned char kFormatVersion = 1;
enum Kind : unsigned char { kFixed = 0, kMoving = 1, kSliding = 2, kGcra = 3 };
// Counts and times stay far from overflow in every sum made of them.
constexpr std::uint64_t kMaxCount = 1ULL << 62;

void PutVarint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t ZigZag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t UnZigZag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

int VarintSize(std::uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Reads values off the front of an encoded item; any overrun turns `ok` false for good.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return in_.empty(); }
  std::size_t remaining() const { return in_.size(); }

  std::uint64_t Varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) break;
      const auto byte = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  std::int64_t Signed() { return UnZigZag(Varint()); }
  std::int64_t Count() {
    const std::uint64_t v = Varint();
    if (v > kMaxCount) ok_ = false;
    return static_cast<std::int64_t>(v);
  }
  std::string_view Bytes(std::uint64_t n) {
    if (n > in_.size()) {
      ok_ = false;
      return {};
    }
    const std::string_view out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

void EncodeRecord(std::string& out, const FixedRecord& r) {
  out.push_back(static_cast<char>(kFixed));
  PutVarint(out, static_cast<std::uint64_t>(r.count));
  PutVarint(out, ZigZag(r.expires_at));
}

void EncodeRecord(std::string& out, const MovingRecord& r) {
  out.push_back(static_cast<char>(kMoving));
  PutVarint(out, static_cast<std::uint64_t>(r.window));
  PutVarint(out, r.runs.size());
  std::int64_t previous = 0;
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const Run& run = r.runs[i];
    if (i == 0) {
      PutVarint(out, ZigZag(run.time));
    } else {
      PutVarint(out, static_cast<std::uint64_t>(previous - run.time));
    }
    PutVarint(out, static_cast<std::uint64_t>(run.count));
    previous = run.time;
  }
}

void EncodeRecord(std::string& out, const SlidingRecord& r) {
  out.push_back(static_cast<char>(kSliding));
  PutVarint(out, static_cast<std::uint64_t>(r.window));
  PutVarint(out, ZigZag(r.bucket));
  PutVarint(out, static_cast<std::uint64_t>(r.previous));
  PutVarint(out, static_cast<std::uint64_t>(r.current));
}

void EncodeRecord(std::string& out, const GcraRecord& r) {
  out.push_back(static_cast<char>(kGcra));
  PutVarint(out, ZigZag(r.tat));
}

MovingRecord DecodeMoving(Reader& in) {
  MovingRecord r;
  r.window = in.Count();
  const std::uint64_t n = in.Varint();
  if (n > in.remaining() / 2) {  // each run takes two bytes or more
    in.Bytes(~0ULL);               // poisons the reader
    return r;
  }
  r.runs.reserve(n);
  std::int64_t time = 0;
  for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
    time = i == 0 ? in.Signed() : time - in.Count();
    r.runs.push_back({time, in.Count()});
  }
  return r;
}

bool DecodeRecord(Reader& in, RateRecord& record) {
  const std::string_view kind = in.Bytes(1);
  if (!in.ok()) return false;
  switch (static_cast<unsigned char>(kind.front())) {
    case kFixed: {
      FixedRecord r;
      r.count = in.Count();
      r.expires_at = in.Signed();
      record.data = r;
      return in.ok();
    }
    case kMoving:
      record.data = DecodeMoving(in);
      return in.ok();
    case kSliding: {
      SlidingRecord r;
      r.window = in.Count();
      r.bucket = in.Signed();
      r.previous = in.Count();
      r.current = in.Count();
      record.data = r;
      return in.ok() && r.window > 0;
    }
    case kGcra: {
      GcraRecord r;
      r.tat = in.Signed();
      record.data = r;
      return in.ok();
    }
    default: return false;
  }
}

}  // namespace

RateRecord* LimitItem::Find(std::string_view key) noexcept {
  for (RateRecord& r : rates) {
    if (r.key == key) return &r;
  }
  return nullptr;
}

const RateRecord* LimitItem::Find(std::string_view key) const noexcept {
  return const_cast<LimitItem*>(this)->Find(key);
}

RateRecord& LimitItem::FindOrAdd(std::string_view key, const RateRecord& fresh) {
  if (RateRecord* r = Find(key)) return *r;
  rates.push_back(fresh);
  rates.back().key = std::string(key);
  return rates.back();
}

bool LimitItem::Remove(std::string_view key) {
  const auto it =
      std::find_if(rates.begin(), rates.end(), [key](const RateRecord& r) { return r.key == key; });
  if (it == rates.end()) return false;
  rates.erase(it);
  return true;
}

std::string LimitItem::Encode() const {
  std::string out;
  out.push_back(static_cast<char>(kFormatVersion));
  PutVarint(out, rates.size());
  for (const RateRecord& r : rates) {
    PutVarint(out, r.key.size());
    out += r.key;
    std::visit([&out](const auto& data) { EncodeRecord(out, data); }, r.data);
  }
  return out;
}

std::optional<LimitItem> LimitItem::Decode(std::string_view bytes) {
  Reader in(bytes);
  const std::string_view version = in.Bytes(1);
  if (!in.ok() || static_cast<unsigned char>(version.front()) != kFormatVersion) {
    return std::nullopt;
  }
  const std::uint64_t n = in.Varint();
  LimitItem item;
  for (std::uint64_t i = 0; i < n && in.ok(); ++i) {
    RateRecord record;
    record.key = std::string(in.Bytes(in.Varint()));
    if (!DecodeRecord(in, record)) return std::nullopt;
    item.rates.push_back(std::move(record));
  }
  if (!in.ok() || !in.done()) return std::nullopt;
  return item;
}

std::int64_t MovingWindowWorstBytes(std::int64_t amount, std::int64_t window) noexcept {
  constexpr std::int64_t kRecordOverhead = 1 + 10 + 10 + 10;  // kind, window, size, first time
  const auto delta_bytes = VarintSize(static_cast<std::uint64_t>(std::max<std::int64_t>(window, 0)));
  return kRecordOverhead + amount * (delta_bytes + 1);
}

}  // namespace limitsd::storage::memcached
