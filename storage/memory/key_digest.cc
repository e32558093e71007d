#include "storage/memory/key_digest.h"

#include <random>

namespace limitsd::storage::memory {

using digest_detail::Avalanche;
using digest_detail::kK0;
using digest_detail::kK2;
using digest_detail::kK3;

KeyHasher::KeyHasher(std::uint64_t seed) noexcept
    : seed_lo_(Avalanche(seed ^ kK0)), seed_hi_(Avalanche(seed + kK2)) {}

KeyHasher KeyHasher::Random() {
  std::random_device device;
  const std::uint64_t seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  return KeyHasher(seed);
}

KeyDigest KeyHasher::Digest(std::string_view bytes) const noexcept {
  return Finish(Absorb({seed_lo_, seed_hi_}, bytes.data(), bytes.size()), bytes.size());
}

KeyHasher::Tagged KeyHasher::DigestTagged(std::string_view key, std::size_t close) const noexcept {
  const std::size_t tag_size = close - 1;
  const Lanes tag = Absorb({seed_lo_, seed_hi_}, key.data() + 1, tag_size);
  Lanes all = Absorb(tag, key.data() + close, key.size() - close);
  // Separate this construction from Digest's, and bind where the tag ended.
  all.a ^= kK2;
  all.b ^= tag_size * kK0;
  return Tagged{Finish(all, key.size()), FinishLo(tag, tag_size)};  // the tag's lo lane only
}

KeyHasher::Lanes KeyHasher::NamePrefix(std::string_view name) const noexcept {
  Lanes lanes = Absorb({seed_lo_, seed_hi_}, name.data(), name.size());
  // Bind where the name ends (the user's key follows in the same lanes), and separate this
  // construction from the others.
  lanes.a ^= name.size() * kK2;
  lanes.b ^= kK3;
  return lanes;
}

}  // namespace limitsd::storage::memory
