#pragma once
// A small, fast, seeded 128-bit hash of a storage key. The memory store identifies its
// entries by this digest instead of the key bytes, so a live key costs a fixed 16 bytes
// whatever its length. Not cryptographic: the per-store random seed keeps clients from
// precomputing colliding keys, and 128 bits make accidental collisions negligible.
//
// A key of the limit form, "{<name> <key>}<suffix>" (storage/limit_keys.h), is hashed in
// parts: what the limit fixes (the name, each rate's suffix) once per limit, the user's key
// per request (KeyedTag, KeyedDigest). The hot parts are inline, so that a store's lookup
// compiles to one pass over the user's key.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace limitsd::storage::memory {

struct KeyDigest {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend bool operator==(const KeyDigest&, const KeyDigest&) = default;
};

namespace digest_detail {

// Odd constants with well-spread bits (from the golden ratio and two 64-bit primes).
constexpr std::uint64_t kK0 = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t kK1 = 0xd6e8feb86659fd93ULL;
constexpr std::uint64_t kK2 = 0xc2b2ae3d27d4eb4fULL;
constexpr std::uint64_t kK3 = 0x165667b19e3779f9ULL;

// 64x64 -> 128 multiply, folded: the core mixing step.
inline std::uint64_t Fold(std::uint64_t a, std::uint64_t b) noexcept {
  __extension__ using Uint128 = unsigned __int128;
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

// A bijective avalanche of 64 bits (xorshift-multiply).
inline std::uint64_t Avalanche(std::uint64_t x) noexcept {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

inline std::uint64_t Load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline std::uint64_t Load32(const char* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// 1 to 8 trailing bytes as one word, without a variable-length copy: overlapping fixed-size
// loads for 4 to 8 bytes, three single bytes below 4. For a given n the mapping is
// one-to-one, and n is mixed in at the end.
inline std::uint64_t LoadShort(const char* p, std::size_t n) noexcept {
  if (n >= 4) return Load32(p) | (Load32(p + n - 4) << 32);
  const auto byte = [p](std::size_t i) {
    return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]));
  };
  return byte(0) | (byte(n / 2) << 8) | (byte(n - 1) << 16);
}

inline std::uint64_t Rotl(std::uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

}  // namespace digest_detail

/// Hashes byte strings into two 64-bit lanes with a 64x64->128 multiply-mix per 16-byte
/// block and a bijective finaliser; every output bit depends on every input bit.
class KeyHasher {
 public:
  /// The running state of a hash.
  struct Lanes {
    std::uint64_t a;
    std::uint64_t b;
  };

  /// A hasher with a fixed seed (tests, reproducible layouts).
  explicit KeyHasher(std::uint64_t seed = 0) noexcept;

  /// A hasher seeded from std::random_device.
  static KeyHasher Random();

  KeyDigest Digest(std::string_view bytes) const noexcept;
  /// A 64-bit hash (one lane of Digest), e.g. to pick a shard.
  std::uint64_t Hash64(std::string_view bytes) const noexcept { return Digest(bytes).lo; }

  struct Tagged {
    KeyDigest digest;       ///< identifies the whole key
    std::uint64_t tag_hash; ///< Hash64(tag)
  };
  /// For a key that starts with its hash tag, "{tag}rest", with `close` the index of the
  /// '}': the key's digest and Hash64(tag) in one pass over the bytes. The digest is not
  /// Digest(key) (a distinct construction), so use one or the other for a given key shape.
  Tagged DigestTagged(std::string_view key, std::size_t close) const noexcept;

  // The limit form, "{<name> <key>}<suffix>": three constructions distinct from Digest's and
  // DigestTagged's. NamePrefix and SuffixId are computed once per limit (by any hasher: a
  // store's own seed enters in KeyedTag); a request hashes only its key.

  /// The lanes of what precedes the user's key: `name` and its length.
  Lanes NamePrefix(std::string_view name) const noexcept;
  /// A rate's suffix ("/<strategy>/<rate>") as one 128-bit block.
  KeyDigest SuffixId(std::string_view suffix) const noexcept { return Digest(suffix); }

