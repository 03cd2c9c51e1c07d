#pragma once

// librdkafka's in-process mock cluster, for tests that need a broker they
// own: real protocol over loopback on ephemeral ports, with faults that can
// be injected (see rdkafka_mock.h). Link the C client (PkgConfig::RDKAFKA).

#include <librdkafka/rdkafka.h>
// The mock API needs rdkafka.h first.
#include <catch2/catch.hpp>
#include <librdkafka/rdkafka_mock.h>
#include <memory>
#include <string>

namespace semiasync::testing {

/// A one-broker mock cluster on its own C handle, destroyed with it.
class mock_cluster {
public:
  mock_cluster() {
    char reason[256];
    handle_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), reason,
                               sizeof reason));
    REQUIRE(handle_ != nullptr);
    cluster_.reset(rd_kafka_mock_cluster_new(handle_.get(), 1));
    REQUIRE(cluster_ != nullptr);
  }

  /// The cluster, for the mock API's fault injection.
  rd_kafka_mock_cluster_t* get() {
    return cluster_.get();
  }

  /// The `bootstrap.servers` value that reaches the cluster.
  std::string bootstraps() const {
    return rd_kafka_mock_cluster_bootstraps(cluster_.get());
  }

  /// Creates topic `name` with `partitions` partitions (replication 1).
  void create_topic(const char* name, int partitions) {
    REQUIRE(rd_kafka_mock_topic_create(cluster_.get(), name, partitions, 1)
            == RD_KAFKA_RESP_ERR_NO_ERROR);
  }

private:
  struct handle_deleter {
    void operator()(rd_kafka_t* ptr) const {
      rd_kafka_destroy(ptr);
    }
  };
  struct cluster_deleter {
    void operator()(rd_kafka_mock_cluster_t* ptr) const {
      rd_kafka_mock_cluster_destroy(ptr);
    }
  };

  // The cluster must go before the handle it was created on.
  std::unique_ptr<rd_kafka_t, handle_deleter> handle_;
  std::unique_ptr<rd_kafka_mock_cluster_t, cluster_deleter> cluster_;
};

} // namespace semiasync::testing
