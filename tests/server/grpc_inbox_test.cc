#include "server/grpc_inbox.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace limitsd::server {
namespace {

struct Entry {
  Entry* next = nullptr;
  int producer = 0;
  int seq = 0;
  int served = 0;
};

std::vector<int> DrainSeqs(GrpcInbox<Entry>& inbox) {
  std::vector<int> seqs;
  inbox.Drain([&seqs](Entry& entry) { seqs.push_back(entry.seq); });
  return seqs;
}

TEST(GrpcInbox, DrainsInArrivalOrderAndEmpties) {
  GrpcInbox<Entry> inbox;
  std::vector<Entry> entries(5);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].seq = static_cast<int>(i);
    inbox.Push(entries[i]);
  }
  EXPECT_EQ(DrainSeqs(inbox), (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(DrainSeqs(inbox).empty());
}

TEST(GrpcInbox, AsksForADrainOnlyWhenThePushFoundItEmpty) {
  GrpcInbox<Entry> inbox;
  Entry a, b, c, d;
  EXPECT_TRUE(inbox.Push(a));
  EXPECT_FALSE(inbox.Push(b));
  EXPECT_FALSE(inbox.Push(c));
  inbox.Drain([](Entry&) {});
  EXPECT_TRUE(inbox.Push(d));
}

TEST(GrpcInbox, AnEntryMayEndItsLifeWhileServed) {
  GrpcInbox<Entry> inbox;
  std::vector<Entry> entries(3);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    entries[i].seq = static_cast<int>(i);
    inbox.Push(entries[i]);
  }
  std::vector<int> seqs;
  inbox.Drain([&seqs](Entry& entry) {
    seqs.push_back(entry.seq);
    entry = Entry{};  // as if its call's arena were freed: `next` is not read after this
  });
  EXPECT_EQ(seqs, (std::vector<int>{0, 1, 2}));
}

TEST(GrpcInbox, AnEntryPushedDuringADrainWaitsForTheNextOneWhichItAsksFor) {
  GrpcInbox<Entry> inbox;
  Entry a, b, late;
  a.seq = 1;
  b.seq = 2;
  late.seq = 3;
  inbox.Push(a);
  inbox.Push(b);
  bool asked = false;
  std::vector<int> seqs;
  inbox.Drain([&](Entry& entry) {
    seqs.push_back(entry.seq);
    if (entry.seq == 1) asked = inbox.Push(late);
  });
  EXPECT_EQ(seqs, (std::vector<int>{1, 2}));
  EXPECT_TRUE(asked);
  EXPECT_EQ(DrainSeqs(inbox), (std::vector<int>{3}));
}

// Producers push their own entries in order and, when a push found the inbox empty, ask the
// consumer for a drain, as the gRPC front door posts one to an I/O thread. Every entry is
// drained once, after the drain its push asked for or an earlier one, each producer's in its
// order, and no drain comes up empty.
TEST(GrpcInbox, SeveralProducersOneConsumerDrainEveryEntryOnceInEachProducersOrder) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 20000;
  GrpcInbox<Entry> inbox;
  std::vector<std::vector<Entry>> entries(kProducers, std::vector<Entry>(kPerProducer));

  std::mutex mutex;
  std::condition_variable cv;
  int asked = 0;  // drains asked for and not begun yet
  int producing = kProducers;

  std::vector<int> last_seq(kProducers, -1);
  int served = 0;
  int drains = 0;
  int empty_drains = 0;
  bool in_order = true;
  std::thread consumer([&] {
    for (;;) {
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return asked > 0 || producing == 0; });
        if (asked == 0) return;  // every producer is done, and every drain asked for ran
        --asked;
      }
      ++drains;
      int this_drain = 0;
      inbox.Drain([&](Entry& entry) {
        ++entry.served;
        ++this_drain;
        in_order = in_order && entry.seq == last_seq[entry.producer] + 1;
        last_seq[entry.producer] = entry.seq;
      });
      served += this_drain;
      if (this_drain == 0) ++empty_drains;
    }
  });

  std::vector<int> wakes(kProducers, 0);
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        Entry& entry = entries[p][i];
        entry.producer = p;
        entry.seq = i;
        if (inbox.Push(entry)) {
          ++wakes[p];
          const std::lock_guard lock(mutex);
          ++asked;
          cv.notify_one();
        }
      }
      const std::lock_guard lock(mutex);
      --producing;
      cv.notify_one();
    });
  }
  for (std::thread& producer : producers) producer.join();
  consumer.join();

  EXPECT_TRUE(in_order);
  EXPECT_EQ(served, kProducers * kPerProducer);
  for (const auto& mine : entries) {
    for (const Entry& entry : mine) {
      ASSERT_EQ(entry.served, 1) << entry.producer << " " << entry.seq;
    }
  }
  int total_wakes = 0;
  for (int w : wakes) total_wakes += w;
  EXPECT_EQ(drains, total_wakes);
  EXPECT_EQ(empty_drains, 0);
  EXPECT_TRUE(DrainSeqs(inbox).empty());
}

}  // namespace
}  // namespace limitsd::server