  /// The user's key hashed after its limit's prefix, with this hasher's seed: what the
  /// key's shard (TagHash) and each rate's digest (KeyedDigest) derive from.
  struct KeyedTag {
    Lanes lanes;
    std::uint64_t key_size;
  };
  [[gnu::always_inline]] KeyedTag Keyed(Lanes prefix, std::string_view key) const noexcept {
    return {Absorb({prefix.a ^ seed_lo_, prefix.b ^ seed_hi_}, key.data(), key.size()), key.size()};
  }
  /// The hash that places a keyed tag (a shard): one multiply of the lanes, which the
  /// absorbed blocks already mixed (a full finish here was on the critical path of every
  /// decision: the shard's lock waits for it).
  [[gnu::always_inline]] static std::uint64_t TagHash(const KeyedTag& tag) noexcept {
    using namespace digest_detail;
    return Fold(tag.lanes.a ^ (tag.key_size * kK2), tag.lanes.b ^ kK1);
  }
  /// The digest of the key "{<name> <key>}<suffix>", from its tag and SuffixId(suffix).
  [[gnu::always_inline]] KeyDigest KeyedDigest(const KeyedTag& tag,
                                               const KeyDigest& suffix_id) const noexcept {
    Lanes all = tag.lanes;
    Mix(all, suffix_id.lo, suffix_id.hi);
    all.a ^= digest_detail::kK3;
    all.b ^= digest_detail::kK1;
    return Finish(all, tag.key_size);
  }

 private:
  // Each lane keeps its previous value (xor) so that a block whose product happens to be
  // zero cannot erase what came before it.
  void Mix(Lanes& lanes, std::uint64_t w0, std::uint64_t w1) const noexcept {
    using namespace digest_detail;
    lanes.a ^= Fold(w0 ^ lanes.a ^ kK0, w1 ^ seed_hi_ ^ kK1);
    lanes.b ^= Fold(w1 ^ lanes.b ^ kK2, w0 ^ seed_lo_ ^ kK3);
  }
  // Always inline: out of line, a store's lookup paid a call and the lanes' round trip
  // through the stack for a key of one or two blocks.
  [[gnu::always_inline]] Lanes Absorb(Lanes lanes, const char* p, std::size_t n) const noexcept {
    using namespace digest_detail;
    for (; n >= 16; n -= 16, p += 16) Mix(lanes, Load64(p), Load64(p + 8));
    if (n > 8) {
      // The last n - 8 bytes are the top of the word ending at p + n.
      Mix(lanes, Load64(p), Load64(p + n - 8) >> (8 * (16 - n)));
    } else if (n > 0) {
      Mix(lanes, LoadShort(p, n), 0);
    }
    return lanes;
  }
  static KeyDigest Finish(Lanes lanes, std::uint64_t length) noexcept {
    return KeyDigest{FinishLo(lanes, length), FinishHi(lanes, length)};
  }
  /// Finish(lanes, length).lo alone.
  static std::uint64_t FinishLo(Lanes lanes, std::uint64_t length) noexcept {
    using namespace digest_detail;
    return Avalanche(lanes.a ^ Rotl(lanes.b, 23) ^ (length * kK3));
  }
  /// Finish(lanes, length).hi alone.
  static std::uint64_t FinishHi(Lanes lanes, std::uint64_t length) noexcept {
    using namespace digest_detail;
    return Avalanche(lanes.b ^ Rotl(lanes.a, 41) ^ (length * kK1));
  }

  std::uint64_t seed_lo_;
  std::uint64_t seed_hi_;
};

/// The table hash of a digest: its high lane, already well mixed.
struct KeyDigestHash {
  using is_avalanching = void;
  std::size_t operator()(const KeyDigest& d) const noexcept { return d.hi; }
};

}  // namespace limitsd::storage::memory
